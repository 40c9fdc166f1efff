//! Scrambled photos: every image's pixels moved by one fixed permutation of positions, the
//! experiment that shows what `Flatten` throws away (a Dense network learns scrambled photos as
//! well as the real ones: it never used which pixels were neighbours).
//!
//! For a batch `x` of shape `(N, H, W, C)` and a permutation `π` of the `H·W` positions,
//! `scrambled[n, p] = x[n, π(p)]` for every position `p` (all `C` channels move together).

use crate::{Error, Result, Tensor};
use ndarray::Axis;
use rand::seq::SliceRandom;

/// `x` (`(N, H, W, C)`) with the pixel positions of every image permuted the same way, by the
/// permutation `seed` draws; the same seed always gives the same permutation.
///
/// ```
/// let x = ndarray::Array::from_shape_fn((2, 2, 2, 3), |(n, i, j, c)| (n * 100 + i * 10 + j + c) as f32).into_dyn();
/// let s = snackml::data::scramble_pixels(&x, 1).unwrap();
/// assert_eq!(s.shape(), x.shape());
/// assert_eq!(s, snackml::data::scramble_pixels(&x, 1).unwrap());
/// let mut a: Vec<f32> = s.iter().copied().collect();
/// let mut b: Vec<f32> = x.iter().copied().collect();
/// a.sort_by(f32::total_cmp);
/// b.sort_by(f32::total_cmp);
/// assert_eq!(a, b); // the same values, moved
/// ```
pub fn scramble_pixels(x: &Tensor, seed: u64) -> Result<Tensor> {
    let &[n, h, w, c] = x.shape() else {
        return Err(Error::Shape(format!("scramble_pixels takes images (N, H, W, C), got {:?}", x.shape())));
    };
    let mut permutation: Vec<usize> = (0..h * w).collect();
    permutation.shuffle(&mut crate::seeded_rng(seed));
    let pixels = x.to_shape((n, h * w, c)).map_err(|e| Error::Shape(e.to_string()))?;
    let picked = pixels.select(Axis(1), &permutation);
    let out = picked.to_shape((n, h, w, c)).map_err(|e| Error::Shape(e.to_string()))?;
    // `select` along the pixel axis leaves the images interleaved in memory (strides such as
    // [3, 45, 9, 1]); row-major again, a batch of them is one contiguous block.
    Ok(out.as_standard_layout().into_owned().into_dyn())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_image_moves_the_same_way_and_channels_stay_together() {
        let x =
            ndarray::Array::from_shape_fn((3, 4, 5, 3), |(n, i, j, c)| (n * 1000 + i * 10 + j) as f32 + c as f32 * 0.1);
        let s = scramble_pixels(&x.into_dyn(), 7).unwrap();
        for i in 0..4 {
            for j in 0..5 {
                let first = s[[0, i, j, 0]];
                for n in 0..3 {
                    assert_eq!(s[[n, i, j, 0]], first + n as f32 * 1000.0, "the same source pixel in every image");
                    assert!((s[[n, i, j, 2]] - s[[n, i, j, 0]] - 0.2).abs() < 1e-4, "channels move together");
                }
            }
        }
        assert_ne!(s, scramble_pixels(&s, 8).unwrap());
        // Row-major like its input: a batch of it is one contiguous block (notebook 5 trains on it).
        assert!(s.is_standard_layout(), "strides {:?}", s.strides());
        assert!(scramble_pixels(&Tensor::zeros(vec![2, 3]), 1).is_err());
    }
}
