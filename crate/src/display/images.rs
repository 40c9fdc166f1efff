//! Photos in a notebook: one image, a grid of images, the misclassified ones.

use super::html::{escape, Html};
use super::pixels::{img_tag, Picture, Pictures, PixelRange};
use image::RgbImage;

/// Columns used when a grid is asked for 0 columns.
const DEFAULT_COLUMNS: usize = 8;

/// One picture with its caption below (the caption is escaped; an empty one is left out).
pub fn captioned(image: &RgbImage, caption: &str) -> Html {
    match img_tag(image) {
        Ok(img) if caption.is_empty() => Html::new(format!("<div>{img}</div>")),
        Ok(img) => Html::new(format!("<div>{img}<br><span style=\"font-size:12px\">{}</span></div>", escape(caption))),
        Err(e) => Html::error(&e.to_string()),
    }
}

/// Shows one image with a caption: an `(H, W, 3)` array (pixel range guessed, see
/// [`PixelRange::Auto`]), a rank-3 tensor, or an [`RgbImage`]. Small images are enlarged.
///
/// ```
/// # use snackml::display::show_image;
/// let x = ndarray::Array3::<f32>::zeros((32, 32, 3));
/// let html = show_image(&x, "a black square");
/// assert_eq!(html.count("<img"), 1);
/// ```
pub fn show_image(image: &impl Picture, caption: &str) -> Html {
    show_image_with(image, caption, PixelRange::Auto)
}

/// [`show_image`] with the pixel range given instead of guessed.
pub fn show_image_with(image: &impl Picture, caption: &str, range: PixelRange) -> Html {
    match image.to_rgb(range) {
        Ok(rgb) => captioned(&rgb, caption),
        Err(e) => Html::error(&e.to_string()),
    }
}

/// Shows images in a grid of `columns` columns (0 means 8), each with the caption of the same
/// index (missing captions are left blank). `images` is a slice or `Vec` of `(H, W, 3)` arrays or
/// [`RgbImage`]s, or a batch tensor `(B, H, W, 3)`; the pixel range is guessed for all together.
///
/// ```
/// # use snackml::display::image_grid;
/// let batch = snackml::Tensor::zeros(vec![4, 32, 32, 3]);
/// let html = image_grid(&batch, &["a", "b", "c", "d"], 2);
/// assert_eq!(html.count("<img"), 4);
/// ```
pub fn image_grid<P, S>(images: &P, captions: &[S], columns: usize) -> Html
where
    P: Pictures + ?Sized,
    S: AsRef<str>,
{
    image_grid_with(images, captions, columns, PixelRange::Auto)
}

/// [`image_grid`] with the pixel range given instead of guessed.
pub fn image_grid_with<P, S>(images: &P, captions: &[S], columns: usize, range: PixelRange) -> Html
where
    P: Pictures + ?Sized,
    S: AsRef<str>,
{
    match images.to_rgb_images(range) {
        Ok(rgb) => grid_of(&rgb, captions, columns),
        Err(e) => Html::error(&e.to_string()),
    }
}

/// Lays out RGB images with captions; an empty list gives a short message instead of nothing.
pub fn grid_of<S: AsRef<str>>(images: &[RgbImage], captions: &[S], columns: usize) -> Html {
    if images.is_empty() {
        return Html::text("(no images)");
    }
    let columns = if columns == 0 { DEFAULT_COLUMNS } else { columns };
    let cells =
        images.iter().enumerate().map(|(i, img)| captioned(img, captions.get(i).map_or("", AsRef::as_ref))).collect();
    Html::grid(cells, columns)
}

/// The name of class `index`, or the number itself when there is no such name.
pub(crate) fn class_name(class_names: &[String], index: usize) -> String {
    class_names.get(index).cloned().unwrap_or_else(|| index.to_string())
}

/// The first `max` images whose true and predicted labels differ, captioned
/// "true → predicted", in a grid of up to 8 columns.
///
/// Labels beyond `class_names` are shown as numbers; if the label lists are shorter than the
/// images, only the labelled images are considered.
///
/// ```
/// # use snackml::display::misclassified;
/// let images = snackml::Tensor::zeros(vec![3, 32, 32, 3]);
/// let names = vec!["apple".to_string(), "banana".to_string()];
/// let html = misclassified(&images, &[0, 1, 1], &[0, 0, 1], &names, 10);
/// assert_eq!(html.count("<img"), 1);
/// ```
pub fn misclassified<P: Pictures + ?Sized>(
    images: &P,
    true_labels: &[usize],
    predicted: &[usize],
    class_names: &[String],
    max: usize,
) -> Html {
    let rgb = match images.to_rgb_images(PixelRange::Auto) {
        Ok(rgb) => rgb,
        Err(e) => return Html::error(&e.to_string()),
    };
    let wrong: Vec<usize> = (0..rgb.len().min(true_labels.len()).min(predicted.len()))
        .filter(|&i| true_labels[i] != predicted[i])
        .take(max)
        .collect();
    if wrong.is_empty() {
        return Html::text("No misclassified images.");
    }
    let pictures: Vec<RgbImage> = wrong.iter().map(|&i| rgb[i].clone()).collect();
    let captions: Vec<String> = wrong
        .iter()
        .map(|&i| format!("{} → {}", class_name(class_names, true_labels[i]), class_name(class_names, predicted[i])))
        .collect();
    grid_of(&pictures, &captions, DEFAULT_COLUMNS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array3;

    #[test]
    fn grid_with_no_images_is_a_message() {
        let none: Vec<Array3<f32>> = vec![];
        let html = image_grid(&none, &[] as &[&str], 4);
        assert_eq!(html.count("<img"), 0);
        assert!(html.as_str().contains("no images"));
    }

    #[test]
    fn grid_of_arrays_has_one_img_per_array_and_escaped_captions() {
        let images = vec![Array3::<f32>::zeros((8, 8, 3)); 5];
        let html = image_grid(&images, &["<cat>"], 2);
        assert_eq!(html.count("<img"), 5);
        assert_eq!(html.count("<tr>"), 3);
        assert!(html.as_str().contains("&lt;cat&gt;"));
    }

    #[test]
    fn bad_batch_shape_is_an_error_message() {
        let html = image_grid(&crate::Tensor::zeros(vec![2, 8, 8]), &[] as &[&str], 2);
        assert!(html.is_error());
    }

    #[test]
    fn misclassified_captions_name_classes() {
        let images = vec![RgbImage::new(4, 4); 3];
        let names = vec!["apple".to_string(), "banana".to_string()];
        let html = misclassified(&images, &[0, 1, 5], &[1, 1, 0], &names, 10);
        assert_eq!(html.count("<img"), 2);
        assert!(html.as_str().contains("apple → banana") && html.as_str().contains("5 → apple"));
        assert_eq!(misclassified(&images, &[0], &[1], &names, 0).count("<img"), 0);
    }
}
