//! The synthetic snacks dataset: deterministic, complete, decodable, and safe to interrupt.

use snackml::data::datasets::MARKER;
use snackml::data::synth::{
    class_index, contact_sheet, is_complete, render_snack, write_synthetic_snacks, SynthOptions, SNACKS_CLASSES, SPLITS,
};
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

/// Small options so that each test draws only a few hundred tiny images.
fn small(seed: u64) -> SynthOptions {
    SynthOptions { seed, image_size: 32, train_per_class: 3, val_per_class: 1, test_per_class: 2 }
}

/// Every file under `root` (relative path → bytes).
fn snapshot(root: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                files.insert(path.strip_prefix(root).unwrap().to_path_buf(), fs::read(&path).unwrap());
            }
        }
    }
    files
}

#[test]
fn the_same_seed_gives_the_same_bytes_and_another_seed_does_not() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b, c) = (tmp.path().join("a"), tmp.path().join("b"), tmp.path().join("c"));
    write_synthetic_snacks(&a, &small(5)).unwrap();
    write_synthetic_snacks(&b, &small(5)).unwrap();
    write_synthetic_snacks(&c, &small(6)).unwrap();
    let (sa, sb, sc) = (snapshot(&a), snapshot(&b), snapshot(&c));
    assert_eq!(sa.len(), 20 * 6 + 1);
    assert_eq!(sa, sb, "two runs with seed 5 differ");
    let differing = sa.iter().filter(|(k, v)| sc.get(*k) != Some(v)).count();
    assert!(differing > 100, "seed 6 changed only {differing} files");
}

#[test]
fn layout_counts_and_every_image_decodes() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("synth");
    let options = small(1);
    let summary = write_synthetic_snacks(&root, &options).unwrap();
    assert!(summary.generated);
    assert_eq!((summary.classes, summary.train, summary.val, summary.test), (20, 60, 20, 40));
    assert!(summary
        .to_string()
        .starts_with("Wrote 120 synthetic snack images (60 train, 20 val, 40 test; 20 classes)"));
    assert!(root.join(MARKER).is_file());
    for (split, per_class) in SPLITS.iter().zip(options.per_class()) {
        let mut classes: Vec<String> = fs::read_dir(root.join(split))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        classes.sort();
        assert_eq!(classes, SNACKS_CLASSES.to_vec(), "class folders of {split}");
        for class in SNACKS_CLASSES {
            let files: Vec<PathBuf> =
                fs::read_dir(root.join(split).join(class)).unwrap().map(|e| e.unwrap().path()).collect();
            assert_eq!(files.len(), per_class, "{split}/{class}");
            for file in files {
                assert_eq!(file.extension().unwrap(), "jpg");
                let img = image::open(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
                assert_eq!((img.width(), img.height()), (32, 32));
            }
        }
    }
    // The real dataset's folder names, spaces included.
    assert!(root.join("train/hot dog").is_dir() && root.join("test/ice cream").is_dir());
}

#[test]
fn default_options_are_the_documented_counts() {
    let o = SynthOptions::default();
    assert_eq!((o.image_size, o.train_per_class, o.val_per_class, o.test_per_class), (96, 100, 25, 25));
    assert_eq!(o.per_class().map(|n| n * SNACKS_CLASSES.len()), [2000, 500, 500]);
}

#[test]
fn a_second_run_with_the_same_options_does_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("synth");
    write_synthetic_snacks(&root, &small(2)).unwrap();
    let probe = root.join("train/apple/0000.jpg");
    let before = fs::metadata(&probe).unwrap().modified().unwrap();
    let summary = write_synthetic_snacks(&root, &small(2)).unwrap();
    assert!(!summary.generated);
    assert!(summary.to_string().starts_with("Synthetic snacks already complete"));
    assert_eq!(fs::metadata(&probe).unwrap().modified().unwrap(), before, "the image was rewritten");
}

#[test]
fn other_options_replace_an_older_synthetic_dataset() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("synth");
    write_synthetic_snacks(&root, &small(2)).unwrap();
    let bigger = SynthOptions { train_per_class: 4, ..small(2) };
    assert!(!is_complete(&root, &bigger));
    assert!(write_synthetic_snacks(&root, &bigger).unwrap().generated);
    assert!(is_complete(&root, &bigger) && !is_complete(&root, &small(2)));
    assert_eq!(fs::read_dir(root.join("train/apple")).unwrap().count(), 4);
    let leftovers: Vec<_> = fs::read_dir(tmp.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(leftovers, vec![std::ffi::OsString::from("synth")], "working folders left behind");
}

#[test]
fn a_damaged_dataset_is_not_complete_and_is_redrawn() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("synth");
    write_synthetic_snacks(&root, &small(3)).unwrap();
    let original = snapshot(&root);
    fs::remove_file(root.join("val/waffle/0000.jpg")).unwrap();
    assert!(!is_complete(&root, &small(3)));
    assert!(write_synthetic_snacks(&root, &small(3)).unwrap().generated);
    assert_eq!(snapshot(&root), original);

    fs::write(root.join(MARKER), b"{ not json").unwrap();
    assert!(!is_complete(&root, &small(3)));
    write_synthetic_snacks(&root, &small(3)).unwrap();
    assert_eq!(snapshot(&root), original);
}

#[test]
fn an_interrupted_run_leaves_nothing_that_looks_complete_and_is_cleaned_up() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("synth");
    // What a run killed half-way leaves: a hidden working folder of a process that is gone.
    let stale = tmp.path().join(".synth.partial-4000000000");
    fs::create_dir_all(stale.join("train/apple")).unwrap();
    fs::write(stale.join("train/apple/0000.jpg"), b"half").unwrap();
    assert!(!root.exists() && !is_complete(&root, &small(4)));
    write_synthetic_snacks(&root, &small(4)).unwrap();
    assert!(is_complete(&root, &small(4)));
    assert!(!stale.exists(), "the stale working folder was not removed");
}

#[test]
fn a_folder_that_is_not_a_synthetic_dataset_is_left_alone() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("photos");
    fs::create_dir_all(&root).unwrap();
    fs::write(root.join("mine.txt"), b"keep me").unwrap();
    let err = write_synthetic_snacks(&root, &small(1)).unwrap_err().to_string();
    assert!(err.contains("not a synthetic snacks dataset"), "{err}");
    assert_eq!(fs::read(root.join("mine.txt")).unwrap(), b"keep me");
    assert_eq!(fs::read_dir(&root).unwrap().count(), 1);

    let empty = tmp.path().join("empty");
    fs::create_dir_all(&empty).unwrap();
    assert!(write_synthetic_snacks(&empty, &small(1)).unwrap().generated);

    let file = tmp.path().join("a-file");
    fs::write(&file, b"x").unwrap();
    assert!(write_synthetic_snacks(&file, &small(1)).is_err());
}

#[test]
fn bad_options_are_errors_not_panics() {
    let tmp = tempfile::tempdir().unwrap();
    for bad in [
        SynthOptions { image_size: 4, ..small(1) },
        SynthOptions { image_size: 100_000, ..small(1) },
        SynthOptions { train_per_class: 0, ..small(1) },
        SynthOptions { test_per_class: usize::MAX, ..small(1) },
    ] {
        assert!(write_synthetic_snacks(&tmp.path().join("x"), &bad).is_err(), "{bad:?}");
    }
    assert!(!tmp.path().join("x").exists());
    assert!(render_snack(20, 32, 1).is_err());
    assert!(contact_sheet(&small(1), 0).is_err());
}

#[test]
fn classes_and_contact_sheet() {
    assert_eq!(class_index("hot dog"), Some(8));
    assert_eq!(class_index("pizza"), None);
    let mut sorted = SNACKS_CLASSES;
    sorted.sort();
    assert_eq!(sorted, SNACKS_CLASSES, "flow_from_directory numbers classes in sorted order");
    let sheet = contact_sheet(&small(1), 3).unwrap();
    assert_eq!(sheet.dimensions(), (3 * 34, 20 * 34));
    // The sheet shows the very images written to train/ (up to JPEG loss).
    let tmp = tempfile::tempdir().unwrap();
    write_synthetic_snacks(tmp.path(), &small(1)).unwrap();
    let written = image::open(tmp.path().join("train/banana/0002.jpg")).unwrap().to_rgb8();
    let tile = image::imageops::crop_imm(&sheet, 2 * 34, 34, 32, 32).to_image();
    let diff: f64 = written.as_raw().iter().zip(tile.as_raw()).map(|(a, b)| (*a as f64 - *b as f64).abs()).sum::<f64>()
        / written.as_raw().len() as f64;
    assert!(diff < 8.0, "the sheet's tile differs from the file by {diff:.1} on average");
}

#[test]
fn a_dataset_marked_by_an_earlier_version_is_still_complete() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("synth");
    write_synthetic_snacks(&root, &small(5)).unwrap();
    // The marker the synthetic writer wrote before the dataset markers were one format.
    let options = serde_json::to_value(small(5)).unwrap();
    let old = serde_json::json!({
        "generator": "snackml synthetic snacks", "version": 1, "options": options, "classes": SNACKS_CLASSES,
    });
    fs::write(root.join(MARKER), serde_json::to_vec_pretty(&old).unwrap()).unwrap();
    assert!(is_complete(&root, &small(5)));
    assert!(!write_synthetic_snacks(&root, &small(5)).unwrap().generated, "redrawn");
    let location = snackml::data::datasets::locate_in(tmp.path()).unwrap();
    assert_eq!((location.path, location.counts), (root, Some([60, 20, 40])));
}
