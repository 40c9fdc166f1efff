//! Killing the process (SIGKILL, no chance to clean up) in the middle of a model save or of a
//! dataset download never leaves a half file that loads, and the next run cleans up and resumes.
//!
//! The killed process is real: the test binary runs itself again (`current_exe`) with
//! `SNACKML_INTERRUPTED_CHILD` set, and the child does the work until the parent kills it at a
//! random moment. The tests count how many kills landed in the middle of a write (the temporary
//! file or the partial download was there when the child died), so they cannot pass without
//! having interrupted anything.
#![cfg(unix)]

use rand::{Rng, SeedableRng};
use snackml::prelude::*;
use std::io::{BufRead, BufReader};
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const CHILD_ENV: &str = "SNACKML_INTERRUPTED_CHILD";

/// What a child prints when its set-up is done (libtest may print it after `test NAME ... `).
const READY: &str = "SNACKML-CHILD-READY";

/// The tests of this file run one at a time (they time kills against the machine's speed).
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

/// Starts this test binary again, running only `test` with `role` in the environment, and waits
/// (at most a minute) until the child prints [`READY`]: its set-up is done, the work starts now.
fn spawn_child(test: &str, role: &str) -> Child {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", test, "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, role)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (ready, wait) = std::sync::mpsc::channel();
    // Reads (and drops) the child's output to its end, so that it never blocks on a full pipe.
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            match line {
                Ok(line) if line.contains(READY) => {
                    let _ = ready.send(());
                }
                Ok(_) => {}
                Err(_) => break,
            }
        }
    });
    if wait.recv_timeout(Duration::from_secs(60)).is_err() {
        let _ = child.kill();
        panic!("the child was not ready within a minute: {:?}", child.wait());
    }
    child
}

/// Waits `delay` (or until the child ends), then kills the child with SIGKILL. Returns true if it was killed while still
/// running, false if it had already finished by itself (successfully).
fn kill_after(mut child: Child, delay: Duration) -> bool {
    let deadline = Instant::now() + delay;
    while Instant::now() < deadline {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(Duration::from_micros(200).min(deadline.saturating_duration_since(Instant::now())));
    }
    let _ = child.kill(); // SIGKILL
    let status = child.wait().unwrap();
    match status.signal() {
        Some(9) => true,
        _ => {
            assert!(status.success(), "the child failed by itself: {status:?}");
            false
        }
    }
}

/// The names in `dir`, sorted, hidden ones included.
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    names
}

// ---------------------------------------------------------------------------------------------
// Saving a model

/// A folder in /dev/shm where there is one, for the download test (which needs no disk flush
/// to be slow enough to interrupt: its server is slow).
#[cfg(all(feature = "download", feature = "synth"))]
fn memory_tempdir() -> tempfile::TempDir {
    match Path::new("/dev/shm").is_dir() {
        true => tempfile::tempdir_in("/dev/shm").unwrap(),
        false => tempfile::tempdir().unwrap(),
    }
}

/// A model of 4.6 million weights (an 18 MB file), so that a save takes several milliseconds.
fn large_model(seed: u64) -> Sequential {
    let mut m = Sequential::with_seed(seed);
    m.add(Flatten::with_input_shape(&[32, 32, 3])).unwrap();
    m.add(Dense::new(1500).activation(Activation::Relu)).unwrap();
    m.add(Dense::new(20)).unwrap();
    m.add(ActivationLayer::softmax()).unwrap();
    m
}

/// The child: saves model 2, then model 3, then 2 again… over `path`, until killed.
fn save_forever(path: &Path) -> ! {
    let models = [large_model(2), large_model(3)];
    println!("{READY}");
    loop {
        for m in &models {
            m.save(path).unwrap();
        }
    }
}

#[test]
fn killing_a_save_leaves_the_old_file_or_the_new_one() {
    if let Ok(role) = std::env::var(CHILD_ENV) {
        save_forever(Path::new(role.strip_prefix("save:").unwrap()));
    }
    let _serial = serial();
    const KILLS: usize = 50;
    let refs = tempfile::tempdir().unwrap();
    // On the disk (not /dev/shm): the save's flush to disk is most of its time, as for a user.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.snackml");
    // The three files a kill may leave: the old model 1, or the child's models 2 and 3.
    let mut valid = Vec::new();
    let mut save_time = Duration::ZERO;
    for seed in [1, 2, 3] {
        let p = refs.path().join(format!("{seed}.snackml"));
        let started = Instant::now();
        large_model(seed).save(&p).unwrap();
        save_time = save_time.max(started.elapsed());
        valid.push(std::fs::read(&p).unwrap());
    }
    let old_weights = Sequential::load(refs.path().join("1.snackml")).unwrap().get_weights();
    large_model(1).save(&path).unwrap();

    let mut rng = rand::rngs::StdRng::seed_from_u64(20);
    let (mut mid_write, mut absent, mut replaced) = (0, 0, 0);
    let tmp_prefix = ".model.snackml.tmp-";
    let started = Instant::now();
    for kill in 0..KILLS {
        // Every fifth run starts with no file at all: then "nothing" is also a valid outcome.
        if kill % 5 == 4 && path.exists() {
            std::fs::remove_file(&path).unwrap();
        }
        // No file is a valid outcome only as long as no save has completed since the removal.
        let may_be_absent = !path.exists();
        let child =
            spawn_child("killing_a_save_leaves_the_old_file_or_the_new_one", &format!("save:{}", path.display()));
        let pid = child.id();
        let tmp = dir.path().join(format!("{tmp_prefix}{pid}"));
        let delay = if kill % 2 == 0 {
            // Any moment: building the bytes, writing, flushing, renaming, between saves.
            save_time.mul_f64(rng.random_range(0.0..3.0))
        } else {
            // Aimed at the write: once the child's temporary file appears, wait 0-2 ms more.
            let seen = Instant::now();
            while !tmp.exists() && seen.elapsed() < Duration::from_secs(10) {
                std::thread::sleep(Duration::from_micros(100));
            }
            Duration::from_micros(rng.random_range(0..2000))
        };
        assert!(kill_after(child, delay), "the child saves forever: it can only end killed");

        if tmp.exists() {
            mid_write += 1;
        }
        // At most one temporary file: that of the last child killed mid-write (each save first
        // removes those of ended processes).
        let temps: Vec<String> = listing(dir.path()).into_iter().filter(|n| n.starts_with(tmp_prefix)).collect();
        assert!(temps.len() <= 1, "kill {kill}: temporary files accumulate: {temps:?}");
        if !path.exists() {
            assert!(may_be_absent, "kill {kill}: the file disappeared");
            absent += 1;
            continue;
        }
        let bytes = std::fs::read(&path).unwrap();
        let which = valid.iter().position(|v| *v == bytes);
        assert!(
            which.is_some(),
            "kill {kill} after {delay:?}: the file ({} bytes) is none of the saved models",
            bytes.len()
        );
        if which != Some(0) {
            replaced += 1;
        }
        let loaded = Sequential::load(&path).expect("what is there loads");
        if which == Some(0) {
            assert_eq!(loaded.get_weights(), old_weights);
        }
    }
    // The next save (uninterrupted) removes the killed child's temporary file.
    large_model(1).save(&path).unwrap();
    assert_eq!(listing(dir.path()), vec!["model.snackml"], "stray temporary files");
    eprintln!(
        "{KILLS} kills in {:.1} s (a save takes {save_time:?}): {mid_write} mid-write (temporary file present), \
         {replaced} with a new model in place, {absent} with no file yet; every file left was a whole saved model",
        started.elapsed().as_secs_f64()
    );
    assert!(mid_write >= KILLS / 4, "only {mid_write} of {KILLS} kills landed in the middle of a write");
    assert!(replaced >= KILLS / 5, "only {replaced} of {KILLS} kills came after a completed save");
}

// ---------------------------------------------------------------------------------------------
// Downloading the dataset (features `download` and `synth`, whose drawings it serves)

#[cfg(all(feature = "download", feature = "synth"))]
mod download {
    use super::*;
    use snackml::data::datasets::read_marker;
    use snackml::data::download::{download_snacks, partial_path, DownloadOptions, ProgressStyle};
    use std::io::{Cursor, Read, Write};
    use std::net::{TcpListener, TcpStream};
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    const CLASSES: [&str; 3] = ["apple", "hot dog", "ice cream"];
    const PER_CLASS: [usize; 3] = [6, 2, 2];
    const EXPECTED: [usize; 3] = [18, 6, 6];

    /// The small snacks-layout archive the server serves (stored, about 40 kB) and its files.
    fn archive() -> (Vec<u8>, Vec<(String, Vec<u8>)>) {
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let stored = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
        let mut files = Vec::new();
        for (s, split) in ["train", "val", "test"].iter().enumerate() {
            for (c, class) in CLASSES.iter().enumerate() {
                for i in 0..PER_CLASS[s] {
                    let img = snackml::data::synth::render_snack(c, 32, (s * 100 + i) as u64).unwrap();
                    let mut bytes = Vec::new();
                    img.write_to(&mut Cursor::new(&mut bytes), image::ImageFormat::Jpeg).unwrap();
                    let name = format!("{split}/{class}/{c}{i:03}.jpg");
                    zip.start_file(name.as_str(), stored).unwrap();
                    zip.write_all(&bytes).unwrap();
                    files.push((name, bytes));
                }
            }
        }
        (zip.finish().unwrap().into_inner(), files)
    }

    /// A slow HTTP server on 127.0.0.1 for `body`, with `Range: bytes=N-` support: it sends
    /// 1 kB every millisecond, one thread per connection. Counts the requests that resumed.
    struct Server {
        base_url: String,
        resumed: Arc<AtomicUsize>,
    }

    impl Server {
        fn start(body: Vec<u8>) -> Server {
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            let base_url = format!("http://{}/files", listener.local_addr().unwrap());
            let body = Arc::new(body);
            let resumed = Arc::new(AtomicUsize::new(0));
            let counter = resumed.clone();
            std::thread::spawn(move || {
                for stream in listener.incoming().take(500).flatten() {
                    let (body, counter) = (body.clone(), counter.clone());
                    std::thread::spawn(move || {
                        let _ = serve(stream, &body, &counter);
                    });
                }
            });
            Server { base_url, resumed }
        }
    }

    fn serve(mut stream: TcpStream, body: &[u8], resumed: &AtomicUsize) -> std::io::Result<()> {
        stream.set_read_timeout(Some(Duration::from_secs(5)))?;
        let mut head = Vec::new();
        let mut byte = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") {
            if stream.read(&mut byte)? == 0 {
                return Ok(());
            }
            head.push(byte[0]);
        }
        let head = String::from_utf8_lossy(&head).to_ascii_lowercase();
        let start = head
            .lines()
            .find_map(|l| l.strip_prefix("range: bytes="))
            .and_then(|r| r.trim().strip_suffix('-'))
            .and_then(|n| n.parse::<usize>().ok());
        let len = body.len();
        let (status, slice) = match start {
            Some(s) if s >= len => {
                let h = format!("HTTP/1.1 416 Range Not Satisfiable\r\nContent-Range: bytes */{len}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
                return stream.write_all(h.as_bytes());
            }
            Some(s) => {
                resumed.fetch_add(1, Ordering::SeqCst);
                (format!("206 Partial Content\r\nContent-Range: bytes {s}-{}/{len}", len - 1), &body[s..])
            }
            None => ("200 OK".to_string(), body),
        };
        let h = format!("HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", slice.len());
        stream.write_all(h.as_bytes())?;
        for chunk in slice.chunks(1024) {
            stream.write_all(chunk)?;
            stream.flush()?;
            std::thread::sleep(Duration::from_millis(1));
        }
        Ok(())
    }

    fn options(base_url: &str) -> DownloadOptions {
        DownloadOptions {
            base_url: base_url.into(),
            archive: "snacks.zip".into(),
            expected_counts: EXPECTED,
            expected_classes: CLASSES.len(),
            retries: 0,
            progress: ProgressStyle::Silent,
            // This server serves the drawn archive only: no pinned checksum, no credits beside it.
            sha256: None,
            credits: None,
            ..DownloadOptions::default()
        }
    }

    /// The dataset is complete: the marker, and every file of the archive byte for byte.
    fn assert_complete(out: &Path, files: &[(String, Vec<u8>)]) {
        let marker = read_marker(out).expect("a complete dataset has its marker");
        assert_eq!(marker.counts, EXPECTED);
        for (name, bytes) in files {
            assert_eq!(&std::fs::read(out.join(name)).unwrap(), bytes, "{name}");
        }
    }

    #[test]
    fn killing_a_download_leaves_no_half_dataset_and_the_next_run_resumes() {
        if let Ok(role) = std::env::var(CHILD_ENV) {
            let role = role.strip_prefix("download:").unwrap();
            let (url, out) = role.split_once('|').unwrap();
            println!("{READY}");
            download_snacks(Path::new(out), &options(url)).unwrap();
            std::process::exit(0);
        }
        let _serial = serial();
        const KILLS: usize = 20;
        let (body, files) = archive();
        let server = Server::start(body.clone());
        let tmp = memory_tempdir();
        let out = tmp.path().join("snacks");
        let partial = partial_path(&out);
        let role = format!("download:{}|{}", server.base_url, out.display());
        let test = "download::killing_a_download_leaves_no_half_dataset_and_the_next_run_resumes";

        // One uninterrupted run, to know how long a whole download takes here.
        let started = Instant::now();
        let child = spawn_child(test, &role);
        assert!(!kill_after(child, Duration::from_secs(30)), "the calibration download did not finish in 30 s");
        let whole = started.elapsed();
        assert_complete(&out, &files);
        std::fs::remove_dir_all(&out).unwrap();

        let mut rng = rand::rngs::StdRng::seed_from_u64(21);
        let (mut kills, mut completed, mut mid_transfer, mut unpacking, mut kept_bytes) = (0, 0, 0, 0, 0u64);
        let started = Instant::now();
        while kills < KILLS {
            assert!(started.elapsed() < Duration::from_secs(60), "{kills} kills in a minute");
            if read_marker(&out).is_some() {
                std::fs::remove_dir_all(&out).unwrap(); // start the next download from nothing
            }
            let before = std::fs::metadata(&partial).map_or(0, |m| m.len());
            let child = spawn_child(test, &role);
            // Mostly short delays, so that a download is interrupted several times before it ends.
            let delay = whole.mul_f64(rng.random_range(0.0..0.6));
            if !kill_after(child, delay) {
                completed += 1;
                assert_complete(&out, &files);
                assert_eq!(listing(tmp.path()), vec!["snacks"], "a finished download left files behind");
                continue;
            }
            kills += 1;
            let have = std::fs::metadata(&partial).map_or(0, |m| m.len());
            if have > 0 && have < body.len() as u64 {
                mid_transfer += 1;
                assert_eq!(std::fs::read(&partial).unwrap(), &body[..have as usize], "the partial file is a prefix");
            }
            kept_bytes += have.saturating_sub(before);
            // Never a half dataset: the folder is absent or complete.
            if out.exists() {
                assert_complete(&out, &files);
            }
            // Besides the dataset and the partial archive, at most the killed child's unpacking folder.
            let extra: Vec<String> =
                listing(tmp.path()).into_iter().filter(|n| n != "snacks" && n != "snacks.zip.partial").collect();
            assert!(extra.len() <= 1 && extra.iter().all(|n| n.starts_with(".snacks.partial-")), "{extra:?}");
            unpacking += extra.len();
        }
        // A last, uninterrupted run finishes (resuming whatever is there) and cleans everything up.
        let child = spawn_child(test, &role);
        assert!(!kill_after(child, Duration::from_secs(30)));
        assert_complete(&out, &files);
        assert_eq!(listing(tmp.path()), vec!["snacks"], "files left behind");
        let resumed = server.resumed.load(Ordering::SeqCst);
        eprintln!(
            "{kills} kills of a download (a whole one takes {whole:?}) in {:.1} s: {mid_transfer} mid-transfer, \
             {unpacking} while unpacking, \
             {kept_bytes} bytes kept across kills, {resumed} runs resumed with a Range request, {completed} runs completed between kills; \
             never a half dataset",
            started.elapsed().as_secs_f64()
        );
        assert!(mid_transfer >= KILLS / 4, "only {mid_transfer} of {kills} kills interrupted the transfer");
        assert!(resumed >= 2, "the downloads were never resumed");
    }
}
