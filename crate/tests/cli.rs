//! The `snackml` binary: `synth`, `train --json` (the Keras anchor's JSON lines) and the wiring of
//! `download-snacks`, run as a user would run them.

use serde_json::Value;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

fn snackml(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_snackml")).args(args).output().expect("cannot run snackml")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// `snackml synth` for a small dataset (5 / 2 / 2 per class, 32 pixels) in `dir`, plus `extra` arguments.
fn synth_small(dir: &Path, extra: &[&str]) -> Output {
    let mut args =
        vec!["synth", "--out", dir.to_str().unwrap(), "--size", "32", "--train", "5", "--val", "2", "--test", "2"];
    args.extend_from_slice(extra);
    snackml(&args)
}

/// A small synthetic dataset made with the binary.
fn small_dataset(dir: &Path) {
    let out = synth_small(dir, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).starts_with("Wrote 180 synthetic snack images (100 train, 40 val, 40 test; 20 classes)"));
}

/// The JSON lines of a `train --json` run (other lines, like `Found …`, are skipped).
fn json_lines(text: &str) -> Vec<Value> {
    text.lines().filter(|l| l.starts_with('{')).map(|l| serde_json::from_str(l).unwrap()).collect()
}

fn keys(v: &Value) -> Vec<String> {
    v.as_object().unwrap().keys().cloned().collect::<Vec<_>>()
}

#[test]
fn train_json_prints_the_anchor_scripts_lines() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("synth");
    small_dataset(&data);
    let out =
        snackml(&["train", data.to_str().unwrap(), "--model", "logreg", "--epochs", "3", "--json", "--seed", "1"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let found: Vec<&str> = text.lines().filter(|l| l.starts_with("Found")).collect();
    assert_eq!(
        found,
        vec![
            "Found 100 images belonging to 20 classes.",
            "Found 40 images belonging to 20 classes.",
            "Found 40 images belonging to 20 classes."
        ]
    );
    let first_json = text.lines().find(|l| l.starts_with('{')).unwrap();
    assert!(first_json.starts_with(r#"{"model":"logreg","phase":"load","seconds":"#), "{first_json}");

    // The `load` line (decoding, which Keras does inside its first epoch) comes first; the rest
    // follow keras_ch6.py's lines key for key.
    let mut lines = json_lines(&text);
    let load = lines.remove(0);
    assert_eq!(load["images"], 180);
    assert!(load["seconds"].as_f64().unwrap() >= 0.0);
    assert_eq!(lines.len(), 5, "{text}");
    let phases: Vec<&str> = lines.iter().map(|l| l["phase"].as_str().unwrap()).collect();
    assert_eq!(phases, ["untrained_test", "epoch", "epoch", "epoch", "trained_test"]);
    let mut expected = vec!["model", "phase", "loss", "acc", "seconds"];
    expected.sort();
    assert_eq!(keys(&lines[0]), expected);
    let mut expected = vec!["model", "phase", "epoch", "seconds", "loss", "accuracy", "val_loss", "val_accuracy"];
    expected.sort();
    for (i, line) in lines[1..4].iter().enumerate() {
        assert_eq!(keys(line), expected);
        assert_eq!(line["epoch"], i + 1);
        assert_eq!(line["model"], "logreg");
        for key in ["loss", "val_loss", "seconds"] {
            let v = line[key].as_f64().unwrap();
            assert!(v.is_finite() && v >= 0.0, "{key} = {v}");
        }
        for key in ["accuracy", "val_accuracy"] {
            assert!((0.0..=1.0).contains(&line[key].as_f64().unwrap()));
        }
    }
    let mut expected = vec!["model", "phase", "loss", "acc", "median_epoch_s"];
    expected.sort();
    assert_eq!(keys(&lines[4]), expected);
    // Training does something: the training loss falls and the test loss moves.
    assert!(lines[3]["loss"].as_f64() < lines[1]["loss"].as_f64(), "{text}");
    assert_ne!(lines[0]["loss"], lines[4]["loss"]);
    // The untrained model guesses: about 1/20 right, loss about ln 20.
    assert!((lines[0]["loss"].as_f64().unwrap() - 20f64.ln()).abs() < 1.0);

    // Same seed, same numbers (times aside).
    let again =
        json_lines(&stdout(&snackml(&["train", data.to_str().unwrap(), "--epochs", "3", "--json", "--seed", "1"])));
    let strip = |v: &Vec<Value>| -> Vec<Value> {
        v.iter()
            .map(|l| {
                let mut l = l.clone();
                for k in ["seconds", "median_epoch_s"] {
                    l.as_object_mut().unwrap().remove(k);
                }
                l
            })
            .collect()
    };
    assert_eq!(strip(&again[1..].to_vec()), strip(&lines));
}

#[test]
fn the_mlp_and_the_convnet_are_reported_by_name_and_progress_goes_without_json() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("synth");
    small_dataset(&data);
    let out = snackml(&["train", data.to_str().unwrap(), "--model", "mlp", "--epochs", "1", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let lines = json_lines(&stdout(&out));
    assert!(lines.iter().all(|l| l["model"] == "mlp500"));
    assert_eq!(lines.len(), 4); // load, untrained_test, epoch, trained_test

    let out =
        snackml(&["train", data.to_str().unwrap(), "--model", "convnet", "--size", "16", "--epochs", "1", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let lines = json_lines(&stdout(&out));
    assert!(lines.iter().all(|l| l["model"] == "convnet"), "{lines:?}");
    assert_eq!(lines.len(), 4);

    let out = snackml(&["train", data.to_str().unwrap(), "--epochs", "2", "--filter", "nearest"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(json_lines(&text).is_empty());
    assert!(text.contains("Untrained logreg: test loss") && text.contains("Trained logreg: test loss"), "{text}");
    assert!(text.contains("Epoch 2/2") && text.contains("val_accuracy"), "{text}");
}

#[test]
fn synth_is_not_redone_and_writes_a_contact_sheet() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("synth");
    small_dataset(&data);
    let sheet = tmp.path().join("sheet.png");
    let out = synth_small(&data, &["--contact-sheet", sheet.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).starts_with("Synthetic snacks already complete"), "{}", stdout(&out));
    let img = image::open(&sheet).unwrap();
    assert_eq!((img.width(), img.height()), (6 * 34, 20 * 34));
}

#[test]
fn mistakes_are_clear_errors_with_failing_exit_codes() {
    let tmp = tempfile::tempdir().unwrap();
    let missing = tmp.path().join("nothing");
    let out = snackml(&["train", missing.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("must hold train/, val/ and test/"), "{}", stderr(&out));

    let data = tmp.path().join("synth");
    small_dataset(&data);
    let out = snackml(&["train", data.to_str().unwrap(), "--lr", "0"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("learning rate"), "{}", stderr(&out));

    let out = snackml(&["train", data.to_str().unwrap(), "--model", "cnn"]);
    assert_eq!(out.status.code(), Some(2), "clap reports usage errors with 2");
    let out = snackml(&["train", data.to_str().unwrap(), "--epochs", "0"]);
    assert_eq!(out.status.code(), Some(2));
    let out = snackml(&["synth", "--out", tmp.path().join("s").to_str().unwrap(), "--size", "3"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("image_size"), "{}", stderr(&out));
}

/// `download-snacks --base-url --out` fetches from there, into there, and checks the real
/// dataset's 20 classes: a small archive is refused and leaves nothing.
#[test]
fn download_snacks_uses_its_base_url_and_out_folder() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}/snacks", listener.local_addr().unwrap());
    let server = std::thread::spawn(move || {
        listener.set_nonblocking(true).unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            let Ok((stream, _)) = listener.accept() else {
                std::thread::sleep(Duration::from_millis(5));
                continue;
            };
            stream.set_nonblocking(false).unwrap();
            let mut request_line = String::new();
            BufReader::new(&stream).read_line(&mut request_line).unwrap();
            let body = small_zip();
            let mut s = stream;
            write!(s, "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len()).unwrap();
            s.write_all(&body).unwrap();
            return request_line;
        }
        String::new()
    });
    let tmp = tempfile::tempdir().unwrap();
    let out_dir = tmp.path().join("snacks");
    let out = snackml(&["download-snacks", "--out", out_dir.to_str().unwrap(), "--base-url", &base, "--retries", "0"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    // Without --sha256 the archive must be the real one, at the pinned revision.
    let refused = format!("not the expected {} (deleted, nothing unpacked)", snackml::data::download::SNACKS_SHA256);
    assert!(stderr(&out).contains(&refused), "{}", stderr(&out));
    assert!(stdout(&out).contains(&format!("Downloading {base}/images.zip (")), "{}", stdout(&out));
    assert!(server.join().unwrap().starts_with("GET /snacks/images.zip "));
    assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 0, "something was left behind");
}

/// `snackml get-snacks --data DIR` with the hub at `hub` (SNACKML_HUB_URL) and `env` set, the
/// other variables of the data step removed: (exit code, stdout, stderr).
fn get_snacks(data: &Path, hub: &str, env: &[(&str, &str)], extra: &[&str]) -> (Option<i32>, String, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_snackml"));
    command.args(["get-snacks", "--data", data.to_str().unwrap()]).args(extra);
    command.env_remove("SNACKML_DATA").env_remove("SNACKML_NO_DOWNLOAD").env("SNACKML_HUB_URL", hub);
    let out = command.envs(env.iter().copied()).output().expect("cannot run snackml");
    (out.status.code(), stdout(&out), stderr(&out))
}

/// The data step of scripts/start.sh without a hub: the stand-in, one line saying why, exit 0.
#[test]
fn get_snacks_falls_back_to_the_stand_in_saying_why_in_one_line() {
    let tmp = tempfile::tempdir().unwrap();
    assert!(synth_small(&tmp.path().join("synth"), &[]).status.success());
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port(); // closed again
    let (code, out, err) = get_snacks(tmp.path(), &format!("http://127.0.0.1:{port}/hub"), &[], &[]);
    assert_eq!((code, err.as_str()), (Some(0), ""), "{out}");
    let why = format!("The snacks photos were not downloaded (no route to 127.0.0.1:{port}: connection refused)");
    assert!(out.starts_with(&format!("{why}: using the synthetic stand-in at ")), "{out}");
    assert!(out.ends_with(" (100 train, 40 val, 40 test images).\n") && out.lines().count() == 1, "{out}");
    let names: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(names, ["synth"], "the download left something behind");
}

/// `--no-download`, SNACKML_NO_DOWNLOAD=1 and SNACKML_DATA keep the data step from the hub.
#[test]
fn get_snacks_does_not_try_the_hub_when_told_not_to() {
    let tmp = tempfile::tempdir().unwrap();
    let synth = tmp.path().join("synth");
    assert!(synth_small(&synth, &[]).status.success());
    let hub = TcpListener::bind("127.0.0.1:0").unwrap();
    hub.set_nonblocking(true).unwrap();
    let url = format!("http://{}/hub", hub.local_addr().unwrap());
    type Case<'a> = (&'a [(&'a str, &'a str)], &'a [&'a str], &'a str);
    let cases: [Case; 3] = [
        (&[], &["--no-download"], "Not downloading the snacks photos (--no-download): using the synthetic stand-in"),
        (&[("SNACKML_NO_DOWNLOAD", "1")], &[], "Not downloading the snacks photos (SNACKML_NO_DOWNLOAD is set)"),
        (&[("SNACKML_DATA", synth.to_str().unwrap())], &[], "Using the dataset at "),
    ];
    for (env, extra, says) in cases {
        let (code, out, err) = get_snacks(tmp.path(), &url, env, extra);
        assert_eq!((code, out.lines().count()), (Some(0), 1), "{out}{err}");
        assert!(out.starts_with(says), "{out}");
        assert!(hub.accept().is_err(), "{env:?} {extra:?}: the hub was asked");
    }
    // "0" is not a yes: it tries (here a closed port, which refuses).
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let (_, out, _) = get_snacks(tmp.path(), &format!("http://127.0.0.1:{port}"), &[("SNACKML_NO_DOWNLOAD", "0")], &[]);
    assert!(out.starts_with("The snacks photos were not downloaded (no route to "), "{out}");
}

/// A zip with one image per split.
fn small_zip() -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for split in ["train", "val", "test"] {
        zip.start_file(format!("{split}/apple/a.jpg"), zip::write::SimpleFileOptions::default()).unwrap();
        zip.write_all(b"not really a jpeg").unwrap();
    }
    zip.finish().unwrap().into_inner()
}
