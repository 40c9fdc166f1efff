//! The chapter's image functions: `load_img`, `img_to_array`, `normalize_pixels`, `expand_dims`,
//! and [`decode_image`], the byte decoder that the generator uses for every photo.
//!
//! A photo becomes a model input in four steps, as in Keras:
//!
//! 1. [`load_img`]: decode the file and resize it to `target_size = (height, width)`;
//! 2. [`img_to_array`]: pixels as an `(H, W, 3)` array of `f32` in `0..=255`;
//! 3. [`normalize_pixels`]: `x / 127.5 − 1`, so that 0 ↦ −1, 127.5 ↦ 0 and 255 ↦ 1;
//! 4. [`expand_dims`]: add the batch axis, `(H, W, 3)` ↦ `(1, H, W, 3)`.
//!
//! ```
//! use snackml::data::image::{expand_dims, img_to_array, normalize_pixels};
//! let img = image::RgbImage::from_pixel(4, 2, image::Rgb([0, 255, 51])); // width 4, height 2
//! let x = normalize_pixels(img_to_array(&img));
//! assert_eq!(x.shape(), &[2, 4, 3]);
//! assert_eq!(x[[0, 0, 0]], -1.0); // 0 / 127.5 - 1
//! assert_eq!(x[[1, 3, 1]], 1.0); // 255 / 127.5 - 1
//! assert!((x[[1, 3, 2]] - (-0.6)).abs() < 1e-6); // 51 / 127.5 - 1
//! assert_eq!(expand_dims(x).shape(), &[1, 2, 4, 3]);
//! ```
//!
//! ## Decoding, fast and sturdy
//!
//! [`decode_image`] never panics, whatever the bytes. Every image becomes 8-bit RGB: grayscale is
//! copied to the three channels, 16-bit samples keep their high byte, alpha is dropped (as PIL's
//! `convert("RGB")` does in Keras, so a transparent pixel shows its stored colour), and CMYK JPEGs
//! become `R = (255 − C)(255 − K) / 255` (the same for G with M and B with Y). Images whose header
//! announces more than [`MAX_PIXELS`] pixels are refused before any pixel memory is allocated.
//!
//! JPEG photos can be decoded with the inverse DCT at 1/2, 1/4 or 1/8 of the size (`jpeg-decoder`):
//! at 1/8 each 8×8 block becomes one pixel, the block's mean, which is an exact area average and
//! skips most of the work after entropy decoding. When the target is at most half the photo's
//! size, [`ResizeFilter::Triangle`] decodes at the smallest such scale that still covers the
//! target and resizes what is left. Otherwise, and always for [`ResizeFilter::Nearest`] (to pick
//! the same pixels as Keras), JPEGs are decoded at full size with `zune-jpeg` in strict mode.
//! Other formats (PNG, BMP, TIFF with the `tiff` feature, PPM, GIF) go through the `image` crate.

use crate::{Error, Result, Tensor};
use image::{DynamicImage, ImageFormat, ImageReader, Limits, RgbImage};
use jpeg_decoder::PixelFormat;
use ndarray::{Array3, Axis};
use std::io::Cursor;
use std::path::Path;

/// The largest image accepted: 64 megapixels (2^26 pixels), a 8192 × 8192 photo. A header that
/// announces more is refused before decoding (a "decompression bomb" cannot exhaust memory).
pub const MAX_PIXELS: u64 = 1 << 26;

/// The most bytes a decoder may allocate: [`MAX_PIXELS`] at 8 bytes a pixel (16-bit RGBA).
const MAX_ALLOC: u64 = MAX_PIXELS * 8;

/// How an image is resized to the target size. Its default, [`ResizeFilter::Triangle`], is the
/// one default everywhere: [`load_img`], `FlowOptions` (the notebooks), `snackml train --filter`
/// and the benchmarks' "default" runs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum ResizeFilter {
    /// Nearest neighbour, Keras's default (`interpolation="nearest"`): output pixel `x` copies
    /// source pixel `floor((x + 0.5) · src / dst)`, as PIL does. JPEGs are decoded at full size so
    /// that the pixels are the ones Keras picks. Downscaling a 256-pixel photo to 32 keeps one
    /// pixel in 64 and throws the rest away, so small targets look noisy.
    Nearest,
    /// The default: a triangle (bilinear) filter whose width grows with the reduction, so each
    /// output pixel is a weighted average of all the source pixels under it (PIL's `BILINEAR`,
    /// `tf.image.resize(..., antialias=True)`). Chosen over a plain box average because it is as
    /// smooth when downscaling and also interpolates smoothly when upscaling, where a box filter
    /// degenerates to nearest. With it JPEGs are decoded at a reduced DCT scale, which is the
    /// fast path.
    #[default]
    Triangle,
}

/// Loads an image file as RGB, resized to `target_size = (height, width)` if given, with the
/// default [`ResizeFilter`] (Keras's `load_img(path, target_size=...)`).
pub fn load_img(path: impl AsRef<Path>, target_size: Option<(u32, u32)>) -> Result<RgbImage> {
    load_img_with(path, target_size, ResizeFilter::default())
}

/// [`load_img`] with a chosen resize filter (`ResizeFilter::Nearest` for Keras's pixels).
pub fn load_img_with(
    path: impl AsRef<Path>,
    target_size: Option<(u32, u32)>,
    filter: ResizeFilter,
) -> Result<RgbImage> {
    let path = path.as_ref();
    if let Some((height, width)) = target_size.filter(|&(h, w)| h == 0 || w == 0) {
        return Err(Error::InvalidArgument(format!("target_size ({height}, {width}) must have both sides at least 1")));
    }
    let bytes = std::fs::read(path).map_err(|e| Error::path(path, e))?;
    decode_bytes(&bytes, target_size, filter).map_err(|message| Error::Image { path: path.to_path_buf(), message })
}

/// The pixels of an image as an `(height, width, 3)` array of `f32` in `0..=255`.
pub fn img_to_array(img: &RgbImage) -> Array3<f32> {
    let (width, height) = img.dimensions();
    let values = img.as_raw().iter().map(|&v| f32::from(v)).collect();
    Array3::from_shape_vec((height as usize, width as usize, 3), values)
        .expect("an RgbImage holds exactly height × width × 3 bytes")
}

/// Scales pixels from `0..=255` to `-1..=1`: `x / 127.5 − 1`.
///
/// Usable as a preprocessing function:
/// `ImageDataGenerator::new().preprocessing_function(normalize_pixels)`.
pub fn normalize_pixels(x: Array3<f32>) -> Array3<f32> {
    x.mapv_into(|v| v / 127.5 - 1.0)
}

/// Adds the batch axis: `(H, W, 3)` becomes `(1, H, W, 3)`, a batch of one for `predict`.
pub fn expand_dims(x: Array3<f32>) -> Tensor {
    x.insert_axis(Axis(0)).into_dyn()
}

/// The size of an encoded image from its header alone, as `(height, width)`, without decoding
/// pixels. Errors for bytes that are not a supported image, a damaged header, a zero side or more
/// than [`MAX_PIXELS`] pixels.
pub fn probe_image(bytes: &[u8]) -> Result<(u32, u32)> {
    probe_bytes(bytes).map_err(Error::Decode)
}

/// [`probe_image`] with the reason as a plain string (the generator adds the path).
pub(crate) fn probe_bytes(bytes: &[u8]) -> Result<(u32, u32), String> {
    guard_panics(|| {
        let format = image::guess_format(bytes);
        if matches!(format, Ok(ImageFormat::Tiff)) {
            tiff_supported()?;
        }
        let (width, height) = match format {
            // zune-jpeg (the full-size decoder) and the image crate (the fallback for features
            // jpeg-decoder lacks) read some headers jpeg-decoder refuses: a file that one of the
            // decoders can decode must probe, or streaming and cached mode differ.
            Ok(ImageFormat::Jpeg) => {
                jpeg_header(bytes).or_else(|e| zune_jpeg_header(bytes).map_err(|_| e)).or_else(|e| {
                    reader(bytes).and_then(|r| r.into_dimensions().map_err(|e| e.to_string())).map_err(|_| e)
                })?
            }
            _ => reader(bytes)?.into_dimensions().map_err(|e| e.to_string())?,
        };
        check_size(width, height)?;
        Ok((height, width))
    })
}

/// Decodes an encoded image (JPEG, PNG, BMP, TIFF, PPM or GIF, recognised by its first bytes) to
/// RGB, resized to `target_size = (height, width)` if given.
///
/// Never panics: corrupt, truncated, empty or non-image bytes give an `Err` with the reason, and
/// so do images larger than [`MAX_PIXELS`] and a target with a zero side.
pub fn decode_image(bytes: &[u8], target_size: Option<(u32, u32)>, filter: ResizeFilter) -> Result<RgbImage> {
    decode_bytes(bytes, target_size, filter).map_err(Error::Decode)
}

/// [`decode_image`] with the reason as a plain string (the callers add the path).
pub(crate) fn decode_bytes(
    bytes: &[u8],
    target_size: Option<(u32, u32)>,
    filter: ResizeFilter,
) -> Result<RgbImage, String> {
    if let Some((height, width)) = target_size {
        if height == 0 || width == 0 {
            return Err(format!("target size {height}×{width} has a zero side"));
        }
    }
    // Only a Triangle resize may start from a smaller JPEG: Nearest must see every pixel.
    let scale_hint = target_size.filter(|_| filter == ResizeFilter::Triangle);
    let img = guard_panics(|| decode_rgb(bytes, scale_hint))?;
    Ok(match target_size {
        Some((height, width)) => resize(img, height, width, filter),
        None => img,
    })
}

/// Resizes to `height × width` (a no-op when the image already has that size; an empty image
/// becomes a black one, and a zero side gives an empty image).
pub fn resize(img: RgbImage, height: u32, width: u32, filter: ResizeFilter) -> RgbImage {
    if img.dimensions() == (width, height) {
        return img;
    }
    // An empty source or target has no pixels to compute (and a zero-length chunk would panic).
    if img.width() == 0 || img.height() == 0 || width == 0 || height == 0 {
        return RgbImage::new(width, height);
    }
    match filter {
        ResizeFilter::Nearest => resize_nearest(&img, height, width),
        ResizeFilter::Triangle => resize_triangle(&img, height, width),
    }
}

/// The taps of one output pixel along one axis: the first source pixel and the weights.
struct Taps {
    start: usize,
    weights: Vec<f32>,
}

/// Triangle-filter taps for resizing `src` pixels to `dst`, as PIL computes them: output pixel
/// `x` is centred on source coordinate `c = (x + 0.5) · s` with `s = src / dst`; the kernel
/// `max(0, 1 − |d| / f)`, `f = max(s, 1)`, is widened by `f` when shrinking, so every source
/// pixel under the output pixel counts. The weights are normalised to sum to 1.
fn triangle_taps(src: u32, dst: u32) -> Vec<Taps> {
    let scale = f64::from(src) / f64::from(dst);
    let widen = scale.max(1.0);
    (0..dst)
        .map(|x| {
            let center = (f64::from(x) + 0.5) * scale;
            let first = ((center - widen).floor().max(0.0)) as usize;
            let last = ((center + widen).ceil() as usize).min(src as usize);
            let raw: Vec<f64> =
                (first..last).map(|i| (1.0 - ((i as f64 + 0.5 - center) / widen).abs()).max(0.0)).collect();
            let total: f64 = raw.iter().sum();
            Taps { start: first, weights: raw.iter().map(|w| (w / total) as f32).collect() }
        })
        .collect()
}

/// Separable triangle (antialiased bilinear) resize: rows first into `f32`, then columns.
fn resize_triangle(img: &RgbImage, height: u32, width: u32) -> RgbImage {
    let (src_w, src_h) = img.dimensions();
    let (cols, rows) = (triangle_taps(src_w, width), triangle_taps(src_h, height));
    let src = img.as_raw();
    let (sw, w) = (src_w as usize * 3, width as usize * 3);
    // Horizontal pass: src_h rows of `width` pixels.
    let mut tmp = vec![0f32; src_h as usize * w];
    for (row, out) in src.chunks_exact(sw).zip(tmp.chunks_exact_mut(w)) {
        for (taps, px) in cols.iter().zip(out.chunks_exact_mut(3)) {
            for (k, &weight) in taps.weights.iter().enumerate() {
                let at = (taps.start + k) * 3;
                px.iter_mut().zip(&row[at..at + 3]).for_each(|(o, &v)| *o += weight * f32::from(v));
            }
        }
    }
    // Vertical pass, rounded back to bytes.
    let mut out = vec![0u8; height as usize * w];
    let mut acc = vec![0f32; w];
    for (taps, line) in rows.iter().zip(out.chunks_exact_mut(w)) {
        acc.fill(0.0);
        for (k, &weight) in taps.weights.iter().enumerate() {
            let at = (taps.start + k) * w;
            acc.iter_mut().zip(&tmp[at..at + w]).for_each(|(a, &v)| *a += weight * v);
        }
        line.iter_mut().zip(&acc).for_each(|(o, &a)| *o = a.round().clamp(0.0, 255.0) as u8);
    }
    RgbImage::from_raw(width, height, out).expect("the output holds height × width × 3 bytes")
}

/// Nearest neighbour as PIL computes it: output `x` reads source `floor((x + 0.5) · src / dst)`.
fn resize_nearest(img: &RgbImage, height: u32, width: u32) -> RgbImage {
    let (src_w, src_h) = img.dimensions();
    let pick =
        |x: u32, src: u32, dst: u32| (((f64::from(x) + 0.5) * f64::from(src) / f64::from(dst)) as u32).min(src - 1);
    let cols: Vec<u32> = (0..width).map(|x| pick(x, src_w, width)).collect();
    RgbImage::from_fn(width, height, |x, y| *img.get_pixel(cols[x as usize], pick(y, src_h, height)))
}

/// Runs a decoder, turning a panic inside a third-party decoder into an `Err` (a last guard: the
/// decoders are written not to panic, but the promise here is stronger).
fn guard_panics<T>(decode: impl FnOnce() -> Result<T, String> + std::panic::UnwindSafe) -> Result<T, String> {
    std::panic::catch_unwind(decode)
        .unwrap_or_else(|_| Err("the decoder failed on these bytes (internal panic)".into()))
}

/// Refuses zero-sized images and images over [`MAX_PIXELS`].
fn check_size(width: u32, height: u32) -> Result<(), String> {
    let pixels = u64::from(width) * u64::from(height);
    if pixels == 0 {
        Err(format!("the image is {width}×{height} pixels: it has no pixels"))
    } else if pixels > MAX_PIXELS {
        Err(format!("the image is {width}×{height} pixels, more than the limit of {MAX_PIXELS} pixels"))
    } else {
        Ok(())
    }
}

/// Decodes to RGB at full size, or for a JPEG and `scale_hint = Some((height, width))`, at the
/// smallest DCT scale whose size still covers that target.
fn decode_rgb(bytes: &[u8], scale_hint: Option<(u32, u32)>) -> Result<RgbImage, String> {
    if bytes.is_empty() {
        return Err("the file is empty (0 bytes)".into());
    }
    match image::guess_format(bytes) {
        Ok(ImageFormat::Jpeg) => match decode_jpeg_reduced(bytes, scale_hint) {
            Ok(Some(img)) => Ok(img),
            Ok(None) => decode_jpeg_full(bytes),
            // Features jpeg-decoder lacks (arithmetic coding, ...): try the image crate's decoder.
            Err(JpegFailure::Unsupported(reason)) => {
                decode_with_image_crate(bytes).map_err(|e| format!("{reason}; {e}"))
            }
            Err(JpegFailure::Invalid(reason)) => Err(reason),
        },
        Ok(ImageFormat::Tiff) => tiff_supported().and_then(|()| decode_with_image_crate(bytes)),
        Ok(_) => decode_with_image_crate(bytes),
        Err(_) => Err(not_an_image(bytes)),
    }
}

/// TIFF decoding is the cargo feature `tiff` (off for the notebooks: see Cargo.toml); without it a
/// TIFF file is an error saying how to turn it on.
fn tiff_supported() -> Result<(), String> {
    if cfg!(feature = "tiff") {
        Ok(())
    } else {
        Err("a TIFF image, and TIFF support is off: turn on snackml's `tiff` feature \
             (`:dep snackml = { path = \"../crate\", features = [\"tiff\"] }`) or convert it to PNG or JPEG"
            .into())
    }
}

/// Why bytes are not an image, with a hint for text files.
fn not_an_image(bytes: &[u8]) -> String {
    let texty = bytes.iter().take(512).all(|b| b.is_ascii_graphic() || b.is_ascii_whitespace());
    let hint = if texty { " (it looks like text)" } else { "" };
    format!("not a recognised image format (JPEG, PNG, BMP, TIFF, PPM or GIF){hint}")
}

/// An image-crate reader over `bytes` with the format guessed from the first bytes.
fn reader(bytes: &[u8]) -> Result<ImageReader<Cursor<&[u8]>>, String> {
    ImageReader::new(Cursor::new(bytes)).with_guessed_format().map_err(|e| e.to_string())
}

/// Any format through the `image` crate: header checked first, then decoded under limits.
fn decode_with_image_crate(bytes: &[u8]) -> Result<RgbImage, String> {
    let (width, height) = reader(bytes)?.into_dimensions().map_err(|e| e.to_string())?;
    check_size(width, height)?;
    let mut limits = Limits::default();
    limits.max_alloc = Some(MAX_ALLOC);
    let mut reader = reader(bytes)?;
    reader.limits(limits);
    let img: DynamicImage = reader.decode().map_err(|e| e.to_string())?;
    Ok(img.to_rgb8())
}

/// A JPEG that jpeg-decoder refused: damaged, or using a feature it does not implement.
enum JpegFailure {
    Invalid(String),
    Unsupported(String),
}

impl From<jpeg_decoder::Error> for JpegFailure {
    fn from(e: jpeg_decoder::Error) -> Self {
        match e {
            jpeg_decoder::Error::Unsupported(_) => JpegFailure::Unsupported(e.to_string()),
            _ => JpegFailure::Invalid(e.to_string()),
        }
    }
}

/// A JPEG's `(width, height)` from its header.
fn jpeg_header(bytes: &[u8]) -> Result<(u32, u32), String> {
    let mut decoder = jpeg_decoder::Decoder::new(bytes);
    decoder.read_info().map_err(|e| e.to_string())?;
    let info = decoder.info().ok_or("the JPEG has no frame header")?;
    Ok((u32::from(info.width), u32::from(info.height)))
}

/// A JPEG's `(width, height)` from its header, as zune-jpeg (strict) reads it.
fn zune_jpeg_header(bytes: &[u8]) -> Result<(u32, u32), String> {
    let options = zune_core::options::DecoderOptions::default()
        .set_strict_mode(true)
        .set_max_width(usize::from(u16::MAX))
        .set_max_height(usize::from(u16::MAX));
    let mut decoder = zune_jpeg::JpegDecoder::new_with_options(zune_core::bytestream::ZCursor::new(bytes), options);
    decoder.decode_headers().map_err(|e| e.to_string())?;
    let (width, height) = decoder.dimensions().ok_or("the JPEG has no frame header")?;
    Ok((width as u32, height as u32))
}

/// Decodes a JPEG at a reduced DCT scale (1/2, 1/4 or 1/8) that still covers `scale_hint`;
/// `Ok(None)` when no reduction fits (no hint, or a target more than half the photo's size).
fn decode_jpeg_reduced(bytes: &[u8], scale_hint: Option<(u32, u32)>) -> Result<Option<RgbImage>, JpegFailure> {
    let Some((height, width)) = scale_hint else { return Ok(None) };
    let mut decoder = jpeg_decoder::Decoder::new(bytes);
    decoder.set_max_decoding_buffer_size(MAX_ALLOC as usize);
    decoder.read_info()?;
    let info = decoder.info().ok_or_else(|| JpegFailure::Invalid("the JPEG has no frame header".into()))?;
    check_size(info.width.into(), info.height.into()).map_err(JpegFailure::Invalid)?;
    let Some((w, h)) = dct_request(info.width, info.height, width, height) else { return Ok(None) };
    decoder.scale(w, h)?;
    let pixels = decoder.decode()?;
    let info = decoder.info().ok_or_else(|| JpegFailure::Invalid("the JPEG has no frame header".into()))?;
    let img = jpeg_to_rgb(pixels, info.width.into(), info.height.into(), info.pixel_format);
    img.map(Some).map_err(JpegFailure::Invalid)
}

/// Decodes a JPEG at full size with zune-jpeg (about twice as fast as jpeg-decoder at full
/// size), in strict mode so that truncated or corrupt data is an error rather than gray pixels.
fn decode_jpeg_full(bytes: &[u8]) -> Result<RgbImage, String> {
    let options = zune_core::options::DecoderOptions::default()
        .set_strict_mode(true)
        .set_max_width(usize::from(u16::MAX))
        .set_max_height(usize::from(u16::MAX))
        .jpeg_set_out_colorspace(zune_core::colorspace::ColorSpace::RGB);
    let mut decoder = zune_jpeg::JpegDecoder::new_with_options(zune_core::bytestream::ZCursor::new(bytes), options);
    // The size from the header first: a bomb is refused before zune-jpeg allocates its pixels.
    decoder.decode_headers().map_err(|e| e.to_string())?;
    let (width, height) = decoder.dimensions().ok_or("the JPEG has no frame header")?;
    check_size(width as u32, height as u32)?;
    let pixels = decoder.decode().map_err(|e| e.to_string())?;
    let (width, height) = decoder.dimensions().ok_or("the JPEG has no frame header")?;
    if decoder.output_colorspace() != Some(zune_core::colorspace::ColorSpace::RGB) {
        return Err(format!("the JPEG decoded to {:?} instead of RGB", decoder.output_colorspace()));
    }
    RgbImage::from_raw(width as u32, height as u32, pixels)
        .ok_or_else(|| "the JPEG's pixels do not match its size".into())
}

/// The reduced size to ask `Decoder::scale` for so that both sides cover the target, or `None`
/// when only the full size does.
///
/// A side of `n` pixels decodes to `ceil(n · s / 8)` at scale `s/8`. jpeg-decoder picks the
/// smallest `s` where *either* side reaches the request, so we choose `s` ourselves (the smallest
/// where *both* sides cover the target) and ask for exactly that size.
fn dct_request(full_w: u16, full_h: u16, target_w: u32, target_h: u32) -> Option<(u16, u16)> {
    let scaled = |n: u16, s: u32| (u32::from(n) * s).div_ceil(8);
    let s = [1, 2, 4].into_iter().find(|&s| scaled(full_w, s) >= target_w && scaled(full_h, s) >= target_h)?;
    Some((scaled(full_w, s) as u16, scaled(full_h, s) as u16))
}

/// jpeg-decoder's output (gray, 16-bit gray, RGB or CMYK) as 8-bit RGB.
fn jpeg_to_rgb(pixels: Vec<u8>, width: u32, height: u32, format: PixelFormat) -> Result<RgbImage, String> {
    let expected = width as usize * height as usize * format.pixel_bytes();
    if pixels.len() != expected {
        return Err(format!("the JPEG decoded to {} bytes instead of {expected}", pixels.len()));
    }
    let rgb: Vec<u8> = match format {
        PixelFormat::RGB24 => pixels,
        PixelFormat::L8 => pixels.iter().flat_map(|&v| [v; 3]).collect(),
        // Native-endian 16-bit samples: keep the high byte.
        PixelFormat::L16 => {
            pixels.chunks_exact(2).flat_map(|c| [(u16::from_ne_bytes([c[0], c[1]]) >> 8) as u8; 3]).collect()
        }
        PixelFormat::CMYK32 => pixels.chunks_exact(4).flat_map(cmyk_to_rgb).collect(),
    };
    RgbImage::from_raw(width, height, rgb).ok_or_else(|| "the JPEG's pixels do not match its size".to_string())
}

/// One CMYK pixel (ink amounts, 255 = full ink) as RGB: `R = (255 − C)(255 − K) / 255`, ...
fn cmyk_to_rgb(cmyk: &[u8]) -> [u8; 3] {
    let k = 255 - u32::from(cmyk[3]);
    let channel = |ink: u8| (((255 - u32::from(ink)) * k + 127) / 255) as u8;
    [channel(cmyk[0]), channel(cmyk[1]), channel(cmyk[2])]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tiff_without_the_feature_is_an_error_saying_how_to_turn_it_on() {
        // A little-endian TIFF header: enough for the format to be recognised.
        let tiff = b"II*\0\x08\0\0\0\0\0";
        let (probe, decode) = (probe_bytes(tiff), decode_rgb(tiff, None));
        if cfg!(feature = "tiff") {
            assert!(probe.is_err_and(|e| !e.contains("support is off")));
        } else {
            assert!(probe.unwrap_err().contains("turn on snackml's `tiff` feature"));
            assert!(decode.unwrap_err().contains("turn on snackml's `tiff` feature"));
        }
    }

    #[test]
    fn dct_request_covers_the_target_on_both_sides() {
        // 256×426 (width × height) to 32×32: 1/8 gives 32×54, which covers 32×32.
        assert_eq!(dct_request(256, 426, 32, 32), Some((32, 54)));
        // A wide target needs more width: 1/4 gives 64×107.
        assert_eq!(dct_request(256, 426, 60, 32), Some((64, 107)));
        // A target over half the photo, or larger than it, needs the full size.
        assert_eq!(dct_request(256, 426, 200, 200), None);
        assert_eq!(dct_request(100, 80, 300, 300), None);
    }

    #[test]
    fn cmyk_inks_become_rgb() {
        assert_eq!(cmyk_to_rgb(&[0, 0, 0, 0]), [255, 255, 255]);
        assert_eq!(cmyk_to_rgb(&[255, 0, 0, 0]), [0, 255, 255]);
        assert_eq!(cmyk_to_rgb(&[0, 0, 0, 255]), [0, 0, 0]);
        assert_eq!(cmyk_to_rgb(&[0, 128, 0, 128]), [127, 63, 127]);
    }

    #[test]
    fn triangle_taps_average_what_is_under_each_pixel() {
        // Halving: output pixel 0 is centred at 1.0, between source pixels 0 and 1; the kernel,
        // widened to 2, weighs them 0.75 and reaches pixel 2 with 0.25: 3/7, 3/7, 1/7.
        let taps = triangle_taps(4, 2);
        assert_eq!(taps[0].start, 0);
        let w = &taps[0].weights;
        assert!((w.iter().sum::<f32>() - 1.0).abs() < 1e-6);
        assert!((w[0] - 3.0 / 7.0).abs() < 1e-6 && (w[1] - 3.0 / 7.0).abs() < 1e-6 && (w[2] - 1.0 / 7.0).abs() < 1e-6);
        // Same size: each output pixel is its source pixel.
        for (x, t) in triangle_taps(5, 5).iter().enumerate() {
            let picked: Vec<usize> =
                t.weights.iter().enumerate().filter(|(_, &w)| w > 0.0).map(|(k, _)| t.start + k).collect();
            assert_eq!(picked, vec![x]);
        }
        // A flat image stays flat, whatever the sizes.
        let flat = RgbImage::from_pixel(37, 23, image::Rgb([10, 128, 250]));
        for (h, w) in [(5, 7), (23, 37), (60, 90), (1, 1)] {
            assert!(resize_triangle(&flat, h, w).pixels().all(|p| p.0 == [10, 128, 250]));
        }
    }

    #[test]
    fn resizing_from_or_to_nothing_does_not_panic() {
        for filter in [ResizeFilter::Nearest, ResizeFilter::Triangle] {
            assert_eq!(resize(RgbImage::new(0, 0), 3, 2, filter).dimensions(), (2, 3));
            assert_eq!(resize(RgbImage::new(4, 4), 0, 5, filter).dimensions(), (5, 0));
        }
    }

    #[test]
    fn nearest_picks_pils_pixels() {
        // A 4-pixel row halved keeps source pixels floor(0.5 · 2) = 1 and floor(1.5 · 2) = 3.
        let row = RgbImage::from_fn(4, 1, |x, _| image::Rgb([x as u8; 3]));
        let half = resize_nearest(&row, 1, 2);
        assert_eq!(half.get_pixel(0, 0)[0], 1);
        assert_eq!(half.get_pixel(1, 0)[0], 3);
    }
}
