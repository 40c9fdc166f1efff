//! The snacks downloader against a real HTTP server on 127.0.0.1: a full download, resuming a
//! partial file, a connection dropped midway, a server that ignores ranges, and archives that
//! must be refused (corrupt, wrong counts, another SHA-256 or size, no credits) leaving nothing in
//! place, and the hub's way of serving the file: a redirect to a signed URL on another host
//! (127.0.0.2) carrying `X-Linked-Size` and `X-Linked-Etag`, in the archive layout of the real
//! dataset, with `credits.csv` beside the archive. No server, a server that never answers and one
//! that stalls midway end in seconds, saying why; a slow server that keeps sending for longer
//! than every timeout is not cut. Last, when the real photos are beside the repository
//! (`../shared/datasets/snacks`), an archive of them in the hub's layout comes back file for file.

use snackml::data::datasets::{read_marker, MARKER, REAL_SNACKS_COUNTS, SNACKS_CLASSES, SPLITS};
use snackml::data::download::{
    download_snacks, partial_path, DownloadOptions, ProgressStyle, SNACKS_ARCHIVE, SNACKS_BASE_URL, SNACKS_CREDITS,
};
use snackml::data::generator::{FlowOptions, ImageDataGenerator};
use std::io::{BufRead, BufReader, Cursor, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The classes and images per class of the small test archive.
const CLASSES: [&str; 3] = ["apple", "hot dog", "ice cream"];
const PER_CLASS: [usize; 3] = [4, 2, 2];
const EXPECTED: [usize; 3] = [12, 6, 6];
/// The credits the test server serves beside the archive, with the real file's header.
const CREDITS: &[u8] = b",class_name,ImageID,type,Subset,OriginalURL,OriginalLandingURL,License,AuthorProfileURL,\
Author,Title,OriginalSize,OriginalMD5,Thumbnail300KURL\n0,Apple,0000,train,train,https://x/o.jpg,https://x/p,\
https://creativecommons.org/licenses/by/2.0/,https://x/a,Ann,An apple,1,AA==,https://x/t.jpg\n";
/// The query string of the hub's signed CDN URLs.
const SIGNED: &str = "?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=3600&X-Amz-Signature=0123abcd";

/// How the test server answers.
#[derive(Clone, Default)]
struct Behaviour {
    /// The bytes served at `/files/snacks.zip`.
    body: Arc<Vec<u8>>,
    /// For this many requests, send the headers promising the whole body, then only this many
    /// body bytes, then close the connection.
    drop_after: Option<(usize, usize)>,
    /// For this many requests, send the headers promising the whole body, then only this many
    /// body bytes, then nothing more for 5 s while the connection stays open.
    stall_after: Option<(usize, usize)>,
    /// Answer every request with the whole file (200), ignoring `Range`.
    ignore_range: bool,
    /// Answer every request for a `.zip` with `302 Found` to this folder URL + the file name +
    /// [`SIGNED`], as the hub does for a file kept on its CDN, with these extra headers.
    redirect_to: Option<String>,
    redirect_headers: Vec<(String, String)>,
    /// Answer `…/credits.csv` with 404 instead of [`CREDITS`].
    no_credits: bool,
    /// Serve these credits instead of [`CREDITS`].
    credits: Option<Arc<Vec<u8>>>,
    /// Send the body in pieces of this many bytes, this long apart.
    trickle: Option<(usize, Duration)>,
}

/// A request as the server saw it: path and `Range` header.
#[derive(Clone, Debug, PartialEq)]
struct Seen {
    path: String,
    range: Option<String>,
}

/// A small HTTP/1.1 file server on 127.0.0.1 that supports `Range: bytes=N-`. It stops by itself
/// after 120 seconds or 100 connections.
struct Server {
    /// `http://127.0.0.1:PORT`.
    root: String,
    /// `{root}/files`, where `snacks.zip` is served.
    base_url: String,
    behaviour: Arc<Mutex<Behaviour>>,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Server {
    fn start(behaviour: Behaviour) -> Server {
        Server::start_on("127.0.0.1", behaviour)
    }

    /// The same on another loopback address (`127.0.0.2`: another host, as the hub's CDN is).
    fn start_on(ip: &str, behaviour: Behaviour) -> Server {
        let listener = TcpListener::bind((ip, 0)).unwrap();
        listener.set_nonblocking(true).unwrap();
        let root = format!("http://{}", listener.local_addr().unwrap());
        let base_url = format!("{root}/files");
        let behaviour = Arc::new(Mutex::new(behaviour));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let (b, s) = (behaviour.clone(), seen.clone());
        std::thread::spawn(move || {
            let deadline = Instant::now() + Duration::from_secs(120);
            let mut served = 0;
            while Instant::now() < deadline && served < 100 {
                match listener.accept() {
                    Ok((stream, _)) => {
                        served += 1;
                        let _ = handle(stream, &b, &s);
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        Server { root, base_url, behaviour, seen }
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    /// The `Range` headers of the requests for the archive (not the credits).
    fn archive_ranges(&self) -> Vec<Option<String>> {
        self.seen().into_iter().filter(|s| !s.path.ends_with(SNACKS_CREDITS)).map(|s| s.range).collect()
    }

    fn set(&self, f: impl FnOnce(&mut Behaviour)) {
        f(&mut self.behaviour.lock().unwrap());
    }
}

/// Answers one request, then closes the connection.
fn handle(stream: TcpStream, behaviour: &Mutex<Behaviour>, seen: &Mutex<Vec<Seen>>) -> std::io::Result<()> {
    stream.set_nonblocking(false)?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    let path = request_line.split_whitespace().nth(1).unwrap_or("").to_string();
    let mut range = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || line == "\r\n" {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            if name.eq_ignore_ascii_case("range") {
                range = Some(value.trim().to_string());
            }
        }
    }
    seen.lock().unwrap().push(Seen { path: path.clone(), range: range.clone() });
    let (body, drop_now, stall_now, ignore_range, redirect_to, b) = {
        let mut b = behaviour.lock().unwrap();
        let once = |times_bytes: &mut Option<(usize, usize)>| match *times_bytes {
            Some((times, bytes)) if times > 0 => {
                *times_bytes = Some((times - 1, bytes));
                Some(bytes)
            }
            _ => None,
        };
        let drop_now = once(&mut b.drop_after);
        let stall_now = once(&mut b.stall_after);
        (b.body.clone(), drop_now, stall_now, b.ignore_range, b.redirect_to.clone(), b.clone())
    };
    let mut out = stream;
    // A signed URL's query string (`?X-Amz-Signature=…`) does not change the file.
    let file = path.split('?').next().unwrap_or("").rsplit('/').next().unwrap_or("").to_string();
    let not_found = b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    if file == SNACKS_CREDITS {
        if b.no_credits {
            return out.write_all(not_found);
        }
        let credits = b.credits.as_ref().map_or(CREDITS, |c| c.as_slice());
        let head = format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", credits.len());
        out.write_all(head.as_bytes())?;
        return out.write_all(credits);
    }
    if let Some(folder) = redirect_to.filter(|_| file.ends_with(".zip")) {
        let mut head = format!("HTTP/1.1 302 Found\r\nLocation: {folder}/{file}{SIGNED}\r\n");
        for (name, value) in &b.redirect_headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str("Content-Length: 0\r\nConnection: close\r\n\r\n");
        return out.write_all(head.as_bytes());
    }
    if !matches!(path.split('?').next(), Some("/files/snacks.zip" | "/files/images.zip")) {
        return out.write_all(not_found);
    }
    let start = range
        .filter(|_| !ignore_range)
        .and_then(|r| r.strip_prefix("bytes=").and_then(|r| r.strip_suffix('-')).and_then(|n| n.parse::<usize>().ok()));
    let len = body.len();
    let (head, slice) = match start {
        Some(s) if s >= len => {
            let head = format!("HTTP/1.1 416 Range Not Satisfiable\r\nContent-Range: bytes */{len}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            (head, &body[0..0])
        }
        Some(s) => {
            let head = format!(
                "HTTP/1.1 206 Partial Content\r\nContent-Range: bytes {s}-{}/{len}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                len - 1,
                len - s
            );
            (head, &body[s..])
        }
        None => (format!("HTTP/1.1 200 OK\r\nContent-Length: {len}\r\nConnection: close\r\n\r\n"), &body[..]),
    };
    out.write_all(head.as_bytes())?;
    let slice = match drop_now.or(stall_now) {
        Some(n) => &slice[..n.min(slice.len())],
        None => slice,
    };
    match b.trickle {
        Some((piece, gap)) => {
            for chunk in slice.chunks(piece) {
                out.write_all(chunk)?;
                out.flush()?;
                std::thread::sleep(gap);
            }
        }
        None => out.write_all(slice)?,
    }
    out.flush()?;
    if stall_now.is_some() {
        // Silent, the connection open, while the server answers the next requests.
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_secs(5));
            drop(out);
        });
        return Ok(());
    }
    out.shutdown(std::net::Shutdown::Both)
}

/// A zip archive in the snacks layout under `prefix` (`"data/"` in the real `images.zip`, which its
/// loading script on the hub, `snacks.py`, reads as `data/train`, `data/val`, `data/test`), with
/// real JPEG files, a README and the macOS extras such archives carry (a `.DS_Store`, and 297-byte
/// AppleDouble `._*.jpg` stubs under `__MACOSX/`) that must be skipped; no credits (the hub keeps
/// them beside the archive). Deflated, as the real one is.
fn archive(prefix: &str, per_class: [usize; 3]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let stored = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    zip.start_file(format!("{prefix}README.txt"), stored).unwrap();
    zip.write_all(b"SNACKS DATASET\n").unwrap();
    for (s, split) in ["train", "val", "test"].iter().enumerate() {
        for (c, class) in CLASSES.iter().enumerate() {
            zip.add_directory(format!("{prefix}{split}/{class}/"), stored).unwrap();
            for i in 0..per_class[s] {
                zip.start_file(format!("{prefix}{split}/{class}/{c}{i:03}.jpg"), stored).unwrap();
                zip.write_all(&jpeg(c, s * 100 + i)).unwrap();
            }
        }
    }
    zip.start_file(format!("{prefix}train/.DS_Store"), stored).unwrap();
    zip.write_all(b"\0\0\0\x01Bud1").unwrap();
    let mut apple_double = vec![0u8; 297];
    apple_double[..8].copy_from_slice(&[0x00, 0x05, 0x16, 0x07, 0x00, 0x02, 0x00, 0x00]);
    zip.start_file(format!("__MACOSX/{prefix}train/apple/._0000.jpg"), stored).unwrap();
    zip.write_all(&apple_double).unwrap();
    zip.finish().unwrap().into_inner()
}

/// A small real JPEG (a synthetic snack).
fn jpeg(class: usize, seed: usize) -> Vec<u8> {
    let img = snackml::data::synth::render_snack(class, 32, seed as u64).unwrap();
    let mut bytes = Vec::new();
    img.write_to(&mut Cursor::new(&mut bytes), image::ImageFormat::Jpeg).unwrap();
    bytes
}

fn options(server: &Server, retries: usize) -> DownloadOptions {
    DownloadOptions {
        base_url: server.base_url.clone(),
        archive: "snacks.zip".into(),
        expected_counts: EXPECTED,
        expected_classes: CLASSES.len(),
        retries,
        progress: ProgressStyle::Silent,
        sha256: None,
        ..DownloadOptions::default()
    }
}

/// The SHA-256 of `bytes` in hexadecimal, as `sha256sum` prints it.
fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// Names in `dir` (sorted), hidden ones included.
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    names
}

/// The downloaded dataset has every file of the archive, byte for byte, and the marker.
fn assert_complete(out: &Path) {
    let marker = read_marker(out).expect("no valid marker");
    assert_eq!(marker.counts, EXPECTED);
    assert_eq!(marker.classes, CLASSES.to_vec());
    assert_eq!(
        listing(out),
        vec![MARKER, "README.txt", "credits.csv", "test", "train", "val"],
        "macOS extras were kept"
    );
    assert_eq!(std::fs::read(out.join("credits.csv")).unwrap(), CREDITS, "the credits beside the archive");
    assert_eq!(listing(&out.join("train")), CLASSES.to_vec());
    assert_eq!(listing(&out.join("val/hot dog")), vec!["1000.jpg", "1001.jpg"]);
    assert_eq!(std::fs::read(out.join("test/ice cream/2001.jpg")).unwrap(), jpeg(2, 201));
    assert!(image::open(out.join("train/apple/0003.jpg")).is_ok());
}

#[test]
fn a_full_download_unpacks_verifies_and_is_not_repeated() {
    let server = Server::start(Behaviour { body: Arc::new(archive("", PER_CLASS)), ..Default::default() });
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("snacks");
    let summary = download_snacks(&out, &options(&server, 0)).unwrap();
    assert!(summary.downloaded);
    assert_eq!((summary.counts, summary.classes, summary.resumed_from), (EXPECTED, 3, 0));
    assert_eq!(summary.bytes_fetched, archive("", PER_CLASS).len() as u64);
    assert_complete(&out);
    assert_eq!(listing(tmp.path()), vec!["snacks"], "the archive or a working folder was left behind");
    let asked = vec![
        Seen { path: "/files/snacks.zip".into(), range: None },
        Seen { path: "/files/credits.csv".into(), range: None },
    ];
    assert_eq!(server.seen(), asked);

    let again = download_snacks(&out, &options(&server, 0)).unwrap();
    assert!(!again.downloaded);
    assert!(again.to_string().starts_with("The snacks dataset is already complete"));
    assert_eq!(server.seen().len(), 2, "a complete dataset was fetched again");
}

#[test]
fn images_are_found_below_a_folder_inside_the_archive() {
    let server = Server::start(Behaviour { body: Arc::new(archive("images/", PER_CLASS)), ..Default::default() });
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("snacks");
    download_snacks(&out, &options(&server, 0)).unwrap();
    assert_complete(&out);
}

#[test]
fn the_hub_redirect_to_its_cdn_is_followed_and_a_resume_keeps_its_range() {
    // The production URL's path, served here: the hub answers it with a redirect to a signed URL
    // on another host, where the bytes are.
    let hub_path = SNACKS_BASE_URL.strip_prefix("https://huggingface.co").expect("the hub's URL");
    let body = archive("data/", PER_CLASS);
    let (hub, cdn) = hub_and_cdn(&body);
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("snacks");
    let opts = hub_options(&hub, &body);
    std::fs::write(partial_path(&out), &body[..5000]).unwrap();
    let summary = download_snacks(&out, &opts).unwrap();
    assert_eq!((summary.resumed_from, summary.bytes_fetched), (5000, (body.len() - 5000) as u64));
    let range = Some("bytes=5000-".to_string());
    let asked = format!("{hub_path}/{SNACKS_ARCHIVE}");
    let credits = Seen { path: format!("{hub_path}/{SNACKS_CREDITS}"), range: None };
    assert_eq!(hub.seen(), vec![Seen { path: asked, range: range.clone() }, credits]);
    let fetched = format!("/files/{SNACKS_ARCHIVE}{SIGNED}");
    assert_eq!(cdn.seen(), vec![Seen { path: fetched, range }], "the range was lost in the redirect");
    assert!(cdn.root.starts_with("http://127.0.0.2:"), "the CDN is another host");
    assert_complete(&out);
}

/// The hub (127.0.0.1, the production URL's path) redirecting the archive to its CDN (127.0.0.2)
/// with `X-Linked-Size` and `X-Linked-Etag` (the SHA-256, quoted), as the real one does; the
/// credits it serves itself.
fn hub_and_cdn(body: &[u8]) -> (Server, Server) {
    let cdn = Server::start_on("127.0.0.2", Behaviour { body: Arc::new(body.to_vec()), ..Default::default() });
    let redirect_headers = vec![
        ("X-Linked-Size".to_string(), body.len().to_string()),
        ("X-Linked-Etag".to_string(), format!("\"{}\"", sha256_hex(body))),
        ("Accept-Ranges".to_string(), "bytes".to_string()),
    ];
    let hub =
        Server::start(Behaviour { redirect_to: Some(cdn.base_url.clone()), redirect_headers, ..Default::default() });
    (hub, cdn)
}

/// The options of a download from [`hub_and_cdn`]'s hub, expecting `body`'s SHA-256.
fn hub_options(hub: &Server, body: &[u8]) -> DownloadOptions {
    let hub_path = SNACKS_BASE_URL.strip_prefix("https://huggingface.co").expect("the hub's URL");
    DownloadOptions {
        base_url: format!("{}{hub_path}", hub.root),
        archive: SNACKS_ARCHIVE.into(),
        sha256: Some(sha256_hex(body)),
        ..options(hub, 0)
    }
}

#[test]
fn a_hub_announcing_another_checksum_is_refused_before_the_download() {
    let body = archive("data/", PER_CLASS);
    let (hub, cdn) = hub_and_cdn(&body);
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("snacks");
    let want = "ab".repeat(32);
    let opts = DownloadOptions { sha256: Some(want.clone()), ..hub_options(&hub, &body) };
    let err = download_snacks(&out, &opts).unwrap_err().to_string();
    let got = sha256_hex(&body);
    assert!(err.contains(&format!("with SHA-256 {got} (its X-Linked-Etag), not the expected {want}")), "{err}");
    assert_eq!(cdn.seen(), vec![], "the CDN was asked for a file known to be wrong");
    assert_eq!(hub.seen().len(), 1, "retried");
    assert_eq!(listing(tmp.path()), Vec::<String>::new(), "something was left behind");
}

#[test]
fn a_download_with_another_checksum_or_size_is_deleted_and_nothing_is_unpacked() {
    let body = archive("data/", PER_CLASS);
    // The hub announces the right file; the CDN serves one changed byte.
    let (hub, cdn) = hub_and_cdn(&body);
    let mut changed = body.clone();
    changed[body.len() / 2] ^= 1;
    let got = sha256_hex(&changed);
    cdn.set(|b| b.body = Arc::new(changed));
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("snacks");
    let opts = hub_options(&hub, &body);
    let err = download_snacks(&out, &opts).unwrap_err().to_string();
    let want = sha256_hex(&body);
    assert!(err.contains(&format!("images.zip as downloaded has SHA-256 {got}, not the expected {want}")), "{err}");
    assert_eq!(listing(tmp.path()), Vec::<String>::new(), "something was left behind");
    assert!(hub.seen().iter().all(|s| !s.path.ends_with(SNACKS_CREDITS)), "the credits were fetched");

    // The CDN serves the whole file, but the hub said it is one byte longer.
    cdn.set(|b| b.body = Arc::new(body.clone()));
    let longer = (body.len() + 1).to_string();
    hub.set(|b| b.redirect_headers[0].1 = longer.clone());
    let err = download_snacks(&out, &opts).unwrap_err().to_string();
    let size = body.len();
    assert!(err.contains(&format!("is {size} bytes, not the {longer} bytes of its X-Linked-Size")), "{err}");
    assert_eq!(listing(tmp.path()), Vec::<String>::new(), "something was left behind");
}

#[test]
fn missing_credits_are_refused_and_leave_nothing() {
    let body = archive("data/", PER_CLASS);
    let server = Server::start(Behaviour { body: Arc::new(body), no_credits: true, ..Default::default() });
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("snacks");
    let err = download_snacks(&out, &options(&server, 2)).unwrap_err().to_string();
    assert!(err.contains("answered HTTP 404") && err.contains("/files/credits.csv"), "{err}");
    assert_eq!(server.seen().len(), 2, "a 404 was retried");
    assert_eq!(listing(tmp.path()), Vec::<String>::new(), "something was left behind");
}

#[test]
fn a_slow_steady_transfer_outlasting_every_timeout_completes() {
    // 45 s of a trickle, a piece every 0.25 s: longer than the 5 s connect and the 30 s stall
    // timeouts (the defaults) together, with no silence as long as either.
    let body = archive("data/", PER_CLASS);
    let piece = body.len().div_ceil(180);
    let server = Server::start(Behaviour {
        body: Arc::new(body.clone()),
        trickle: Some((piece, Duration::from_millis(250))),
        ..Default::default()
    });
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("snacks");
    let defaults = DownloadOptions::default();
    let opts = DownloadOptions {
        connect_timeout: defaults.connect_timeout,
        stall_timeout: defaults.stall_timeout,
        sha256: Some(sha256_hex(&body)),
        ..options(&server, 0)
    };
    let started = Instant::now();
    let summary = download_snacks(&out, &opts).unwrap();
    let took = started.elapsed();
    assert!(took > defaults.connect_timeout + defaults.stall_timeout, "{took:?}: not slow enough to tell");
    assert_eq!(summary.bytes_fetched, body.len() as u64);
    assert_eq!(server.archive_ranges(), vec![None], "the transfer was cut and resumed");
    assert_complete(&out);
}

#[test]
fn a_partial_file_is_resumed_with_a_range_request() {
    let body = archive("", PER_CLASS);
    let server = Server::start(Behaviour { body: Arc::new(body.clone()), ..Default::default() });
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("snacks");
    std::fs::write(partial_path(&out), &body[..5000]).unwrap();
    let summary = download_snacks(&out, &options(&server, 0)).unwrap();
    assert_eq!(summary.resumed_from, 5000);
    assert_eq!(summary.bytes_fetched, (body.len() - 5000) as u64);
    assert_eq!(server.archive_ranges(), vec![Some("bytes=5000-".into())]);
    assert_complete(&out);
    assert!(!partial_path(&out).exists());
}

#[test]
fn a_dropped_connection_leaves_no_dataset_and_a_retry_resumes() {
    let body = archive("", PER_CLASS);
    let server =
        Server::start(Behaviour { body: Arc::new(body.clone()), drop_after: Some((1, 6000)), ..Default::default() });
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("snacks");
    let err = download_snacks(&out, &options(&server, 0)).unwrap_err().to_string();
    assert!(err.contains("run the download again to resume"), "{err}");
    assert!(!out.exists(), "a dataset folder was created from half an archive");
    assert_eq!(std::fs::read(partial_path(&out)).unwrap(), &body[..6000]);
    assert_eq!(listing(tmp.path()), vec!["snacks.zip.partial"]);

    let summary = download_snacks(&out, &options(&server, 0)).unwrap();
    assert_eq!((summary.resumed_from, summary.bytes_fetched), (6000, (body.len() - 6000) as u64));
    assert_eq!(server.archive_ranges(), vec![None, Some("bytes=6000-".into())]);
    assert_complete(&out);
}

#[test]
fn dropped_connections_are_resumed_automatically_with_retries() {
    let body = archive("", PER_CLASS);
    let server = Server::start(Behaviour { body: Arc::new(body), drop_after: Some((2, 4000)), ..Default::default() });
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("snacks");
    download_snacks(&out, &options(&server, 2)).unwrap();
    let ranges = server.archive_ranges();
    assert_eq!(ranges, vec![None, Some("bytes=4000-".into()), Some("bytes=8000-".into())]);
    assert_complete(&out);
}

#[test]
fn a_server_that_ignores_ranges_is_downloaded_from_the_start() {
    let body = archive("", PER_CLASS);
    let server = Server::start(Behaviour { body: Arc::new(body.clone()), ignore_range: true, ..Default::default() });
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("snacks");
    std::fs::write(partial_path(&out), &body[..3000]).unwrap();
    let summary = download_snacks(&out, &options(&server, 0)).unwrap();
    assert_eq!(summary.bytes_fetched, body.len() as u64);
    assert_complete(&out);
}

#[test]
fn a_corrupt_archive_is_refused_and_leaves_nothing() {
    let mut body = archive("", PER_CLASS);
    let middle = body.len() / 2;
    body[middle..middle + 200].iter_mut().for_each(|b| *b ^= 0x5a); // damaged image data: CRC mismatch
    let server = Server::start(Behaviour { body: Arc::new(body), ..Default::default() });
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("snacks");
    let err = download_snacks(&out, &options(&server, 0)).unwrap_err().to_string();
    assert!(err.contains("not a valid zip archive"), "{err}");
    assert_eq!(listing(tmp.path()), Vec::<String>::new(), "something was left behind");

    server.set(|b| b.body = Arc::new(b"<html>not a zip at all</html>".to_vec()));
    let err = download_snacks(&out, &options(&server, 0)).unwrap_err().to_string();
    assert!(err.contains("not a valid zip archive"), "{err}");
    assert_eq!(listing(tmp.path()), Vec::<String>::new());
}

#[test]
fn wrong_counts_or_classes_are_refused_and_leave_nothing() {
    let server = Server::start(Behaviour { body: Arc::new(archive("", [4, 2, 1])), ..Default::default() });
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("snacks");
    let err = download_snacks(&out, &options(&server, 0)).unwrap_err().to_string();
    assert!(err.contains("12 / 6 / 3") && err.contains("expected 12 / 6 / 6"), "{err}");
    assert_eq!(listing(tmp.path()), Vec::<String>::new());

    let mut expect_four = options(&server, 0);
    expect_four.expected_classes = 4;
    let err = download_snacks(&out, &expect_four).unwrap_err().to_string();
    assert!(err.contains("3 class folders, expected 4"), "{err}");
    assert_eq!(listing(tmp.path()), Vec::<String>::new());
}

#[test]
fn a_missing_file_is_an_error_and_a_foreign_folder_is_left_alone() {
    let server = Server::start(Behaviour { body: Arc::new(archive("", PER_CLASS)), ..Default::default() });
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("snacks");
    let mut wrong = options(&server, 3);
    wrong.archive = "nothing.zip".into();
    let err = download_snacks(&out, &wrong).unwrap_err().to_string();
    assert!(err.contains("HTTP 404"), "{err}");
    assert_eq!(server.seen().len(), 1, "a 404 was retried");
    assert!(!out.exists());

    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("notes.txt"), b"mine").unwrap();
    let err = download_snacks(&out, &options(&server, 0)).unwrap_err().to_string();
    assert!(err.contains("not a complete snacks download"), "{err}");
    assert_eq!(listing(&out), vec!["notes.txt"]);
    assert_eq!(server.seen().len(), 1, "the server was asked although the folder is taken");
}

/// Options for a server at `base_url` that cannot be reached: three retries allowed, a 1 s
/// connect timeout.
fn unreachable_options(base_url: String) -> DownloadOptions {
    DownloadOptions {
        base_url,
        retries: 3,
        progress: ProgressStyle::Silent,
        connect_timeout: Duration::from_secs(1),
        ..DownloadOptions::default()
    }
}

#[test]
fn nothing_listening_is_an_error_at_once_not_retried() {
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port(); // closed again
    let tmp = tempfile::tempdir().unwrap();
    let opts = unreachable_options(format!("http://127.0.0.1:{port}/files"));
    let started = Instant::now();
    let err = download_snacks(&tmp.path().join("snacks"), &opts).unwrap_err().to_string();
    assert_eq!(err, format!("download failed: no route to 127.0.0.1:{port}: connection refused"));
    // Three retries would have slept 0.5 + 1 + 1.5 s.
    assert!(started.elapsed() < Duration::from_millis(400), "retried: {:?}", started.elapsed());
    assert_eq!(listing(tmp.path()), Vec::<String>::new());
}

#[test]
fn a_server_that_never_answers_is_given_up_after_the_connect_timeout() {
    // A listener whose accept queue is full: the kernel drops new connections' SYNs, as a
    // blackholed address does, so connecting hangs. std listens with a backlog of 128: fill it.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let mut queued = Vec::new();
    while let Ok(stream) = TcpStream::connect_timeout(&addr, Duration::from_millis(300)) {
        queued.push(stream);
        assert!(queued.len() < 5000, "the accept queue does not fill");
    }
    let tmp = tempfile::tempdir().unwrap();
    let opts = unreachable_options(format!("http://{addr}/files"));
    let started = Instant::now();
    let err = download_snacks(&tmp.path().join("snacks"), &opts).unwrap_err().to_string();
    let took = started.elapsed();
    assert_eq!(err, format!("download failed: no answer from {addr} within 1 s"));
    assert!(took >= Duration::from_millis(950) && took < Duration::from_millis(2500), "{took:?}: retried?");
    assert_eq!(listing(tmp.path()), Vec::<String>::new());
}

#[test]
fn a_server_that_takes_the_connection_and_never_answers_is_given_up_after_the_stall_timeout() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap(); // the kernel connects; nobody answers
    let addr = listener.local_addr().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let opts = DownloadOptions {
        stall_timeout: Duration::from_millis(500),
        ..unreachable_options(format!("http://{addr}/files"))
    };
    let started = Instant::now();
    let err = download_snacks(&tmp.path().join("snacks"), &opts).unwrap_err().to_string();
    let took = started.elapsed();
    assert_eq!(err, format!("download failed: no answer from {addr} within 0.5 s"));
    assert!(took >= Duration::from_millis(450) && took < Duration::from_millis(1500), "{took:?}: retried?");
    drop(listener);
}

#[test]
fn a_stalled_transfer_ends_after_the_stall_timeout_and_is_resumed() {
    let body = archive("", PER_CLASS);
    let server =
        Server::start(Behaviour { body: Arc::new(body.clone()), stall_after: Some((1, 3000)), ..Default::default() });
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("snacks");
    let opts = DownloadOptions { stall_timeout: Duration::from_millis(500), ..options(&server, 0) };
    let started = Instant::now();
    let err = download_snacks(&out, &opts).unwrap_err().to_string();
    let took = started.elapsed();
    assert!(
        err.starts_with(
            "download failed: the download stalled after 3000 bytes: no data for 0.5 s; 3000 bytes are kept in "
        ),
        "{err}"
    );
    assert!(took >= Duration::from_millis(450) && took < Duration::from_secs(3), "{took:?}");
    assert_eq!(std::fs::read(partial_path(&out)).unwrap(), &body[..3000]);

    // With a retry, the same stall is resumed within one call.
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("snacks");
    server.set(|b| b.stall_after = Some((1, 3000)));
    let summary = download_snacks(&out, &DownloadOptions { retries: 1, ..opts }).unwrap();
    assert_eq!((summary.resumed_from, summary.bytes_fetched), (0, body.len() as u64));
    let ranges = server.archive_ranges();
    assert_eq!(ranges, vec![None, None, Some("bytes=3000-".into())], "the first call's, then this one's two");
    assert_complete(&out);
}

// ---------------------------------------------------------------------------------------------
// The real photos

/// Every file under `dir`, by its path relative to `dir` with `/` between the parts, sorted.
fn files_under(dir: &Path) -> Vec<(String, PathBuf)> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(folder) = stack.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let rel = path.strip_prefix(dir).unwrap().components();
                let rel: Vec<String> = rel.map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
                found.push((rel.join("/"), path));
            }
        }
    }
    found.sort();
    found
}

/// `images.zip` as the hub keeps it, made of the dataset's `files` (relative path, bytes): the
/// dataset under `data/` with a folder entry for each folder, a `.DS_Store`, and the AppleDouble
/// stub `__MACOSX/data/…/._NAME` a Mac's archiver adds for every file. Stored, not deflated (the
/// photos are JPEGs already: the hub's archive barely shrinks either; the small archives of the
/// other tests are deflated).
fn hub_archive(files: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::with_capacity(130 << 20)));
    let stored = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let mut folders = std::collections::BTreeSet::new();
    let mut apple_double = vec![0u8; 297];
    apple_double[..8].copy_from_slice(&[0x00, 0x05, 0x16, 0x07, 0x00, 0x02, 0x00, 0x00]);
    for (rel, bytes) in files {
        let folder = rel.rsplit_once('/').map_or("", |(folder, _)| folder);
        let mut path = String::from("data/");
        for part in folder.split('/').filter(|p| !p.is_empty()) {
            path.push_str(part);
            path.push('/');
            if folders.insert(path.clone()) {
                zip.add_directory(path.clone(), stored).unwrap();
            }
        }
        zip.start_file(format!("data/{rel}"), stored).unwrap();
        zip.write_all(bytes).unwrap();
        let name = rel.rsplit('/').next().unwrap();
        zip.start_file(format!("__MACOSX/{path}._{name}"), stored).unwrap();
        zip.write_all(&apple_double).unwrap();
    }
    zip.start_file("data/.DS_Store", stored).unwrap();
    zip.write_all(b"\0\0\0\x01Bud1").unwrap();
    zip.finish().unwrap().into_inner()
}

#[test]
fn the_real_photos_in_the_hubs_layout_come_back_file_for_file() {
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/datasets/snacks");
    if !source.join("train").is_dir() {
        println!("skipped: the real snacks photos are not at {}", source.display());
        return;
    }
    let started = Instant::now();
    // The dataset's own files: not ABOUT.md, the workplace's note about the folder.
    let files: Vec<(String, Vec<u8>)> = files_under(&source)
        .into_iter()
        .filter(|(rel, _)| rel != "ABOUT.md")
        .map(|(rel, path)| (rel, std::fs::read(path).unwrap()))
        .collect();
    // The credits are beside the archive on the hub, not in it.
    let (credits, in_archive): (Vec<_>, Vec<_>) = files.iter().cloned().partition(|(rel, _)| rel == SNACKS_CREDITS);
    let body = hub_archive(&in_archive);
    let sha256 = Some(sha256_hex(&body));
    let built = started.elapsed();
    // Cut once halfway: the real-size transfer is resumed with a Range request.
    let half = body.len() / 2;
    let server = Server::start(Behaviour {
        body: Arc::new(body),
        drop_after: Some((1, half)),
        credits: credits.into_iter().next().map(|(_, bytes)| Arc::new(bytes)),
        ..Default::default()
    });
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("snacks");
    let opts = DownloadOptions {
        base_url: server.base_url.clone(),
        archive: "snacks.zip".into(),
        retries: 1,
        progress: ProgressStyle::Silent,
        sha256,
        ..DownloadOptions::default()
    };
    let summary = download_snacks(&out, &opts).unwrap();
    let downloaded = started.elapsed();
    assert_eq!((summary.counts, summary.classes), (REAL_SNACKS_COUNTS, 20));
    let ranges = server.archive_ranges();
    assert_eq!(ranges, vec![None, Some(format!("bytes={half}-"))]);
    assert_eq!(listing(tmp.path()), vec!["snacks"], "the archive or a working folder was left behind");

    // File for file: the same relative paths (and the marker), the same sizes, the same bytes.
    let got: Vec<(String, PathBuf)> = files_under(&out).into_iter().filter(|(rel, _)| rel != MARKER).collect();
    let want: Vec<&str> = files.iter().map(|(rel, _)| rel.as_str()).collect();
    assert_eq!(got.iter().map(|(rel, _)| rel.as_str()).collect::<Vec<_>>(), want);
    for ((rel, path), (_, bytes)) in got.iter().zip(&files) {
        let copy = std::fs::read(path).unwrap();
        assert_eq!(copy.len(), bytes.len(), "{rel}: another size");
        assert!(
            copy == *bytes,
            "{rel}: other bytes (crc32 {:08x}, the source's {:08x})",
            crc32fast::hash(&copy),
            crc32fast::hash(bytes)
        );
    }
    assert!(read_marker(&out).is_some_and(|m| m.counts == REAL_SNACKS_COUNTS));

    // And flow_from_directory reads every photo of every split.
    for (split, n) in SPLITS.iter().zip(REAL_SNACKS_COUNTS) {
        let options = FlowOptions::new().target_size(32, 32).shuffle(false).verbose(false);
        let it = ImageDataGenerator::new().flow_from_directory(out.join(split), options).unwrap();
        assert_eq!((it.samples(), it.num_classes()), (n, 20), "{split}");
        assert!(it.class_indices().keys().eq(SNACKS_CLASSES.iter()), "{split}: {:?}", it.class_indices());
    }
    let size: usize = files.iter().map(|(_, b)| b.len()).sum();
    println!(
        "{} files, {:.1} MB: archive built in {:.1} s, downloaded and unpacked by {:.1} s, all read by {:.1} s",
        files.len(),
        size as f64 / 1e6,
        built.as_secs_f64(),
        downloaded.as_secs_f64(),
        started.elapsed().as_secs_f64()
    );
}
