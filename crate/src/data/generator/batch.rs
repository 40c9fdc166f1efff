//! Batch assembly: decoded pixels become the `(batch, H, W, 3)` input, image by image through the
//! preprocessing function and `rescale` (Keras's order), with the labels of the class mode.

use super::super::sequence::{Batch, Labels};
use super::{ClassMode, ImageDataGenerator};
use crate::{Error, Result};
use ndarray::{Array3, Array4, ArrayViewMut3, Axis};
use rayon::prelude::*;

/// The batch of images `pixels` (`H × W × 3` bytes each, `shape` = `[H, W, 3]`) whose classes
/// are `labels`, out of `num_classes`.
pub(super) fn assemble(
    transform: &ImageDataGenerator,
    shape: [usize; 3],
    pixels: &[&[u8]],
    labels: Vec<usize>,
    class_mode: ClassMode,
    num_classes: usize,
) -> Result<Batch> {
    let [h, w, c] = shape;
    let mut x = Array4::<f32>::zeros((pixels.len(), h, w, c));
    x.axis_iter_mut(Axis(0))
        .into_par_iter()
        .zip(pixels.par_iter())
        .try_for_each(|(out, px)| fill_image(transform, out, px))?;
    let y = match class_mode {
        ClassMode::Categorical => Labels::OneHot(crate::math::one_hot(&labels, num_classes)?),
        ClassMode::Sparse => Labels::Sparse(labels),
        ClassMode::None => Labels::None,
    };
    Ok(Batch { x: x.into_dyn(), y })
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
