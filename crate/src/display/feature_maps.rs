//! Inside a convnet: the feature maps a layer computes for one photo, and the filters of a
//! Conv2D layer, as pictures.

use super::html::Html;
use super::images::grid_of;
use super::pixels::{to_rgb_image, PixelRange};
use crate::{Error, Result, Tensor};
use image::RgbImage;
use ndarray::{s, Axis, Ix3, Ix4};

/// The first `n` channels of a feature map (`(1, H, W, C)`, a layer's output for one image, or
/// `(H, W, C)`) as grey images in rows of 8, each stretched from its own lowest value (black) to
/// its highest (white), captioned `channel i`. A map of another rank gives an error message.
///
/// ```
/// let maps = snackml::Tensor::from_shape_fn(vec![1, 6, 6, 4], |d| (d[1] * d[3]) as f32);
/// assert_eq!(snackml::display::feature_maps(&maps, 3).count("<img"), 3);
/// ```
pub fn feature_maps(maps: &Tensor, n: usize) -> Html {
    match channel_images(maps, n) {
        Ok(images) => {
            let captions: Vec<String> = (0..images.len()).map(|i| format!("channel {i}")).collect();
            grid_of(&images, &captions, 8)
        }
        Err(e) => Html::error(&e.to_string()),
    }
}

/// The first `n` channels of `maps` as stretched grey images.
fn channel_images(maps: &Tensor, n: usize) -> Result<Vec<RgbImage>> {
    let maps = match maps.ndim() {
        4 if maps.shape()[0] == 1 => maps.index_axis(Axis(0), 0).into_dimensionality::<Ix3>(),
        3 => maps.view().into_dimensionality::<Ix3>(),
        _ => {
            return Err(Error::Shape(format!(
                "feature_maps takes one image's maps, (1, H, W, C) or (H, W, C), got {:?}",
                maps.shape()
            )))
        }
    }
    .map_err(|e| Error::Shape(e.to_string()))?;
    (0..n.min(maps.shape()[2])).map(|c| to_rgb_image(maps.slice(s![.., .., c..=c]), PixelRange::Stretch)).collect()
}

/// The filters of a Conv2D kernel `(kernel_h, kernel_w, channels_in, filters)` (the layer's
/// first weight) as small pictures in rows of 8, captioned `filter i`: in colour when the layer
/// reads RGB (3 input channels), else the mean over the input channels in grey; each stretched
/// from its lowest weight (black) to its highest (white), so a filter shows the colour and the
/// direction it responds to.
///
/// ```
/// let kernel = snackml::Tensor::from_shape_fn(vec![3, 3, 3, 2], |d| (d[0] + d[2] * d[3]) as f32);
/// assert_eq!(snackml::display::conv_filters(&kernel).count("<img"), 2);
/// assert!(snackml::display::conv_filters(&snackml::Tensor::zeros(vec![3, 3])).is_error());
/// ```
pub fn conv_filters(kernel: &Tensor) -> Html {
    match filter_images(kernel) {
        Ok(images) => {
            let captions: Vec<String> = (0..images.len()).map(|i| format!("filter {i}")).collect();
            grid_of(&images, &captions, 8)
        }
        Err(e) => Html::error(&e.to_string()),
    }
}

/// Each filter of `kernel` as a picture (RGB for 3 input channels, else their mean in grey).
fn filter_images(kernel: &Tensor) -> Result<Vec<RgbImage>> {
    let kernel = kernel.view().into_dimensionality::<Ix4>().map_err(|_| {
        Error::Shape(format!("conv_filters takes a kernel (kh, kw, in, filters), got {:?}", kernel.shape()))
    })?;
    let channels_in = kernel.shape()[2];
    (0..kernel.shape()[3])
        .map(|f| {
            let filter = kernel.slice(s![.., .., .., f]);
            if channels_in == 3 {
                to_rgb_image(filter, PixelRange::Stretch)
            } else {
                let mean = filter.mean_axis(Axis(2)).ok_or_else(|| Error::Shape("a kernel without inputs".into()))?;
                to_rgb_image(mean.insert_axis(Axis(2)).view(), PixelRange::Stretch)
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_channel_is_stretched_on_its_own() {
        let maps =
            Tensor::from_shape_fn(vec![1, 2, 2, 2], |d| if d[3] == 0 { d[1] as f32 } else { 100.0 * d[2] as f32 });
        let images = channel_images(&maps, 5).unwrap();
        assert_eq!(images.len(), 2, "no more images than channels");
        assert_eq!((images[0].get_pixel(0, 0).0, images[0].get_pixel(0, 1).0), ([0; 3], [255; 3]));
        assert_eq!((images[1].get_pixel(0, 0).0, images[1].get_pixel(1, 0).0), ([0; 3], [255; 3]));
        assert!(feature_maps(&Tensor::zeros(vec![2, 2, 2, 1]), 1).is_error(), "two images at once");
        let grey = filter_images(&Tensor::from_shape_fn(vec![3, 3, 16, 4], |d| d[0] as f32)).unwrap();
        assert_eq!(grey.len(), 4);
        assert_eq!(grey[0].get_pixel(0, 2).0, [255; 3]);
    }
}
