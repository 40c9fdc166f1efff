//! Augmentation you can see: one photo beside a grid of what the training flow could make of it.

use super::html::Html;
use super::images::{class_name, image_grid_with, show_image_with};
use super::photos::credit;
use super::pixels::PixelRange;
use crate::data::generator::{DirectoryIterator, ImageDataGenerator};
use ndarray::Array3;

/// Photo `index` of `flow`, captioned with its class, beside `variants` random transformations
/// of it by `datagen`'s augmentation settings (drawn with seeds `seed`, `seed + 1`, …, in a grid
/// of up to 4 columns), then the photos' credit. Invalid settings or a missing photo give an
/// error message in the cell.
pub fn augmentation_preview(
    datagen: &ImageDataGenerator,
    flow: &DirectoryIterator,
    index: usize,
    variants: usize,
    seed: u64,
) -> Html {
    let image = match flow.image(index) {
        Ok(image) => image,
        Err(e) => return Html::error(&e.to_string()),
    };
    let class = flow.classes().get(index).map_or_else(String::new, |&c| class_name(&flow.index_to_class(), c));
    variants_of(datagen, &image, &class, variants, seed) + credit(flow)
}

/// `image` (`(H, W, 3)` in `0..=255`) captioned `caption`, beside `variants` transformations of it.
fn variants_of(datagen: &ImageDataGenerator, image: &Array3<f32>, caption: &str, variants: usize, seed: u64) -> Html {
    let images = match datagen.augmented_variants(image, variants, seed) {
        Ok(images) => images,
        Err(e) => return Html::error(&e.to_string()),
    };
    let captions: Vec<String> = (1..=variants).map(|i| format!("variant {i}")).collect();
    let original = Html::heading("original") + show_image_with(image, caption, PixelRange::Bytes);
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
        assert!(variants_of(&ImageDataGenerator::new().brightness_range(&[1.0]), &photo, "", 2, 0).is_error());
        let none = variants_of(&ImageDataGenerator::new(), &photo, "", 0, 0);
        assert!(!none.is_error() && none.as_str().contains("no images"));
        let empty = Array3::<f32>::zeros((0, 8, 3));
        assert!(variants_of(&ImageDataGenerator::new().rotation_range(10.0), &empty, "", 2, 0).is_error());
        let rotated = variants_of(&ImageDataGenerator::new().rotation_range(10.0), &photo, "apple", 3, 0);
        assert_eq!(rotated.count("<img"), 4);
        assert!(rotated.as_str().contains("apple") && rotated.as_str().contains("variant 3"));
    }
}
