//! `ImageDataGenerator` and `flow_from_directory`, as in Keras: photos sorted into one folder per
//! class become batches of `(batch, height, width, 3)` pixels with one-hot labels.
//!
//! ```text
//! snacks/train/apple/001.jpg     class_indices = {"apple": 0, "banana": 1}
//! snacks/train/apple/002.jpg     filenames     = ["apple/001.jpg", "apple/002.jpg", "banana/001.png"]
//! snacks/train/banana/001.png    classes       = [0, 0, 1]
//! ```
//!
//! Each batch is `x = preprocessing_function(pixels) · rescale` image by image (Keras's order),
//! `y = one_hot(class)` for `ClassMode::Categorical`. An epoch has `ceil(N / batch_size)`
//! batches, the last one partial; with `shuffle` the order is a new seeded permutation each epoch.
//!
//! ```
//! use snackml::data::generator::{FlowOptions, ImageDataGenerator};
//! use snackml::data::image::normalize_pixels;
//! use snackml::data::Sequence;
//! # fn main() -> snackml::Result<()> {
//! let dir = tempfile::tempdir()?;
//! for (class, value) in [("apple", 0u8), ("banana", 255)] {
//!     std::fs::create_dir(dir.path().join(class))?;
//!     for i in 0..3 {
//!         let img = image::RgbImage::from_pixel(8, 8, image::Rgb([value; 3]));
//!         img.save(dir.path().join(class).join(format!("{i}.png"))).unwrap();
//!     }
//! }
//! let datagen = ImageDataGenerator::new().preprocessing_function(normalize_pixels);
//! let options = FlowOptions::new().target_size(4, 4).batch_size(4).shuffle(false).verbose(false);
//! let mut train = datagen.flow_from_directory(dir.path(), options)?;
//! assert_eq!((train.samples(), train.num_classes(), train.len()), (6, 2, 2));
//! let batch = train.get(1)?; // the last, partial batch: samples 4 and 5, both bananas
//! assert_eq!(batch.x.shape(), &[2, 4, 4, 3]);
//! assert_eq!(batch.x[[0, 0, 0, 0]], 1.0); // 255 / 127.5 - 1
//! assert_eq!(batch.one_hot(2)?.row(0).to_vec(), vec![0.0, 1.0]);
//! # Ok(())
//! # }
//! ```
//!
//! ## Fast
//!
//! Photos are decoded in parallel on all cores (rayon), JPEGs at a reduced DCT scale (see
//! [`decode_image`]). When the decoded images, `N × H × W × 3` bytes, fit the cache budget
//! ([`FlowOptions::cache_budget`], 1 GiB by default) they are all decoded once when the iterator
//! is created and every epoch is served from memory. Otherwise each batch is decoded when asked
//! for, and the next one is decoded in the background while the model trains on this one.
//!
//! ## Sturdy
//!
//! A file that cannot be decoded (corrupt, truncated, empty, or text named `.jpg`) is reported
//! once on stderr with its path and the reason, and skipped. In cached mode this is known at
//! creation. In streaming mode headers are checked at creation; a file that fails later is
//! reported and dropped from its batch (that batch is one sample shorter) and from later epochs.

use super::image::{decode_image, probe_image, ResizeFilter};
use super::sequence::{Batch, BatchOrder, Labels, Sequence};
use crate::{Error, Result};
use ndarray::{Array3, Array4, ArrayViewMut3, Axis};
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{channel, Receiver};
use std::sync::Arc;

/// A function applied to each image, `(H, W, 3)` pixels in `0..=255`, before `rescale`.
pub type PreprocessingFn = Arc<dyn Fn(Array3<f32>) -> Array3<f32> + Send + Sync>;

/// The file extensions `flow_from_directory` reads (compared case-insensitively), as Keras.
pub const IMAGE_EXTENSIONS: [&str; 7] = ["png", "jpg", "jpeg", "bmp", "ppm", "tif", "tiff"];

/// The default cache budget: 1 GiB of decoded pixels.
pub const DEFAULT_CACHE_BUDGET: usize = 1 << 30;

/// Makes batches of images from folders, with a preprocessing function (Keras's
/// `ImageDataGenerator`; the augmentation options are not implemented).
#[derive(Clone, Default)]
pub struct ImageDataGenerator {
    preprocessing: Option<PreprocessingFn>,
    rescale: Option<f32>,
}

impl fmt::Debug for ImageDataGenerator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ImageDataGenerator")
            .field("preprocessing_function", &self.preprocessing.as_ref().map(|_| "fn"))
            .field("rescale", &self.rescale)
            .finish()
    }
}

impl ImageDataGenerator {
    /// A generator that passes pixels through unchanged (`0..=255`).
    pub fn new() -> Self {
        Self::default()
    }

    /// Applies `f` to every image, for example [`normalize_pixels`](super::image::normalize_pixels).
    /// It must return an array of the same shape.
    pub fn preprocessing_function(mut self, f: impl Fn(Array3<f32>) -> Array3<f32> + Send + Sync + 'static) -> Self {
        self.preprocessing = Some(Arc::new(f));
        self
    }

    /// Multiplies every pixel by `factor` after the preprocessing function (`1.0 / 255.0` for `0..=1`).
    pub fn rescale(mut self, factor: f32) -> Self {
        self.rescale = Some(factor);
        self
    }

    /// Reads `dir/<class>/<image>` (Keras's `flow_from_directory`) and prints
    /// `Found N images belonging to K classes.`
    ///
    /// Errors when `dir` is missing, has no class subfolders or no readable image, and when the
    /// batch size or a side of the target size is 0.
    pub fn flow_from_directory(&self, dir: impl AsRef<Path>, options: FlowOptions) -> Result<DirectoryIterator> {
        DirectoryIterator::new(dir.as_ref(), options, self.clone())
    }
}

/// What the labels of a batch look like (Keras's `class_mode`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ClassMode {
    /// One-hot rows, [`Labels::OneHot`] (the default).
    #[default]
    Categorical,
    /// Class indices, [`Labels::Sparse`].
    Sparse,
    /// No labels, [`Labels::None`] (for `predict`).
    None,
}

/// The options of `flow_from_directory`, with Keras's defaults: 256×256, batch 32, categorical,
/// shuffled with a random seed; plus the resize filter, the cache budget and the `Found` line.
#[derive(Clone, Debug)]
pub struct FlowOptions {
    target_size: (u32, u32),
    batch_size: usize,
    class_mode: ClassMode,
    shuffle: bool,
    seed: Option<u64>,
    filter: ResizeFilter,
    cache_budget: usize,
    verbose: bool,
}

impl Default for FlowOptions {
    fn default() -> Self {
        FlowOptions {
            target_size: (256, 256),
            batch_size: 32,
            class_mode: ClassMode::Categorical,
            shuffle: true,
            seed: None,
            filter: ResizeFilter::default(),
            cache_budget: DEFAULT_CACHE_BUDGET,
            verbose: true,
        }
    }
}

impl FlowOptions {
    /// Keras's defaults.
    pub fn new() -> Self {
        Self::default()
    }
    /// Every image is resized to `height × width` (default 256 × 256).
    pub fn target_size(mut self, height: u32, width: u32) -> Self {
        self.target_size = (height, width);
        self
    }
    /// Samples per batch (default 32).
    pub fn batch_size(mut self, batch_size: usize) -> Self {
        self.batch_size = batch_size;
        self
    }
    /// The labels' form (default categorical, one-hot).
    pub fn class_mode(mut self, class_mode: ClassMode) -> Self {
        self.class_mode = class_mode;
        self
    }
    /// Whether the order is a new permutation each epoch (default true).
    pub fn shuffle(mut self, shuffle: bool) -> Self {
        self.shuffle = shuffle;
        self
    }
    /// The seed of the shuffles, for reproducible runs (default: a random seed).
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }
    /// The resize filter (default [`ResizeFilter::Triangle`]; `Nearest` is Keras's).
    pub fn filter(mut self, filter: ResizeFilter) -> Self {
        self.filter = filter;
        self
    }
    /// The most bytes of decoded images kept in memory (default 1 GiB); 0 never caches.
    pub fn cache_budget(mut self, bytes: usize) -> Self {
        self.cache_budget = bytes;
        self
    }
    /// Whether to print `Found N images belonging to K classes.` (default true).
    pub fn verbose(mut self, verbose: bool) -> Self {
        self.verbose = verbose;
        self
    }

    fn validate(&self) -> Result<()> {
        if self.batch_size == 0 {
            return Err(Error::InvalidArgument("batch_size must be at least 1".into()));
        }
        let (height, width) = self.target_size;
        if height == 0 || width == 0 {
            return Err(Error::InvalidArgument(format!(
                "target_size ({height}, {width}) must have both sides at least 1"
            )));
        }
        Ok(())
    }
}

/// The batches of a folder of class folders (Keras's `DirectoryIterator`); a [`Sequence`] for `fit`.
pub struct DirectoryIterator {
    directory: PathBuf,
    class_indices: BTreeMap<String, usize>,
    filenames: Vec<String>,
    classes: Vec<usize>,
    images: Arc<ImageFiles>,
    transform: ImageDataGenerator,
    class_mode: ClassMode,
    order: BatchOrder,
    store: Store,
}

/// The absolute paths and how to decode them, shared with background decoding.
struct ImageFiles {
    paths: Vec<PathBuf>,
    height: u32,
    width: u32,
    filter: ResizeFilter,
}

/// One decoded image (`H × W × 3` bytes) or why it failed.
type Decoded = Result<Vec<u8>, String>;

/// Where the pixels come from.
enum Store {
    /// Every image decoded once, in file order.
    Cached(Vec<Vec<u8>>),
    /// Decoded batch by batch, with the next batch prepared in the background.
    Streaming { dropped: Vec<bool>, prefetch: Option<Prefetch> },
}

/// A batch being decoded in the background.
struct Prefetch {
    index: usize,
    result: Receiver<Vec<(usize, Decoded)>>,
}

impl fmt::Debug for DirectoryIterator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DirectoryIterator")
            .field("directory", &self.directory)
            .field("samples", &self.samples())
            .field("class_indices", &self.class_indices)
            .field("image_shape", &self.image_shape())
            .field("batch_size", &self.order.batch_size())
            .field("class_mode", &self.class_mode)
            .field("shuffle", &self.order.shuffles())
            .field("cached", &matches!(self.store, Store::Cached(_)))
            .finish()
    }
}

impl DirectoryIterator {
    fn new(dir: &Path, options: FlowOptions, transform: ImageDataGenerator) -> Result<Self> {
        options.validate()?;
        let listing = list_directory(dir)?;
        let (height, width) = options.target_size;
        let mut images = ImageFiles {
            paths: listing.files.iter().map(|(rel, _)| dir.join(rel)).collect(),
            height,
            width,
            filter: options.filter,
        };
        let image_bytes = height as usize * width as usize * 3;
        let fits = listing.files.len().checked_mul(image_bytes).is_some_and(|total| total <= options.cache_budget);

        // Decode everything (cached) or check every header (streaming), in parallel; drop failures.
        let outcomes: Vec<Decoded> = if fits {
            images.paths.par_iter().map(|p| images.decode(p)).collect()
        } else {
            images.paths.par_iter().map(|p| probe_file(p).map(|_| Vec::new())).collect()
        };
        let mut kept = Vec::new();
        let mut pixels = Vec::new();
        for (i, outcome) in outcomes.into_iter().enumerate() {
            match outcome {
                Ok(px) => {
                    kept.push(i);
                    pixels.push(px);
                }
                Err(reason) => report_skipped(&images.paths[i], &reason),
            }
        }
        if kept.is_empty() {
            return Err(no_images_error(dir, listing.files.len()));
        }
        images.paths = kept.iter().map(|&i| images.paths[i].clone()).collect();
        let filenames = kept.iter().map(|&i| slash_path(&listing.files[i].0)).collect();
        let classes: Vec<usize> = kept.iter().map(|&i| listing.files[i].1).collect();
        let class_indices: BTreeMap<String, usize> = listing.classes.iter().cloned().zip(0..).collect();
        if options.verbose {
            println!("Found {} images belonging to {} classes.", classes.len(), class_indices.len());
        }

        let store = if fits {
            Store::Cached(pixels)
        } else {
            Store::Streaming { dropped: vec![false; kept.len()], prefetch: None }
        };
        let seed = options.shuffle.then(|| options.seed.unwrap_or_else(rand::random));
        let order = BatchOrder::new(kept.len(), options.batch_size, seed)?;
        Ok(DirectoryIterator {
            directory: dir.to_path_buf(),
            class_indices,
            filenames,
            classes,
            images: Arc::new(images),
            transform,
            class_mode: options.class_mode,
            order,
            store,
        })
    }

    /// The index of each class, its folder name: sorted names numbered from 0.
    pub fn class_indices(&self) -> &BTreeMap<String, usize> {
        &self.class_indices
    }
    /// The class names in index order (`index_to_class()[i]` is the name of class `i`).
    pub fn index_to_class(&self) -> Vec<String> {
        self.class_indices.keys().cloned().collect()
    }
    /// Each image's path relative to the directory, `/`-separated (`"apple/001.jpg"`), in file order.
    pub fn filenames(&self) -> &[String] {
        &self.filenames
    }
    /// Each image's class index, in file order.
    pub fn classes(&self) -> &[usize] {
        &self.classes
    }
    /// The number of images.
    pub fn samples(&self) -> usize {
        self.filenames.len()
    }
    /// The number of classes (class folders, including empty ones).
    pub fn num_classes(&self) -> usize {
        self.class_indices.len()
    }
    /// Samples per batch.
    pub fn batch_size(&self) -> usize {
        self.order.batch_size()
    }
    /// The shape of one image: `[height, width, 3]`.
    pub fn image_shape(&self) -> [usize; 3] {
        [self.images.height as usize, self.images.width as usize, 3]
    }
    /// The folder read.
    pub fn directory(&self) -> &Path {
        &self.directory
    }
    /// True when all images are decoded in memory, false when they are decoded batch by batch.
    pub fn is_cached(&self) -> bool {
        matches!(self.store, Store::Cached(_))
    }
    /// The sample indices of batch `index` in the current epoch's order.
    pub fn batch_indices(&self, index: usize) -> &[usize] {
        self.order.batch(index)
    }

    /// Decodes (or takes from the background) the pixels of batch `index`, then starts the next one.
    fn streamed_pixels(&mut self, index: usize) -> Vec<(usize, Decoded)> {
        let ids: Vec<usize> = self.batch_indices(index).to_vec();
        let Store::Streaming { dropped, prefetch } = &mut self.store else {
            return Vec::new();
        };
        let ready = match prefetch.take() {
            Some(p) if p.index == index => p.result.recv().ok(),
            _ => None,
        };
        let wanted: Vec<usize> = ids.into_iter().filter(|&i| !dropped[i]).collect();
        let decoded = ready.unwrap_or_else(|| self.images.decode_all(&wanted));
        self.start_prefetch(index + 1);
        decoded
    }

    /// Starts decoding batch `index` in the background (streaming mode, if it exists).
    fn start_prefetch(&mut self, index: usize) {
        if index >= self.len() {
            return;
        }
        let ids = self.batch_indices(index).to_vec();
        let Store::Streaming { dropped, prefetch } = &mut self.store else { return };
        let ids: Vec<usize> = ids.into_iter().filter(|&i| !dropped[i]).collect();
        let images = Arc::clone(&self.images);
        let (sender, result) = channel();
        rayon::spawn(move || {
            // The receiver may be gone (a different batch was asked for): nothing to do then.
            let _ = sender.send(images.decode_all(&ids));
        });
        *prefetch = Some(Prefetch { index, result });
    }

    /// Reports and drops the images that failed; returns the ids and pixels of the others.
    fn keep_decoded(&mut self, decoded: Vec<(usize, Decoded)>) -> (Vec<usize>, Vec<Vec<u8>>) {
        let mut ids = Vec::with_capacity(decoded.len());
        let mut pixels = Vec::with_capacity(decoded.len());
        for (i, outcome) in decoded {
            match outcome {
                Ok(px) => {
                    ids.push(i);
                    pixels.push(px);
                }
                Err(reason) => {
                    if let Store::Streaming { dropped, .. } = &mut self.store {
                        if !std::mem::replace(&mut dropped[i], true) {
                            report_skipped(&self.images.paths[i], &reason);
                        }
                    }
                }
            }
        }
        (ids, pixels)
    }

    /// The batch of samples `ids` with pixels `pixels` (`H × W × 3` bytes each).
    fn assemble(&self, ids: &[usize], pixels: &[&[u8]]) -> Result<Batch> {
        let [h, w, c] = self.image_shape();
        let mut x = Array4::<f32>::zeros((ids.len(), h, w, c));
        let transform = &self.transform;
        x.axis_iter_mut(Axis(0))
            .into_par_iter()
            .zip(pixels.par_iter())
            .try_for_each(|(out, px)| fill_image(transform, out, px))?;
        let labels: Vec<usize> = ids.iter().map(|&i| self.classes[i]).collect();
        let y = match self.class_mode {
            ClassMode::Categorical => Labels::OneHot(crate::math::one_hot(&labels, self.num_classes())?),
            ClassMode::Sparse => Labels::Sparse(labels),
            ClassMode::None => Labels::None,
        };
        Ok(Batch { x: x.into_dyn(), y })
    }
}

impl Sequence for DirectoryIterator {
    fn len(&self) -> usize {
        self.order.len()
    }

    fn get(&mut self, index: usize) -> Result<Batch> {
        self.order.checked_batch(index)?;
        match &self.store {
            Store::Cached(cache) => {
                let ids = self.batch_indices(index);
                let pixels: Vec<&[u8]> = ids.iter().map(|&i| cache[i].as_slice()).collect();
                self.assemble(ids, &pixels)
            }
            Store::Streaming { .. } => {
                let decoded = self.streamed_pixels(index);
                let (ids, pixels) = self.keep_decoded(decoded);
                let pixels: Vec<&[u8]> = pixels.iter().map(Vec::as_slice).collect();
                self.assemble(&ids, &pixels)
            }
        }
    }

    fn on_epoch_end(&mut self) {
        self.order.on_epoch_end();
        // The new epoch's first batch; this replaces (and so discards) any prefetch of the old order.
        self.start_prefetch(0);
    }

    fn samples(&self) -> usize {
        self.filenames.len()
    }
}

impl ImageFiles {
    /// Reads and decodes one file to `H × W × 3` bytes.
    fn decode(&self, path: &Path) -> Decoded {
        let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
        decode_image(&bytes, Some((self.height, self.width)), self.filter).map(|img| img.into_raw())
    }

    /// Decodes the images `ids` in parallel.
    fn decode_all(&self, ids: &[usize]) -> Vec<(usize, Decoded)> {
        ids.par_iter().map(|&i| (i, self.decode(&self.paths[i]))).collect()
    }
}

/// Writes one image into its slot of the batch: pixels, then preprocessing, then rescale.
fn fill_image(transform: &ImageDataGenerator, mut out: ArrayViewMut3<f32>, pixels: &[u8]) -> Result<()> {
    let as_float = |p: &u8| f32::from(*p);
    if let Some(f) = &transform.preprocessing {
        let image = Array3::from_shape_vec(out.raw_dim(), pixels.iter().map(as_float).collect())
            .map_err(|e| Error::Shape(format!("an image's pixels do not fill its shape: {e}")))?;
        let processed = f(image);
        if processed.shape() != out.shape() {
            return Err(Error::Shape(format!(
                "the preprocessing function returned shape {:?} for an image of shape {:?}",
                processed.shape(),
                out.shape()
            )));
        }
        out.assign(&processed);
    } else {
        out.iter_mut().zip(pixels.iter().map(as_float)).for_each(|(o, p)| *o = p);
    }
    if let Some(factor) = transform.rescale {
        out.mapv_inplace(|v| v * factor);
    }
    Ok(())
}

/// Reads a file and checks its image header (format, size).
fn probe_file(path: &Path) -> Result<(u32, u32), String> {
    let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
    probe_image(&bytes)
}

/// Says on stderr that an image is skipped, and why.
fn report_skipped(path: &Path, reason: &str) {
    eprintln!("Skipping {}: {reason}", path.display());
}

/// The error for a folder where no image could be used.
fn no_images_error(dir: &Path, candidates: usize) -> Error {
    if candidates == 0 {
        let extensions = IMAGE_EXTENSIONS.join(", ");
        Error::path(dir, format!("no images found in the class folders (expected files ending in {extensions})"))
    } else {
        Error::path(dir, format!("none of the {candidates} image files could be decoded (see the messages above)"))
    }
}

/// A relative path with `/` separators, as Keras's filenames.
fn slash_path(path: &Path) -> String {
    path.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/")
}

/// The class folders of a directory and the image files in them.
struct Listing {
    /// Class names, sorted.
    classes: Vec<String>,
    /// Image paths relative to the directory, with their class index, sorted within each class.
    files: Vec<(PathBuf, usize)>,
}

/// Lists `dir/<class>/...` as Keras does: classes are the sorted subfolder names (hidden folders,
/// such as `.ipynb_checkpoints`, are skipped); each class's images are found recursively and sorted.
fn list_directory(dir: &Path) -> Result<Listing> {
    if !dir.exists() {
        return Err(Error::path(dir, "directory not found"));
    }
    if !dir.is_dir() {
        return Err(Error::path(dir, "not a directory (flow_from_directory expects dir/<class>/<image>)"));
    }
    let mut classes = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| Error::path(dir, e))? {
        let entry = entry.map_err(|e| Error::path(dir, e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if entry.path().is_dir() && !name.starts_with('.') {
            classes.push(name);
        }
    }
    if classes.is_empty() {
        return Err(Error::path(dir, "no class subfolders (flow_from_directory expects dir/<class>/<image>)"));
    }
    classes.sort();
    let mut files = Vec::new();
    for (label, class) in classes.iter().enumerate() {
        let mut found = Vec::new();
        collect_images(dir, Path::new(class), &mut found);
        found.sort_by(|a, b| (a.parent(), a.file_name()).cmp(&(b.parent(), b.file_name())));
        files.extend(found.into_iter().map(|rel| (rel, label)));
    }
    Ok(Listing { classes, files })
}

/// Adds the image files under `root/rel` (recursively, not following folder links) to `found`,
/// as paths relative to `root`. An unreadable folder is reported and skipped.
fn collect_images(root: &Path, rel: &Path, found: &mut Vec<PathBuf>) {
    let entries = match std::fs::read_dir(root.join(rel)) {
        Ok(entries) => entries,
        Err(e) => return report_skipped(&root.join(rel), &e.to_string()),
    };
    for entry in entries.flatten() {
        let path = rel.join(entry.file_name());
        let Ok(kind) = entry.file_type() else { continue };
        if kind.is_dir() {
            collect_images(root, &path, found);
        } else if has_image_extension(&path) && (kind.is_file() || root.join(&path).is_file()) {
            found.push(path);
        }
    }
}

/// True for the extensions in [`IMAGE_EXTENSIONS`], in any case.
fn has_image_extension(path: &Path) -> bool {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    IMAGE_EXTENSIONS.contains(&ext.as_str())
}

/// Checks that the splits (for example train, validation and test) have the same classes, which
/// the chapter assumes: a class missing from one split would shift every class index after it.
/// The error names each missing class, the splits that have it and the splits that lack it.
pub fn check_same_classes(splits: &[(&str, &DirectoryIterator)]) -> Result<()> {
    let all: BTreeSet<&String> = splits.iter().flat_map(|(_, it)| it.class_indices.keys()).collect();
    let names = |has: bool, class: &String| -> Vec<&str> {
        splits.iter().filter(|(_, it)| it.class_indices.contains_key(class) == has).map(|(name, _)| *name).collect()
    };
    let problems: Vec<String> = all
        .into_iter()
        .filter(|class| !names(false, class).is_empty())
        .map(|class| {
            format!(
                "class \"{class}\" is in {} but missing from {}",
                names(true, class).join(", "),
                names(false, class).join(", ")
            )
        })
        .collect();
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Error::InvalidArgument(format!("the splits do not have the same classes: {}", problems.join("; "))))
    }
}
