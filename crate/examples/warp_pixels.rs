//! Nanoseconds per output pixel of the augmentation's affine warp: one thread, a 64 × 64 × 3 image
//! of bytes, 256 transformations drawn with the arguments of `bench/beyond.md` (rotation 40, shifts
//! 0.2, shear 0.2, zoom 0.2, fill nearest; no flip or colour change), best of 15 rounds.
//!
//! usage: `cargo run --release -p snackml --example warp_pixels`
use rand::SeedableRng;
use snackml::data::augment::{Augmentation, FillMode};
use std::time::Instant;

fn main() -> snackml::Result<()> {
    let aug = Augmentation {
        rotation_range: 40.0,
        width_shift_range: 0.2,
        height_shift_range: 0.2,
        shear_range: 0.2,
        zoom_range: 0.2f32.into(),
        fill_mode: FillMode::Nearest,
        ..Augmentation::default()
    };
    let (h, w) = (64, 64);
    let src: Vec<u8> = (0..h * w * 3).map(|i| (i * 37 % 251) as u8).collect();
    let mut rng = rand::rngs::StdRng::seed_from_u64(1);
    let params = (0..256).map(|_| aug.random_transform_params(h, w, &mut rng)).collect::<snackml::Result<Vec<_>>>()?;
    let mut out = vec![0f32; h * w * 3];
    let mut best = f64::INFINITY;
    for _ in 0..15 {
        let t = Instant::now();
        for p in &params {
            aug.apply_into(&src, [h, w, 3], p, &mut out)?;
        }
        best = best.min(t.elapsed().as_secs_f64() / (params.len() * h * w) as f64 * 1e9);
        std::hint::black_box(&out);
    }
    println!("{best:.2} ns per output pixel (3 channels), one thread");
    Ok(())
}
