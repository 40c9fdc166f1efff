//! The geometric part of augmentation: Keras's transform matrix and scipy's sampling of the
//! input at the coordinates it gives (`ndimage.affine_transform`, spline order 0 or 1).
//!
//! ## The matrix (Keras's `apply_affine_transform`)
//!
//! For an output pixel at row `r`, column `c`, let `x = c − cx` and `y = r − cy` be its position
//! from the centre `(cx, cy) = (w/2 − 0.5, h/2 − 0.5)`. The input is read at
//!
//! ```text
//! (x_in, y_in, 1)ᵀ = R(θ) · T(tx, ty) · S(s) · Z(zx, zy) · (x, y, 1)ᵀ,   col = x_in + cx, row = y_in + cy
//!
//! R(θ) = | cos θ  −sin θ  0 |   T = | 1 0 tx |   S(s) = | 1  −sin s  0 |   Z = | zx 0  0 |
//!        | sin θ   cos θ  0 |       | 0 1 ty |          | 0   cos s  0 |       | 0  zy 0 |
//!        | 0       0      1 |       | 0 0 1  |          | 0   0      1 |       | 0  0  1 |
//! ```
//!
//! with θ and s in degrees turned to radians; a factor that is the identity (θ = 0, no shift,
//! s = 0, zx = zy = 1) is left out, and with all four left out the image is not resampled at all
//! (the pixels stay bit for bit). The matrix maps *output* to *input* positions, so a positive `tx`
//! moves the picture left, `zx > 1` makes it smaller (zooms out), and a positive θ turns it
//! counter-clockwise on the screen.
//!
//! Keras centres with `transform_matrix_offset_center(matrix, h, w)`, which puts `h/2 − 0.5` on
//! the column axis and `w/2 − 0.5` on the row axis: the same centre for the square images of
//! this chapter, a slightly wrong one for others. This module uses the true centre.
//!
//! ## Sampling (scipy's `map_coordinate` and order-1 splines)
//!
//! Each axis coordinate `u` (row or column, of an axis of `n` pixels) is first folded into the
//! image by the fill mode, exactly as scipy does it:
//!
//! - `nearest` (`aaaa|abcd|dddd`): not folded; neighbours past an edge take the edge pixel;
//! - `reflect` (`dcba|abcd|dcba`): `u ↦ −u − 1` below 0, `u ↦ 2n − u − 1` past `n − 1`, repeated
//!   with period `2n`;
//! - `wrap` (scipy's `wrap`, which Keras passes on): `u ↦ u mod (n − 1)`, so the first and last
//!   pixels coincide (`abcd` continues `…bc|abcd|bc…`, not `abcd|abcd` as Keras's docstring says);
//! - `constant`: outside `[0, n − 1]` the output is `cval`.
//!
//! Then with `i = ⌊u⌋` and `f = u − i`, the value is the bilinear blend
//! `Σ_{a,b ∈ {0,1}} p[i_r + a, i_c + b] · w_a(f_r) · w_b(f_c)` with `w_0(f) = 1 − f`, `w_1 = 1 − w_0`,
//! neighbours past an edge mirrored back (for `constant` and `wrap`) or taken as in the mode. Order
//! 0 takes the nearest pixel, `⌊u + 0.5⌋`. Coordinates and sums are `f64`, as in scipy.

use crate::{Error, Result};

use super::{FillMode, TransformParams};

/// A 3 × 3 matrix acting on `(x, y, 1)`: `x` the column, `y` the row.
type Matrix = [[f64; 3]; 3];

/// Where output pixel `(r, c)` reads the input: `row = row[0]·r + row[1]·c + row[2]`, and
/// `col = col[0]·r + col[1]·c + col[2]`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Affine {
    /// The input row as a function of the output row and column.
    pub row: [f64; 3],
    /// The input column as a function of the output row and column.
    pub col: [f64; 3],
    /// Whether the result is mirrored left to right (Keras's horizontal flip after the warp): output
    /// column `c` then holds what column `w − 1 − c` would, computed the same way, bit for bit.
    pub mirror: bool,
}

/// `a · b`.
fn matmul(a: &Matrix, b: &Matrix) -> Matrix {
    let mut c = [[0.0; 3]; 3];
    for (i, row) in c.iter_mut().enumerate() {
        for (j, v) in row.iter_mut().enumerate() {
            *v = a[i][0] * b[0][j] + a[i][1] * b[1][j] + a[i][2] * b[2][j];
        }
    }
    c
}

/// `a · b`, or `b` alone when there is no `a` yet (Keras composes in this order).
fn then(a: Option<Matrix>, b: Matrix) -> Matrix {
    match a {
        Some(a) => matmul(&a, &b),
        None => b,
    }
}

/// The sampling map of `g` for an image of `height × width`, or `None` when every factor is
/// the identity (then Keras does not resample).
pub(super) fn transform_matrix(g: &TransformParams, height: usize, width: usize) -> Option<Affine> {
    let mut m: Option<Matrix> = None;
    if g.theta != 0.0 {
        let t = g.theta.to_radians();
        m = Some([[t.cos(), -t.sin(), 0.0], [t.sin(), t.cos(), 0.0], [0.0, 0.0, 1.0]]);
    }
    if g.tx != 0.0 || g.ty != 0.0 {
        m = Some(then(m, [[1.0, 0.0, g.tx], [0.0, 1.0, g.ty], [0.0, 0.0, 1.0]]));
    }
    if g.shear != 0.0 {
        let s = g.shear.to_radians();
        m = Some(then(m, [[1.0, -s.sin(), 0.0], [0.0, s.cos(), 0.0], [0.0, 0.0, 1.0]]));
    }
    if g.zx != 1.0 || g.zy != 1.0 {
        m = Some(then(m, [[g.zx, 0.0, 0.0], [0.0, g.zy, 0.0], [0.0, 0.0, 1.0]]));
    }
    let m = m?;
    let (cx, cy) = (width as f64 / 2.0 - 0.5, height as f64 / 2.0 - 0.5);
    let offset = [[1.0, 0.0, cx], [0.0, 1.0, cy], [0.0, 0.0, 1.0]];
    let reset = [[1.0, 0.0, -cx], [0.0, 1.0, -cy], [0.0, 0.0, 1.0]];
    let t = matmul(&matmul(&offset, &m), &reset);
    // Rows and columns swapped into (row, col) order: Keras's `M' = P M P`.
    Some(Affine { row: [t[1][1], t[1][0], t[1][2]], col: [t[0][1], t[0][0], t[0][2]], mirror: false })
}

/// Coordinates further out than this are clamped first (no overflow, whatever the parameters);
/// every realistic coordinate is far inside, so nothing changes for them.
const FAR: f64 = 1e9;

/// `u` rounded towards zero, for `|u| < 2⁶³` (the coordinates are clamped to ±[`FAR`] first):
/// `f64::trunc` and `f64::floor` are calls into libm on x86-64's baseline (no SSE4.1 `roundsd`),
/// and they took a tenth of an augmented epoch.
#[inline]
fn trunc(u: f64) -> f64 {
    u as i64 as f64
}

/// `⌊u⌋` for `|u| < 2⁶³` (see [`trunc`]).
#[inline]
fn floor(u: f64) -> f64 {
    let t = trunc(u);
    if t > u {
        t - 1.0
    } else {
        t
    }
}

/// scipy's `map_coordinate`: folds `u` into `[0, n − 1]` for `mode`; −1 means "outside" for
/// `constant`.
fn map_coordinate(u: f64, n: usize, mode: Extend) -> f64 {
    let len = n as f64;
    if u < 0.0 {
        match mode {
            Extend::Mirror if n <= 1 => 0.0,
            Extend::Mirror => {
                let sz2 = 2.0 * len - 2.0;
                let u = sz2 * trunc(-u / sz2) + u;
                if u <= 1.0 - len {
                    u + sz2
                } else {
                    -u
                }
            }
            Extend::Reflect if n <= 1 => 0.0,
            Extend::Reflect => {
                let sz2 = 2.0 * len;
                let u = if u < -sz2 { sz2 * trunc(-u / sz2) + u } else { u };
                if u < -len {
                    u + sz2
                } else {
                    (if u > -1e-15 { 1e-15 } else { -u }) - 1.0
                }
            }
            Extend::Wrap if n <= 1 => 0.0,
            Extend::Wrap => {
                let sz = len - 1.0;
                u + sz * (trunc(-u / sz) + 1.0)
            }
            Extend::Nearest => 0.0,
            Extend::Constant => -1.0,
        }
    } else if u > len - 1.0 {
        match mode {
            Extend::Mirror if n <= 1 => 0.0,
            Extend::Mirror => {
                let sz2 = 2.0 * len - 2.0;
                let u = u - sz2 * trunc(u / sz2);
                if u >= len {
                    sz2 - u
                } else {
                    u
                }
            }
            Extend::Reflect if n <= 1 => 0.0,
            Extend::Reflect => {
                let sz2 = 2.0 * len;
                let u = u - sz2 * trunc(u / sz2);
                if u >= len {
                    sz2 - u - 1.0
                } else {
                    u
                }
            }
            Extend::Wrap if n <= 1 => 0.0,
            Extend::Wrap => {
                let sz = len - 1.0;
                u - sz * trunc(u / sz)
            }
            Extend::Nearest => len - 1.0,
            Extend::Constant => -1.0,
        }
    } else {
        u
    }
}

/// scipy's boundary modes, including `mirror`, which it uses for the neighbours of a sample near
/// the edge in `constant` and `wrap` modes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Extend {
    Nearest,
    Reflect,
    Wrap,
    Constant,
    Mirror,
}

impl From<FillMode> for Extend {
    fn from(mode: FillMode) -> Self {
        match mode {
            FillMode::Nearest => Extend::Nearest,
            FillMode::Reflect => Extend::Reflect,
            FillMode::Wrap => Extend::Wrap,
            FillMode::Constant => Extend::Constant,
        }
    }
}

/// The neighbours along one axis and their weights (order 1: two, order 0: one).
#[derive(Clone, Copy, Debug)]
struct Taps {
    index: [usize; 2],
    weight: [f64; 2],
}

/// The taps of coordinate `u` on an axis of `n > 0` pixels, or `None` for `cval`.
fn taps(u: f64, n: usize, mode: Extend, order: usize) -> Option<Taps> {
    if u.is_nan() {
        return None;
    }
    let u = u.clamp(-FAR, FAR);
    let u = if mode == Extend::Nearest { u } else { map_coordinate(u, n, mode) };
    if !(u > -1.0 || mode == Extend::Nearest) {
        return None;
    }
    let start = if order == 1 { floor(u) } else { floor(u + 0.5) };
    let spline_mode = match mode {
        Extend::Constant | Extend::Wrap => Extend::Mirror,
        other => other,
    };
    let at_edge = start < 0.0 || start + order as f64 >= n as f64;
    let index = |k: usize| {
        let i = start + k as f64;
        let i = if at_edge { map_coordinate(i, n, spline_mode) } else { i };
        // Always in 0..n after the mapping; the clamp guards against a bad input all the same.
        (i.max(0.0) as usize).min(n - 1)
    };
    if order == 0 {
        return Some(Taps { index: [index(0), 0], weight: [1.0, 0.0] });
    }
    let w0 = 1.0 - (u - floor(u));
    Some(Taps { index: [index(0), index(1)], weight: [w0, 1.0 - w0] })
}

/// The order-1 taps of `u` when every fill mode would read the pixels as they are or, for
/// `nearest`, clamp them to the edge: `⌊u⌋` and `⌊u⌋ + 1`, each clamped to `0..n`, with the weights
/// of [`taps`]. `None` when [`taps`] must decide (another mode near an edge, or NaN).
#[inline]
fn clamped_taps(u: f64, n: usize, mode: Extend) -> Option<Taps> {
    if u >= 0.0 && u < (n - 1) as f64 {
        // Inside: non-negative, so truncation is the floor (through i64: the conversions between
        // f64 and u64 take several instructions on x86-64, those with i64 one).
        let i = u as i64;
        let w0 = 1.0 - (u - i as f64);
        let i = i as usize;
        return Some(Taps { index: [i, i + 1], weight: [w0, 1.0 - w0] });
    }
    if mode != Extend::Nearest || u.is_nan() {
        return None;
    }
    let u = u.clamp(-FAR, FAR);
    let start = floor(u);
    let last = (n - 1) as f64;
    let index = |k: f64| (start + k).clamp(0.0, last) as i64 as usize;
    let w0 = 1.0 - (u - start);
    Some(Taps { index: [index(0.0), index(1.0)], weight: [w0, 1.0 - w0] })
}

/// The bilinear blend `Σ_{a,b} p[row a, col b] · w_a · w_b` of one output pixel, channel by channel,
/// summed in scipy's order. `C` channels (3 for photos); `C = 0` takes them from `pixel`.
#[inline]
fn blend<T: Copy + Into<f64>, const C: usize>(src: &[T], w: usize, tr: &Taps, tc: &Taps, pixel: &mut [f32]) {
    let c = if C == 0 { pixel.len() } else { C };
    let at = |a: usize, b: usize| {
        let start = (tr.index[a] * w + tc.index[b]) * c;
        &src[start..start + c]
    };
    let (p00, p01, p10, p11) = (at(0, 0), at(0, 1), at(1, 0), at(1, 1));
    let ([wr0, wr1], [wc0, wc1]) = (tr.weight, tc.weight);
    for (ch, v) in pixel[..c].iter_mut().enumerate() {
        let mut t = 0.0;
        t += p00[ch].into() * wr0 * wc0;
        t += p01[ch].into() * wr0 * wc1;
        t += p10[ch].into() * wr1 * wc0;
        t += p11[ch].into() * wr1 * wc1;
        *v = t as f32;
    }
}

/// Resamples `src` (`height × width × channels`, row-major) at the positions `map` gives into
/// `out` (same shape): spline order 0 (nearest pixel) or 1 (bilinear), points outside filled by
/// `mode` (`cval` for `constant`).
pub(super) fn warp<T: Copy + Into<f64>>(
    src: &[T],
    shape: [usize; 3],
    map: &Affine,
    mode: FillMode,
    cval: f64,
    order: usize,
    out: &mut [f32],
) -> Result<()> {
    let [h, w, c] = shape;
    if src.len() != h * w * c || out.len() != src.len() {
        return Err(Error::Shape(format!(
            "an image of shape ({h}, {w}, {c}) needs {} values, got {} in and {} out",
            h * w * c,
            src.len(),
            out.len()
        )));
    }
    if order > 1 {
        return Err(Error::InvalidArgument(format!("interpolation_order must be 0 or 1, got {order}")));
    }
    if h == 0 || w == 0 || c == 0 {
        return Ok(());
    }
    let mode_e = Extend::from(mode);
    let fill = cval as f32;
    match c {
        3 => warp_pixels::<T, 3>(src, [h, w], map, mode_e, order, fill, out),
        _ => warp_pixels::<T, 0>(src, [h, w], map, mode_e, order, fill, out),
    }
    Ok(())
}

/// The loop of [`warp`] over the output pixels, `C` channels each (`C = 0`: as many as `out` has
/// per pixel), for shapes [`warp`] has checked.
fn warp_pixels<T: Copy + Into<f64>, const C: usize>(
    src: &[T],
    [h, w]: [usize; 2],
    map: &Affine,
    mode: Extend,
    order: usize,
    fill: f32,
    out: &mut [f32],
) {
    let c = if C == 0 { out.len() / (h * w) } else { C };
    for (r, row) in out.chunks_exact_mut(w * c).enumerate() {
        // Through i64: one instruction each way on x86-64 (usize ↔ f64 takes several).
        let rf = r as i64 as f64;
        for (col, pixel) in row.chunks_exact_mut(c).enumerate() {
            let cf = if map.mirror { w - 1 - col } else { col } as i64 as f64;
            // scipy's order: the shift first, then each output coordinate times its entry.
            let u_row = map.row[2] + rf * map.row[0] + cf * map.row[1];
            let u_col = map.col[2] + rf * map.col[0] + cf * map.col[1];
            // Most pixels: inside the image, or clamped to its edge (`nearest`).
            let quick = if order == 1 { clamped_taps(u_row, h, mode).zip(clamped_taps(u_col, w, mode)) } else { None };
            let Some((tr, tc)) = quick.or_else(|| taps(u_row, h, mode, order).zip(taps(u_col, w, mode, order))) else {
                pixel.iter_mut().for_each(|v| *v = fill);
                continue;
            };
            if order == 0 {
                let start = (tr.index[0] * w + tc.index[0]) * c;
                pixel.iter_mut().zip(&src[start..start + c]).for_each(|(v, &p)| *v = p.into() as f32);
            } else {
                blend::<T, C>(src, w, &tr, &tc, pixel);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn geometry() -> TransformParams {
        TransformParams::identity()
    }

    /// One channel of `rows`, warped by `g` with `mode`, bilinear.
    fn run(rows: &[&[f32]], g: TransformParams, mode: FillMode, cval: f64) -> Vec<Vec<f32>> {
        let (h, w) = (rows.len(), rows[0].len());
        let src: Vec<f32> = rows.iter().flat_map(|r| r.iter().copied()).collect();
        let Some(map) = transform_matrix(&g, h, w) else { return rows.iter().map(|r| r.to_vec()).collect() };
        let mut out = vec![0.0; src.len()];
        warp(&src, [h, w, 1], &map, mode, cval, 1, &mut out).unwrap();
        out.chunks(w).map(<[f32]>::to_vec).collect()
    }

    #[test]
    fn the_clamped_taps_equal_the_general_ones_wherever_they_apply() {
        let n = 9;
        for mode in [Extend::Nearest, Extend::Reflect, Extend::Wrap, Extend::Constant] {
            for k in -400..400 {
                // From well outside the axis to well past it, edges and integers included.
                let u = k as f64 * 0.037 + if k % 7 == 0 { 0.0 } else { 0.001 };
                let Some(quick) = clamped_taps(u, n, mode) else {
                    assert!(mode != Extend::Nearest && !(0.0..(n - 1) as f64).contains(&u), "{mode:?} {u}");
                    continue;
                };
                let general = taps(u, n, mode, 1).unwrap();
                assert_eq!(quick.index, general.index, "{mode:?} at {u}");
                assert_eq!(quick.weight.map(f64::to_bits), general.weight.map(f64::to_bits), "{mode:?} at {u}");
            }
        }
        assert!(clamped_taps(f64::NAN, n, Extend::Nearest).is_none());
        assert!(clamped_taps(3.5, 1, Extend::Nearest).is_some_and(|t| t.index == [0, 0]));
        assert!(clamped_taps(0.0, 1, Extend::Reflect).is_none());
    }

    #[test]
    fn identity_is_no_matrix() {
        assert_eq!(transform_matrix(&geometry(), 4, 4), None);
    }

    #[test]
    fn rotation_by_90_degrees_turns_a_2x2_image_counter_clockwise() {
        // Keras's test_matrix_center: [[0, 1], [0, 0]] rotated by 90 is [[1, 0], [0, 0]].
        let out =
            run(&[&[0.0, 1.0], &[0.0, 0.0]], TransformParams { theta: 90.0, ..geometry() }, FillMode::Nearest, 0.0);
        assert_eq!(out, vec![vec![1.0, 0.0], vec![0.0, 0.0]]);
        // A 3 × 3 image: the top row becomes the left column, read from bottom to top.
        let src: [&[f32]; 3] = [&[1.0, 2.0, 3.0], &[4.0, 5.0, 6.0], &[7.0, 8.0, 9.0]];
        let out = run(&src, TransformParams { theta: 90.0, ..geometry() }, FillMode::Nearest, 0.0);
        let rounded: Vec<Vec<f32>> = out.iter().map(|r| r.iter().map(|v| (v * 1e4).round() / 1e4).collect()).collect();
        assert_eq!(rounded, vec![vec![3.0, 6.0, 9.0], vec![2.0, 5.0, 8.0], vec![1.0, 4.0, 7.0]]);
    }

    #[test]
    fn rotation_by_45_degrees_of_ones_keeps_the_cross() {
        // Keras's test_deterministic_transform (constant fill): the corners fall outside.
        let ones: [&[f32]; 3] = [&[1.0; 3], &[1.0; 3], &[1.0; 3]];
        let out = run(&ones, TransformParams { theta: 45.0, ..geometry() }, FillMode::Constant, 0.0);
        let want = [[0.0, 1.0, 0.0], [1.0, 1.0, 1.0], [0.0, 1.0, 0.0]];
        for (got, want) in out.iter().flatten().zip(want.iter().flatten()) {
            assert!((got - want).abs() < 1e-6, "{out:?}");
        }
    }

    #[test]
    fn one_pixel_shifts_move_the_picture_against_the_sign() {
        // Keras's test_translation: tx = 1 moves the dot left, ty = 1 moves it up.
        let dot: [&[f32]; 3] = [&[0.0, 0.0, 0.0, 0.0], &[0.0, 1.0, 0.0, 0.0], &[0.0, 0.0, 0.0, 0.0]];
        let shifted = |tx, ty| run(&dot, TransformParams { tx, ty, ..geometry() }, FillMode::Constant, 0.0);
        let with_one_at = |r: usize, c: usize| {
            let mut m = vec![vec![0.0; 4]; 3];
            m[r][c] = 1.0;
            m
        };
        assert_eq!(shifted(1.0, 0.0), with_one_at(1, 0));
        assert_eq!(shifted(-1.0, 0.0), with_one_at(1, 2));
        assert_eq!(shifted(0.0, 1.0), with_one_at(0, 1));
        assert_eq!(shifted(0.0, -1.0), with_one_at(2, 1));
    }

    #[test]
    fn each_fill_mode_extends_a_row_as_scipy_does() {
        // One row [a b c d] = [1 2 3 4] shifted by two pixels each way (tx = ±2).
        let row: [&[f32]; 1] = [&[1.0, 2.0, 3.0, 4.0]];
        let shift = |tx: f64, mode| run(&row, TransformParams { tx, ..geometry() }, mode, 9.0)[0].clone();
        assert_eq!(shift(2.0, FillMode::Nearest), vec![3.0, 4.0, 4.0, 4.0]);
        assert_eq!(shift(-2.0, FillMode::Nearest), vec![1.0, 1.0, 1.0, 2.0]);
        assert_eq!(shift(2.0, FillMode::Reflect), vec![3.0, 4.0, 4.0, 3.0]);
        assert_eq!(shift(-2.0, FillMode::Reflect), vec![2.0, 1.0, 1.0, 2.0]);
        assert_eq!(shift(2.0, FillMode::Constant), vec![3.0, 4.0, 9.0, 9.0]);
        assert_eq!(shift(-2.0, FillMode::Constant), vec![9.0, 9.0, 1.0, 2.0]);
        // scipy's wrap has period n − 1 = 3: position 4 is position 1, position −1 is position 2.
        assert_eq!(shift(2.0, FillMode::Wrap), vec![3.0, 4.0, 2.0, 3.0]);
        assert_eq!(shift(-2.0, FillMode::Wrap), vec![2.0, 3.0, 1.0, 2.0]);
    }

    #[test]
    fn half_pixel_shift_is_bilinear() {
        let row: [&[f32]; 1] = [&[0.0, 10.0, 20.0, 30.0]];
        let out = run(&row, TransformParams { tx: 0.5, ..geometry() }, FillMode::Nearest, 0.0);
        assert_eq!(out[0], vec![5.0, 15.0, 25.0, 30.0]);
    }

    #[test]
    fn zoom_two_halves_the_picture_around_the_centre() {
        // zx = 2 reads column 2·(c − 1.5) + 1.5: columns −1.5, 0.5, 2.5, 4.5 → edge, 5, 25, edge.
        let row: [&[f32]; 1] = [&[0.0, 10.0, 20.0, 30.0]];
        let out = run(&row, TransformParams { zx: 2.0, ..geometry() }, FillMode::Nearest, 0.0);
        assert_eq!(out[0], vec![0.0, 5.0, 25.0, 30.0]);
    }

    #[test]
    fn order_zero_takes_the_nearest_pixel_and_bad_orders_are_errors() {
        let src = [0.0f32, 10.0, 20.0, 30.0];
        let map = transform_matrix(&TransformParams { tx: 0.6, ..geometry() }, 1, 4).unwrap();
        let mut out = [0.0; 4];
        warp(&src, [1, 4, 1], &map, FillMode::Nearest, 0.0, 0, &mut out).unwrap();
        assert_eq!(out, [10.0, 20.0, 30.0, 30.0]);
        assert!(warp(&src, [1, 4, 1], &map, FillMode::Nearest, 0.0, 3, &mut out).is_err());
        assert!(warp(&src, [2, 4, 1], &map, FillMode::Nearest, 0.0, 1, &mut out).is_err());
    }

    #[test]
    fn absurd_parameters_do_not_panic() {
        let src = [1u8, 2, 3, 4, 5, 6];
        for g in [
            TransformParams { tx: 1e300, ty: -1e300, ..geometry() },
            TransformParams { zx: 0.0, zy: 0.0, ..geometry() },
            TransformParams { theta: 1e20, shear: 89.999, zx: -3.0, ..geometry() },
            TransformParams { tx: f64::NAN, ..geometry() },
        ] {
            for mode in [FillMode::Nearest, FillMode::Reflect, FillMode::Wrap, FillMode::Constant] {
                for (h, w) in [(1, 2), (2, 1), (1, 1)] {
                    let n = h * w * 3;
                    let map = transform_matrix(&g, h, w).unwrap();
                    let mut out = vec![0.0; n];
                    warp(&src[..n], [h, w, 3], &map, mode, 0.0, 1, &mut out).unwrap();
                    assert!(out.iter().all(|v| (0.0..=6.0).contains(v)), "{g:?} {mode:?} {out:?}");
                }
            }
        }
    }
}
