//! # snackml
//!
//! The chapter *Taking Control of Training with Keras* rebuilt in Rust: the math of linear and
//! logistic regression, a Keras-style [`Sequential`](model::Sequential) model (Flatten, Dense,
//! softmax), an `ImageDataGenerator` for the snacks photos, a training loop with Keras's numbers
//! and progress lines, and display helpers for evcxr notebooks.
//!
//! The modules follow the chapter: [`math`], [`activations`], [`layers`], [`losses`],
//! [`optimizers`], [`metrics`], [`model`], [`data`], [`display`]; and for what comes next,
//! [`callbacks`] and [`regularizers`].
//!
//! **Names.** What Keras has keeps Keras's name, spelled as Keras spells it, acronyms included:
//! [`SGD`](optimizers::SGD), [`RMSprop`](optimizers::RMSprop),
//! [`CSVLogger`](callbacks::CSVLogger), [`ReduceLROnPlateau`](callbacks::ReduceLROnPlateau),
//! [`L2`](regularizers::L2), `categorical_crossentropy`, `val_accuracy`; a Keras user finds each
//! where they expect it. What is the crate's own follows Rust's convention, acronyms as words
//! ([`Html`](display::Html), `OnnxOptions`).

#![warn(missing_docs)]

pub mod activations;
pub mod callbacks;
pub mod data;
pub mod display;
mod error;
pub(crate) mod fsutil;
pub mod layers;
pub mod losses;
pub mod math;
pub mod memory;
pub mod metrics;
pub mod model;
pub mod optimizers;
mod progress_bar;
pub mod regularizers;

pub use error::{Error, Result};

// Re-exported so a notebook needs only `:dep snackml` (one compile of one version of each).
pub use image;
pub use ndarray;
pub use rand;

/// Tensors are `f32` arrays of any rank, batch first, images in NHWC order.
pub type Tensor = ndarray::ArrayD<f32>;

/// A random generator seeded with `seed` (for reproducible weights and shuffles).
pub fn seeded_rng(seed: u64) -> rand::rngs::StdRng {
    rand::SeedableRng::seed_from_u64(seed)
}

/// Everything a notebook needs, in one `use snackml::prelude::*;`: the model, its layers,
/// losses, optimizers, metrics and callbacks, the generators and image helpers, and every
/// display.
pub mod prelude {
    pub use crate::activations::Activation;
    pub use crate::callbacks::{
        CSVLogger, Callback, EarlyStopping, LearningRateScheduler, ModelCheckpoint, ReduceLROnPlateau,
    };
    pub use crate::data::generator::{FlowOptions, ImageDataGenerator};
    pub use crate::data::image::{expand_dims, img_to_array, load_img, load_img_with, normalize_pixels, ResizeFilter};
    pub use crate::data::{ArrayData, Batch, Labels, Sequence};
    pub use crate::display::*;
    pub use crate::layers::{
        ActivationLayer, AveragePooling2D, BatchNormalization, Conv2D, Dense, Dropout, Flatten, GlobalAveragePooling2D,
        GlobalMaxPooling2D, Layer, MaxPooling2D, Padding,
    };
    pub use crate::losses::Loss;
    pub use crate::math::{argmax, describe};
    pub use crate::metrics::Metric;
    #[cfg(feature = "onnx")]
    pub use crate::model::OnnxOptions;
    pub use crate::model::{FitOptions, History, Sequential, Verbose};
    pub use crate::optimizers::{Adam, Optimizer, RMSprop, SGD};
    pub use crate::regularizers::L2;
    pub use crate::{Error, Result, Tensor};
}
