//! Augmentation you can see: one photo beside a grid of what the training flow could make of it.

use super::html::Html;
use super::images::{image_grid_with, show_image_with};
use super::pixels::PixelRange;
use crate::data::generator::ImageDataGenerator;
use ndarray::Array3;

/// `image` (`(H, W, 3)` in `0..=255`, as [`DirectoryIterator::image`] gives it) and `variants`
/// random transformations of it by `datagen`'s augmentation settings, drawn with seeds `seed`,
/// `seed + 1`, … (in a grid of up to 4 columns), in one block. Invalid settings give an error
/// message in the cell.
///
/// [`DirectoryIterator::image`]: crate::data::generator::DirectoryIterator::image
///
/// ```
/// use snackml::data::generator::ImageDataGenerator;
/// let datagen = ImageDataGenerator::new().rotation_range(40.0).horizontal_flip(true);
/// let photo = ndarray::Array3::from_shape_fn((32, 32, 3), |(r, c, _)| (r * 8 + c) as f32);
/// let html = snackml::display::augmentation_preview(&datagen, &photo, 8, 42);
/// assert_eq!(html.count("<img"), 9);
/// ```
pub fn augmentation_preview(datagen: &ImageDataGenerator, image: &Array3<f32>, variants: usize, seed: u64) -> Html {
    let images = match datagen.augmented_variants(image, variants, seed) {
        Ok(images) => images,
        Err(e) => return Html::error(&e.to_string()),
    };
    let captions: Vec<String> = (0..variants as u64).map(|i| format!("seed {}", seed.wrapping_add(i))).collect();
    let original = Html::heading("original") + show_image_with(image, "", PixelRange::Bytes);
    let grid =
        Html::heading("augmented") + image_grid_with(&images, &captions, variants.clamp(1, 4), PixelRange::Bytes);
    Html::row(vec![original, grid])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_settings_and_odd_images_give_messages_not_panics() {
        let photo = Array3::<f32>::zeros((8, 8, 3));
        assert!(augmentation_preview(&ImageDataGenerator::new().brightness_range(&[1.0]), &photo, 2, 0).is_error());
        let none = augmentation_preview(&ImageDataGenerator::new(), &photo, 0, 0);
        assert!(!none.is_error() && none.as_str().contains("no images"));
        let empty = Array3::<f32>::zeros((0, 8, 3));
        assert!(augmentation_preview(&ImageDataGenerator::new().rotation_range(10.0), &empty, 2, 0).is_error());
    }
}
