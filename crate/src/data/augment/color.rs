//! The pixel-value parts of augmentation and the flips, each in place on an `H × W × C` image of
//! `f32` values (row-major), as Keras's `apply_channel_shift`, `apply_brightness_shift` and
//! `flip_axis` compute them.

/// The smallest and largest values (`(0, 0)` for an empty image).
fn min_max(x: &[f32]) -> (f32, f32) {
    if x.is_empty() {
        return (0.0, 0.0);
    }
    x.iter().fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), &v| (lo.min(v), hi.max(v)))
}

/// Keras's `apply_channel_shift`: `x ↦ clip(x + intensity, min(x), max(x))`, the same intensity
/// for every channel, clipped to the range of the whole image before the shift.
pub(super) fn channel_shift(x: &mut [f32], intensity: f64) {
    let (lo, hi) = min_max(x);
    let shift = intensity as f32;
    x.iter_mut().for_each(|v| *v = (*v + shift).clamp(lo, hi));
}

/// PIL's `ImageEnhance.Brightness(img).enhance(b)` on one 8-bit value: `Image.blend(black, img, b)`,
/// that is `clip(trunc(b · v), 0, 255)`.
fn enhance(v: u8, b: f32) -> u8 {
    (b * f32::from(v)).clamp(0.0, 255.0) as u8
}

/// Keras's `apply_brightness_shift(x, b, scale=False)`, as `ImageDataGenerator` calls it: the
/// image goes through 8 bits and PIL's brightness enhancer. For pixels in `0..=255` that is
/// `x ↦ clip(trunc(b · trunc(x)), 0, 255)`; when some value is below 0 or above 255 the image is
/// first stretched to `0..=255`, `u = trunc(255 · (x − min) / (max − min))`, enhanced, and
/// stretched back, `x ↦ enhance(u) / 255 · (max − min) + min`.
pub(super) fn brightness_shift(x: &mut [f32], brightness: f64) {
    let b = brightness as f32;
    let (lo, hi) = min_max(x);
    if lo >= 0.0 && hi <= 255.0 {
        x.iter_mut().for_each(|v| *v = f32::from(enhance(*v as u8, b)));
        return;
    }
    let span = hi - lo;
    x.iter_mut().for_each(|v| {
        let shifted = *v - lo;
        let unit = if span != 0.0 { shifted / span } else { shifted };
        let u = (unit * 255.0) as u8;
        *v = f32::from(enhance(u, b)) / 255.0 * span + lo;
    });
}

/// Keras's `flip_axis(x, col_axis)`: column `c` becomes column `w − 1 − c`.
pub(super) fn flip_horizontal(x: &mut [f32], [h, w, c]: [usize; 3]) {
    if w == 0 || c == 0 {
        return;
    }
    for row in x.chunks_exact_mut(w * c).take(h) {
        for j in 0..w / 2 {
            for ch in 0..c {
                row.swap(j * c + ch, (w - 1 - j) * c + ch);
            }
        }
    }
}

/// Keras's `flip_axis(x, row_axis)`: row `r` becomes row `h − 1 − r`.
pub(super) fn flip_vertical(x: &mut [f32], [h, w, c]: [usize; 3]) {
    let line = w * c;
    if line == 0 {
        return;
    }
    for i in 0..h / 2 {
        let (top, bottom) = x.split_at_mut((h - 1 - i) * line);
        top[i * line..(i + 1) * line].swap_with_slice(&mut bottom[..line]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channel_shift_adds_and_clips_to_the_image_range() {
        let mut x = vec![10.0, 20.0, 30.0, 40.0, 50.0, 60.0];
        channel_shift(&mut x, 15.0);
        assert_eq!(x, vec![25.0, 35.0, 45.0, 55.0, 60.0, 60.0]);
        channel_shift(&mut x, -100.0);
        assert_eq!(x, vec![25.0; 6]);
    }

    #[test]
    fn brightness_goes_through_8_bits() {
        let mut x = vec![0.0, 100.7, 200.0, 255.0];
        brightness_shift(&mut x, 0.5);
        assert_eq!(x, vec![0.0, 50.0, 100.0, 127.0]);
        let mut x = vec![0.0, 100.0, 200.0];
        brightness_shift(&mut x, 1.5);
        assert_eq!(x, vec![0.0, 150.0, 255.0]);
        let mut x = vec![7.9, 8.0];
        brightness_shift(&mut x, 1.0);
        assert_eq!(x, vec![7.0, 8.0]);
    }

    #[test]
    fn brightness_of_values_outside_0_255_is_stretched_and_back() {
        // min −255, max 255: u = trunc(255 · (x + 255) / 510) = 0, 127, 255; enhance(·, 1) keeps them.
        let mut x = vec![-255.0, 0.0, 255.0];
        brightness_shift(&mut x, 1.0);
        assert_eq!(x, vec![-255.0, 127.0 / 255.0 * 510.0 - 255.0, 255.0]);
    }

    #[test]
    fn flips_reverse_columns_or_rows() {
        // 2 × 3 × 1: [[1 2 3], [4 5 6]].
        let mut x = vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        flip_horizontal(&mut x, [2, 3, 1]);
        assert_eq!(x, vec![3.0, 2.0, 1.0, 6.0, 5.0, 4.0]);
        flip_vertical(&mut x, [2, 3, 1]);
        assert_eq!(x, vec![6.0, 5.0, 4.0, 3.0, 2.0, 1.0]);
        // Channels move together: 1 × 2 × 2.
        let mut x = vec![1.0, 2.0, 3.0, 4.0];
        flip_horizontal(&mut x, [1, 2, 2]);
        assert_eq!(x, vec![3.0, 4.0, 1.0, 2.0]);
        let mut empty: Vec<f32> = vec![];
        flip_horizontal(&mut empty, [0, 0, 3]);
        flip_vertical(&mut empty, [0, 5, 3]);
    }
}
