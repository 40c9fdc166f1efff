//! Fetching the real snacks dataset (feature `download`).
//!
//! The snacks photos (6,745 photos from Google Open Images, each under CC BY 2.0 with its author
//! and source URL in the dataset's `credits.csv`, collected by Matthijs Hollemans for the book
//! *Machine Learning by Tutorials*) live on the Hugging Face hub in the dataset repository
//! `Matthijs/snacks`, as one zip archive, `images.zip` (about 110 MB), beside the `datasets`
//! loading script `snacks.py`. That script reads the archive as `data/train`, `data/val` and
//! `data/test`, one folder per class (named as the classes, "hot dog" and "ice cream" with a
//! space), and keeps only `.jpg` files, since the archive also carries macOS extras
//! (`__MACOSX/…/._*.jpg` stubs). That is the layout `flow_from_directory` reads, so the whole job
//! is download, unpack, verify:
//!
//! 1. **download** `{base_url}/images.zip` into `data/snacks.zip.partial`, with a progress bar in a
//!    terminal (whole lines otherwise; see [`ProgressStyle`]). The hub answers with a redirect to a signed URL on its
//!    CDN, which is followed with the `Range` header kept. An interrupted download is **resumed**
//!    with such a `Range` request, and a dropped connection is retried a few times. A server that
//!    cannot be reached at all (connection refused, unknown host, no answer within
//!    [`DownloadOptions::connect_timeout`]) is not retried: the machine is offline, and the caller
//!    should hear so at once. A server that stops sending for [`DownloadOptions::stall_timeout`]
//!    counts as a dropped connection;
//! 2. **unpack** the image files into a hidden working folder beside `data/snacks/`, wherever the
//!    `train/`, `val/` and `test/` folders sit inside the archive, with the dataset's own files
//!    beside them (`credits.csv`, `README.txt`, the annotations);
//! 3. **verify** the class folders and the image counts (4,838 / 955 / 952 in 20 classes), write the
//!    [`MARKER`] file, and only then rename the folder to `data/snacks/` and delete the archive.
//!
//! A damaged archive or wrong counts are refused and leave nothing behind (the next try starts
//! over). The base URL, the timeouts and the expected counts are options, so tests can serve a
//! small archive from a local server. Every error is one line that says why: `no route to
//! huggingface.co: connection refused`, `no answer from huggingface.co within 5 s`,
//! `huggingface.co answered HTTP 404`, `the download stalled after … bytes: no data for 30 s`.

use super::datasets::{read_marker, write_marker, DatasetMarker, MarkerKind, MARKER, REAL_SNACKS_COUNTS, SPLITS};
use crate::fsutil::{parent_of, write_dir_atomically, Existing};
use crate::progress_bar::{ProgressBar, Stream, Style};
use crate::{Error, Result};
use std::collections::BTreeSet;
use std::fs::{self, File, OpenOptions};
use std::io::{BufReader, ErrorKind, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Where the real dataset is downloaded from: the `resolve/main` folder of the hub repository.
pub const SNACKS_BASE_URL: &str = "https://huggingface.co/datasets/Matthijs/snacks/resolve/main";

/// The archive in that folder that holds the images.
pub const SNACKS_ARCHIVE: &str = "images.zip";

/// The environment variable that replaces [`SNACKS_BASE_URL`]: a mirror, or a local server in tests.
pub const HUB_URL_ENV: &str = "SNACKML_HUB_URL";

/// The environment variable that, set to anything but empty or `0`, keeps `snackml get-snacks`
/// (the data step of `scripts/start.sh`) from trying the hub: the synthetic stand-in is used.
pub const NO_DOWNLOAD_ENV: &str = "SNACKML_NO_DOWNLOAD";

/// The folder URL to download from: [`HUB_URL_ENV`] when set and not empty, else [`SNACKS_BASE_URL`].
pub fn hub_base_url() -> String {
    std::env::var(HUB_URL_ENV).ok().filter(|v| !v.trim().is_empty()).unwrap_or_else(|| SNACKS_BASE_URL.into())
}

/// True when [`NO_DOWNLOAD_ENV`] says not to download.
pub fn download_disabled() -> bool {
    std::env::var_os(NO_DOWNLOAD_ENV).is_some_and(|v| !v.is_empty() && v != "0")
}

/// How progress is shown: the crate's Keras-style bar, counting megabytes and followed by the
/// transfer rate, `52.3/110.0 MB [=============>................] - ETA: 18s - 3.1 MB/s`, ending
/// with a final line that gives the time taken.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ProgressStyle {
    /// A bar when standard error is a terminal, plain lines otherwise.
    #[default]
    Auto,
    /// The bar redrawn in place on standard error.
    Bar,
    /// A whole line on standard output at every 10% (every 10 s when the size is unknown).
    Lines,
    /// Nothing.
    Silent,
}

/// Where to download from and what to expect.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DownloadOptions {
    /// The folder URL the archive is in (no trailing slash needed).
    pub base_url: String,
    /// The archive's file name in that folder.
    pub archive: String,
    /// Images expected in train, val and test.
    pub expected_counts: [usize; 3],
    /// Class folders expected in each split.
    pub expected_classes: usize,
    /// How many times a dropped or failed transfer is resumed before giving up.
    pub retries: usize,
    /// How progress is shown.
    pub progress: ProgressStyle,
    /// How long resolving the host name, and then connecting (TCP and TLS), may each take before
    /// the server counts as unreachable (default 5 s).
    pub connect_timeout: Duration,
    /// How long the server may send nothing, while the response's headers or body are awaited,
    /// before the transfer counts as dropped (default 30 s).
    pub stall_timeout: Duration,
}

impl Default for DownloadOptions {
    /// The real snacks dataset from the Hugging Face hub: 4,838 / 955 / 952 images, 20 classes.
    fn default() -> Self {
        DownloadOptions {
            base_url: SNACKS_BASE_URL.into(),
            archive: SNACKS_ARCHIVE.into(),
            expected_counts: REAL_SNACKS_COUNTS,
            expected_classes: 20,
            retries: 3,
            progress: ProgressStyle::Auto,
            connect_timeout: Duration::from_secs(5),
            stall_timeout: Duration::from_secs(30),
        }
    }
}

impl DownloadOptions {
    /// The archive's full URL.
    pub fn url(&self) -> String {
        format!("{}/{}", self.base_url.trim_end_matches('/'), self.archive)
    }
}

/// What [`download_snacks`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DownloadSummary {
    /// The dataset folder.
    pub path: PathBuf,
    /// False when a complete, verified dataset was already there (nothing was fetched).
    pub downloaded: bool,
    /// Bytes fetched over the network by this call.
    pub bytes_fetched: u64,
    /// Bytes of an earlier partial download that were kept and resumed from.
    pub resumed_from: u64,
    /// Images per split (train, val, test).
    pub counts: [usize; 3],
    /// Class folders per split.
    pub classes: usize,
}

impl std::fmt::Display for DownloadSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let [train, val, test] = self.counts;
        let what = format!("{train} train, {val} val, {test} test images in {} classes", self.classes);
        if self.downloaded {
            write!(f, "Downloaded the snacks dataset to {} ({what})", self.path.display())
        } else {
            write!(f, "The snacks dataset is already complete at {} ({what})", self.path.display())
        }
    }
}

/// Downloads, unpacks and verifies the snacks dataset into `out` (normally `data/snacks`), or
/// does nothing when a complete one is already there. See the module docs for the steps.
pub fn download_snacks(out: &Path, options: &DownloadOptions) -> Result<DownloadSummary> {
    if let Some(marker) = read_marker(out).filter(|m| m.kind == MarkerKind::Real) {
        // A run stopped between moving the dataset into place and deleting the archive left it.
        let _ = fs::remove_file(partial_path(out));
        return Ok(DownloadSummary {
            path: out.to_path_buf(),
            downloaded: false,
            bytes_fetched: 0,
            resumed_from: 0,
            counts: marker.counts,
            classes: marker.classes.len(),
        });
    }
    check_out_folder(out)?;
    let parent = parent_of(out);
    fs::create_dir_all(parent).map_err(|e| Error::path(parent, format!("cannot create the folder: {e}")))?;
    let partial = partial_path(out);
    let (fetched, resumed_from) = Transfer::new(out, options).fetch_with_retries()?;
    let unpacked = unpack_and_verify(&partial, out, options);
    // Whatever the outcome, the archive has served: a bad one must not be resumed from.
    let _ = fs::remove_file(&partial);
    let marker = unpacked?;
    Ok(DownloadSummary {
        path: out.to_path_buf(),
        downloaded: true,
        bytes_fetched: fetched,
        resumed_from,
        counts: marker.counts,
        classes: marker.classes.len(),
    })
}

/// The file the archive is downloaded into: `snacks.zip.partial` beside `out`.
pub fn partial_path(out: &Path) -> PathBuf {
    parent_of(out).join(format!("{}.zip.partial", file_name(out)))
}

/// Refuses an `out` that exists and is anything but an empty folder (it is not ours to replace).
fn check_out_folder(out: &Path) -> Result<()> {
    if !out.exists() {
        return Ok(());
    }
    let empty = out.is_dir() && fs::read_dir(out).map(|mut d| d.next().is_none()).unwrap_or(false);
    if empty {
        return Ok(());
    }
    Err(Error::path(
        out,
        format!("exists and is not a complete snacks download (no {MARKER}): remove it or choose another folder"),
    ))
}

// ---------------------------------------------------------------------------------------------
// Downloading

/// How one transfer attempt failed.
enum Failure {
    /// The server was never reached or never answered: connection refused, unknown host, no
    /// route, nothing within the connect timeout (or, once connected, within the stall timeout).
    /// Not retried unless an earlier attempt of the same download got an answer.
    Unreachable(String),
    /// Worth resuming (connection dropped or stalled, server error).
    Transient(String),
    /// Not worth retrying (not found, forbidden, local disk error, ...).
    Fatal(Error),
}

/// One download of `options.url()` into the partial file beside `out`, over one or more requests.
struct Transfer<'a> {
    agent: ureq::Agent,
    url: String,
    out: &'a Path,
    partial: PathBuf,
    options: &'a DownloadOptions,
    /// Bytes fetched by this download's requests so far.
    fetched: u64,
    /// True once a server answered one of this download's requests.
    reached: bool,
}

impl<'a> Transfer<'a> {
    fn new(out: &'a Path, options: &'a DownloadOptions) -> Self {
        Transfer {
            agent: agent(options),
            url: options.url(),
            out,
            partial: partial_path(out),
            options,
            fetched: 0,
            reached: false,
        }
    }

    /// Fetches the archive into the partial file, resuming after each transient failure up to
    /// `retries` times. Returns (bytes fetched now, bytes that were already there).
    fn fetch_with_retries(&mut self) -> Result<(u64, u64)> {
        let resumed_from = fs::metadata(&self.partial).map(|m| m.len()).unwrap_or(0);
        let retries = self.options.retries;
        let mut attempt = 0;
        loop {
            let message = match self.fetch_once() {
                Ok(()) => return Ok((self.fetched, resumed_from)),
                Err(Failure::Fatal(e)) => return Err(e),
                Err(Failure::Unreachable(message)) if !self.reached => return Err(self.given_up(message)),
                Err(Failure::Unreachable(message) | Failure::Transient(message)) => message,
            };
            if attempt == retries {
                return Err(self.given_up(message));
            }
            attempt += 1;
            eprintln!("{message}: resuming (try {attempt} of {retries})");
            std::thread::sleep(Duration::from_millis(500 * attempt as u64));
        }
    }

    /// The error of a download given up after `message`, saying what is kept for the next try.
    fn given_up(&self, message: String) -> Error {
        match fs::metadata(&self.partial).map(|m| m.len()) {
            Ok(have) if have > 0 => Error::Download(format!(
                "{message}; {have} bytes are kept in {}: run the download again to resume",
                self.partial.display()
            )),
            _ => {
                let _ = fs::remove_file(&self.partial);
                Error::Download(message)
            }
        }
    }

    /// One request: from byte `len(partial)` on if something is there, else from the start.
    fn fetch_once(&mut self) -> std::result::Result<(), Failure> {
        let (url, partial) = (self.url.as_str(), self.partial.as_path());
        let have = fs::metadata(partial).map(|m| m.len()).unwrap_or(0);
        let mut request = self.agent.get(url).header("Accept-Encoding", "identity");
        if have > 0 {
            request = request.header("Range", format!("bytes={have}-"));
        }
        let response = request.call().map_err(|e| classify(url, e, self.options))?;
        let first_answer = !self.reached;
        self.reached = true;
        let status = response.status().as_u16();
        let header = |name: &str| response.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
        let host = host_of(url);
        let (start, total) = match status {
            200 => (0, header("content-length").and_then(|v| v.trim().parse::<u64>().ok())),
            206 => match header("content-range").as_deref().and_then(parse_content_range) {
                Some((start, total)) if start == have => (start, total),
                _ => return Err(Failure::Transient(format!("{host} resumed the download at the wrong place"))),
            },
            // Asked for bytes past the end: the file was already whole.
            416 if have > 0 => return Ok(()),
            500..=599 | 408 | 429 => return Err(Failure::Transient(format!("{host} answered HTTP {status}"))),
            _ => return Err(Failure::Fatal(Error::Download(format!("{host} answered HTTP {status} for {url}")))),
        };
        if first_answer && self.options.progress != ProgressStyle::Silent {
            let size = total.map(|t| format!(" ({})", megabytes(t))).unwrap_or_default();
            println!("Downloading {url}{size} into {}", super::shown_path(self.out));
        }
        let mut file = open_at(partial, start).map_err(Failure::Fatal)?;
        let mut bar = progress_bar(self.options.progress, start, total);
        let mut body = response.into_body().into_reader();
        let mut buffer = vec![0u8; 64 * 1024];
        let mut position = start;
        loop {
            let n = match body.read(&mut buffer) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) => {
                    bar.finish(position, &rate(&bar, start, position));
                    let stall = format!("no data for {}", seconds(self.options.stall_timeout));
                    return Err(Failure::Transient(match ureq::Error::from(e) {
                        ureq::Error::Timeout(_) => format!("the download stalled after {position} bytes: {stall}"),
                        ureq::Error::Io(e) if matches!(e.kind(), ErrorKind::TimedOut | ErrorKind::WouldBlock) => {
                            format!("the download stalled after {position} bytes: {stall}")
                        }
                        e => format!("the connection broke after {position} bytes: {e}"),
                    }));
                }
            };
            let write_error = |e: std::io::Error| Failure::Fatal(Error::path(partial, format!("cannot write: {e}")));
            file.write_all(&buffer[..n]).map_err(write_error)?;
            position += n as u64;
            self.fetched += n as u64;
            bar.update(position, &rate(&bar, start, position));
        }
        bar.finish(position, &rate(&bar, start, position));
        file.sync_all().map_err(|e| Failure::Fatal(Error::path(partial, format!("cannot write: {e}"))))?;
        match total {
            Some(total) if position != total => {
                Err(Failure::Transient(format!("the connection closed after {position} of {total} bytes")))
            }
            _ => Ok(()),
        }
    }
}

/// An HTTP client: status codes are answers (not errors); the options' timeouts for an
/// unreachable server and for one that stops sending.
fn agent(options: &DownloadOptions) -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_resolve(Some(options.connect_timeout))
        .timeout_connect(Some(options.connect_timeout))
        .timeout_send_request(Some(options.stall_timeout))
        .timeout_recv_response(Some(options.stall_timeout))
        .timeout_per_read(Some(options.stall_timeout))
        .user_agent(concat!("snackml/", env!("CARGO_PKG_VERSION")))
        .build()
        .into()
}

/// A request that got no response, in one line that says why: an unreachable server (refused, no
/// such host, no answer in time), a broken connection, or another error (a malformed URL or a
/// refused TLS certificate is not worth another try).
fn classify(url: &str, e: ureq::Error, options: &DownloadOptions) -> Failure {
    use ureq::Timeout;
    let host = host_of(url);
    let no_route = |why: &dyn std::fmt::Display| Failure::Unreachable(format!("no route to {host}: {why}"));
    match e {
        ureq::Error::HostNotFound => no_route(&"the host name does not resolve"),
        ureq::Error::ConnectionFailed => no_route(&"the connection failed"),
        ureq::Error::Timeout(Timeout::Resolve | Timeout::Connect) => {
            Failure::Unreachable(format!("no answer from {host} within {}", seconds(options.connect_timeout)))
        }
        // Before any answer: the server took the connection and never answered.
        ureq::Error::Timeout(_) => {
            Failure::Unreachable(format!("no answer from {host} within {}", seconds(options.stall_timeout)))
        }
        ureq::Error::Io(io) => match io.kind() {
            ErrorKind::ConnectionRefused => no_route(&"connection refused"),
            ErrorKind::NetworkUnreachable | ErrorKind::HostUnreachable | ErrorKind::AddrNotAvailable => no_route(&io),
            _ => Failure::Transient(format!("cannot fetch from {host}: {io}")),
        },
        ureq::Error::Protocol(_) | ureq::Error::BodyStalled => {
            Failure::Transient(format!("cannot fetch from {host}: {e}"))
        }
        _ => Failure::Fatal(Error::Download(format!("cannot fetch {url}: {e}"))),
    }
}

/// The `host[:port]` part of a URL.
fn host_of(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    authority.rsplit_once('@').map_or(authority, |(_, host)| host)
}

/// `5 s`, `0.5 s`.
fn seconds(duration: Duration) -> String {
    format!("{} s", duration.as_secs_f64())
}

/// `partial` opened for writing at byte `start` (truncated there).
fn open_at(partial: &Path, start: u64) -> Result<File> {
    let file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(partial)
        .map_err(|e| Error::path(partial, format!("cannot open for writing: {e}")))?;
    file.set_len(start).map_err(|e| Error::path(partial, format!("cannot truncate: {e}")))?;
    Ok(file)
}

/// `bytes START-END/TOTAL` → (START, Some(TOTAL)); `TOTAL` may be `*` (unknown).
fn parse_content_range(value: &str) -> Option<(u64, Option<u64>)> {
    let rest = value.trim().strip_prefix("bytes")?.trim_start();
    let (range, total) = rest.split_once('/')?;
    let start = range.split_once('-')?.0.trim().parse().ok()?;
    let total = match total.trim() {
        "*" => None,
        t => Some(t.parse().ok()?),
    };
    Some((start, total))
}

/// The bar of one transfer from byte `start` of `total` (see [`ProgressStyle`]):
/// `52.3/110.0 MB [=============>................] - ETA: 18s - 3.1 MB/s`.
fn progress_bar(style: ProgressStyle, start: u64, total: Option<u64>) -> ProgressBar {
    let (style, stream) = match style {
        ProgressStyle::Auto if std::io::stderr().is_terminal() => (Style::InPlace, Stream::Stderr),
        ProgressStyle::Auto | ProgressStyle::Lines => (Style::Lines, Stream::Stdout),
        ProgressStyle::Bar => (Style::InPlace, Stream::Stderr),
        ProgressStyle::Silent => (Style::Silent, Stream::Stderr),
    };
    if style == Style::Lines && start > 0 {
        println!("Resuming the download at {}", megabytes(start));
    }
    ProgressBar::new(total, style, stream)
        .starting_at(start)
        .lines_every_tenth()
        .counts(megabyte_counts)
        .without_per_step()
}

/// What follows the bar: ` - 3.1 MB/s`, the rate of this transfer (from `start`).
fn rate(bar: &ProgressBar, start: u64, position: u64) -> String {
    format!(" - {:.1} MB/s", (position - start) as f64 / bar.elapsed().max(1e-3) / 1e6)
}

/// `52.3/110.0 MB`, or `52.3 MB` when the size is unknown.
fn megabyte_counts(done: u64, total: Option<u64>) -> String {
    match total {
        Some(total) => format!("{:.1}/{}", done as f64 / 1e6, megabytes(total)),
        None => megabytes(done),
    }
}

/// `52.3 MB`.
fn megabytes(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}

// ---------------------------------------------------------------------------------------------
// Unpacking

/// Unpacks the images of `archive` beside `out`, checks them against `options`, writes the
/// marker and renames the folder to `out` (see [`write_dir_atomically`]). On any failure nothing
/// is left beside `out`.
fn unpack_and_verify(archive: &Path, out: &Path, options: &DownloadOptions) -> Result<DatasetMarker> {
    write_dir_atomically(out, Existing::MustBeEmpty, |work| {
        let (counts, classes) = unpack(archive, work)?;
        verify(&counts, &classes, options)?;
        let marker = DatasetMarker {
            kind: MarkerKind::Real,
            source: options.url(),
            version: 1,
            classes: classes[0].iter().cloned().collect(),
            counts,
            drawn: None,
        };
        write_marker(work, &marker)?;
        Ok(marker)
    })
}

/// Copies every image under a `train/`, `val/` or `test/` folder of the archive to
/// `dest/SPLIT/CLASS/FILE`, and the files beside those folders (the dataset's `credits.csv`,
/// `README.txt`, annotations) to `dest/FILE`. Returns the images per split and the class names
/// per split.
fn unpack(archive: &Path, dest: &Path) -> Result<([usize; 3], [BTreeSet<String>; 3])> {
    let corrupt = |e: &dyn std::fmt::Display| {
        Error::Download(format!("the downloaded file is not a valid zip archive (it has been deleted): {e}"))
    };
    let file = File::open(archive).map_err(|e| Error::path(archive, format!("cannot open: {e}")))?;
    let mut zip = zip::ZipArchive::new(BufReader::new(file)).map_err(|e| corrupt(&e))?;
    // The folder that holds the splits: where the first image's `SPLIT/CLASS/FILE` starts.
    let root: Option<PathBuf> = zip
        .file_names()
        .map(Path::new)
        .find(|p| image_place(p).is_some())
        .and_then(|p| p.ancestors().nth(3).map(Path::to_path_buf));
    let mut counts = [0usize; 3];
    let mut classes: [BTreeSet<String>; 3] = Default::default();
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).map_err(|e| corrupt(&e))?;
        if entry.is_dir() {
            continue;
        }
        let Some(name) = entry.enclosed_name() else {
            return Err(Error::Download(format!("the archive holds an unsafe path: {}", entry.name())));
        };
        let target = if let Some((split, class, file_name)) = image_place(&name) {
            let folder = dest.join(SPLITS[split]).join(&class);
            fs::create_dir_all(&folder).map_err(|e| Error::path(&folder, format!("cannot create: {e}")))?;
            counts[split] += 1;
            classes[split].insert(class);
            folder.join(file_name)
        } else if root.is_some() && name.parent() == root.as_deref() && !is_hidden(&name) {
            dest.join(name.file_name().unwrap_or_default())
        } else {
            continue;
        };
        let mut out = File::create(&target).map_err(|e| Error::path(&target, format!("cannot create: {e}")))?;
        std::io::copy(&mut entry, &mut out).map_err(|e| corrupt(&format!("{}: {e}", name.display())))?;
    }
    Ok((counts, classes))
}

/// True for macOS extras and hidden files: a part of the path starts with `__MACOSX` or `.`.
fn is_hidden(path: &Path) -> bool {
    path.components().any(|c| {
        let part = c.as_os_str().to_string_lossy();
        part.starts_with("__MACOSX") || part.starts_with('.')
    })
}

/// Where an archive entry goes: (split index, class, file name) for `…/train/apple/x.jpg`,
/// None for anything that is not an image in a split's class folder (credits, macOS extras).
fn image_place(path: &Path) -> Option<(usize, String, String)> {
    let parts: Vec<String> = path.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
    if parts.len() < 3 || is_hidden(path) {
        return None;
    }
    let (file, class, split) = (&parts[parts.len() - 1], &parts[parts.len() - 2], &parts[parts.len() - 3]);
    let split = match split.as_str() {
        "train" => 0,
        "val" | "validation" => 1,
        "test" => 2,
        _ => return None,
    };
    let extension = Path::new(file).extension()?.to_string_lossy().to_ascii_lowercase();
    matches!(extension.as_str(), "jpg" | "jpeg" | "png").then(|| (split, class.clone(), file.clone()))
}

/// Checks the unpacked counts and class folders against what was expected.
fn verify(counts: &[usize; 3], classes: &[BTreeSet<String>; 3], options: &DownloadOptions) -> Result<()> {
    if counts.iter().all(|&n| n == 0) {
        return Err(Error::Download("the archive holds no images in train/, val/ or test/ class folders".into()));
    }
    for (s, split) in SPLITS.iter().enumerate() {
        if classes[s].len() != options.expected_classes {
            return Err(Error::Download(format!(
                "{split}/ has {} class folders, expected {}",
                classes[s].len(),
                options.expected_classes
            )));
        }
        if classes[s] != classes[0] {
            return Err(Error::Download(format!("{split}/ has other class folders than train/")));
        }
    }
    if *counts != options.expected_counts {
        let [a, b, c] = options.expected_counts;
        return Err(Error::Download(format!(
            "the archive holds {} / {} / {} train / val / test images, expected {a} / {b} / {c}",
            counts[0], counts[1], counts[2]
        )));
    }
    Ok(())
}

/// The last part of `path`, as text.
fn file_name(path: &Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "snacks".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_ranges_parse() {
        assert_eq!(parse_content_range("bytes 100-199/200"), Some((100, Some(200))));
        assert_eq!(parse_content_range("bytes 5-9/*"), Some((5, None)));
        assert_eq!(parse_content_range("items 1-2/3"), None);
        assert_eq!(parse_content_range("bytes x-2/3"), None);
    }

    #[test]
    fn reasons_name_the_host_and_the_time() {
        assert_eq!(host_of(SNACKS_BASE_URL), "huggingface.co");
        assert_eq!(host_of("http://127.0.0.1:8080/files?x=1"), "127.0.0.1:8080");
        assert_eq!(host_of("https://user:pw@mirror.example:443"), "mirror.example:443");
        assert_eq!(
            (seconds(Duration::from_secs(5)), seconds(Duration::from_millis(500))),
            ("5 s".into(), "0.5 s".into())
        );
    }

    #[test]
    fn images_are_found_under_any_prefix_and_junk_is_skipped() {
        let place = |p: &str| image_place(Path::new(p));
        assert_eq!(place("train/apple/a.jpg"), Some((0, "apple".into(), "a.jpg".into())));
        assert_eq!(place("images/val/hot dog/b.JPG"), Some((1, "hot dog".into(), "b.JPG".into())));
        assert_eq!(place("snacks/test/ice cream/c.jpeg"), Some((2, "ice cream".into(), "c.jpeg".into())));
        assert_eq!(place("__MACOSX/train/apple/._a.jpg"), None);
        assert_eq!(place("train/apple/.DS_Store"), None);
        assert_eq!(place("credits.csv"), None);
        assert_eq!(place("train/apple/notes.txt"), None);
        assert_eq!(place("train/a.jpg"), None);
    }
}
