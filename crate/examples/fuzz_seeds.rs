//! Writes the seed inputs of the fuzz targets (crate/fuzz/seeds/): small real images in every
//! format and colour type the loader reads, and small real model and weights files.
//!
//! `cargo run -p snackml --example fuzz_seeds -- crate/fuzz/seeds`

use image::{DynamicImage, GrayImage, ImageFormat, Luma, Rgb, RgbImage, Rgba, RgbaImage};
use jpeg_encoder::{ColorType, Encoder, SamplingFactor};
use snackml::prelude::*;
use std::io::Cursor;
use std::path::Path;

fn photo(width: u32, height: u32) -> RgbImage {
    RgbImage::from_fn(width, height, |x, y| {
        let (fx, fy) = (x as f32 / width as f32, y as f32 / height as f32);
        let wave = ((fx * 12.0).sin() * (fy * 9.0).cos() * 0.5 + 0.5) * 255.0;
        Rgb([(fx * 255.0) as u8, wave as u8, (fy * 255.0) as u8])
    })
}

fn encode(img: &DynamicImage, format: ImageFormat) -> Vec<u8> {
    let mut out = Vec::new();
    img.write_to(&mut Cursor::new(&mut out), format).expect("encodes");
    out
}

fn jpeg(width: u16, height: u16, color: ColorType, setup: impl FnOnce(&mut Encoder<&mut Vec<u8>>)) -> Vec<u8> {
    let channels = match color {
        ColorType::Luma => 1,
        ColorType::Cmyk | ColorType::CmykAsYcck => 4,
        _ => 3,
    };
    let img = photo(u32::from(width), u32::from(height));
    let data: Vec<u8> = img.pixels().flat_map(|p| [p[0], p[1], p[2], p[0] / 2].into_iter().take(channels)).collect();
    let mut out = Vec::new();
    let mut encoder = Encoder::new(&mut out, 75);
    setup(&mut encoder);
    encoder.encode(&data, width, height, color).expect("encodes");
    out
}

fn main() -> snackml::Result<()> {
    let root = std::env::args().nth(1).unwrap_or_else(|| "crate/fuzz/seeds".into());
    let root = Path::new(&root);
    let images = root.join("decode_image");
    let models = root.join("model_bytes");
    std::fs::create_dir_all(&images)?;
    std::fs::create_dir_all(&models)?;
    let write = |dir: &Path, name: &str, bytes: &[u8]| std::fs::write(dir.join(name), bytes);

    let rgb = DynamicImage::ImageRgb8(photo(40, 24));
    write(&images, "baseline.jpg", &jpeg(40, 24, ColorType::Rgb, |_| {}))?;
    write(&images, "gray.jpg", &jpeg(17, 9, ColorType::Luma, |_| {}))?;
    write(&images, "progressive.jpg", &jpeg(33, 20, ColorType::Rgb, |e| e.set_progressive(true)))?;
    write(&images, "restart.jpg", &jpeg(64, 16, ColorType::Rgb, |e| e.set_restart_interval(2)))?;
    write(&images, "subsampled.jpg", &jpeg(48, 48, ColorType::Rgb, |e| e.set_sampling_factor(SamplingFactor::F_2_2)))?;
    write(&images, "cmyk.jpg", &jpeg(12, 12, ColorType::Cmyk, |_| {}))?;
    write(&images, "ycck.jpg", &jpeg(12, 12, ColorType::CmykAsYcck, |_| {}))?;
    // Big enough (256 px) for the DCT-scaled path at a 32×32 target.
    write(&images, "scaled.jpg", &jpeg(256, 96, ColorType::Rgb, |e| e.set_optimized_huffman_tables(true)))?;
    write(&images, "rgb.png", &encode(&rgb, ImageFormat::Png))?;
    let rgba = RgbaImage::from_fn(10, 7, |x, y| Rgba([x as u8 * 20, y as u8 * 30, 99, (x * y) as u8]));
    write(&images, "rgba.png", &encode(&DynamicImage::ImageRgba8(rgba), ImageFormat::Png))?;
    let gray16 = image::ImageBuffer::<Luma<u16>, _>::from_fn(9, 5, |x, y| Luma([(x * 7000 + y * 300) as u16]));
    write(&images, "gray16.png", &encode(&DynamicImage::ImageLuma16(gray16), ImageFormat::Png))?;
    let gray = GrayImage::from_fn(6, 6, |x, y| Luma([(x * 40 + y) as u8]));
    write(&images, "gray.bmp", &encode(&DynamicImage::ImageLuma8(gray).into_rgb8().into(), ImageFormat::Bmp))?;
    let small = DynamicImage::ImageRgb8(photo(8, 5));
    write(&images, "small.bmp", &encode(&small, ImageFormat::Bmp))?;
    write(&images, "small.gif", &encode(&small.to_rgba8().into(), ImageFormat::Gif))?;
    write(&images, "small.tiff", &encode(&small, ImageFormat::Tiff))?;
    write(&images, "small.ppm", &encode(&small, ImageFormat::Pnm))?;

    // Models: logistic regression with a declared input, an MLP, one built without a declared
    // input shape, and a weights-only file.
    let mut logreg = Sequential::with_seed(1);
    logreg.add(Flatten::with_input_shape(&[4, 4, 3]))?;
    logreg.add(Dense::new(5))?;
    logreg.add(ActivationLayer::softmax())?;
    logreg.save(models.join("logreg.snackml"))?;
    logreg.save_weights(models.join("logreg.weights"))?;
    let mut mlp = Sequential::with_seed(2);
    mlp.add(Flatten::with_input_shape(&[2, 3, 3]))?;
    mlp.add(Dense::new(6).activation(Activation::Relu))?;
    mlp.add(Dense::new(3).activation(Activation::Sigmoid))?;
    mlp.save(models.join("mlp.snackml"))?;
    let mut late = Sequential::with_seed(3);
    late.add(Dense::new(4))?;
    late.add(ActivationLayer::new(Activation::Softmax))?;
    late.build(&[7])?;
    late.save(models.join("built.snackml"))?;
    // The model target also tries each input with a correct checksum appended: seed it with the
    // files minus their checksum too, so mutations reach the header and weights.
    for name in ["logreg.snackml", "logreg.weights", "mlp.snackml", "built.snackml"] {
        let bytes = std::fs::read(models.join(name))?;
        write(&models, &format!("{name}.body"), &bytes[..bytes.len() - 4])?;
        // and as header JSON, 0xFF, weight bytes (the target lays them out as a file)
        let len = u64::from_le_bytes(bytes[8..16].try_into().expect("8 bytes")) as usize;
        let mut split = bytes[16..16 + len].to_vec();
        split.push(0xFF);
        split.extend_from_slice(&bytes[16 + len..bytes.len() - 4]);
        write(&models, &format!("{name}.split"), &split)?;
    }
    println!("seeds written to {}", root.display());
    Ok(())
}
