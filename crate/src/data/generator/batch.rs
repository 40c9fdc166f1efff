//! Batch assembly: decoded pixels become the `(batch, H, W, 3)` input, image by image through the
//! augmentation, the preprocessing function and `rescale` (Keras's order), with the labels of the
//! class mode.

use super::super::sequence::{Batch, Labels};
use super::{ClassMode, ImageDataGenerator};
use crate::{Error, Result};
use ndarray::{Array4, ArrayViewMut3, Axis};
use rand::SeedableRng;
use rayon::prelude::*;

/// The batch of images `pixels` (`H × W × 3` bytes each, `shape` = `[H, W, 3]`) whose classes
/// are `labels`, out of `num_classes`. With augmentation, `seeds` holds each image's seed
/// (empty otherwise).
#[allow(clippy::too_many_arguments)]
pub(super) fn assemble(
    transform: &ImageDataGenerator,
    shape: [usize; 3],
    pixels: &[&[u8]],
    seeds: &[u64],
    labels: Vec<usize>,
    class_mode: ClassMode,
    num_classes: usize,
) -> Result<Batch> {
    let [h, w, c] = shape;
    let mut x = Array4::<f32>::zeros((pixels.len(), h, w, c));
    x.axis_iter_mut(Axis(0))
        .into_par_iter()
        .zip(pixels.par_iter())
        .enumerate()
        .try_for_each(|(i, (out, px))| fill_image(transform, out, px, seeds.get(i).copied()))?;
    let y = match class_mode {
        ClassMode::Categorical => Labels::OneHot(crate::math::one_hot(&labels, num_classes)?),
        ClassMode::Sparse => Labels::Sparse(labels),
        ClassMode::None => Labels::None,
    };
    Ok(Batch { x: x.into_dyn(), y })
}

/// Writes one image into its slot of the batch: pixels (augmented with a transformation drawn
/// from `seed`, if given), then preprocessing, then rescale.
fn fill_image(
    transform: &ImageDataGenerator,
    mut out: ArrayViewMut3<f32>,
    pixels: &[u8],
    seed: Option<u64>,
) -> Result<()> {
    let as_float = |p: &u8| f32::from(*p);
    if let Some(seed) = seed {
        let (h, w, c) = out.dim();
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        let params = transform.augment.random_transform_params(h, w, &mut rng)?;
        let slot = out.as_slice_mut().ok_or_else(|| Error::Shape("a batch slot is not contiguous".into()))?;
        transform.augment.apply_into(pixels, [h, w, c], &params, slot)?;
    } else {
        out.iter_mut().zip(pixels.iter().map(as_float)).for_each(|(o, p)| *o = p);
    }
    if let Some(f) = &transform.preprocessing {
        let image = out.to_owned();
        let processed = f(image);
        if processed.shape() != out.shape() {
            return Err(Error::Shape(format!(
                "the preprocessing function returned shape {:?} for an image of shape {:?}",
                processed.shape(),
                out.shape()
            )));
        }
        out.assign(&processed);
    }
    if let Some(factor) = transform.rescale {
        out.mapv_inplace(|v| v * factor);
    }
    Ok(())
}
