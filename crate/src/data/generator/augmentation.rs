//! The augmentation options of [`ImageDataGenerator`], one builder method per Keras argument,
//! with Keras's names, units and defaults (see [`augment`](crate::data::augment) for the math).
//! Invalid values are reported by `flow_from_directory` (and by the preview), not here, so the
//! builder chain stays as short as Keras's argument list.

use super::ImageDataGenerator;
use crate::data::augment::{Augmentation, FillMode, ZoomRange};
use crate::Result;
use ndarray::Array3;

impl ImageDataGenerator {
    /// Random rotations by `θ ~ U(−degrees, degrees)` (Keras's `rotation_range`, default 0).
    pub fn rotation_range(mut self, degrees: f32) -> Self {
        self.augment.rotation_range = f64::from(degrees);
        self
    }

    /// Random horizontal shifts: a fraction of the width when `range < 1` (`0.2` shifts by up to
    /// a fifth), else up to `range` pixels (Keras's `width_shift_range`, default 0).
    pub fn width_shift_range(mut self, range: f32) -> Self {
        self.augment.width_shift_range = f64::from(range);
        self
    }

    /// Random vertical shifts: a fraction of the height when `range < 1`, else pixels (Keras's
    /// `height_shift_range`, default 0).
    pub fn height_shift_range(mut self, range: f32) -> Self {
        self.augment.height_shift_range = f64::from(range);
        self
    }

    /// Random brightness factors `b ~ U(lo, hi)` for `range = [lo, hi]`, which must hold two
    /// values (Keras's `brightness_range`, default none); 1 keeps the image, 0 makes it black.
    pub fn brightness_range(mut self, range: &[f32]) -> Self {
        self.augment.brightness_range = Some(range.iter().map(|&v| f64::from(v)).collect());
        self
    }

    /// Random shears by `s ~ U(−degrees, degrees)`, in degrees as Keras 2 (`shear_range`,
    /// default 0: note that `0.2` is a fifth of a degree).
    pub fn shear_range(mut self, degrees: f32) -> Self {
        self.augment.shear_range = f64::from(degrees);
        self
    }

    /// Random zooms: `z` (`0.2`) draws factors from `[1 − z, 1 + z]` for the width and the
    /// height independently, `[lower, upper]` from that range (Keras's `zoom_range`, default 0).
    /// A factor above 1 makes the picture smaller.
    pub fn zoom_range(mut self, range: impl Into<ZoomRange>) -> Self {
        self.augment.zoom_range = range.into();
        self
    }

    /// Random shifts of all channels by `δ ~ U(−range, range)` pixel units, clipped to the image's
    /// own range (Keras's `channel_shift_range`, default 0).
    pub fn channel_shift_range(mut self, range: f32) -> Self {
        self.augment.channel_shift_range = f64::from(range);
        self
    }

    /// How points outside the image are filled after a rotation, shift, shear or zoom (Keras's
    /// `fill_mode`, default [`FillMode::Nearest`]).
    pub fn fill_mode(mut self, mode: FillMode) -> Self {
        self.augment.fill_mode = mode;
        self
    }

    /// The fill value of [`FillMode::Constant`] (Keras's `cval`, default 0).
    pub fn cval(mut self, value: f32) -> Self {
        self.augment.cval = f64::from(value);
        self
    }

    /// Flips half the images left to right (Keras's `horizontal_flip`, default false).
    pub fn horizontal_flip(mut self, flip: bool) -> Self {
        self.augment.horizontal_flip = flip;
        self
    }

    /// Flips half the images top to bottom (Keras's `vertical_flip`, default false).
    pub fn vertical_flip(mut self, flip: bool) -> Self {
        self.augment.vertical_flip = flip;
        self
    }

    /// The resampling of rotations, shifts, shears and zooms: 1 bilinear (Keras's default), 0
    /// nearest pixel (Keras's `interpolation_order`; higher orders are not implemented).
    pub fn interpolation_order(mut self, order: usize) -> Self {
        self.augment.interpolation_order = order;
        self
    }

    /// The augmentation settings.
    pub fn augmentation(&self) -> &Augmentation {
        &self.augment
    }

    /// `n` random variants of `image` (`(H, W, 3)`, `0..=255`), drawn with seeds `seed`,
    /// `seed + 1`, …: what the training flow could make of it (augmentation only, before the
    /// preprocessing function and rescale). Errors for invalid settings.
    pub fn augmented_variants(&self, image: &Array3<f32>, n: usize, seed: u64) -> Result<Vec<Array3<f32>>> {
        self.augment.validate()?;
        (0..n as u64).map(|i| self.augment.random_transform(image, seed.wrapping_add(i))).collect()
    }
}
