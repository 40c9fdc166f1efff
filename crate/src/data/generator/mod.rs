//! `ImageDataGenerator` and `flow_from_directory`, as in Keras: photos sorted into one folder per
//! class become batches of `(batch, height, width, 3)` pixels with one-hot labels.
//!
//! ```text
//! snacks/train/apple/001.jpg     class_indices = {"apple": 0, "banana": 1}
//! snacks/train/apple/002.jpg     filenames     = ["apple/001.jpg", "apple/002.jpg", "banana/001.png"]
//! snacks/train/banana/001.png    classes       = [0, 0, 1]
//! ```
//!
//! Each batch is `x = preprocessing_function(augment(pixels)) · rescale` image by image (Keras's
//! order; `augment` is the identity unless augmentation is set, see [`augment`](super::augment)),
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
//! [`decode_image`](super::image::decode_image)). When the decoded images, `N × H × W × 3`
//! bytes, fit the cache budget ([`FlowOptions::cache_budget`], 1 GiB by default) they are all
//! decoded once when the iterator is created and every epoch is served from memory. Otherwise each batch is decoded when asked
//! for, and the next one is decoded in the background while the model trains on this one.
//!
//! ## Sturdy
//!
//! A file that cannot be decoded (corrupt, truncated, empty, or text named `.jpg`) is reported
//! once on stderr with its path and the reason, and skipped. In cached mode this is known at
//! creation. In streaming mode headers are checked at creation; a file that fails later is
//! reported and dropped from its batch (that batch is one sample shorter) and from later epochs.
//!
//! ## Inside
//!
//! This file holds the public API: [`ImageDataGenerator`], [`FlowOptions`] and the
//! [`DirectoryIterator`] with its [`Sequence`] implementation. Beside it, one concern each:
//! `listing` finds the class folders and image files (and [`check_same_classes`]), `store`
//! keeps the decoded pixels (cached, or streamed with prefetch), `batch` assembles a batch
//! from pixels (augmentation, preprocessing, rescale, labels) and `augmentation` holds the
//! generator's augmentation builders.
//!
//! ## Augmented
//!
//! With augmentation set (`rotation_range`, `width_shift_range`, …, on the generator of the
//! training flow), each epoch transforms the cached pixels anew while the batch is assembled, in
//! parallel image by image: epochs after the first still decode nothing.
//!
//! ```
//! use snackml::data::generator::{FlowOptions, ImageDataGenerator};
//! use snackml::data::Sequence;
//! # fn main() -> snackml::Result<()> {
//! # let dir = tempfile::tempdir()?;
//! # std::fs::create_dir(dir.path().join("a"))?;
//! # let img = image::RgbImage::from_fn(8, 8, |x, y| image::Rgb([(x * 30) as u8, (y * 30) as u8, 0]));
//! # img.save(dir.path().join("a").join("0.png")).unwrap();
//! let datagen = ImageDataGenerator::new().rotation_range(40.0).horizontal_flip(true);
//! let options = FlowOptions::new().target_size(8, 8).seed(1).verbose(false);
//! let mut train = datagen.flow_from_directory(dir.path(), options)?;
//! let first = train.get(0)?.x;
//! train.on_epoch_end();
//! assert_ne!(train.get(0)?.x, first); // a new transformation each epoch
//! # Ok(())
//! # }
//! ```

mod arrays;
mod augmentation;
mod batch;
mod listing;
mod store;

pub(crate) use listing::has_image_extension;
pub use listing::{check_same_classes, IMAGE_EXTENSIONS};

use super::augment::{image_seed, Augmentation};
use super::image::ResizeFilter;
use super::sequence::{Batch, BatchOrder, Sequence};
use crate::{Error, Result};
use listing::{list_directory, no_images_error, slash_path};
use ndarray::Array3;
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use store::{ImageFiles, Store};

/// A function applied to each image, `(H, W, 3)` pixels in `0..=255`, before `rescale`.
pub type PreprocessingFn = Arc<dyn Fn(Array3<f32>) -> Array3<f32> + Send + Sync>;

/// The default cache budget: 1 GiB of decoded pixels.
pub const DEFAULT_CACHE_BUDGET: usize = 1 << 30;

/// Makes batches of images from folders, with augmentation, a preprocessing function and a
/// rescale factor (Keras's `ImageDataGenerator`; its `featurewise_*`, `samplewise_*` and ZCA
/// options are not implemented).
#[derive(Clone, Default)]
pub struct ImageDataGenerator {
    preprocessing: Option<PreprocessingFn>,
    rescale: Option<f32>,
    augment: Augmentation,
}

impl fmt::Debug for ImageDataGenerator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ImageDataGenerator")
            .field("preprocessing_function", &self.preprocessing.as_ref().map(|_| "fn"))
            .field("rescale", &self.rescale)
            .field("augmentation", &self.augment)
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
    /// Errors when `dir` is missing, has no class subfolders or no readable image, when the
    /// batch size or a side of the target size is 0, and when an augmentation setting is invalid
    /// (see [`Augmentation::validate`]).
    pub fn flow_from_directory(&self, dir: impl AsRef<Path>, options: FlowOptions) -> Result<DirectoryIterator> {
        self.augment.validate()?;
        DirectoryIterator::new(dir.as_ref(), options, self.clone())
    }
}

/// What the labels of a batch look like (Keras's `class_mode`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ClassMode {
    /// One-hot rows, [`Labels::OneHot`](super::Labels::OneHot) (the default).
    #[default]
    Categorical,
    /// Class indices, [`Labels::Sparse`](super::Labels::Sparse).
    Sparse,
    /// No labels, [`Labels::None`](super::Labels::None) (for `predict`).
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
    /// The resize filter. The default is [`ResizeFilter::default()`], the triangle filter, which
    /// is also the default of `snackml train --filter` and the filter the benchmarks call the
    /// default: each output pixel averages every source pixel under it, so a photo shrunk to
    /// 32 × 32 stays smooth instead of keeping one pixel in 64, and JPEGs are decoded at a
    /// reduced DCT scale, the fast path (about 8,000 against 6,300 photos a second on 2 cores).
    /// [`ResizeFilter::Nearest`] is Keras's `interpolation="nearest"`: slower, but the same pixels
    /// as Keras, for comparing with it image for image. Test accuracies on food10 are within the
    /// seed's noise of each other (see the README's "How fast" section).
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
///
/// A clone is a second flow over the same images, at the same point (decoded pixels included,
/// without reading the folder again): `fit_in_background(train.clone(), …)` trains on one while
/// the notebook keeps the other.
#[derive(Clone)]
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
    /// The batch [`next_batch`](DirectoryIterator::next_batch) gives next.
    cursor: usize,
    /// The seed of the augmentation draws, and the epochs finished so far.
    augment_seed: u64,
    epoch: u64,
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
        let (store, kept) = Store::open(&mut images, fits);
        if kept.is_empty() {
            return Err(no_images_error(dir, listing.files.len()));
        }
        let filenames = kept.iter().map(|&i| slash_path(&listing.files[i].0)).collect();
        let classes: Vec<usize> = kept.iter().map(|&i| listing.files[i].1).collect();
        let class_indices: BTreeMap<String, usize> = listing.classes.iter().cloned().zip(0..).collect();
        if options.verbose {
            println!("Found {} images belonging to {} classes.", classes.len(), class_indices.len());
        }
        let seed = options.seed.unwrap_or_else(rand::random);
        let order = BatchOrder::new(kept.len(), options.batch_size, options.shuffle.then_some(seed))?;
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
            cursor: 0,
            augment_seed: seed,
            epoch: 0,
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

    /// The generator whose settings (augmentation, preprocessing, rescale) this flow applies.
    pub fn generator(&self) -> &ImageDataGenerator {
        &self.transform
    }

    /// Sample `index`'s decoded pixels, `(H, W, 3)` in `0..=255`, before any augmentation or
    /// preprocessing (from the cache, or decoded now when streaming).
    pub fn image(&self, index: usize) -> Result<Array3<f32>> {
        if index >= self.samples() {
            return Err(Error::InvalidArgument(format!(
                "image {index} is out of range (the flow has {} images)",
                self.samples()
            )));
        }
        let bytes = match &self.store {
            Store::Cached(cache) => cache[index].clone(),
            Store::Streaming { .. } => {
                self.images.decode_one(index).map_err(|e| Error::path(&self.images.paths[index], e))?
            }
        };
        Array3::from_shape_vec(self.image_shape(), bytes.into_iter().map(f32::from).collect())
            .map_err(|e| Error::Shape(e.to_string()))
    }

    /// The batch of samples `ids` with pixels `pixels` (`H × W × 3` bytes each).
    fn assemble(&self, ids: &[usize], pixels: &[&[u8]]) -> Result<Batch> {
        let labels = ids.iter().map(|&i| self.classes[i]).collect();
        let seeds: Vec<u64> = if self.transform.augment.is_active() {
            ids.iter().map(|&i| image_seed(self.augment_seed, self.epoch, i as u64)).collect()
        } else {
            Vec::new()
        };
        let shape = self.image_shape();
        batch::assemble(&self.transform, shape, pixels, &seeds, labels, self.class_mode, self.num_classes())
    }
}

impl Sequence for DirectoryIterator {
    fn len(&self) -> usize {
        self.order.len()
    }

    fn get(&mut self, index: usize) -> Result<Batch> {
        self.order.checked_batch(index)?;
        let ids = self.order.batch(index);
        if let Store::Cached(cache) = &self.store {
            let pixels: Vec<&[u8]> = ids.iter().map(|&i| cache[i].as_slice()).collect();
            return self.assemble(ids, &pixels);
        }
        let next = (index + 1 < self.order.len()).then(|| (index + 1, self.order.batch(index + 1)));
        let (ids, pixels) = self.store.streamed(&self.images, index, ids, next);
        let pixels: Vec<&[u8]> = pixels.iter().map(Vec::as_slice).collect();
        self.assemble(&ids, &pixels)
    }

    fn on_epoch_end(&mut self) {
        self.order.on_epoch_end();
        self.epoch += 1;
        // The new epoch's first batch; this replaces (and so discards) any prefetch of the old order.
        if !self.order.is_empty() {
            self.store.start_prefetch(&self.images, 0, self.order.batch(0));
        }
    }

    fn samples(&self) -> usize {
        self.filenames.len()
    }
}
