//! Helpers shared by the integration tests.

use image::{codecs::jpeg::JpegEncoder, DynamicImage, ImageFormat};
use std::io::Cursor;
use std::path::{Path, PathBuf};

/// Encodes an image in a format of the `image` crate.
pub fn encode(img: DynamicImage, format: ImageFormat) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, format).unwrap();
    out.into_inner()
}

/// Encodes an RGB or gray image as JPEG at quality 95.
pub fn jpeg(img: DynamicImage) -> Vec<u8> {
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, 95).encode_image(&img).unwrap();
    out
}

/// The shared food10 photos (`../shared/datasets/food10-256`), or `None` with a skip message.
pub fn food10() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/datasets/food10-256");
    if dir.is_dir() {
        Some(dir)
    } else {
        println!("skipped: {} is absent", dir.display());
        None
    }
}
