//! The synthetic snacks (feature `synth`): a drawn stand-in for the chapter's 20-class snacks
//! photos, so that every notebook runs offline.
//!
//! The drawing code is behind the `synth` feature (which `cli` enables), so that the notebooks'
//! `:dep snackml` does not compile it: `scripts/setup.sh` draws the dataset once with the
//! `snackml synth` command, and the notebooks find it through
//! [`datasets::snacks_dir`](super::datasets::snacks_dir). The class names and the marker file
//! live in [`datasets`](super::datasets), which needs no feature.
//!
//! [`write_synthetic_snacks`] draws the same twenty classes as the real dataset (apple, banana,
//! cake, … watermelon) into the same layout, `train/`, `val/` and `test/` with one folder per
//! class, as JPEG files that `flow_from_directory` reads like photos. Each class is drawn the way
//! a child would draw it (a red round apple with a stem and leaf, a yellow crescent banana, a
//! striped popcorn box, …) on random tables, cloths and walls, at random sizes, places and
//! angles, with clutter, lighting changes and sensor noise: recognisable to a person, and hard
//! enough that logistic regression on 32×32 pixels stays far from perfect and overfits.
//!
//! The default [`SynthOptions`] give 96×96 images, 100 training, 25 validation and 25 test
//! images per class: **2,000 / 500 / 500** images (the real set has 4,838 / 955 / 952 photos).
//!
//! ## How hard it is
//!
//! Measured with `snackml train data/synth --json` (default options, seed 42, 32×32 inputs, Adam
//! 1e-3, batch 64): logistic regression reaches about **48% test accuracy** with the default
//! triangle resize filter (46% with Keras's nearest) while its training accuracy climbs to 96% in 25 epochs and its
//! validation accuracy stalls near 42–44% from epoch 5 on (validation loss lowest near epoch 9):
//! it overfits, as in the chapter. The 500-unit network does a bit better, **52–54%**, after
//! reaching 100% on the training images. Chance is 5%.
//!
//! ## Written safely
//!
//! The output is fixed by the seed, byte for byte. It is written into a temporary folder beside
//! `root` and renamed into place only when complete, with a marker file recording the options,
//! so an interrupted run never leaves a half dataset that looks complete, and a second run with
//! the same options finds the dataset complete and does nothing.
//!
//! ```no_run
//! use snackml::data::synth::{write_synthetic_snacks, SynthOptions};
//! let summary = write_synthetic_snacks("data/synth".as_ref(), &SynthOptions::default())?;
//! println!("{summary}"); // Wrote 3000 synthetic snack images (2000 train, 500 val, 500 test) …
//! # Ok::<(), snackml::Error>(())
//! ```

mod draw;
mod raster;

pub use super::datasets::{SNACKS_CLASSES, SPLITS};

use super::datasets::{read_marker, write_marker, DatasetMarker, Drawn, MarkerKind, MARKER};
use crate::fsutil::{write_dir_atomically, Existing};
use crate::{Error, Result};
use image::RgbImage;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Bumped whenever the drawings change, so that an older dataset on disk is redrawn (it is the
/// `version` of the dataset's [`DatasetMarker`]).
const GENERATOR_VERSION: u32 = 1;

/// The `source` of a synthetic dataset's marker.
const GENERATOR: &str = "snackml synthetic snacks";

/// The largest image side and per-class count accepted (to catch typos, not a real limit).
const MAX_IMAGE_SIZE: u32 = 1024;
const MAX_PER_CLASS: usize = 100_000;

/// How the synthetic dataset is made.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SynthOptions {
    /// Fixes every image: the same seed gives the same files, byte for byte.
    pub seed: u64,
    /// Width and height of each square image, in pixels (16 to 1024).
    pub image_size: u32,
    /// Training images per class.
    pub train_per_class: usize,
    /// Validation images per class.
    pub val_per_class: usize,
    /// Test images per class.
    pub test_per_class: usize,
}

impl Default for SynthOptions {
    /// Seed 42, 96×96 pixels, 100 / 25 / 25 images per class (2,000 / 500 / 500 in all).
    fn default() -> Self {
        SynthOptions { seed: 42, image_size: 96, train_per_class: 100, val_per_class: 25, test_per_class: 25 }
    }
}

impl SynthOptions {
    /// Images per class in each split, in the order of [`SPLITS`].
    pub fn per_class(&self) -> [usize; 3] {
        [self.train_per_class, self.val_per_class, self.test_per_class]
    }

    /// An `Err` naming the first setting out of range.
    pub fn validate(&self) -> Result<()> {
        if !(16..=MAX_IMAGE_SIZE).contains(&self.image_size) {
            return Err(Error::InvalidArgument(format!(
                "image_size must be 16 to {MAX_IMAGE_SIZE} pixels, not {}",
                self.image_size
            )));
        }
        for (split, n) in SPLITS.iter().zip(self.per_class()) {
            if !(1..=MAX_PER_CLASS).contains(&n) {
                return Err(Error::InvalidArgument(format!("{split}_per_class must be 1 to {MAX_PER_CLASS}, not {n}")));
            }
        }
        Ok(())
    }
}

/// What [`write_synthetic_snacks`] did.
#[derive(Clone, Debug, PartialEq)]
pub struct SynthSummary {
    /// The dataset folder.
    pub root: PathBuf,
    /// False when a complete dataset with the same options was already there.
    pub generated: bool,
    /// The number of classes (20).
    pub classes: usize,
    /// Images in `train/`.
    pub train: usize,
    /// Images in `val/`.
    pub val: usize,
    /// Images in `test/`.
    pub test: usize,
    /// Time taken, in seconds.
    pub seconds: f64,
}

impl fmt::Display for SynthSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let total = self.train + self.val + self.test;
        let (train, val, test, classes) = (self.train, self.val, self.test, self.classes);
        if self.generated {
            write!(
                f,
                "Wrote {total} synthetic snack images ({train} train, {val} val, {test} test; {classes} classes) \
                 to {} in {:.1} s",
                self.root.display(),
                self.seconds
            )
        } else {
            write!(
                f,
                "Synthetic snacks already complete at {} ({train} train, {val} val, {test} test; {classes} classes)",
                self.root.display()
            )
        }
    }
}

impl SynthOptions {
    /// The marker of a dataset drawn with these options by this version of the drawings.
    fn marker(&self) -> DatasetMarker {
        DatasetMarker {
            kind: MarkerKind::Synthetic,
            source: GENERATOR.into(),
            version: GENERATOR_VERSION,
            classes: SNACKS_CLASSES.iter().map(|c| c.to_string()).collect(),
            counts: self.per_class().map(|n| n * SNACKS_CLASSES.len()),
            drawn: Some(Drawn { seed: self.seed, image_size: self.image_size }),
        }
    }

    /// The options a synthetic dataset's marker records (None for another kind of marker).
    fn from_marker(marker: &DatasetMarker) -> Option<SynthOptions> {
        let ([train_per_class, val_per_class, test_per_class], Some(drawn)) = (marker.per_class()?, marker.drawn)
        else {
            return None;
        };
        Some(SynthOptions {
            seed: drawn.seed,
            image_size: drawn.image_size,
            train_per_class,
            val_per_class,
            test_per_class,
        })
    }
}

/// Draws the synthetic snacks dataset into `root` (`root/train/apple/0000.jpg`, …), or does
/// nothing when a complete one made with the same options is already there.
///
/// An older synthetic dataset in `root` (other options, older drawings, or damaged) is replaced;
/// any other non-empty folder is left alone and reported as an `Err`. Images are drawn in
/// parallel; the result does not depend on the number of threads.
pub fn write_synthetic_snacks(root: &Path, options: &SynthOptions) -> Result<SynthSummary> {
    options.validate()?;
    let start = Instant::now();
    let [train, val, test] = options.per_class().map(|n| n * SNACKS_CLASSES.len());
    let summary = |generated| SynthSummary {
        root: root.to_path_buf(),
        generated,
        classes: SNACKS_CLASSES.len(),
        train,
        val,
        test,
        seconds: start.elapsed().as_secs_f64(),
    };
    if is_complete(root, options) {
        return Ok(summary(false));
    }
    check_replaceable(root)?;
    match write_dir_atomically(root, Existing::Replace, |dir| write_all(dir, options)) {
        // Another process finished the same dataset meanwhile: its copy is kept.
        Err(_) if is_complete(root, options) => {}
        written => written?,
    }
    Ok(summary(true))
}

/// The options of the finished synthetic dataset in `root`, whatever they are (None when there
/// is none, it is damaged or incomplete, or older drawings made it).
pub fn existing_options(root: &Path) -> Option<SynthOptions> {
    let marker = read_marker(root).filter(|m| m.version == GENERATOR_VERSION)?;
    SynthOptions::from_marker(&marker).filter(|options| options.marker() == marker)
}

/// True when `root` holds a finished synthetic dataset made with `options` by this version of
/// the generator: the marker file matches and every class folder has all its images.
pub fn is_complete(root: &Path, options: &SynthOptions) -> bool {
    read_marker(root).is_some_and(|marker| marker == options.marker())
}

/// One synthetic image of class `class` (an index into [`SNACKS_CLASSES`]), `image_size` pixels
/// square, fixed by `seed`: the drawing behind every file [`write_synthetic_snacks`] writes.
pub fn render_snack(class: usize, image_size: u32, seed: u64) -> Result<RgbImage> {
    if class >= SNACKS_CLASSES.len() {
        return Err(Error::InvalidArgument(format!(
            "class {class} does not exist: the snacks have {} classes (0 to {})",
            SNACKS_CLASSES.len(),
            SNACKS_CLASSES.len() - 1
        )));
    }
    if !(16..=MAX_IMAGE_SIZE).contains(&image_size) {
        return Err(Error::InvalidArgument(format!(
            "image_size must be 16 to {MAX_IMAGE_SIZE} pixels, not {image_size}"
        )));
    }
    Ok(draw::render(class, image_size as usize, seed))
}

/// The index of a class name in [`SNACKS_CLASSES`] (`"hot dog"` → 8).
pub fn class_index(name: &str) -> Option<usize> {
    SNACKS_CLASSES.iter().position(|c| *c == name)
}

/// A contact sheet: one row per class, `per_class` training images each (as
/// [`write_synthetic_snacks`] would draw them with `options`), for a look at the whole dataset.
pub fn contact_sheet(options: &SynthOptions, per_class: usize) -> Result<RgbImage> {
    options.validate()?;
    if per_class == 0 || per_class > 64 {
        return Err(Error::InvalidArgument(format!("per_class must be 1 to 64, not {per_class}")));
    }
    let size = options.image_size;
    let gap = 2;
    let (w, h) = (per_class as u32 * (size + gap), SNACKS_CLASSES.len() as u32 * (size + gap));
    let mut sheet = RgbImage::from_pixel(w, h, image::Rgb([255, 255, 255]));
    let tiles: Vec<(usize, usize, RgbImage)> = (0..SNACKS_CLASSES.len())
        .flat_map(|c| (0..per_class).map(move |i| (c, i)))
        .collect::<Vec<_>>()
        .into_par_iter()
        .map(|(c, i)| (c, i, draw::render(c, size as usize, image_seed(options.seed, 0, c, i))))
        .collect();
    for (c, i, tile) in tiles {
        image::imageops::replace(&mut sheet, &tile, (i as u32 * (size + gap)) as i64, (c as u32 * (size + gap)) as i64);
    }
    Ok(sheet)
}

/// The seed of one image: the dataset seed mixed with its split, class and number.
fn image_seed(seed: u64, split: usize, class: usize, index: usize) -> u64 {
    let id = ((split as u64) << 56) ^ ((class as u64) << 40) ^ index as u64;
    splitmix64(splitmix64(seed) ^ id)
}

/// A strong 64-bit mixing function (SplitMix64's finaliser).
fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Draws and encodes every image into `dir`, then writes the marker file last.
fn write_all(dir: &Path, options: &SynthOptions) -> Result<()> {
    let digits = options.per_class().into_iter().max().unwrap_or(1).saturating_sub(1).to_string().len().max(4);
    let mut jobs = Vec::new();
    for (s, split) in SPLITS.iter().enumerate() {
        for (c, class) in SNACKS_CLASSES.iter().enumerate() {
            let folder = dir.join(split).join(class);
            fs::create_dir_all(&folder).map_err(|e| Error::path(&folder, format!("cannot create the folder: {e}")))?;
            jobs.extend((0..options.per_class()[s]).map(|i| (s, c, i)));
        }
    }
    jobs.into_par_iter().try_for_each(|(s, c, i)| {
        let image = draw::render(c, options.image_size as usize, image_seed(options.seed, s, c, i));
        let path = dir.join(SPLITS[s]).join(SNACKS_CLASSES[c]).join(format!("{i:0digits$}.jpg"));
        fs::write(&path, encode_jpeg(&image)?).map_err(|e| Error::path(&path, format!("cannot write the image: {e}")))
    })?;
    write_marker(dir, &options.marker())
}

/// The image as a JPEG file of quality 90.
fn encode_jpeg(image: &RgbImage) -> Result<Vec<u8>> {
    let mut bytes = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, 90)
        .encode_image(image)
        .map_err(|e| Error::InvalidArgument(format!("cannot encode a JPEG: {e}")))?;
    Ok(bytes)
}

/// Refuses a `root` that is a non-empty folder without a synthetic dataset's marker (it is not
/// ours to replace); an outdated or damaged synthetic dataset is replaced.
fn check_replaceable(root: &Path) -> Result<()> {
    let foreign = root.is_dir()
        && !root.join(MARKER).exists()
        && fs::read_dir(root).map_err(|e| Error::path(root, format!("cannot read the folder: {e}")))?.next().is_some();
    if foreign {
        return Err(Error::path(
            root,
            format!("exists, is not empty and is not a synthetic snacks dataset (no {MARKER}): remove it or choose another folder"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_seeds_differ_between_splits_classes_and_indices() {
        let seeds = [
            image_seed(1, 0, 0, 0),
            image_seed(1, 1, 0, 0),
            image_seed(1, 0, 1, 0),
            image_seed(1, 0, 0, 1),
            image_seed(2, 0, 0, 0),
        ];
        for i in 0..seeds.len() {
            for j in i + 1..seeds.len() {
                assert_ne!(seeds[i], seeds[j]);
            }
        }
    }

    #[test]
    fn every_class_renders_at_the_asked_size() {
        for c in 0..SNACKS_CLASSES.len() {
            let img = render_snack(c, 48, 7).unwrap();
            assert_eq!(img.dimensions(), (48, 48));
        }
        assert!(render_snack(20, 48, 7).is_err());
        assert!(render_snack(0, 8, 7).is_err());
    }
}
