//! Data in: the images of the chapter and the batches `fit` reads.
//!
//! - [`sequence`]: the [`Sequence`] of batches that `fit`, `evaluate` and `predict` read, and
//!   [`ArrayData`] for arrays in memory;
//! - [`image`]: `load_img`, `img_to_array`, `normalize_pixels`, `expand_dims`;
//! - [`generator`]: `ImageDataGenerator` and `flow_from_directory`;
//! - [`shown_path`] (paths as a committed notebook may show them) and [`class_images`];
//! - [`credits`]: where the photos come from, and who took each one;
//! - [`scramble_pixels`]: the photos with their pixel positions shuffled (what Flatten loses);
//! - [`augment`]: the generator's random transformations (rotation, shifts, shear, zoom, flips,
//!   channel shift, brightness), with Keras's units;
//! - [`datasets`]: where the snacks photos are (the real download or the synthetic stand-in),
//!   the class names and the marker of a complete dataset;
//! - `synth` (feature `synth`): drawing the synthetic 20-class snacks-style dataset;
//! - `download` (feature `download`): fetching the real snacks dataset.

pub mod augment;
pub mod credits;
pub mod datasets;
#[cfg(feature = "download")]
pub mod download;
pub mod generator;
pub mod image;
mod paths;
mod scramble;
pub mod sequence;
#[cfg(feature = "synth")]
pub mod synth;

pub use paths::{class_images, shown_path};
pub use scramble::scramble_pixels;
pub use sequence::{ArrayData, Batch, BatchOrder, Labels, Sequence};
