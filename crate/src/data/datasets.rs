//! Where the snacks photos are: the real dataset when it has been downloaded, else the synthetic
//! stand-in (drawn on first use), or any folder named by the `SNACKML_DATA` environment variable.
//!
//! ```no_run
//! let dir = snackml::data::datasets::snacks_dir()?; // prints which dataset it is
//! let train = dir.join("train");
//! # Ok::<(), snackml::Error>(())
//! ```

use super::synth::{self, SynthOptions, SNACKS_CLASSES, SPLITS};
use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::{Path, PathBuf};

/// The environment variable that points the notebooks at a dataset folder of their choice (one
/// holding `train/`, `val/` and `test/` with a folder per class).
pub const DATA_ENV: &str = "SNACKML_DATA";

/// The file, inside a downloaded and verified real snacks dataset, that marks it complete.
pub const REAL_MARKER: &str = ".complete";

/// The real dataset's images per split (train, val, test): 6,745 photos in 20 classes.
pub const REAL_SNACKS_COUNTS: [usize; 3] = [4838, 955, 952];

/// Which dataset a folder holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DatasetKind {
    /// The real snacks photos, downloaded by `snackml download-snacks`.
    Real,
    /// The drawn stand-in of [`synth`].
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
    /// Images per split (train, val, test), when known from a marker file.
    pub counts: Option<[usize; 3]>,
}

impl fmt::Display for SnacksLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = self.path.display();
        let counts = match self.counts {
            Some([train, val, test]) => format!(" ({train} train, {val} val, {test} test images)"),
            None => String::new(),
        };
        match self.kind {
            DatasetKind::Real => write!(f, "Using the snacks photos at {path}{counts}."),
            DatasetKind::Synthetic => write!(
                f,
                "Using the synthetic snacks stand-in at {path}{counts}: run `snackml download-snacks` for the real photos."
            ),
            DatasetKind::FromEnv => write!(f, "Using the dataset at {path} (from {DATA_ENV})."),
        }
    }
}

/// What the downloader writes into [`REAL_MARKER`] once the real dataset is verified.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RealMarker {
    /// Where it came from.
    pub source: String,
    /// The class folder names found.
    pub classes: Vec<String>,
    /// Images per split (train, val, test).
    pub counts: [usize; 3],
}

/// The folder the notebooks read the snacks from, printing one line that says which dataset it
/// is. In order: the folder named by `SNACKML_DATA`; the real photos in `data/snacks/` when
/// downloaded completely; else the synthetic stand-in in `data/synth/`, drawn now if missing.
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
/// complete, else `data/synth/` (drawn with the default options when it is not there).
pub fn locate_in(data: &Path) -> Result<SnacksLocation> {
    let real = data.join("snacks");
    if let Some(marker) = read_real_marker(&real) {
        return Ok(SnacksLocation { path: real, kind: DatasetKind::Real, counts: Some(marker.counts) });
    }
    let path = data.join("synth");
    let options = match synth::existing_options(&path) {
        Some(options) => options,
        None => {
            let options = SynthOptions::default();
            let total: usize = options.per_class().iter().sum::<usize>() * SNACKS_CLASSES.len();
            println!("Drawing the synthetic snacks stand-in ({total} images) into {} (once) ...", path.display());
            synth::write_synthetic_snacks(&path, &options)?;
            options
        }
    };
    let counts = options.per_class().map(|n| n * SNACKS_CLASSES.len());
    Ok(SnacksLocation { path, kind: DatasetKind::Synthetic, counts: Some(counts) })
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

/// The real dataset's marker in `dir`, if the folder is a complete, verified download.
pub fn read_real_marker(dir: &Path) -> Option<RealMarker> {
    let bytes = std::fs::read(dir.join(REAL_MARKER)).ok()?;
    let marker: RealMarker = serde_json::from_slice(&bytes).ok()?;
    SPLITS.iter().all(|split| dir.join(split).is_dir()).then_some(marker)
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
    let counts = read_real_marker(&path)
        .map(|m| m.counts)
        .or_else(|| synth::existing_options(&path).map(|o| o.per_class().map(|n| n * SNACKS_CLASSES.len())));
    Ok(SnacksLocation { path, kind: DatasetKind::FromEnv, counts })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_synthetic_message_says_how_to_get_the_photos() {
        let loc =
            SnacksLocation { path: "data/synth".into(), kind: DatasetKind::Synthetic, counts: Some([2000, 500, 500]) };
        assert_eq!(
            loc.to_string(),
            "Using the synthetic snacks stand-in at data/synth (2000 train, 500 val, 500 test images): \
             run `snackml download-snacks` for the real photos."
        );
    }

    #[test]
    fn a_real_dataset_is_used_only_with_its_marker() {
        let tmp = tempfile::tempdir().unwrap();
        let real = tmp.path().join("snacks");
        for split in SPLITS {
            std::fs::create_dir_all(real.join(split)).unwrap();
        }
        assert!(read_real_marker(&real).is_none());
        let marker = RealMarker { source: "test".into(), classes: vec!["apple".into()], counts: [1, 2, 3] };
        std::fs::write(real.join(REAL_MARKER), serde_json::to_vec(&marker).unwrap()).unwrap();
        let loc = locate_in(tmp.path()).unwrap();
        assert_eq!(loc, SnacksLocation { path: real, kind: DatasetKind::Real, counts: Some([1, 2, 3]) });
    }

    #[test]
    fn an_existing_synthetic_dataset_is_used_whatever_its_options() {
        let tmp = tempfile::tempdir().unwrap();
        let options = SynthOptions { seed: 9, image_size: 16, train_per_class: 2, val_per_class: 1, test_per_class: 1 };
        synth::write_synthetic_snacks(&tmp.path().join("synth"), &options).unwrap();
        let loc = locate_in(tmp.path()).unwrap();
        assert_eq!(loc.kind, DatasetKind::Synthetic);
        assert_eq!(loc.counts, Some([40, 20, 20]));
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
