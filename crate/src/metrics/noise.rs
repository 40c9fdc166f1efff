//! How far an accuracy moves by chance alone: the binomial 95% margin.
//!
//! An accuracy `p` measured on `n` images is a count of successes out of `n`; with another draw
//! of images (or another seed) it would move by about
//!
//! `margin(p, n) = 1.96 · √(p (1 − p) / n)`
//!
//! (95%, the normal approximation to the binomial): ±0.023 for `p` = 0.15 on 955 images. Two
//! accuracies `a` and `b` on `n` images each differ by chance within
//!
//! `margin(a, b, n) = 1.96 · √(a (1 − a) / n + b (1 − b) / n)`
//!
//! (independent runs; the same images make it a little smaller, so this errs on "inside").
//!
//! ```
//! use snackml::metrics::{accuracy_margin, difference_margin};
//! assert!((accuracy_margin(0.15, 955) - 0.0226).abs() < 1e-4);
//! assert!((difference_margin(0.15, 0.15, 955) - 0.0320).abs() < 1e-4);
//! assert!(accuracy_margin(0.5, 0).is_nan());
//! ```

/// `1.96 · √(p (1 − p) / n)`: the 95% margin of an accuracy `p` on `n` images (NaN for `n` = 0
/// or `p` outside `[0, 1]`).
pub fn accuracy_margin(p: f32, n: usize) -> f32 {
    if n == 0 || !(0.0..=1.0).contains(&p) {
        return f32::NAN;
    }
    1.96 * (p * (1.0 - p) / n as f32).sqrt()
}

/// `1.96 · √(a (1 − a) / n + b (1 − b) / n)`: the 95% margin of the difference of two
/// accuracies on `n` images each (NaN for `n` = 0 or an accuracy outside `[0, 1]`).
pub fn difference_margin(a: f32, b: f32, n: usize) -> f32 {
    let (ma, mb) = (accuracy_margin(a, n), accuracy_margin(b, n));
    (ma * ma + mb * mb).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_margin_shrinks_with_more_images_and_vanishes_at_certainty() {
        assert!(accuracy_margin(0.15, 4 * 955) < accuracy_margin(0.15, 955) / 1.9);
        assert_eq!(accuracy_margin(1.0, 10), 0.0);
        assert!(accuracy_margin(1.5, 10).is_nan() && accuracy_margin(f32::NAN, 10).is_nan());
        assert!(difference_margin(0.1, 0.2, 0).is_nan());
    }
}
