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
use crate::layers::{ActivationLayer, Conv2D, Dense, GlobalAveragePooling2D, MaxPooling2D, Padding};
use crate::Result;

/// The book's convnet for `size × size` RGB images and `classes` classes, weights drawn from
/// `seed` (not compiled).
pub fn chapter7_convnet(size: usize, classes: usize, seed: u64) -> Result<Sequential> {
    let mut model = Sequential::with_seed(seed);
    for (i, filters) in [32, 64, 128, 256].into_iter().enumerate() {
        for j in 0..2 {
            let mut conv = Conv2D::new(filters, 3).padding(Padding::Same).activation(Activation::Relu);
            if i == 0 && j == 0 {
                conv = conv.input_shape(&[size, size, 3]);
            }
            model.add(conv)?;
        }
        if i < 3 {
            model.add(MaxPooling2D::new(2))?;
        }
    }
    model.add(GlobalAveragePooling2D::new())?;
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
