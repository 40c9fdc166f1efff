//! Streaming a folder larger than the cache budget runs in bounded memory.
//!
//! 3,000 JPEGs (96 × 96, 83 MB once decoded) are served for two epochs with a 4 MB cache budget,
//! in a child process (this test binary run again with `SNACKML_MEMORY_CHILD` set), which reports
//! its peak resident memory (`VmHWM` in /proc/self/status) at the start and at the end. Its growth
//! must stay far under the decoded size. The same folder in cached mode, in another child, must
//! grow by about the decoded size: that shows the measurement would catch streaming that kept
//! everything.
#![cfg(target_os = "linux")]

use image::{Rgb, RgbImage};
use rayon::prelude::*;
use snackml::data::generator::{FlowOptions, ImageDataGenerator};
use snackml::data::Sequence;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

const CHILD_ENV: &str = "SNACKML_MEMORY_CHILD";
const IMAGES: usize = 3000;
const SIDE: u32 = 96;
const BATCH: usize = 32;

/// `VmHWM` (peak resident set) of this process, in bytes.
fn peak_rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).expect("VmHWM in /proc/self/status");
    line.split_whitespace().nth(1).unwrap().parse::<u64>().unwrap() * 1024
}

/// The child: iterates two epochs over `dir` (streaming when `budget` is small) and prints
/// `BASE <bytes> PEAK <bytes> SAMPLES <n> CACHED <bool>`.
fn run_child(dir: &Path, budget: usize) -> ! {
    let base = peak_rss();
    let options =
        FlowOptions::new().target_size(SIDE, SIDE).batch_size(BATCH).seed(1).cache_budget(budget).verbose(false);
    let mut it = ImageDataGenerator::new().flow_from_directory(dir, options).unwrap();
    let mut samples = 0;
    let mut checksum = 0f64;
    for _ in 0..2 {
        for i in 0..it.len() {
            let batch = it.get(i).unwrap();
            samples += batch.len();
            checksum += f64::from(batch.x[[0, 0, 0, 0]]);
        }
        it.on_epoch_end();
    }
    println!("BASE {base} PEAK {} SAMPLES {samples} CACHED {} CHECKSUM {checksum}", peak_rss(), it.is_cached());
    std::process::exit(0);
}

/// Runs the child on `dir` with `budget`; returns (base, peak, samples, cached).
fn measure(dir: &Path, budget: usize) -> (u64, u64, usize, bool) {
    let out = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "streaming_runs_in_bounded_memory", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, format!("{budget}|{}", dir.display()))
        .output()
        .unwrap();
    assert!(out.status.success(), "child failed: {}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    // (libtest may have printed `test NAME ... ` on the same line first)
    let line = stdout.lines().find_map(|l| l.find("BASE ").map(|at| &l[at..])).expect("the child's report");
    let f: Vec<&str> = line.split_whitespace().collect();
    (f[1].parse().unwrap(), f[3].parse().unwrap(), f[5].parse().unwrap(), f[7] == "true")
}

#[test]
fn streaming_runs_in_bounded_memory() {
    if let Ok(role) = std::env::var(CHILD_ENV) {
        let (budget, dir) = role.split_once('|').unwrap();
        run_child(Path::new(dir), budget.parse().unwrap());
    }
    let started = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    for class in 0..10 {
        std::fs::create_dir(dir.path().join(format!("class{class}"))).unwrap();
    }
    (0..IMAGES).into_par_iter().for_each(|i| {
        let img = RgbImage::from_fn(SIDE, SIDE, |x, y| {
            Rgb([(x * 2 + i as u32) as u8, (y * 3) as u8, ((x ^ y) + (i as u32 / 7)) as u8])
        });
        let path = dir.path().join(format!("class{}/{i:05}.jpg", i % 10));
        img.save(path).unwrap();
    });
    let written = started.elapsed();
    let decoded = (IMAGES * SIDE as usize * SIDE as usize * 3) as u64;
    let mb = |b: u64| b as f64 / (1 << 20) as f64;

    let (base, peak, samples, cached) = measure(dir.path(), 4 << 20);
    assert!(!cached, "a 4 MB budget must stream");
    assert_eq!(samples, 2 * IMAGES);
    let growth = peak.saturating_sub(base);
    let streamed = started.elapsed();

    let (cbase, cpeak, csamples, ccached) = measure(dir.path(), 1 << 30);
    assert!(ccached && csamples == 2 * IMAGES);
    let cgrowth = cpeak.saturating_sub(cbase);
    eprintln!(
        "{IMAGES} images, {:.1} MB decoded ({SIDE}×{SIDE}×3 each), batches of {BATCH}, 2 epochs. Streaming with a \
         4 MB budget: peak RSS {:.1} MB ({:.1} MB at start, +{:.1} MB = {:.0}% of the decoded size). Cached: peak \
         {:.1} MB (+{:.1} MB). Writing the files {:.1} s, streaming run {:.1} s, total {:.1} s.",
        mb(decoded),
        mb(peak),
        mb(base),
        mb(growth),
        100.0 * growth as f64 / decoded as f64,
        mb(cpeak),
        mb(cgrowth),
        written.as_secs_f64(),
        (streamed - written).as_secs_f64(),
        started.elapsed().as_secs_f64()
    );
    // Streaming: growth well under half of everything decoded (batches of 32 in f32 are 3.5 MB).
    assert!(growth < decoded / 2, "streaming grew by {:.1} MB for {:.1} MB decoded", mb(growth), mb(decoded));
    // The measurement sees a full cache: cached mode grows by at least 90% of the decoded size.
    assert!(cgrowth > decoded * 9 / 10, "cached mode grew by only {:.1} MB", mb(cgrowth));
}
