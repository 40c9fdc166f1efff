//! The HTTP side of the download: one transfer of the archive over as many requests as it takes
//! (resumed with `Range` after a dropped or stalled connection), the hub's redirect to its CDN
//! followed by hand so its `X-Linked-Size` and `X-Linked-Etag` are read, and small files (the
//! credits) fetched whole. Timeouts bound the silences, never the whole transfer.

use super::checksum::{check_announced, linked_sha256};
use super::{partial_path, DownloadOptions, ProgressStyle};
use crate::progress_bar::{ProgressBar, Stream, Style};
use crate::{Error, Result};
use std::fs::{self, File, OpenOptions};
use std::io::{ErrorKind, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How many redirects one request may take (the hub takes one, to its CDN).
const MAX_REDIRECTS: usize = 5;

/// The most a small file (the credits: 2.56 MB) may be.
const MAX_SMALL_FILE: u64 = 64 << 20;

/// A response and the URL that gave it.
type Answer = (ureq::http::Response<ureq::Body>, String);

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
pub(super) struct Transfer<'a> {
    agent: ureq::Agent,
    url: String,
    out: &'a Path,
    partial: PathBuf,
    options: &'a DownloadOptions,
    /// Bytes fetched by this download's requests so far.
    fetched: u64,
    /// True once a server answered one of this download's requests.
    reached: bool,
    /// The archive's size as the hub announced it (`X-Linked-Size` on its redirect).
    linked_size: Option<u64>,
}

impl<'a> Transfer<'a> {
    pub(super) fn new(out: &'a Path, options: &'a DownloadOptions) -> Self {
        Transfer {
            agent: agent(options),
            url: options.url(),
            out,
            partial: partial_path(out),
            options,
            fetched: 0,
            reached: false,
            linked_size: None,
        }
    }

    /// The archive's size as the hub announced it, if it did.
    pub(super) fn linked_size(&self) -> Option<u64> {
        self.linked_size
    }

    /// Fetches the archive into the partial file, resuming after each transient failure up to
    /// `retries` times. Returns (bytes fetched now, bytes that were already there).
    pub(super) fn fetch_with_retries(&mut self) -> Result<(u64, u64)> {
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
        let partial = self.partial.clone();
        let partial = partial.as_path();
        let have = fs::metadata(partial).map(|m| m.len()).unwrap_or(0);
        let url = self.url.clone();
        let (response, final_url) = self.get(&url, (have > 0).then_some(have))?;
        let url = url.as_str();
        let first_answer = !self.reached;
        self.reached = true;
        let status = response.status().as_u16();
        let header = |name: &str| header(&response, name);
        let host = host_of(&final_url);
        let (start, total) = match status {
            200 => (0, header("content-length").and_then(|v| v.trim().parse::<u64>().ok())),
            206 => match header("content-range").as_deref().and_then(parse_content_range) {
                Some((start, total)) if start == have => (start, total),
                _ => return Err(Failure::Transient(format!("{host} resumed the download at the wrong place"))),
            },
            // Asked for bytes past the end: the file was already whole.
            416 if have > 0 => return Ok(()),
            500..=599 | 408 | 429 => return Err(Failure::Transient(format!("{host} answered HTTP {status}"))),
            _ => return Err(Failure::Fatal(Error::Download(format!("{host} answered HTTP {status} for {final_url}")))),
        };
        if first_answer && self.options.progress != ProgressStyle::Silent {
            let size = total.map(|t| format!(" ({})", megabytes(t))).unwrap_or_default();
            println!("Downloading {url}{size} into {}", crate::data::shown_path(self.out));
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

    /// `GET url` (from byte `from` on, when given), following redirects by hand: the hub's
    /// redirect carries the archive's size and SHA-256 (`X-Linked-Size`, `X-Linked-Etag`); an
    /// announced SHA-256 other than the expected one is refused here, before any body is fetched.
    fn get(&mut self, url: &str, from: Option<u64>) -> std::result::Result<Answer, Failure> {
        let mut url = url.to_string();
        for _ in 0..=MAX_REDIRECTS {
            let mut request = self.agent.get(&url).header("Accept-Encoding", "identity");
            if let Some(from) = from {
                request = request.header("Range", format!("bytes={from}-"));
            }
            let response = request.call().map_err(|e| classify(&url, e, self.options))?;
            if !response.status().is_redirection() {
                return Ok((response, url));
            }
            self.reached = true;
            if let Some(size) = header(&response, "x-linked-size").and_then(|v| v.trim().parse().ok()) {
                self.linked_size = Some(size);
            }
            if let Some(sha) = header(&response, "x-linked-etag").as_deref().and_then(linked_sha256) {
                check_announced(&sha, host_of(&url), self.options).map_err(Failure::Fatal)?;
            }
            let Some(location) = header(&response, "location") else {
                let status = response.status().as_u16();
                return Err(Failure::Fatal(Error::Download(format!(
                    "{} answered HTTP {status} without a Location for {url}",
                    host_of(&url)
                ))));
            };
            url = join_url(&url, &location);
        }
        Err(Failure::Fatal(Error::Download(format!("more than {MAX_REDIRECTS} redirects for {}", self.url))))
    }

    /// Fetches the small file `name` from the archive's folder whole into `dest` (the credits),
    /// retrying a dropped connection as the archive is. A missing file is an error.
    pub(super) fn fetch_small(&mut self, name: &str, dest: &Path) -> Result<()> {
        let url = self.options.file_url(name);
        let mut attempt = 0;
        loop {
            let message = match self.fetch_small_once(&url) {
                Ok(bytes) => {
                    return fs::write(dest, bytes).map_err(|e| Error::path(dest, format!("cannot write: {e}")));
                }
                Err(Failure::Fatal(e)) => return Err(e),
                Err(Failure::Unreachable(message) | Failure::Transient(message)) => message,
            };
            if attempt == self.options.retries {
                return Err(Error::Download(format!("{name}: {message}")));
            }
            attempt += 1;
            eprintln!("{name}: {message}: trying again (try {attempt} of {})", self.options.retries);
            std::thread::sleep(Duration::from_millis(500 * attempt as u64));
        }
    }

    fn fetch_small_once(&mut self, url: &str) -> std::result::Result<Vec<u8>, Failure> {
        let (response, final_url) = self.get(url, None)?;
        let host = host_of(&final_url).to_string();
        match response.status().as_u16() {
            200 => {}
            500..=599 | 408 | 429 => {
                let status = response.status().as_u16();
                return Err(Failure::Transient(format!("{host} answered HTTP {status}")));
            }
            status => {
                return Err(Failure::Fatal(Error::Download(format!("{host} answered HTTP {status} for {final_url}"))));
            }
        }
        let mut bytes = Vec::new();
        let mut body = response.into_body().into_reader().take(MAX_SMALL_FILE + 1);
        if let Err(e) = body.read_to_end(&mut bytes) {
            return Err(Failure::Transient(format!("the connection broke after {} bytes: {e}", bytes.len())));
        }
        if bytes.len() as u64 > MAX_SMALL_FILE {
            return Err(Failure::Fatal(Error::Download(format!("{url} is larger than {}", megabytes(MAX_SMALL_FILE)))));
        }
        Ok(bytes)
    }
}

/// A response header as text.
fn header(response: &ureq::http::Response<ureq::Body>, name: &str) -> Option<String> {
    response.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned)
}

/// Where a redirect's `Location` points, from `url`: an absolute URL as it is, `/path` on the
/// same server, anything else beside `url`.
fn join_url(url: &str, location: &str) -> String {
    let location = location.trim();
    if location.contains("://") {
        return location.to_string();
    }
    let (scheme, rest) = url.split_once("://").unwrap_or(("http", url));
    let authority = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    if location.starts_with('/') {
        return format!("{scheme}://{authority}{location}");
    }
    let path = url.split(['?', '#']).next().unwrap_or(url);
    let folder = path.rsplit_once('/').map_or(path, |(folder, _)| folder);
    format!("{folder}/{location}")
}

/// An HTTP client: status codes are answers (not errors); the options' timeouts for an
/// unreachable server and for one that stops sending. What each bounds in ureq 3.5: `resolve` and
/// `connect` the name look-up and the connection; `send_request` sending the request line and
/// headers; `recv_response` the wait for the whole response head; `per_read` each read of the
/// body (restarted by every byte that arrives). `recv_body`, `per_call` and `global` would bound
/// the whole transfer and would cut a slow link: they stay unset.
fn agent(options: &DownloadOptions) -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        // Redirects are followed by hand (`Transfer::get`), to read the hub's `X-Linked-*` headers.
        .max_redirects(0)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::download::SNACKS_BASE_URL;

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
    fn redirects_are_joined_as_browsers_do() {
        let from = "https://huggingface.co/datasets/Matthijs/snacks/resolve/abc/images.zip?x=1";
        assert_eq!(join_url(from, "https://cdn.example/x?sig=1"), "https://cdn.example/x?sig=1");
        assert_eq!(join_url(from, "/api/x"), "https://huggingface.co/api/x");
        assert_eq!(
            join_url(from, "other.zip"),
            "https://huggingface.co/datasets/Matthijs/snacks/resolve/abc/other.zip"
        );
    }
}
