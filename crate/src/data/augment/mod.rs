//! Data augmentation with Keras's meanings, units and defaults (`ImageDataGenerator`'s
//! `rotation_range`, `width_shift_range`, …): each training image is transformed at random, anew
//! every epoch, so the model never sees quite the same photo twice.
//!
//! Set the ranges with the builder methods of
//! [`ImageDataGenerator`](super::generator::ImageDataGenerator) (on the generator of the
//! *training* flow only, as in Keras). For each image, [`Augmentation::random_transform_params`]
//! draws one [`TransformParams`] (Keras's `get_random_transform`) and
//! [`Augmentation::apply_transform`] applies it (Keras's `apply_transform`), in Keras's order:
//!
//! 1. the affine transform (rotation θ, shift, shear, zoom; see `affine` for the matrix and the
//!    sampling) with `θ ~ U(−rotation_range, rotation_range)` degrees, horizontal shift
//!    `tx ~ U(−r, r) · width` for `r = width_shift_range < 1` (a fraction of the width), else
//!    `U(−r, r)` pixels, the same for `ty` with the height, shear `s ~ U(−shear_range, shear_range)`
//!    degrees, and zooms `zx, zy ~ U(lo, hi)` each, `[lo, hi] = [1 − z, 1 + z]` for
//!    `zoom_range = z`;
//! 2. the channel shift `x ↦ clip(x + δ, min x, max x)`, `δ ~ U(−channel_shift_range, channel_shift_range)`;
//! 3. the horizontal flip (probability ½ when `horizontal_flip`), then the vertical flip;
//! 4. the brightness `x ↦ clip(⌊b · ⌊x⌋⌋, 0, 255)`, `b ~ U(brightness_range)` (through 8 bits, as
//!    PIL does it in Keras).
//!
//! After these come the generator's `preprocessing_function` and `rescale`, as in Keras. A range
//! of zero leaves its step out: with every range zero the pixels are unchanged, bit for bit.
//!
//! Two differences from Keras 2's code, both on purpose: the shifts go the way the docs say
//! (Keras 2.x multiplies `height_shift_range` by the height but applies it across the columns,
//! keras-team/keras#17398), and the centre of the matrix is the true one for non-square images.
//! For the square images here, the distribution of transforms is the same as Keras's.
//!
//! Randomness is seeded: the generator's flow draws image `i` of epoch `e` from a generator seeded
//! with `(seed, e, i)`, so a run is reproducible whatever the batch order or the number of
//! threads, and a batch asked for twice in one epoch is the same both times.
//!
//! ```
//! use snackml::data::augment::{Augmentation, TransformParams};
//! use ndarray::Array3;
//! let x = Array3::from_shape_fn((2, 2, 1), |(r, c, _)| (r * 2 + c) as f32); // [[0, 1], [2, 3]]
//! let params = TransformParams { flip_horizontal: true, ..TransformParams::identity() };
//! let y = Augmentation::default().apply_transform(&x, &params)?;
//! assert_eq!(y.into_raw_vec_and_offset().0, vec![1.0, 0.0, 3.0, 2.0]);
//! # Ok::<(), snackml::Error>(())
//! ```

mod affine;
mod color;

pub use affine::Affine;

use crate::{Error, Result};
use ndarray::Array3;
use rand::{Rng, SeedableRng};

/// How points outside the image are filled (Keras's `fill_mode`), for `abcd` extended:
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum FillMode {
    /// `kkkk|abcd|kkkk` with `k = cval`.
    Constant,
    /// `aaaa|abcd|dddd` (the default).
    #[default]
    Nearest,
    /// `dcba|abcd|dcba`.
    Reflect,
    /// Repeats the image, as scipy's `wrap`: `…bc|abcd|bc…` (the edges coincide).
    Wrap,
}

impl std::str::FromStr for FillMode {
    type Err = Error;
    /// `"constant"`, `"nearest"`, `"reflect"` or `"wrap"`, as Keras spells them.
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "constant" => Ok(FillMode::Constant),
            "nearest" => Ok(FillMode::Nearest),
            "reflect" => Ok(FillMode::Reflect),
            "wrap" => Ok(FillMode::Wrap),
            other => Err(Error::InvalidArgument(format!(
                "fill_mode {other:?} is not one of \"constant\", \"nearest\", \"reflect\" or \"wrap\""
            ))),
        }
    }
}

/// Keras's `zoom_range`: a float `z` (zoom factors drawn from `[1 − z, 1 + z]`) or
/// `[lower, upper]`. Built from an `f32` or `f64`, an array of two, or a slice (whose length is
/// checked when the generator is used, as Keras checks it).
#[derive(Clone, Debug, PartialEq)]
pub enum ZoomRange {
    /// `z`: factors in `[1 − z, 1 + z]`.
    Symmetric(f64),
    /// `[lower, upper]` (must hold two values).
    Bounds(Vec<f64>),
}

impl Default for ZoomRange {
    fn default() -> Self {
        ZoomRange::Symmetric(0.0)
    }
}

impl From<f32> for ZoomRange {
    fn from(z: f32) -> Self {
        ZoomRange::Symmetric(f64::from(z))
    }
}
impl From<f64> for ZoomRange {
    fn from(z: f64) -> Self {
        ZoomRange::Symmetric(z)
    }
}
impl From<[f32; 2]> for ZoomRange {
    fn from([lo, hi]: [f32; 2]) -> Self {
        ZoomRange::Bounds(vec![f64::from(lo), f64::from(hi)])
    }
}
impl From<[f64; 2]> for ZoomRange {
    fn from(b: [f64; 2]) -> Self {
        ZoomRange::Bounds(b.to_vec())
    }
}
impl From<&[f32]> for ZoomRange {
    fn from(b: &[f32]) -> Self {
        ZoomRange::Bounds(b.iter().map(|&v| f64::from(v)).collect())
    }
}

impl ZoomRange {
    /// `[lower, upper]`, or an error in Keras's words.
    pub fn bounds(&self) -> Result<[f64; 2]> {
        match self {
            ZoomRange::Symmetric(z) => Ok([1.0 - z, 1.0 + z]),
            ZoomRange::Bounds(b) if b.len() == 2 => Ok([b[0], b[1]]),
            ZoomRange::Bounds(b) => Err(Error::InvalidArgument(format!(
                "zoom_range should be a float or a tuple or list of two floats, got {b:?}"
            ))),
        }
    }
}

/// One random transformation (Keras's `transform_parameters` dictionary): what
/// [`Augmentation::random_transform_params`] draws and [`Augmentation::apply_transform`] applies.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TransformParams {
    /// Rotation angle in degrees (counter-clockwise on the screen).
    pub theta: f64,
    /// Horizontal shift in pixels (positive moves the picture left).
    pub tx: f64,
    /// Vertical shift in pixels (positive moves the picture up).
    pub ty: f64,
    /// Shear angle in degrees.
    pub shear: f64,
    /// Zoom factor across the columns (above 1 makes the picture smaller).
    pub zx: f64,
    /// Zoom factor down the rows.
    pub zy: f64,
    /// Whether to flip left to right.
    pub flip_horizontal: bool,
    /// Whether to flip top to bottom.
    pub flip_vertical: bool,
    /// The channel shift δ, if any.
    pub channel_shift_intensity: Option<f64>,
    /// The brightness factor b, if any.
    pub brightness: Option<f64>,
}

impl TransformParams {
    /// The transformation that changes nothing.
    pub fn identity() -> Self {
        TransformParams {
            theta: 0.0,
            tx: 0.0,
            ty: 0.0,
            shear: 0.0,
            zx: 1.0,
            zy: 1.0,
            flip_horizontal: false,
            flip_vertical: false,
            channel_shift_intensity: None,
            brightness: None,
        }
    }

    /// Where output pixel `(row, col)` reads the input for an image of `height × width`, or
    /// `None` when the geometry is the identity (no resampling).
    pub fn affine(&self, height: usize, width: usize) -> Option<Affine> {
        affine::transform_matrix(self, height, width)
    }
}

/// The augmentation settings of an `ImageDataGenerator`, with Keras's defaults (all off, fill
/// `nearest`, `cval` 0, bilinear sampling).
#[derive(Clone, Debug, PartialEq)]
pub struct Augmentation {
    /// Degrees.
    pub rotation_range: f64,
    /// A fraction of the width when below 1, else pixels.
    pub width_shift_range: f64,
    /// A fraction of the height when below 1, else pixels.
    pub height_shift_range: f64,
    /// `[lo, hi]` brightness factors (must hold two values), or none.
    pub brightness_range: Option<Vec<f64>>,
    /// Degrees.
    pub shear_range: f64,
    /// The zoom factors' range.
    pub zoom_range: ZoomRange,
    /// Pixel units (`0..=255` images).
    pub channel_shift_range: f64,
    /// How points outside the image are filled.
    pub fill_mode: FillMode,
    /// The fill value of [`FillMode::Constant`].
    pub cval: f64,
    /// Flip left to right with probability ½.
    pub horizontal_flip: bool,
    /// Flip top to bottom with probability ½.
    pub vertical_flip: bool,
    /// 0 (nearest pixel) or 1 (bilinear, Keras's default).
    pub interpolation_order: usize,
}

impl Default for Augmentation {
    fn default() -> Self {
        Augmentation {
            rotation_range: 0.0,
            width_shift_range: 0.0,
            height_shift_range: 0.0,
            brightness_range: None,
            shear_range: 0.0,
            zoom_range: ZoomRange::default(),
            channel_shift_range: 0.0,
            fill_mode: FillMode::Nearest,
            cval: 0.0,
            horizontal_flip: false,
            vertical_flip: false,
            interpolation_order: 1,
        }
    }
}

/// `U(lo, hi)`: `lo + (hi − lo) · u` with `u ~ U[0, 1)`, as numpy's `uniform`.
fn uniform(rng: &mut impl Rng, lo: f64, hi: f64) -> f64 {
    lo + (hi - lo) * rng.random::<f64>()
}

impl Augmentation {
    /// True when some setting would change an image.
    pub fn is_active(&self) -> bool {
        self.rotation_range != 0.0
            || self.width_shift_range != 0.0
            || self.height_shift_range != 0.0
            || self.brightness_range.is_some()
            || self.shear_range != 0.0
            || self.zoom_range.bounds().is_ok_and(|b| b != [1.0, 1.0])
            || self.channel_shift_range != 0.0
            || self.horizontal_flip
            || self.vertical_flip
    }

    /// Checks the settings as Keras does (a zoom or brightness range of two values) and a little
    /// more (every number finite, the ranges at least 0, interpolation order 0 or 1).
    pub fn validate(&self) -> Result<()> {
        for (name, v) in [
            ("rotation_range", self.rotation_range),
            ("width_shift_range", self.width_shift_range),
            ("height_shift_range", self.height_shift_range),
            ("shear_range", self.shear_range),
            ("channel_shift_range", self.channel_shift_range),
        ] {
            if !v.is_finite() || v < 0.0 {
                return Err(Error::InvalidArgument(format!("{name} must be a finite number ≥ 0, got {v}")));
            }
        }
        let zoom = self.zoom_range.bounds()?;
        if zoom.iter().any(|z| !z.is_finite()) {
            return Err(Error::InvalidArgument(format!("zoom_range must be finite, got {zoom:?}")));
        }
        if let Some(b) = &self.brightness_range {
            if b.len() != 2 {
                return Err(Error::InvalidArgument(format!(
                    "brightness_range should be a tuple or list of two floats, got {b:?}"
                )));
            }
            if b.iter().any(|v| !v.is_finite()) {
                return Err(Error::InvalidArgument(format!("brightness_range must be finite, got {b:?}")));
            }
        }
        if !self.cval.is_finite() {
            return Err(Error::InvalidArgument(format!("cval must be finite, got {}", self.cval)));
        }
        if self.interpolation_order > 1 {
            return Err(Error::InvalidArgument(format!(
                "interpolation_order must be 0 (nearest) or 1 (bilinear), got {}",
                self.interpolation_order
            )));
        }
        Ok(())
    }

    /// Draws one transformation for an image of `height × width` (Keras's `get_random_transform`).
    pub fn random_transform_params(&self, height: usize, width: usize, rng: &mut impl Rng) -> Result<TransformParams> {
        self.validate()?;
        let mut p = TransformParams::identity();
        if self.rotation_range != 0.0 {
            p.theta = uniform(rng, -self.rotation_range, self.rotation_range);
        }
        let shift = |rng: &mut _, range: f64, size: usize| {
            let t = uniform(rng, -range, range);
            if range < 1.0 {
                t * size as f64
            } else {
                t
            }
        };
        if self.height_shift_range != 0.0 {
            p.ty = shift(rng, self.height_shift_range, height);
        }
        if self.width_shift_range != 0.0 {
            p.tx = shift(rng, self.width_shift_range, width);
        }
        if self.shear_range != 0.0 {
            p.shear = uniform(rng, -self.shear_range, self.shear_range);
        }
        let [lo, hi] = self.zoom_range.bounds()?;
        if lo != 1.0 || hi != 1.0 {
            p.zx = uniform(rng, lo, hi);
            p.zy = uniform(rng, lo, hi);
        }
        p.flip_horizontal = self.horizontal_flip && rng.random::<f64>() < 0.5;
        p.flip_vertical = self.vertical_flip && rng.random::<f64>() < 0.5;
        if self.channel_shift_range != 0.0 {
            p.channel_shift_intensity = Some(uniform(rng, -self.channel_shift_range, self.channel_shift_range));
        }
        if let Some(b) = &self.brightness_range {
            p.brightness = Some(uniform(rng, b[0], b[1]));
        }
        Ok(p)
    }

    /// Applies `params` to `src` (`H × W × C` values, row-major, any numeric type that widens to
    /// `f64`, for example the cached bytes) and writes the result to `out` (the same shape).
    /// Keras's `apply_transform`, in its order: affine, channel shift, flips, brightness.
    pub fn apply_into<T: Copy + Into<f64>>(
        &self,
        src: &[T],
        shape: [usize; 3],
        params: &TransformParams,
        out: &mut [f32],
    ) -> Result<()> {
        if src.len() != shape.iter().product::<usize>() || out.len() != src.len() {
            return Err(Error::Shape(format!(
                "an image of shape {shape:?} has {} values, got {} in and {} out",
                shape.iter().product::<usize>(),
                src.len(),
                out.len()
            )));
        }
        // A horizontal flip is done by the warp as it writes (the channel shift between them in
        // Keras's order is per pixel, so the order does not matter).
        let mut flip_horizontal = params.flip_horizontal;
        match params.affine(shape[0], shape[1]) {
            Some(map) => {
                let map = affine::Affine { mirror: std::mem::take(&mut flip_horizontal), ..map };
                affine::warp(src, shape, &map, self.fill_mode, self.cval, self.interpolation_order, out)?
            }
            None => out.iter_mut().zip(src).for_each(|(o, &s)| *o = s.into() as f32),
        }
        if let Some(intensity) = params.channel_shift_intensity {
            color::channel_shift(out, intensity);
        }
        if flip_horizontal {
            color::flip_horizontal(out, shape);
        }
        if params.flip_vertical {
            color::flip_vertical(out, shape);
        }
        if let Some(b) = params.brightness {
            color::brightness_shift(out, b);
        }
        Ok(())
    }

    /// [`Augmentation::apply_into`] for an `(H, W, C)` array (Keras's `apply_transform(x, params)`).
    pub fn apply_transform(&self, x: &Array3<f32>, params: &TransformParams) -> Result<Array3<f32>> {
        let x = x.as_standard_layout();
        let shape = [x.shape()[0], x.shape()[1], x.shape()[2]];
        let src = x.as_slice().expect("standard layout is contiguous");
        let mut out = vec![0.0; src.len()];
        self.apply_into(src, shape, params, &mut out)?;
        Array3::from_shape_vec(shape, out).map_err(|e| Error::Shape(e.to_string()))
    }

    /// A random transformation of `x` drawn from a generator seeded with `seed` (Keras's
    /// `random_transform(x, seed)`).
    pub fn random_transform(&self, x: &Array3<f32>, seed: u64) -> Result<Array3<f32>> {
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        let params = self.random_transform_params(x.shape()[0], x.shape()[1], &mut rng)?;
        self.apply_transform(x, &params)
    }
}

/// The seed of image `index` in epoch `epoch` of a flow seeded with `seed`: three rounds of
/// SplitMix64, so that nearby triples give unrelated streams.
pub(crate) fn image_seed(seed: u64, epoch: u64, index: u64) -> u64 {
    fn mix(mut z: u64) -> u64 {
        z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    mix(mix(mix(seed) ^ epoch) ^ index)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn photo() -> Array3<f32> {
        Array3::from_shape_fn((8, 6, 3), |(r, c, ch)| ((r * 31 + c * 17 + ch * 7) % 256) as f32)
    }

    fn busy() -> Augmentation {
        Augmentation {
            rotation_range: 40.0,
            width_shift_range: 0.2,
            height_shift_range: 0.2,
            shear_range: 0.2,
            zoom_range: 0.2f32.into(),
            horizontal_flip: true,
            channel_shift_range: 10.0,
            brightness_range: Some(vec![0.5, 1.5]),
            ..Augmentation::default()
        }
    }

    #[test]
    fn all_ranges_zero_changes_nothing_bit_for_bit() {
        let off = Augmentation::default();
        assert!(!off.is_active());
        let x = photo().mapv(|v| v + 0.123);
        for seed in 0..5 {
            assert_eq!(off.random_transform(&x, seed).unwrap(), x);
        }
        let zoom_one = Augmentation { zoom_range: [1.0f32, 1.0].into(), ..Augmentation::default() };
        assert!(!zoom_one.is_active());
        assert_eq!(zoom_one.random_transform(&x, 3).unwrap(), x);
    }

    #[test]
    fn the_same_seed_gives_the_same_image_and_another_seed_another() {
        let aug = busy();
        let x = photo();
        assert_eq!(aug.random_transform(&x, 7).unwrap(), aug.random_transform(&x, 7).unwrap());
        assert_ne!(aug.random_transform(&x, 7).unwrap(), aug.random_transform(&x, 8).unwrap());
        assert_ne!(image_seed(1, 0, 5), image_seed(1, 1, 5));
        assert_ne!(image_seed(1, 0, 5), image_seed(1, 0, 6));
    }

    #[test]
    fn draws_stay_in_their_ranges_with_keras_units() {
        let aug = Augmentation {
            width_shift_range: 0.25,
            height_shift_range: 3.0,
            zoom_range: [0.5f32, 0.75].into(),
            ..busy()
        };
        let mut rng = rand::rngs::StdRng::seed_from_u64(0);
        for _ in 0..500 {
            let p = aug.random_transform_params(10, 40, &mut rng).unwrap();
            assert!(p.theta.abs() <= 40.0 && p.shear.abs() <= 0.2);
            assert!(p.tx.abs() <= 10.0, "a quarter of the width 40: {}", p.tx);
            assert!(p.ty.abs() <= 3.0, "3 pixels: {}", p.ty);
            assert!((0.5..0.75).contains(&p.zx) && (0.5..0.75).contains(&p.zy));
            assert!(p.channel_shift_intensity.unwrap().abs() <= 10.0);
            assert!((0.5..1.5).contains(&p.brightness.unwrap()));
        }
    }

    #[test]
    fn keras_validation_of_zoom_and_brightness_ranges() {
        let bad_zoom = Augmentation { zoom_range: ZoomRange::from(&[0.5f32][..]), ..Augmentation::default() };
        let e = bad_zoom.validate().unwrap_err().to_string();
        assert!(e.contains("zoom_range should be a float or a tuple or list of two floats"), "{e}");
        let three = Augmentation { brightness_range: Some(vec![0.5, 1.0, 1.5]), ..Augmentation::default() };
        assert!(three.validate().unwrap_err().to_string().contains("brightness_range should be"));
        assert!(Augmentation { rotation_range: f64::NAN, ..busy() }.validate().is_err());
        assert!(Augmentation { shear_range: -1.0, ..busy() }.validate().is_err());
        assert!(Augmentation { interpolation_order: 3, ..busy() }.validate().is_err());
        assert!(Augmentation { cval: f64::INFINITY, ..busy() }.validate().is_err());
        assert!(bad_zoom.random_transform(&photo(), 0).is_err());
        assert_eq!(ZoomRange::from(0.2f64).bounds().unwrap(), [0.8, 1.2]);
        assert!("nearest".parse::<FillMode>().is_ok() && "mirror".parse::<FillMode>().is_err());
    }

    #[test]
    fn a_horizontal_flip_done_by_the_warp_equals_flipping_after_it() {
        let aug = busy();
        let x = photo();
        for seed in 0..20 {
            let params = aug
                .random_transform_params(x.shape()[0], x.shape()[1], &mut rand::rngs::StdRng::seed_from_u64(seed))
                .unwrap();
            let unflipped = aug.apply_transform(&x, &TransformParams { flip_horizontal: false, ..params }).unwrap();
            let flipped = aug.apply_transform(&x, &TransformParams { flip_horizontal: true, ..params }).unwrap();
            let mut expected = unflipped.as_slice().unwrap().to_vec();
            color::flip_horizontal(&mut expected, [x.shape()[0], x.shape()[1], x.shape()[2]]);
            let bits = |v: &[f32]| v.iter().map(|f| f.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(flipped.as_slice().unwrap()), bits(&expected), "seed {seed}");
        }
    }

    #[test]
    fn a_flip_and_odd_shapes() {
        let aug = Augmentation::default();
        let x = photo();
        let flipped = aug.apply_transform(&x, &TransformParams { flip_vertical: true, ..TransformParams::identity() });
        assert_eq!(flipped.unwrap()[[0, 2, 1]], x[[7, 2, 1]]);
        for shape in [(0, 4, 3), (1, 1, 3), (3, 0, 1), (5, 1, 1)] {
            let x = Array3::<f32>::ones(shape);
            let y = busy().random_transform(&x, 1).unwrap();
            assert_eq!(y.shape(), x.shape());
        }
        let mut out = [0.0; 3];
        assert!(aug.apply_into(&[1u8, 2], [1, 1, 3], &TransformParams::identity(), &mut out).is_err());
    }
}
