//! Where the snacks photos are: the real dataset when it has been downloaded, else the synthetic
//! stand-in (drawn on first use when the `synth` feature is on), or any folder named by the
//! `SNACKML_DATA` environment variable; the twenty class names; and the one [`MARKER`] file that
//! says a dataset folder is complete, for both datasets.
//!
//! ```no_run
//! let dir = snackml::data::datasets::snacks_dir()?; // prints which dataset it is
//! let train = dir.join("train");
//! # Ok::<(), snackml::Error>(())
//! ```

use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::{Path, PathBuf};

/// The environment variable that points the notebooks at a dataset folder of their choice (one
/// holding `train/`, `val/` and `test/` with a folder per class).
pub const DATA_ENV: &str = "SNACKML_DATA";

/// The twenty classes of the snacks dataset, in the (alphabetical) order `flow_from_directory`
/// numbers them. Two folder names have a space, as in the real dataset.
pub const SNACKS_CLASSES: [&str; 20] = [
    "apple",
    "banana",
    "cake",
    "candy",
    "carrot",
    "cookie",
    "doughnut",
    "grape",
    "hot dog",
    "ice cream",
    "juice",
    "muffin",
    "orange",
    "pineapple",
    "popcorn",
    "pretzel",
    "salad",
    "strawberry",
    "waffle",
    "watermelon",
];

/// The three splits, as folder names.
pub const SPLITS: [&str; 3] = ["train", "val", "test"];

/// The file, inside a complete dataset folder (the verified download or the drawn stand-in),
/// that marks it complete and says what it holds: a [`DatasetMarker`] as JSON.
pub const MARKER: &str = ".complete";

/// The real dataset's images per split (train, val, test): 6,745 photos in 20 classes.
pub const REAL_SNACKS_COUNTS: [usize; 3] = [4838, 955, 952];

/// Which dataset a folder holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DatasetKind {
    /// The real snacks photos, downloaded by `snackml download-snacks`.
    Real,
    /// The drawn stand-in (`snackml synth`, module `synth`).
    Synthetic,
    /// A folder named by `SNACKML_DATA`.
    FromEnv,
}

/// A dataset folder and what it holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SnacksLocation {
    /// The folder holding `train/`, `val/` and `test/`.
    pub path: PathBuf,
    /// Which dataset it is.
    pub kind: DatasetKind,
    /// Images per split (train, val, test): from the marker file, or counted in a folder named
    /// by `SNACKML_DATA` that has none.
    pub counts: Option<[usize; 3]>,
}

impl SnacksLocation {
    /// True for the chapter's own photos: the downloaded dataset, or a folder with the real
    /// dataset's 4,838 / 955 / 952 images and no synthetic marker.
    pub fn is_real_snacks(&self) -> bool {
        match self.kind {
            DatasetKind::Real => true,
            DatasetKind::Synthetic => false,
            DatasetKind::FromEnv => {
                self.counts == Some(REAL_SNACKS_COUNTS)
                    && read_marker(&self.path).is_none_or(|m| m.kind == MarkerKind::Real)
            }
        }
    }
}

/// `6745` as `6,745`.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

impl fmt::Display for SnacksLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = super::shown_path(&self.path);
        let counts = match self.counts {
            Some([train, val, test]) => format!(" ({train} train, {val} val, {test} test images)"),
            None => String::new(),
        };
        // The snacks photos are named, not located: a path outside the repository means nothing
        // to a reader of the notebook.
        let photos = match self.counts {
            Some([train, val, test]) => {
                format!("the snacks photos ({}: {train} train, {val} val, {test} test)", thousands(train + val + test))
            }
            None => "the snacks photos".to_string(),
        };
        match self.kind {
            DatasetKind::Real => write!(f, "Using {photos}, in {path}."),
            DatasetKind::Synthetic => write!(
                f,
                "Using the synthetic snacks stand-in at {path}{counts}, not the real photos: its numbers are not \
                 the chapter's (scripts/get_snacks.sh downloads the photos)."
            ),
            DatasetKind::FromEnv if self.is_real_snacks() => write!(f, "Using {photos}, from {DATA_ENV}."),
            DatasetKind::FromEnv => write!(
                f,
                "Using the dataset at {path}{counts}, from {DATA_ENV}: not the snacks photos, so its numbers are \
                 not the chapter's."
            ),
        }
    }
}

/// What a dataset folder's [`MARKER`] file says: written last, once every image is in place,
/// by the downloader and by the synthetic dataset's writer alike.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DatasetMarker {
    /// The real photos or the drawn stand-in.
    pub kind: MarkerKind,
    /// Where the images came from: the archive's URL, or `snackml synthetic snacks`.
    pub source: String,
    /// The version of what made the images: the synthetic drawings' version (a newer one redraws
    /// the dataset); 1 for a download.
    pub version: u32,
    /// The class folder names, in index order.
    pub classes: Vec<String>,
    /// Images per split (train, val, test).
    pub counts: [usize; 3],
    /// For a synthetic dataset: the seed and image size it was drawn with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drawn: Option<Drawn>,
}

/// Which dataset a [`DatasetMarker`] describes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MarkerKind {
    /// The real snacks photos, downloaded and verified.
    Real,
    /// The synthetic stand-in, drawn by `snackml synth`.
    Synthetic,
}

/// How a synthetic dataset was drawn (besides its counts, in the marker).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Drawn {
    /// The seed that fixes every image.
    pub seed: u64,
    /// Width and height of each square image, in pixels.
    pub image_size: u32,
}

impl DatasetMarker {
    /// Images per class in each split for a synthetic dataset (every class has as many); None for
    /// the real one, whose classes differ.
    pub fn per_class(&self) -> Option<[usize; 3]> {
        let classes = self.classes.len().max(1);
        (self.kind == MarkerKind::Synthetic).then(|| self.counts.map(|n| n / classes))
    }

    /// True when the folder `dir` holds what the marker says: the three split folders and, for a
    /// synthetic dataset, exactly [`per_class`](Self::per_class) files in every class folder.
    fn matches(&self, dir: &Path) -> bool {
        let splits = SPLITS.iter().all(|split| dir.join(split).is_dir());
        match self.per_class() {
            None => splits,
            Some(per_class) => SPLITS.iter().zip(per_class).all(|(split, n)| {
                self.classes.iter().all(|class| count_files(&dir.join(split).join(class)) == Some(n))
            }),
        }
    }
}

/// The markers that earlier versions wrote, still read: the downloader's (no kind) and the
/// synthetic writer's (its options instead of counts).
#[derive(Deserialize)]
#[serde(untagged)]
enum MarkerFile {
    Current(DatasetMarker),
    OldReal { source: String, classes: Vec<String>, counts: [usize; 3] },
    OldSynthetic { generator: String, version: u32, options: OldSynthOptions, classes: Vec<String> },
}

/// The options an older synthetic marker recorded.
#[derive(Deserialize)]
struct OldSynthOptions {
    seed: u64,
    image_size: u32,
    train_per_class: usize,
    val_per_class: usize,
    test_per_class: usize,
}

impl From<MarkerFile> for DatasetMarker {
    fn from(file: MarkerFile) -> Self {
        match file {
            MarkerFile::Current(marker) => marker,
            MarkerFile::OldReal { source, classes, counts } => {
                DatasetMarker { kind: MarkerKind::Real, source, version: 1, classes, counts, drawn: None }
            }
            MarkerFile::OldSynthetic { generator, version, options: o, classes } => DatasetMarker {
                kind: MarkerKind::Synthetic,
                source: generator,
                version,
                counts: [o.train_per_class, o.val_per_class, o.test_per_class].map(|n| n * classes.len()),
                classes,
                drawn: Some(Drawn { seed: o.seed, image_size: o.image_size }),
            },
        }
    }
}

/// The marker of the complete dataset in `dir`: None when there is no [`MARKER`] file, it cannot
/// be read, or the folder does not hold what it says (see [`DatasetMarker`]).
pub fn read_marker(dir: &Path) -> Option<DatasetMarker> {
    let bytes = std::fs::read(dir.join(MARKER)).ok()?;
    let marker = DatasetMarker::from(serde_json::from_slice::<MarkerFile>(&bytes).ok()?);
    marker.matches(dir).then_some(marker)
}

/// Writes `marker` into `dir` atomically (the last file written into a dataset folder).
pub fn write_marker(dir: &Path, marker: &DatasetMarker) -> Result<()> {
    let path = dir.join(MARKER);
    let json = serde_json::to_vec_pretty(marker).map_err(|e| Error::path(&path, e))?;
    crate::fsutil::atomic_write(&path, &json).map_err(|e| Error::path(&path, format!("cannot write the marker: {e}")))
}

/// The number of files in a folder (None when it cannot be read).
fn count_files(dir: &Path) -> Option<usize> {
    let entries = std::fs::read_dir(dir).ok()?;
    Some(entries.filter_map(|e| e.ok()).filter(|e| e.file_type().is_ok_and(|t| t.is_file())).count())
}

/// The folder the notebooks read the snacks from, printing one line that says which dataset it
/// is. In order: the folder named by `SNACKML_DATA`; the real photos in `data/snacks/` when
/// downloaded completely; else the synthetic stand-in in `data/synth/` (see [`locate_in`]).
pub fn snacks_dir() -> Result<PathBuf> {
    let location = locate_snacks()?;
    println!("{location}");
    Ok(location.path)
}

/// [`snacks_dir`] without the printing: where the dataset is and which one it is.
pub fn locate_snacks() -> Result<SnacksLocation> {
    if let Some(dir) = std::env::var_os(DATA_ENV).filter(|v| !v.is_empty()) {
        return from_env(PathBuf::from(dir));
    }
    locate_in(&data_root()?)
}

/// Where the snacks are inside the data folder `data`: `data/snacks/` when the real dataset is
/// complete, else `data/synth/`. With the `synth` feature a missing or outdated synthetic
/// dataset is drawn there now with the default options; without it, it must be there already
/// (`scripts/setup.sh` draws it) and its absence is an `Err` saying how to get a dataset.
pub fn locate_in(data: &Path) -> Result<SnacksLocation> {
    let real = data.join("snacks");
    if let Some(marker) = read_marker(&real).filter(|m| m.kind == MarkerKind::Real) {
        return Ok(SnacksLocation { path: real, kind: DatasetKind::Real, counts: Some(marker.counts) });
    }
    let path = data.join("synth");
    let counts = synthetic_counts(&path)?;
    Ok(SnacksLocation { path, kind: DatasetKind::Synthetic, counts: Some(counts) })
}

/// The images per split of the synthetic dataset in `path`, drawn now (with the default options)
/// when it is missing, incomplete or drawn by older code.
#[cfg(feature = "synth")]
fn synthetic_counts(path: &Path) -> Result<[usize; 3]> {
    use super::synth::{existing_options, write_synthetic_snacks, SynthOptions};
    let options = match existing_options(path) {
        Some(options) => options,
        None => {
            let options = SynthOptions::default();
            let total: usize = options.per_class().iter().sum::<usize>() * SNACKS_CLASSES.len();
            println!(
                "Drawing the synthetic snacks stand-in ({total} images) into {} (once) ...",
                super::shown_path(path)
            );
            write_synthetic_snacks(path, &options)?;
            options
        }
    };
    Ok(options.per_class().map(|n| n * SNACKS_CLASSES.len()))
}

/// The images per split of the complete synthetic dataset in `path` (this build cannot draw one).
#[cfg(not(feature = "synth"))]
fn synthetic_counts(path: &Path) -> Result<[usize; 3]> {
    let marker = read_marker(path).filter(|m| m.kind == MarkerKind::Synthetic);
    marker.map(|m| m.counts).ok_or_else(|| {
        Error::path(
            path,
            format!(
                "no complete snacks dataset here or in snacks/ beside it: draw the synthetic one with \
                 scripts/setup.sh (or `cargo run -p snackml --features cli -- synth`), download the photos \
                 with `snackml download-snacks`, or set {DATA_ENV} to a dataset folder"
            ),
        )
    })
}

/// The repository's `data/` folder: found by walking up from the current folder to the
/// repository root (the folder holding `crate/Cargo.toml`), else beside this crate's sources.
/// Created if missing.
pub fn data_root() -> Result<PathBuf> {
    let from_cwd = std::env::current_dir().ok().and_then(|cwd| {
        cwd.ancestors().find(|dir| dir.join("crate").join("Cargo.toml").is_file()).map(Path::to_path_buf)
    });
    let manifest_root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf);
    let root = from_cwd.or(manifest_root.filter(|r| r.is_dir())).ok_or_else(|| {
        Error::InvalidArgument(format!(
            "cannot find the snackml repository (a folder holding crate/Cargo.toml) above the current folder: \
             set {DATA_ENV} to a dataset folder"
        ))
    })?;
    let data = root.join("data");
    std::fs::create_dir_all(&data).map_err(|e| Error::path(&data, format!("cannot create the data folder: {e}")))?;
    Ok(data)
}

/// The folder named by `SNACKML_DATA`, checked to look like a dataset.
fn from_env(path: PathBuf) -> Result<SnacksLocation> {
    if !path.join("train").is_dir() {
        return Err(Error::path(
            &path,
            format!(
                "{DATA_ENV} names this folder, but it has no train/ folder (it should hold train/, val/ and test/)"
            ),
        ));
    }
    let counts = read_marker(&path).map(|m| m.counts).or_else(|| count_images(&path));
    Ok(SnacksLocation { path, kind: DatasetKind::FromEnv, counts })
}

/// The image files of each split, `dataset/<split>/<class>/<file>` (None when a split cannot be read).
fn count_images(dataset: &Path) -> Option<[usize; 3]> {
    let mut counts = [0; 3];
    for (count, split) in counts.iter_mut().zip(SPLITS) {
        let classes = std::fs::read_dir(dataset.join(split)).ok()?;
        for class in classes.filter_map(|e| e.ok()).filter(|e| e.file_type().is_ok_and(|t| t.is_dir())) {
            *count += count_files(&class.path())?;
        }
    }
    Some(counts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_snacks_photos_are_named_with_their_count_not_their_path() {
        let loc = SnacksLocation {
            path: "/somewhere/datasets/snacks".into(),
            kind: DatasetKind::FromEnv,
            counts: Some([4838, 955, 952]),
        };
        if loc.is_real_snacks() {
            assert_eq!(
                loc.to_string(),
                "Using the snacks photos (6,745: 4838 train, 955 val, 952 test), from SNACKML_DATA."
            );
        }
        assert_eq!(
            (thousands(6745), thousands(999), thousands(1_234_567)),
            ("6,745".into(), "999".into(), "1,234,567".into())
        );
    }

    #[test]
    fn the_synthetic_message_says_how_to_get_the_photos() {
        let loc =
            SnacksLocation { path: "data/synth".into(), kind: DatasetKind::Synthetic, counts: Some([2000, 500, 500]) };
        assert_eq!(
            loc.to_string(),
            "Using the synthetic snacks stand-in at data/synth (2000 train, 500 val, 500 test images), not the \
             real photos: its numbers are not the chapter's (scripts/get_snacks.sh downloads the photos)."
        );
    }

    /// A temporary data folder holding `snacks/` with empty split folders.
    fn empty_real_dataset() -> (tempfile::TempDir, PathBuf) {
        let tmp = tempfile::tempdir().unwrap();
        let real = tmp.path().join("snacks");
        for split in SPLITS {
            std::fs::create_dir_all(real.join(split)).unwrap();
        }
        (tmp, real)
    }

    #[test]
    fn a_real_dataset_is_used_only_with_its_marker() {
        let (tmp, real) = empty_real_dataset();
        assert!(read_marker(&real).is_none());
        let marker = DatasetMarker {
            kind: MarkerKind::Real,
            source: "test".into(),
            version: 1,
            classes: vec!["apple".into()],
            counts: [1, 2, 3],
            drawn: None,
        };
        write_marker(&real, &marker).unwrap();
        assert_eq!(read_marker(&real), Some(marker));
        let loc = locate_in(tmp.path()).unwrap();
        assert_eq!(loc, SnacksLocation { path: real, kind: DatasetKind::Real, counts: Some([1, 2, 3]) });
    }

    #[test]
    fn a_folder_from_the_environment_is_counted_and_recognised_as_the_real_photos() {
        let tmp = tempfile::tempdir().unwrap();
        for (split, n) in SPLITS.iter().zip(REAL_SNACKS_COUNTS) {
            for class in ["apple", "hot dog"] {
                let dir = tmp.path().join(split).join(class);
                std::fs::create_dir_all(&dir).unwrap();
                let mine = if class == "apple" { n / 2 } else { n - n / 2 };
                (0..mine).for_each(|i| std::fs::write(dir.join(format!("{i}.jpg")), b"").unwrap());
            }
        }
        let loc = from_env(tmp.path().to_path_buf()).unwrap();
        assert_eq!(loc.counts, Some(REAL_SNACKS_COUNTS));
        assert!(loc.is_real_snacks());
        std::fs::write(tmp.path().join("test/apple/one-more.jpg"), b"").unwrap();
        assert!(!from_env(tmp.path().to_path_buf()).unwrap().is_real_snacks());
    }

    #[test]
    fn markers_written_by_earlier_versions_are_read() {
        let (tmp, real) = empty_real_dataset();
        let old_real =
            r#"{"source": "https://x/images.zip", "classes": ["apple", "banana"], "counts": [4838, 955, 952]}"#;
        std::fs::write(real.join(MARKER), old_real).unwrap();
        let marker = read_marker(&real).unwrap();
        assert_eq!((marker.kind, marker.counts, marker.per_class()), (MarkerKind::Real, [4838, 955, 952], None));

        let synth = tmp.path().join("synth");
        let classes = ["apple", "banana"];
        for (split, n) in SPLITS.iter().zip([3, 1, 2]) {
            for class in classes {
                let dir = synth.join(split).join(class);
                std::fs::create_dir_all(&dir).unwrap();
                (0..n).for_each(|i| std::fs::write(dir.join(format!("{i}.jpg")), b"").unwrap());
            }
        }
        let old_synth = r#"{"generator": "snackml synthetic snacks", "version": 1, "classes": ["apple", "banana"],
            "options": {"seed": 42, "image_size": 96, "train_per_class": 3, "val_per_class": 1, "test_per_class": 2}}"#;
        std::fs::write(synth.join(MARKER), old_synth).unwrap();
        let marker = read_marker(&synth).unwrap();
        assert_eq!((marker.kind, marker.version, marker.counts), (MarkerKind::Synthetic, 1, [6, 2, 4]));
        assert_eq!((marker.per_class(), marker.drawn), (Some([3, 1, 2]), Some(Drawn { seed: 42, image_size: 96 })));
        std::fs::remove_file(synth.join("val/apple/0.jpg")).unwrap();
        assert_eq!(read_marker(&synth), None, "a missing image makes the dataset incomplete");
    }

    #[cfg(feature = "synth")]
    #[test]
    fn an_existing_synthetic_dataset_is_used_whatever_its_options() {
        use crate::data::synth::{write_synthetic_snacks, SynthOptions};
        let tmp = tempfile::tempdir().unwrap();
        let options = SynthOptions { seed: 9, image_size: 16, train_per_class: 2, val_per_class: 1, test_per_class: 1 };
        write_synthetic_snacks(&tmp.path().join("synth"), &options).unwrap();
        let loc = locate_in(tmp.path()).unwrap();
        assert_eq!(loc.kind, DatasetKind::Synthetic);
        assert_eq!(loc.counts, Some([40, 20, 20]));
    }

    #[cfg(not(feature = "synth"))]
    #[test]
    fn without_the_drawing_code_a_missing_dataset_says_how_to_get_one() {
        let tmp = tempfile::tempdir().unwrap();
        let err = locate_in(tmp.path()).unwrap_err().to_string();
        assert!(err.contains("scripts/setup.sh") && err.contains("download-snacks"), "{err}");
    }

    #[test]
    fn a_folder_from_the_environment_must_look_like_a_dataset() {
        let tmp = tempfile::tempdir().unwrap();
        let err = from_env(tmp.path().to_path_buf()).unwrap_err().to_string();
        assert!(err.contains("no train/ folder"), "{err}");
        std::fs::create_dir_all(tmp.path().join("train/apple")).unwrap();
        let loc = from_env(tmp.path().to_path_buf()).unwrap();
        assert_eq!((loc.kind, loc.counts), (DatasetKind::FromEnv, None));
    }
}
