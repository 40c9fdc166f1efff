//! From float pixels to a PNG in HTML: [`PixelRange`], the [`Picture`] and [`Pictures`] traits,
//! and the `<img>` tag with the PNG inlined as base64.
//!
//! Pixel values come in three ranges in the chapter: `0..=255` (what `img_to_array` gives),
//! `[-1, 1]` (after `x / 127.5 - 1`) and `[0, 1]` (after `rescale = 1/255`).
//! [`PixelRange::Auto`] guesses from the values: any value below 0 means `[-1, 1]`, otherwise
//! a maximum of at most 1 means `[0, 1]`, otherwise `0..=255`. Batches are guessed as a whole, so
//! one very bright normalised photo is not mistaken for a dark one. Give the range explicitly
//! when in doubt.

use crate::{Error, Result};
use base64::Engine;
use image::{imageops, ImageEncoder, RgbImage};
use ndarray::{Array3, Array4, ArrayD, ArrayView3, ArrayViewD, Axis, Ix3};

/// The range the float pixel values are in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PixelRange {
    /// Guess from the values: below 0 anywhere means `[-1, 1]`, else a maximum of at most 1
    /// means `[0, 1]`, else `0..=255`.
    #[default]
    Auto,
    /// `0..=255`, as `img_to_array` gives.
    Bytes,
    /// `[-1, 1]`, after `x / 127.5 - 1`.
    Signed,
    /// `[0, 1]`, after `x / 255`.
    Unit,
    /// Stretch each picture's own minimum..maximum to black..white (for weights and filters).
    Stretch,
}

impl PixelRange {
    /// Resolves `Auto` from the smallest and largest finite values; other ranges stay as they are.
    pub fn resolve(self, min: f32, max: f32) -> PixelRange {
        match self {
            PixelRange::Auto if min < 0.0 => PixelRange::Signed,
            PixelRange::Auto if max <= 1.0 => PixelRange::Unit,
            PixelRange::Auto => PixelRange::Bytes,
            other => other,
        }
    }

    /// The byte for `value` (NaN becomes 0), given the picture's `min` and `max` for `Stretch`.
    fn to_byte(self, value: f32, min: f32, max: f32) -> u8 {
        let scaled = match self {
            PixelRange::Auto | PixelRange::Bytes => value,
            PixelRange::Signed => (value + 1.0) * 127.5,
            PixelRange::Unit => value * 255.0,
            PixelRange::Stretch if max > min => (value - min) / (max - min) * 255.0,
            PixelRange::Stretch => 127.5,
        };
        if scaled.is_nan() {
            0
        } else {
            scaled.round().clamp(0.0, 255.0) as u8
        }
    }
}

/// The smallest and largest finite values, or `(0, 0)` when there are none.
pub(crate) fn finite_range<'a>(values: impl IntoIterator<Item = &'a f32>) -> (f32, f32) {
    let (min, max) = values
        .into_iter()
        .filter(|v| v.is_finite())
        .fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), &v| (lo.min(v), hi.max(v)));
    if min > max {
        (0.0, 0.0)
    } else {
        (min, max)
    }
}

/// Converts an `(height, width, channels)` array with 1 (grey), 3 (RGB) or 4 (RGBA, alpha
/// dropped) channels to an RGB image.
pub fn to_rgb_image(pixels: ArrayView3<f32>, range: PixelRange) -> Result<RgbImage> {
    let (h, w, c) = pixels.dim();
    if h == 0 || w == 0 || !matches!(c, 1 | 3 | 4) {
        return Err(Error::Shape(format!(
            "an image must be (height, width, 1 | 3 | 4) with height and width > 0, got ({h}, {w}, {c})"
        )));
    }
    let (min, max) = finite_range(pixels.iter());
    let range = range.resolve(min, max);
    let byte = |y: usize, x: usize, ch: usize| range.to_byte(pixels[[y, x, if c == 1 { 0 } else { ch }]], min, max);
    let (w32, h32) = (u32::try_from(w), u32::try_from(h));
    let (Ok(w32), Ok(h32)) = (w32, h32) else {
        return Err(Error::Shape(format!("image too large: {h}×{w}")));
    };
    Ok(RgbImage::from_fn(w32, h32, |x, y| {
        let (x, y) = (x as usize, y as usize);
        image::Rgb([byte(y, x, 0), byte(y, x, 1), byte(y, x, 2)])
    }))
}

/// Something that is one picture: an `(H, W, C)` array, a tensor of rank 3 (or rank 4 with a
/// batch of one), or an [`RgbImage`].
pub trait Picture {
    /// The smallest and largest finite pixel values, or `None` for pictures that are bytes already.
    fn value_range(&self) -> Option<(f32, f32)>;
    /// The picture as RGB bytes, reading float values in `range`.
    fn to_rgb(&self, range: PixelRange) -> Result<RgbImage>;
}

impl Picture for RgbImage {
    fn value_range(&self) -> Option<(f32, f32)> {
        None
    }
    fn to_rgb(&self, _range: PixelRange) -> Result<RgbImage> {
        Ok(self.clone())
    }
}

impl Picture for ArrayView3<'_, f32> {
    fn value_range(&self) -> Option<(f32, f32)> {
        Some(finite_range(self.iter()))
    }
    fn to_rgb(&self, range: PixelRange) -> Result<RgbImage> {
        to_rgb_image(self.view(), range)
    }
}

impl Picture for Array3<f32> {
    fn value_range(&self) -> Option<(f32, f32)> {
        self.view().value_range()
    }
    fn to_rgb(&self, range: PixelRange) -> Result<RgbImage> {
        to_rgb_image(self.view(), range)
    }
}

impl Picture for ArrayD<f32> {
    fn value_range(&self) -> Option<(f32, f32)> {
        Some(finite_range(self.iter()))
    }
    fn to_rgb(&self, range: PixelRange) -> Result<RgbImage> {
        let view = match self.ndim() {
            4 if self.shape()[0] == 1 => self.index_axis(Axis(0), 0),
            _ => self.view(),
        };
        let view = view
            .into_dimensionality::<Ix3>()
            .map_err(|_| Error::Shape(format!("an image must be (height, width, channels), got {:?}", self.shape())))?;
        to_rgb_image(view, range)
    }
}

impl<T: Picture + ?Sized> Picture for &T {
    fn value_range(&self) -> Option<(f32, f32)> {
        (**self).value_range()
    }
    fn to_rgb(&self, range: PixelRange) -> Result<RgbImage> {
        (**self).to_rgb(range)
    }
}

/// Something that holds several pictures: a slice or `Vec` of [`Picture`]s, or a batch tensor
/// `(B, H, W, C)`. `Auto` ranges are guessed over all pictures together.
pub trait Pictures {
    /// All pictures as RGB bytes.
    fn to_rgb_images(&self, range: PixelRange) -> Result<Vec<RgbImage>>;
}

impl<T: Picture> Pictures for [T] {
    fn to_rgb_images(&self, range: PixelRange) -> Result<Vec<RgbImage>> {
        let ranges: Vec<(f32, f32)> = self.iter().filter_map(Picture::value_range).collect();
        let (min, max) = finite_range(ranges.iter().flat_map(|(lo, hi)| [lo, hi]));
        let range = range.resolve(min, max);
        self.iter().map(|p| p.to_rgb(range)).collect()
    }
}

impl<T: Picture> Pictures for Vec<T> {
    fn to_rgb_images(&self, range: PixelRange) -> Result<Vec<RgbImage>> {
        self.as_slice().to_rgb_images(range)
    }
}

impl Pictures for ArrayViewD<'_, f32> {
    fn to_rgb_images(&self, range: PixelRange) -> Result<Vec<RgbImage>> {
        if self.ndim() != 4 {
            return Err(Error::Shape(format!(
                "a batch of images must be (batch, height, width, channels), got {:?}",
                self.shape()
            )));
        }
        let (min, max) = finite_range(self.iter());
        let range = range.resolve(min, max);
        self.axis_iter(Axis(0))
            .map(|img| {
                let img = img.into_dimensionality::<Ix3>().map_err(|e| Error::Shape(e.to_string()))?;
                to_rgb_image(img, range)
            })
            .collect()
    }
}

impl Pictures for ArrayD<f32> {
    fn to_rgb_images(&self, range: PixelRange) -> Result<Vec<RgbImage>> {
        self.view().to_rgb_images(range)
    }
}

impl Pictures for Array4<f32> {
    fn to_rgb_images(&self, range: PixelRange) -> Result<Vec<RgbImage>> {
        self.view().into_dyn().to_rgb_images(range)
    }
}

/// The smallest side, in pixels, pictures are shown at: a 32×32 image appears 96×96.
pub const MIN_DISPLAY_SIZE: u32 = 96;

/// The integer factor that brings the longer side of a `w`×`h` picture to at least
/// [`MIN_DISPLAY_SIZE`] (1 for pictures that are big enough).
fn upscale_factor(w: u32, h: u32) -> u32 {
    let longest = w.max(h).max(1);
    MIN_DISPLAY_SIZE.div_ceil(longest).max(1)
}

/// Encodes an image as PNG.
pub fn png_bytes(image: &RgbImage) -> Result<Vec<u8>> {
    let mut bytes = Vec::new();
    image::codecs::png::PngEncoder::new(&mut bytes)
        .write_image(image.as_raw(), image.width(), image.height(), image::ExtendedColorType::Rgb8)
        .map_err(|e| Error::InvalidArgument(format!("cannot encode PNG: {e}")))?;
    Ok(bytes)
}

/// An `<img>` tag with the picture inlined as a base64 PNG. Small pictures are enlarged with
/// nearest-neighbour sampling (crisp pixels even where CSS is stripped) and marked
/// `image-rendering: pixelated` as well.
pub fn img_tag(image: &RgbImage) -> Result<String> {
    let factor = upscale_factor(image.width(), image.height());
    let (w, h) = (image.width() * factor, image.height() * factor);
    let enlarged;
    let shown = if factor > 1 {
        enlarged = imageops::resize(image, w, h, imageops::FilterType::Nearest);
        &enlarged
    } else {
        image
    };
    let data = base64::engine::general_purpose::STANDARD.encode(png_bytes(shown)?);
    Ok(format!(
        "<img width=\"{w}\" height=\"{h}\" style=\"image-rendering:pixelated;image-rendering:crisp-edges\" src=\"data:image/png;base64,{data}\">"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array;

    #[test]
    fn auto_range_is_guessed_from_values() {
        assert_eq!(PixelRange::Auto.resolve(-0.5, 1.0), PixelRange::Signed);
        assert_eq!(PixelRange::Auto.resolve(0.0, 1.0), PixelRange::Unit);
        assert_eq!(PixelRange::Auto.resolve(0.0, 200.0), PixelRange::Bytes);
        assert_eq!(PixelRange::Bytes.resolve(-1.0, 1.0), PixelRange::Bytes);
    }

    #[test]
    fn signed_and_byte_pixels_give_the_same_image() {
        let bytes = Array::from_shape_fn((2, 3, 3), |(y, x, c)| ((y * 9 + x * 3 + c) * 20) as f32);
        let signed = bytes.mapv(|v| v / 127.5 - 1.0);
        assert_eq!(bytes.to_rgb(PixelRange::Auto).unwrap(), signed.to_rgb(PixelRange::Auto).unwrap());
    }

    #[test]
    fn nan_and_bad_shapes_do_not_panic() {
        let nan = Array3::from_elem((4, 4, 3), f32::NAN);
        assert_eq!(nan.to_rgb(PixelRange::Auto).unwrap().get_pixel(0, 0).0, [0, 0, 0]);
        assert!(Array3::<f32>::zeros((4, 4, 2)).to_rgb(PixelRange::Auto).is_err());
        assert!(Array3::<f32>::zeros((0, 4, 3)).to_rgb(PixelRange::Auto).is_err());
        assert!(ArrayD::<f32>::zeros(vec![4, 4]).to_rgb(PixelRange::Auto).is_err());
    }

    #[test]
    fn small_images_are_enlarged() {
        assert_eq!(upscale_factor(32, 32), 3);
        assert_eq!(upscale_factor(224, 224), 1);
        let tag = img_tag(&RgbImage::new(32, 32)).unwrap();
        assert!(tag.contains("width=\"96\"") && tag.contains("pixelated"));
    }
}
