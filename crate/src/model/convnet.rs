//! The book's first convnet ("Going Convolutional"), as its Keras code builds it: Conv2D pairs of
//! 32, 64, 128 and 256 filters (3 × 3, `padding="same"`, relu), `MaxPooling2D(2)` after each of the
//! first three pairs, `GlobalAveragePooling2D`, `Dense(classes)`, softmax. 1,177,396 parameters
//! for 20 classes, whatever the image size (global pooling); compile it with Adam(1e-3).
//!
//! ```
//! let model = snackml::model::chapter7_convnet(64, 20, 42)?;
//! assert_eq!(model.count_params(), 1_177_396);
//! # Ok::<(), snackml::Error>(())
//! ```

use super::Sequential;
use crate::activations::Activation;
use crate::layers::{
    ActivationLayer, BatchNormalization, Conv2D, Dense, Dropout, GlobalAveragePooling2D, MaxPooling2D, Padding,
};
use crate::Result;

/// The book's convnet for `size × size` RGB images and `classes` classes, weights drawn from
/// `seed` (not compiled).
pub fn chapter7_convnet(size: usize, classes: usize, seed: u64) -> Result<Sequential> {
    chapter7_convnet_with(size, classes, seed, ConvnetOptions::default())
}

/// What to add to the book's convnet against overfitting, as the book goes on to do.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ConvnetOptions {
    /// A `BatchNormalization` after every convolution, before its relu (Conv2D → BN → relu).
    pub batch_norm: bool,
    /// A `Dropout` of this rate before the last Dense layer (0: none).
    pub dropout: f32,
}

impl ConvnetOptions {
    /// Conv2D → BatchNormalization → relu everywhere.
    pub fn batch_norm(mut self, on: bool) -> Self {
        self.batch_norm = on;
        self
    }
    /// `Dropout(rate)` before the classifier.
    pub fn dropout(mut self, rate: f32) -> Self {
        self.dropout = rate;
        self
    }
}

/// [`chapter7_convnet`] with the additions of `options`.
///
/// ```
/// use snackml::model::{chapter7_convnet_with, ConvnetOptions};
/// let model = chapter7_convnet_with(32, 20, 42, ConvnetOptions::default().batch_norm(true).dropout(0.5))?;
/// // Each BatchNormalization adds 4 weights a channel (2 of them not trained).
/// assert_eq!(model.count_params(), 1_177_396 + 4 * 2 * (32 + 64 + 128 + 256));
/// # Ok::<(), snackml::Error>(())
/// ```
pub fn chapter7_convnet_with(size: usize, classes: usize, seed: u64, options: ConvnetOptions) -> Result<Sequential> {
    let mut model = Sequential::with_seed(seed);
    for (i, filters) in [32, 64, 128, 256].into_iter().enumerate() {
        for j in 0..2 {
            let activation = if options.batch_norm { Activation::Linear } else { Activation::Relu };
            let mut conv = Conv2D::new(filters, 3).padding(Padding::Same).activation(activation);
            if i == 0 && j == 0 {
                conv = conv.input_shape(&[size, size, 3]);
            }
            model.add(conv)?;
            if options.batch_norm {
                model.add(BatchNormalization::new())?;
                model.add(ActivationLayer::new(Activation::Relu))?;
            }
        }
        if i < 3 {
            model.add(MaxPooling2D::new(2))?;
        }
    }
    model.add(GlobalAveragePooling2D::new())?;
    if options.dropout > 0.0 {
        model.add(Dropout::new(options.dropout))?;
    }
    model.add(Dense::new(classes))?;
    model.add(ActivationLayer::softmax())?;
    Ok(model)
}

/// Multiply-adds × 2 of one forward pass of one image through the convolutions and the Dense
/// layer of `model` (`2·h_out·w_out·k_h·k_w·c_in·c_out` per Conv2D, `2·in·out` per Dense).
pub fn forward_flops(model: &Sequential) -> f64 {
    model
        .layers()
        .iter()
        .filter_map(|l| {
            let kernel = l.params().iter().find(|p| p.name == "kernel")?;
            let out = l.output_shape()?;
            let spatial: usize = out[..out.len() - 1].iter().product();
            Some(2.0 * spatial as f64 * kernel.value.len() as f64)
        })
        .sum()
}
