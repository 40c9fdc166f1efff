//! The image functions on real encoded files: every format and colour type the generator may
//! meet, damaged files, decompression bombs, and the DCT-scaled JPEG path against a full decode.

mod common;
use common::{encode, food10, jpeg};
use image::{DynamicImage, GrayImage, ImageBuffer, ImageFormat, Luma, Rgb, RgbImage, Rgba, RgbaImage};
use proptest::prelude::*;
use snackml::data::image::{
    decode_image, expand_dims, img_to_array, load_img, load_img_with, normalize_pixels, probe_image, resize,
    ResizeFilter, MAX_PIXELS,
};
use snackml::Error;
use std::path::{Path, PathBuf};

/// A CMYK (or YCCK) JPEG of one ink colour, as Photoshop writes them (Adobe marker, inverted).
fn cmyk_jpeg(cmyk: [u8; 4], color_type: jpeg_encoder::ColorType) -> Vec<u8> {
    let (w, h) = (16u16, 16u16);
    let data: Vec<u8> = (0..w as usize * h as usize).flat_map(|_| cmyk).collect();
    let mut out = Vec::new();
    jpeg_encoder::Encoder::new(&mut out, 95).encode(&data, w, h, color_type).unwrap();
    out
}

/// A smooth photo-like test picture (gradients and soft stripes), `width × height`.
fn photo(width: u32, height: u32) -> RgbImage {
    RgbImage::from_fn(width, height, |x, y| {
        let (fx, fy) = (x as f32 / width as f32, y as f32 / height as f32);
        let wave = ((fx * 12.0).sin() * (fy * 9.0).cos() * 0.5 + 0.5) * 255.0;
        Rgb([(fx * 255.0) as u8, wave as u8, (fy * 255.0) as u8])
    })
}

fn solid(width: u32, height: u32, rgb: [u8; 3]) -> DynamicImage {
    DynamicImage::ImageRgb8(RgbImage::from_pixel(width, height, Rgb(rgb)))
}

/// Asserts every pixel is within `tolerance` of `rgb`.
fn assert_color(img: &RgbImage, rgb: [u8; 3], tolerance: i32) {
    for p in img.pixels() {
        for c in 0..3 {
            let diff = (i32::from(p[c]) - i32::from(rgb[c])).abs();
            assert!(diff <= tolerance, "pixel {:?} is not within {tolerance} of {rgb:?}", p.0);
        }
    }
}

/// The mean absolute difference of two images of the same size, in 0..=255 units.
fn mean_abs_diff(a: &RgbImage, b: &RgbImage) -> f64 {
    assert_eq!(a.dimensions(), b.dimensions());
    let total: u64 = a.as_raw().iter().zip(b.as_raw()).map(|(&x, &y)| u64::from(x.abs_diff(y))).sum();
    total as f64 / a.as_raw().len() as f64
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

#[test]
fn jpeg_and_png_load_with_their_colours_and_keras_size_order() {
    let dir = tempfile::tempdir().unwrap();
    let jpg = write(dir.path(), "a.jpg", &jpeg(solid(40, 20, [200, 40, 90])));
    let png = write(dir.path(), "b.png", &encode(solid(40, 20, [10, 250, 128]), ImageFormat::Png));

    let img = load_img(&jpg, None).unwrap();
    assert_eq!(img.dimensions(), (40, 20)); // (width, height)
    assert_color(&img, [200, 40, 90], 3);

    // target_size is (height, width), as in Keras.
    for filter in [ResizeFilter::Nearest, ResizeFilter::Triangle] {
        let img = load_img_with(&png, Some((10, 30)), filter).unwrap();
        assert_eq!(img.dimensions(), (30, 10));
        assert_color(&img, [10, 250, 128], 0);
        let img = load_img_with(&jpg, Some((5, 7)), filter).unwrap();
        assert_eq!(img.dimensions(), (7, 5));
        assert_color(&img, [200, 40, 90], 3);
    }
}

#[test]
fn every_colour_type_becomes_rgb() {
    // Grayscale PNG and JPEG: the gray value in all three channels.
    let gray = DynamicImage::ImageLuma8(GrayImage::from_pixel(9, 7, Luma([77])));
    assert_color(
        &decode_image(&encode(gray.clone(), ImageFormat::Png), None, ResizeFilter::Triangle).unwrap(),
        [77; 3],
        0,
    );
    let img = decode_image(&jpeg(gray), Some((4, 4)), ResizeFilter::Triangle).unwrap();
    assert_color(&img, [77; 3], 2);

    // RGBA: alpha is dropped, the stored colour is kept even where fully transparent (as PIL).
    let rgba = RgbaImage::from_fn(6, 6, |x, _| Rgba([30, 60, 90, if x < 3 { 0 } else { 255 }]));
    let img =
        decode_image(&encode(DynamicImage::ImageRgba8(rgba), ImageFormat::Png), None, ResizeFilter::Triangle).unwrap();
    assert_color(&img, [30, 60, 90], 0);

    // 16-bit PNG: the high byte (0x8040 -> 0x80).
    let deep: ImageBuffer<Rgb<u16>, Vec<u16>> = ImageBuffer::from_pixel(5, 5, Rgb([0x8040, 0xffff, 0x0100]));
    let img =
        decode_image(&encode(DynamicImage::ImageRgb16(deep), ImageFormat::Png), None, ResizeFilter::Nearest).unwrap();
    assert_color(&img, [0x80, 0xff, 0x01], 0);

    // BMP, TIFF and PPM.
    for format in [ImageFormat::Bmp, ImageFormat::Tiff, ImageFormat::Pnm] {
        let img =
            decode_image(&encode(solid(8, 3, [1, 2, 250]), format), Some((3, 8)), ResizeFilter::Triangle).unwrap();
        assert_color(&img, [1, 2, 250], 0);
    }
}

#[test]
fn cmyk_jpegs_become_rgb() {
    use jpeg_encoder::ColorType::{Cmyk, CmykAsYcck};
    for color_type in [Cmyk, CmykAsYcck] {
        let decode = |cmyk| decode_image(&cmyk_jpeg(cmyk, color_type), None, ResizeFilter::Triangle).unwrap();
        assert_color(&decode([255, 0, 0, 0]), [0, 255, 255], 4); // cyan ink
        assert_color(&decode([0, 255, 255, 0]), [255, 0, 0], 4); // magenta + yellow = red
        assert_color(&decode([0, 0, 0, 255]), [0, 0, 0], 4); // black ink
        assert_color(&decode([0, 0, 0, 0]), [255, 255, 255], 4); // no ink
                                                                 // Scaled decoding goes through the same conversion.
        let small = decode_image(&cmyk_jpeg([255, 0, 0, 0], color_type), Some((2, 2)), ResizeFilter::Triangle).unwrap();
        assert_color(&small, [0, 255, 255], 4);
    }
}

#[test]
fn damaged_and_non_image_bytes_are_errors() {
    let good = jpeg(DynamicImage::ImageRgb8(photo(64, 48)));
    let png = encode(DynamicImage::ImageRgb8(photo(64, 48)), ImageFormat::Png);
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("empty", Vec::new()),
        ("text", b"hello, I am not a picture\n".to_vec()),
        ("random", (0..4000u32).map(|i| (i.wrapping_mul(2654435761) >> 13) as u8).collect()),
        ("jpeg magic only", vec![0xFF, 0xD8, 0xFF]),
        ("truncated jpeg", good[..good.len() / 2].to_vec()),
        ("truncated png", png[..png.len() / 2].to_vec()),
        ("png header only", png[..33].to_vec()),
    ];
    for (name, bytes) in &cases {
        for target in [None, Some((8, 8))] {
            for filter in [ResizeFilter::Nearest, ResizeFilter::Triangle] {
                let result = decode_image(bytes, target, filter);
                assert!(result.is_err(), "{name} decoded to an image");
            }
        }
    }
    let reason = decode_image(b"hello", None, ResizeFilter::Triangle).unwrap_err().to_string();
    assert!(reason.contains("looks like text"), "{reason}");
    assert!(decode_image(&[], None, ResizeFilter::Triangle).unwrap_err().to_string().contains("empty"));
    assert!(decode_image(&good, Some((0, 5)), ResizeFilter::Triangle).is_err());

    // Through load_img: a damaged file is an Image error naming the file, a missing one a Path error.
    let dir = tempfile::tempdir().unwrap();
    let bad = write(dir.path(), "bad.jpg", &good[..100]);
    match load_img(&bad, None) {
        Err(Error::Image { path, .. }) => assert_eq!(path, bad),
        other => panic!("expected an Image error, got {other:?}"),
    }
    assert!(matches!(load_img(dir.path().join("missing.jpg"), None), Err(Error::Path { .. })));
    let fine = write(dir.path(), "fine.jpg", &good);
    assert!(matches!(load_img(&fine, Some((0, 4))), Err(Error::InvalidArgument(_))));
}

/// Overwrites the big-endian u16 at `at`.
fn put_u16(bytes: &mut [u8], at: usize, value: u16) {
    bytes[at..at + 2].copy_from_slice(&value.to_be_bytes());
}

#[test]
fn decompression_bombs_are_refused_from_the_header() {
    // A JPEG whose frame header claims 65535 × 65535 pixels (4.3 gigapixels).
    let mut bomb = jpeg(solid(16, 16, [1, 2, 3]));
    let sof = bomb.windows(2).position(|w| w == [0xFF, 0xC0]).expect("a baseline SOF0 marker");
    put_u16(&mut bomb, sof + 5, 65535); // height
    put_u16(&mut bomb, sof + 7, 65535); // width
    let reason = decode_image(&bomb, Some((32, 32)), ResizeFilter::Triangle).unwrap_err().to_string();
    assert!(reason.contains("limit"), "{reason}");
    assert!(probe_image(&bomb).unwrap_err().to_string().contains("limit"));

    // A PNG whose header claims 100000 × 100000 (with a valid checksum, so only the size is wrong).
    let mut bomb = encode(solid(16, 16, [1, 2, 3]), ImageFormat::Png);
    bomb[16..20].copy_from_slice(&100_000u32.to_be_bytes());
    bomb[20..24].copy_from_slice(&100_000u32.to_be_bytes());
    let crc = crc32fast::hash(&bomb[12..29]);
    bomb[29..33].copy_from_slice(&crc.to_be_bytes());
    let reason = decode_image(&bomb, None, ResizeFilter::Triangle).unwrap_err().to_string();
    assert!(reason.contains("limit"), "{reason}");

    // Just under the limit is accepted by the header check.
    let mut big = encode(solid(16, 16, [1, 2, 3]), ImageFormat::Png);
    let side = (MAX_PIXELS as f64).sqrt() as u32;
    big[16..20].copy_from_slice(&side.to_be_bytes());
    big[20..24].copy_from_slice(&side.to_be_bytes());
    let crc = crc32fast::hash(&big[12..29]);
    big[29..33].copy_from_slice(&crc.to_be_bytes());
    assert_eq!(probe_image(&big).unwrap(), (side, side));
}

#[test]
fn probe_reads_height_and_width_from_the_header() {
    assert_eq!(probe_image(&jpeg(solid(40, 20, [0; 3]))).unwrap(), (20, 40));
    assert_eq!(probe_image(&encode(solid(3, 7, [0; 3]), ImageFormat::Png)).unwrap(), (7, 3));
    assert!(probe_image(b"not an image").is_err());
    assert!(probe_image(&[]).is_err());
}

#[test]
fn dct_scaled_jpeg_matches_a_full_decode() {
    let bytes = jpeg(DynamicImage::ImageRgb8(photo(512, 384)));
    let full = decode_image(&bytes, None, ResizeFilter::Triangle).unwrap();
    for (h, w) in [(32, 32), (48, 64), (100, 90), (384, 512)] {
        let fast = decode_image(&bytes, Some((h, w)), ResizeFilter::Triangle).unwrap();
        let slow = image::imageops::resize(&full, w, h, image::imageops::FilterType::Triangle);
        assert_eq!(fast.dimensions(), (w, h));
        let diff = mean_abs_diff(&fast, &slow);
        assert!(diff < 2.0, "{h}×{w}: the DCT-scaled decode differs by {diff:.2} on average");
    }
    // Without DCT scaling (PNG), the triangle resize agrees with the image crate's.
    let picture = photo(300, 200);
    let png = encode(DynamicImage::ImageRgb8(picture.clone()), ImageFormat::Png);
    for (h, w) in [(32, 32), (150, 250), (400, 500)] {
        let ours = decode_image(&png, Some((h, w)), ResizeFilter::Triangle).unwrap();
        let theirs = image::imageops::resize(&picture, w, h, image::imageops::FilterType::Triangle);
        let diff = mean_abs_diff(&ours, &theirs);
        assert!(diff < 1.0, "{h}×{w}: the triangle resize differs by {diff:.2} on average");
    }
}

#[test]
fn nearest_picks_the_pixels_pil_picks() {
    // Each pixel's red channel is its column, green its row: easy to see which source was picked.
    let img = RgbImage::from_fn(10, 6, |x, y| Rgb([x as u8 * 20, y as u8 * 40, 0]));
    let bytes = encode(DynamicImage::ImageRgb8(img), ImageFormat::Png);
    let small = decode_image(&bytes, Some((3, 4)), ResizeFilter::Nearest).unwrap();
    // Columns floor((x + 0.5) · 10 / 4) = 1, 3, 6, 8; rows floor((y + 0.5) · 6 / 3) = 1, 3, 5.
    let picked_cols: Vec<u8> = (0..4).map(|x| small.get_pixel(x, 0)[0] / 20).collect();
    let picked_rows: Vec<u8> = (0..3).map(|y| small.get_pixel(0, y)[1] / 40).collect();
    assert_eq!(picked_cols, vec![1, 3, 6, 8]);
    assert_eq!(picked_rows, vec![1, 3, 5]);
    // Upscaling repeats pixels.
    let big = decode_image(&bytes, Some((12, 20)), ResizeFilter::Nearest).unwrap();
    assert_eq!(big.get_pixel(0, 0), big.get_pixel(1, 1));
}

#[test]
fn arrays_have_keras_shapes_and_values() {
    let img = RgbImage::from_fn(3, 2, |x, y| Rgb([x as u8, y as u8, 255]));
    let x = img_to_array(&img);
    assert_eq!(x.shape(), &[2, 3, 3]);
    assert_eq!((x[[1, 2, 0]], x[[1, 2, 1]], x[[1, 2, 2]]), (2.0, 1.0, 255.0));
    let n = normalize_pixels(x);
    assert_eq!(n[[0, 0, 0]], -1.0);
    assert_eq!(n[[0, 0, 2]], 1.0);
    assert!(n.iter().all(|v| (-1.0..=1.0).contains(v)));
    let batch = expand_dims(n.clone());
    assert_eq!(batch.shape(), &[1, 2, 3, 3]);
    assert_eq!(batch[[0, 1, 2, 1]], n[[1, 2, 1]]);
}

#[test]
fn food10_grayscale_photo_loads_as_rgb() {
    let Some(dir) = food10() else { return };
    let path = dir.join("train/bread_pudding/1375816.jpg");
    let img = load_img(&path, None).unwrap();
    assert!(img.width() >= 256 && img.height() >= 256);
    assert!(img.pixels().all(|p| p[0] == p[1] && p[1] == p[2]), "a gray photo has equal channels");
    let small = load_img(&path, Some((32, 32))).unwrap();
    assert_eq!(small.dimensions(), (32, 32));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Any bytes: an image or an error, never a panic.
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2000)) {
        let _ = decode_image(&bytes, Some((8, 8)), ResizeFilter::Triangle);
        let _ = probe_image(&bytes);
    }

    /// A real JPEG or PNG with some bytes changed: an image or an error, never a panic.
    #[test]
    fn damaged_files_never_panic(
        png in any::<bool>(),
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
        cut in any::<prop::sample::Index>(),
    ) {
        let picture = DynamicImage::ImageRgb8(photo(40, 24));
        let mut bytes = if png { encode(picture, ImageFormat::Png) } else { jpeg(picture) };
        for (at, value) in edits {
            let i = at.index(bytes.len());
            bytes[i] = value;
        }
        bytes.truncate(cut.index(bytes.len()) + 1);
        for filter in [ResizeFilter::Nearest, ResizeFilter::Triangle] {
            if let Ok(img) = decode_image(&bytes, Some((6, 5)), filter) {
                prop_assert_eq!(img.dimensions(), (5, 6));
            }
        }
    }
}

/// Decoding speed on food10's training photos at 32 × 32: DCT-scaled vs full decode then resize,
/// each on all cores. A measurement to run by hand, not a test of speed:
/// `cargo test --release -p snackml --test images -- --ignored --nocapture measure_decoding_speed`
#[test]
#[ignore]
fn measure_decoding_speed() {
    use rayon::prelude::*;
    let Some(dir) = food10() else { return };
    let mut files = Vec::new();
    for class in std::fs::read_dir(dir.join("train")).unwrap() {
        for f in std::fs::read_dir(class.unwrap().path()).unwrap() {
            files.push(std::fs::read(f.unwrap().path()).unwrap());
        }
    }
    let run = |name: &str, size: u32, decode: &(dyn Fn(&[u8]) -> RgbImage + Sync)| {
        let start = std::time::Instant::now();
        let n = files.par_iter().map(|b| decode(b).width()).filter(|&w| w == size).count();
        let secs = start.elapsed().as_secs_f64();
        println!("{name}: {n} images in {secs:.2} s = {:.0} images/s", n as f64 / secs);
    };
    println!("food10 train, {} threads:", rayon::current_num_threads());
    let scaled = |b: &[u8]| decode_image(b, Some((32, 32)), ResizeFilter::Triangle).unwrap();
    let unscaled =
        |b: &[u8]| resize(decode_image(b, None, ResizeFilter::Triangle).unwrap(), 32, 32, ResizeFilter::Triangle);
    let nearest = |b: &[u8]| decode_image(b, Some((32, 32)), ResizeFilter::Nearest).unwrap();
    let keras_default = |b: &[u8]| decode_image(b, Some((256, 256)), ResizeFilter::Triangle).unwrap();
    run("warm-up", 32, &scaled);
    run("32x32, DCT-scaled decode + Triangle (default)", 32, &scaled);
    run("32x32, full decode + Triangle (no DCT scaling)", 32, &unscaled);
    run("32x32, full decode + Nearest (Keras's pixels)", 32, &nearest);
    run("256x256, full decode + Triangle (Keras's default size)", 256, &keras_default);
}
