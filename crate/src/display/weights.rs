//! What logistic regression learned: each class's weights shown as an image.

use super::html::Html;
use super::images::{class_name, grid_of};
use super::pixels::{to_rgb_image, PixelRange};
use crate::{Error, Result};
use image::RgbImage;
use ndarray::{Array3, ArrayView2};

/// Columns of the weight grid (20 classes make two rows).
const COLUMNS: usize = 10;

/// The weights of each class (a column of `kernel`) as an RGB image of `image_shape`.
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
            to_rgb_image(pixels.view(), PixelRange::Stretch)
        })
        .collect()
}

/// Each class's learned weights reshaped to an image and shown in a grid with the class names.
///
/// `kernel` is a Dense layer's kernel, `(features, classes)`, after a `Flatten` of images of
/// `image_shape` `(height, width, channels)`: feature `(row · width + col) · channels + channel`
/// is that pixel's channel (NHWC order). Each class's weights are stretched from their own
/// minimum (black) to maximum (white), so bright means "this pixel's colour votes for the class".
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
        assert_eq!(images[0].get_pixel(0, 1).0, [0, 0, 255]);
        assert_eq!(images[0].get_pixel(1, 1).0, [0, 0, 0]);
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
