//! What logistic regression learned: each class's weights shown as an image.

use super::html::Html;
use super::images::{class_name, grid_of};
use super::pixels::{to_rgb_image, PixelRange};
use crate::{Error, Result};
use image::RgbImage;
use ndarray::{Array3, ArrayView2};

/// Columns of the weight grid (20 classes make two rows).
const COLUMNS: usize = 10;

/// `x` (`(H, W, C)`) smoothed with the 3 × 3 binomial kernel `[1 2 1]ᵀ[1 2 1] / 16`, each
/// channel alone (edges use the pixels they have, renormalised).
fn smooth(x: &Array3<f32>) -> Array3<f32> {
    let (h, w, c) = x.dim();
    let weight = |d: isize| if d == 0 { 2.0 } else { 1.0 };
    Array3::from_shape_fn((h, w, c), |(i, j, k)| {
        let (mut sum, mut total) = (0.0, 0.0);
        for di in -1isize..=1 {
            for dj in -1isize..=1 {
                let (y, x2) = (i as isize + di, j as isize + dj);
                if y >= 0 && x2 >= 0 && (y as usize) < h && (x2 as usize) < w {
                    let wgt = weight(di) * weight(dj);
                    sum += wgt * x[[y as usize, x2 as usize, k]];
                    total += wgt;
                }
            }
        }
        sum / total
    })
}

/// `x` clipped to its 2nd..98th percentile, so that a few extreme weights do not leave the
/// rest of the picture grey once stretched.
fn clip_percentiles(x: Array3<f32>) -> Array3<f32> {
    let mut sorted: Vec<f32> = x.iter().copied().filter(|v| v.is_finite()).collect();
    if sorted.len() < 2 {
        return x;
    }
    sorted.sort_by(f32::total_cmp);
    let at = |q: f32| sorted[((sorted.len() - 1) as f32 * q).round() as usize];
    let (lo, hi) = (at(0.02), at(0.98));
    x.mapv(|v| v.clamp(lo, hi))
}

/// The weights of each class (a column of `kernel`) as an RGB image of `image_shape`,
/// smoothed twice and clipped (see [`weight_images`]).
fn class_images(kernel: ArrayView2<f32>, (h, w, c): (usize, usize, usize)) -> Result<Vec<RgbImage>> {
    if kernel.nrows() != h * w * c {
        return Err(Error::Shape(format!(
            "weight_images: the kernel has {} rows (features) but an image of ({h}, {w}, {c}) has {}",
            kernel.nrows(),
            h * w * c
        )));
    }
    kernel
        .columns()
        .into_iter()
        .map(|column| {
            let pixels = Array3::from_shape_vec((h, w, c), column.to_vec()).map_err(|e| Error::Shape(e.to_string()))?;
            to_rgb_image(clip_percentiles(smooth(&smooth(&pixels))).view(), PixelRange::Stretch)
        })
        .collect()
}

/// Each class's learned weights reshaped to an image and shown in a grid with the class names.
///
/// `kernel` is a Dense layer's kernel, `(features, classes)`, after a `Flatten` of images of
/// `image_shape` `(height, width, channels)`: feature `(row · width + col) · channels + channel`
/// is that pixel's channel (NHWC order). Raw weights of 3,072 pixels look like noise: each class's
/// weights are smoothed (twice: every pixel averaged with its 8 neighbours, `[1 2 1]ᵀ[1 2 1] / 16`),
/// clipped to their 2nd–98th percentile, then stretched from black (lowest) to white (highest),
/// so that the colours a class votes for, and where, can be seen.
///
/// ```
/// # use snackml::display::weight_images;
/// let kernel = ndarray::Array2::<f32>::zeros((32 * 32 * 3, 2));
/// let html = weight_images(kernel.view(), (32, 32, 3), &["apple".into(), "banana".into()]);
/// assert_eq!(html.count("<img"), 2);
/// ```
pub fn weight_images(kernel: ArrayView2<f32>, image_shape: (usize, usize, usize), class_names: &[String]) -> Html {
    match class_images(kernel, image_shape) {
        Ok(images) => {
            let captions: Vec<String> = (0..images.len()).map(|j| class_name(class_names, j)).collect();
            grid_of(&images, &captions, COLUMNS)
        }
        Err(e) => Html::error(&e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array2;

    #[test]
    fn features_map_to_pixels_in_nhwc_order() {
        // 1 class, 2×2 image: only feature (row 1 · 2 + col 0) · 3 + channel 2 is positive.
        let mut kernel = Array2::<f32>::zeros((12, 1));
        let (row, col, channel, width) = (1, 0, 2, 2);
        kernel[[(row * width + col) * 3 + channel, 0]] = 1.0;
        let images = class_images(kernel.view(), (2, 2, 3)).unwrap();
        // Smoothing spreads the weight to its neighbours, the most on itself; other channels stay 0.
        // (A 2 × 2 image: after two passes every pixel has some; the spike's own stays the largest.)
        let (own, beside) = (images[0].get_pixel(0, 1).0, images[0].get_pixel(1, 0).0);
        assert_eq!(own, [0, 0, 255]);
        assert!(beside[2] > 0 && beside[2] < 255 && beside[0] == 0, "{beside:?}");
    }

    #[test]
    fn smoothing_keeps_a_constant_and_averages_a_spike() {
        let flat = Array3::<f32>::from_elem((3, 3, 1), 2.0);
        assert!(smooth(&flat).iter().all(|&v| (v - 2.0).abs() < 1e-6));
        let mut spike = Array3::<f32>::zeros((3, 3, 1));
        spike[[1, 1, 0]] = 16.0;
        let s = smooth(&spike);
        assert_eq!((s[[1, 1, 0]], s[[0, 1, 0]], s[[0, 0, 0]]), (4.0, 2.0 * 16.0 / 12.0, 16.0 / 9.0));
    }

    #[test]
    fn wrong_shape_and_constant_weights_do_not_panic() {
        let kernel = Array2::<f32>::zeros((10, 3));
        assert!(weight_images(kernel.view(), (2, 2, 3), &[]).is_error());
        let flat = Array2::<f32>::from_elem((12, 3), 0.5);
        let html = weight_images(flat.view(), (2, 2, 3), &["a".into()]);
        assert_eq!(html.count("<img"), 3);
        assert!(html.as_str().contains(">2</span>"));
    }
}
