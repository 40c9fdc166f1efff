//! Winograd's minimal filtering (Lavin and Gray, "Fast Algorithms for Convolutional Neural
//! Networks", 2016) for a 3 × 3, stride-1 convolution: F(4, 3) down the image and F(2, 3) across
//! it, 24 multiplications per 4 × 2 outputs and channel pair instead of 72.
//!
//! The output is cut into 4 × 2 tiles; tile `t` reads the 6 × 4 input patch `d` around it. Per
//! input channel `c`, output filter `f` and tile,
//! `Y = Aᵀ_r [(G_r g G_cᵀ) ⊙ (Bᵀ_r d B_c)] A_c` with F(2, 3)'s matrices across,
//! ```text
//!          ⎡1  0 −1  0⎤         ⎡ 1   0   0⎤
//!   Bᵀ_c = ⎢0  1  1  0⎥   G_c = ⎢½   ½   ½⎥   Aᵀ_c = ⎡1 1  1  0⎤
//!          ⎢0 −1  1  0⎥         ⎢½  −½   ½⎥          ⎣0 1 −1 −1⎦
//!          ⎣0  1  0 −1⎦         ⎣ 0   0   1⎦
//! ```
//! and F(4, 3)'s down ([`BT_R`], [`G_R`], [`AT_R`]: interpolation points 0, ±1, ±2 and ∞).
//! Summed over the input channels, the 24 products `⊙` become 24 matrix products, one per
//! position `ξ` of the 6 × 4 patch: `M[ξ] = V[ξ] · U[ξ]`, with `V[ξ]` of `tiles × c_in` (the input
//! transform) and `U[ξ]` of `c_in × c_out` (the kernel transform).
//!
//! Backward is the exact transpose of each step: `∂M = A_r ∂Y A_cᵀ` per tile, `∂U[ξ] = V[ξ]ᵀ · ∂M[ξ]`,
//! `∂g = G_rᵀ ∂U G_c`, and `∂V[ξ] = ∂M[ξ] · U[ξ]ᵀ`, `∂d = B_r ∂V B_cᵀ` added into the input's
//! pixels (the patches overlap by two pixels). The forward pass keeps only `x`; backward
//! transforms it again.
//!
//! Each core takes a run of tile rows (in backward, of whole images, since patches overlap) and goes
//! through it in blocks of at least [`MIN_TILES`] tiles: transform the block's inputs, run the 24
//! products, transform the outputs and add the bias and relu while they are still in cache.
//! Every transform works on whole channel vectors (`lanes`), so that it vectorises.
//!
//! Why 4 × 2 tiles: the larger the tile, the fewer the multiplications (2.25 an output for
//! 4 × 4 tiles, 3 for 4 × 2, 4 for 2 × 2) but the more digits F(4, 3)'s transforms (entries up
//! to 8 and 1/24) lose. Measured on Keras's `conv2d.json` and `convnet.json`, against the
//! `1e-6 + 1e-5·|b|` every layer here is held to: 4 × 4 tiles put values outside it;
//! 4 × 2 tiles use at most 64% of it (2 × 2 tiles: 66%, through the Adam steps of `convnet.json`).
//! The code is written for any tile shape [`MR`] × [`MC`] with its matrices.

use super::conv2d::{finish_outputs, over_image_runs};
use super::scratch::{with_scratch, zeroed};
use super::window::Window;
use crate::math::matmul_serial;
use crate::{Error, Result};
use ndarray::{ArrayView2, ArrayViewMut2};
use rayon::prelude::*;
use std::borrow::Cow;

/// About how many values (inputs and outputs of the 24 products) a block holds.
const BLOCK_VALUES: usize = 1 << 17;

/// The fewest tiles a block holds: each block reads all 24 `U[ξ]` (6 MiB for 256 → 256 filters),
/// so a short block spends its time reading them.
const MIN_TILES: usize = 128;

/// The fewest input channels for which the Winograd products pay (measured: with 3 channels, the
/// book's first convolution at 64 px took 11.5 and 9.4 ms forward and backward, against 6.7 and 7.4
/// through im2col, whose rows are 27 values long).
const MIN_CHANNELS: usize = 4;

/// The rows of an output tile (F(4, 3) down the image).
const MR: usize = 4;
/// The columns of an output tile (F(2, 3) across it).
const MC: usize = 2;
/// The rows of an input patch: `MR + 2` for a 3 × 3 kernel.
const NR: usize = MR + 2;
/// The columns of an input patch.
const NC: usize = MC + 2;
/// Positions in a patch, each one matrix product.
const P: usize = NR * NC;

/// Bᵀ of F(4, 3), the input transform down the image: Lavin's (interpolation points 0, ±1, ±2,
/// ∞) with its first and last rows divided by 5, and G's multiplied by 5. Measured on Keras's
/// fixtures, that rounds closer: at most 64% of the tolerance, against 92% with Lavin's own
/// (`[4, 0, −5, 0, 1, 0]`), through `convnet.json`'s Adam steps.
#[rustfmt::skip]
const BT_R: [[f32; NR]; NR] = [
    [0.8, 0.0, -1.0, 0.0, 0.2, 0.0],
    [0.0, -4.0, -4.0, 1.0, 1.0, 0.0],
    [0.0, 4.0, -4.0, -1.0, 1.0, 0.0],
    [0.0, -2.0, -1.0, 2.0, 1.0, 0.0],
    [0.0, 2.0, -1.0, -2.0, 1.0, 0.0],
    [0.0, 0.8, 0.0, -1.0, 0.0, 0.2],
];
/// G of F(4, 3), the kernel transform down the image (see [`BT_R`] for its first and last rows).
#[rustfmt::skip]
const G_R: [[f32; 3]; NR] = [
    [5.0 / 4.0, 0.0, 0.0],
    [-1.0 / 6.0, -1.0 / 6.0, -1.0 / 6.0],
    [-1.0 / 6.0, 1.0 / 6.0, -1.0 / 6.0],
    [1.0 / 24.0, 1.0 / 12.0, 1.0 / 6.0],
    [1.0 / 24.0, -1.0 / 12.0, 1.0 / 6.0],
    [0.0, 0.0, 5.0],
];
/// Aᵀ of F(4, 3), the output transform down the image.
#[rustfmt::skip]
const AT_R: [[f32; NR]; MR] = [
    [1.0, 1.0, 1.0, 1.0, 1.0, 0.0],
    [0.0, 1.0, -1.0, 2.0, -2.0, 0.0],
    [0.0, 1.0, 1.0, 4.0, 4.0, 0.0],
    [0.0, 1.0, -1.0, 8.0, -8.0, 1.0],
];
/// Bᵀ of F(2, 3), the input transform across (points 0, ±1, ∞).
const BT_C: [[f32; NC]; NC] =
    [[1.0, 0.0, -1.0, 0.0], [0.0, 1.0, 1.0, 0.0], [0.0, -1.0, 1.0, 0.0], [0.0, 1.0, 0.0, -1.0]];
/// G of F(2, 3), the kernel transform across.
const G_C: [[f32; 3]; NC] = [[1.0, 0.0, 0.0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0.0, 0.0, 1.0]];
/// Aᵀ of F(2, 3), the output transform across.
const AT_C: [[f32; NC]; MC] = [[1.0, 1.0, 1.0, 0.0], [0.0, 1.0, -1.0, -1.0]];
/// The input gradient's matrices (B = (Bᵀ)ᵀ), the kernel gradient's (Gᵀ) and the output gradient's (A).
const B_R: [[f32; NR]; NR] = transpose(BT_R);
const B_C: [[f32; NC]; NC] = transpose(BT_C);
const GT_R: [[f32; NR]; 3] = transpose(G_R);
const GT_C: [[f32; NC]; 3] = transpose(G_C);
const A_R: [[f32; MR]; NR] = transpose(AT_R);
const A_C: [[f32; MC]; NC] = transpose(AT_C);

/// The transpose of a matrix.
const fn transpose<const R: usize, const C: usize>(m: [[f32; C]; R]) -> [[f32; R]; C] {
    let mut t = [[0.0; R]; C];
    let mut i = 0;
    while i < R {
        let mut j = 0;
        while j < C {
            t[j][i] = m[i][j];
            j += 1;
        }
        i += 1;
    }
    t
}

/// `out(i, j) = Σ_{a, b} L[i][a] · v(a, b) · R[j][b]` on lanes of `len` values (one value per
/// channel, or per channel pair for the kernel): lane `(a, b)` of `v` starts at `src[at(a, b)]`,
/// lane `(i, j)` of the result at `dst[to(i, j)]`; `tmp` holds `OR × IC` lanes between the passes.
///
/// Inlined with constant matrices, the zero terms drop out and each lane loop vectorises (the
/// sum starts at −0, which adding a value leaves unchanged, so the first term is not an add).
///
/// Runs with the widest vectors the CPU has (AVX-512 or AVX2, found at run time; the crate
/// itself is compiled for any x86-64).
#[allow(clippy::too_many_arguments)]
fn transform<const IR: usize, const IC: usize, const OR: usize, const OC: usize>(
    l: &[[f32; IR]; OR],
    r: &[[f32; IC]; OC],
    src: &[f32],
    at: impl Fn(usize, usize) -> usize,
    tmp: &mut [f32],
    dst: &mut [f32],
    to: impl Fn(usize, usize) -> usize,
    len: usize,
) {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512f") {
            // SAFETY: the CPU has AVX-512F, checked just above.
            return unsafe { transform_avx512(l, r, src, at, tmp, dst, to, len) };
        }
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU has AVX2, checked just above.
            return unsafe { transform_avx2(l, r, src, at, tmp, dst, to, len) };
        }
    }
    transform_lanes(l, r, src, at, tmp, dst, to, len)
}

/// Defines `$name`, [`transform`] compiled with the target feature `$feature`.
macro_rules! transform_for {
    ($name:ident, $feature:literal) => {
        #[doc = concat!("[`transform`] compiled for ", $feature, ".")]
        #[cfg(target_arch = "x86_64")]
        #[target_feature(enable = $feature)]
        #[allow(clippy::too_many_arguments)]
        fn $name<const IR: usize, const IC: usize, const OR: usize, const OC: usize>(
            l: &[[f32; IR]; OR],
            r: &[[f32; IC]; OC],
            src: &[f32],
            at: impl Fn(usize, usize) -> usize,
            tmp: &mut [f32],
            dst: &mut [f32],
            to: impl Fn(usize, usize) -> usize,
            len: usize,
        ) {
            transform_lanes(l, r, src, at, tmp, dst, to, len)
        }
    };
}
transform_for!(transform_avx512, "avx512f");
transform_for!(transform_avx2, "avx2");

/// [`transform`]'s body, inlined into each of the above.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn transform_lanes<const IR: usize, const IC: usize, const OR: usize, const OC: usize>(
    l: &[[f32; IR]; OR],
    r: &[[f32; IC]; OC],
    src: &[f32],
    at: impl Fn(usize, usize) -> usize,
    tmp: &mut [f32],
    dst: &mut [f32],
    to: impl Fn(usize, usize) -> usize,
    len: usize,
) {
    let tmp = &mut tmp[..OR * IC * len];
    for b in 0..IC {
        let column: [&[f32]; IR] = std::array::from_fn(|a| &src[at(a, b)..][..len]);
        for (i, coefficients) in l.iter().enumerate() {
            combine(coefficients, &column, &mut tmp[(i * IC + b) * len..][..len]);
        }
    }
    for i in 0..OR {
        let row: [&[f32]; IC] = std::array::from_fn(|b| &tmp[(i * IC + b) * len..][..len]);
        for (j, coefficients) in r.iter().enumerate() {
            combine(coefficients, &row, &mut dst[to(i, j)..][..len]);
        }
    }
}

/// `out = Σ_k c[k] · v[k]`, lane by lane, over the non-zero `c[k]` only (at most five in each
/// row of the matrices here; a loop per count up to three, then one pass per further term, so
/// that each vectorises).
#[inline(always)]
fn combine<const K: usize>(c: &[f32; K], v: &[&[f32]; K], out: &mut [f32]) {
    let n = out.len();
    let mut terms = [(0.0, &[][..]); K];
    let mut count = 0;
    for (&c, &v) in c.iter().zip(v).filter(|(&c, _)| c != 0.0) {
        terms[count] = (c, &v[..n]);
        count += 1;
    }
    match terms[..count] {
        [] => out.fill(0.0),
        [(a, x)] => out.iter_mut().zip(x).for_each(|(o, &x)| *o = a * x),
        [(a, x), (b, y)] => out.iter_mut().zip(x).zip(y).for_each(|((o, &x), &y)| *o = a * x + b * y),
        [(a, x), (b, y), (c, z), ref rest @ ..] => {
            out.iter_mut().zip(x).zip(y).zip(z).for_each(|(((o, &x), &y), &z)| *o = a * x + b * y + c * z);
            for &(d, w) in rest {
                out.iter_mut().zip(w).for_each(|(o, &w)| *o += d * w);
            }
        }
    }
}

/// [`transform`] of `src`'s `IR × IC` lanes of `len` values (lane `(a, b)` at `(IC·a + b)·len`)
/// into `dst`'s `OR × OC` (lane `(i, j)` at `(OC·i + j)·len`), on every core: each takes chunks
/// of the lanes' values, transforms them in its scratch space and copies them out (the kernel's
/// transforms, 6 MiB for 256 → 256 filters, took up to 1.2 ms on one core; measured).
fn lanes_in_parallel<const IR: usize, const IC: usize, const OR: usize, const OC: usize>(
    l: &[[f32; IR]; OR],
    r: &[[f32; IC]; OC],
    src: &[f32],
    dst: &mut [f32],
    len: usize,
) {
    const CHUNK: usize = 1024;
    let mut chunks: Vec<Vec<&mut [f32]>> = (0..len.div_ceil(CHUNK)).map(|_| Vec::with_capacity(OR * OC)).collect();
    for lane in dst[..OR * OC * len].chunks_mut(len.max(1)) {
        lane.chunks_mut(CHUNK).zip(&mut chunks).for_each(|(piece, chunk)| chunk.push(piece));
    }
    chunks.into_par_iter().enumerate().for_each(|(k, mut pieces)| {
        let (start, n) = (k * CHUNK, pieces.first().map_or(0, |p| p.len()));
        with_scratch([OR * OC * n, OR * IC * n], |[out, tmp]| {
            transform(l, r, src, |a, b| (IC * a + b) * len + start, tmp, out, |i, j| (OC * i + j) * n, n);
            for (piece, lane) in pieces.iter_mut().zip(out.chunks(n)) {
                piece.copy_from_slice(lane);
            }
        })
    });
}

/// A 3 × 3, stride-1 convolution's weights ready for Winograd's products, and its shapes.
pub(super) struct Winograd<'a> {
    window: Window,
    filters: usize,
    /// `U[ξ] = G_r g G_cᵀ`: 24 matrices of `c_in × c_out`.
    u: Vec<f32>,
    bias: Option<Cow<'a, [f32]>>,
    relu: bool,
    /// Tiles down and across one image: `⌈h_out / MR⌉`, `⌈w_out / MC⌉`.
    tiles: [usize; 2],
}

impl<'a> Winograd<'a> {
    /// Whether a convolution of `kernel_size` and `strides` over `window` runs here.
    pub(super) fn applies(window: &Window, kernel_size: [usize; 2], strides: [usize; 2]) -> bool {
        kernel_size == [3, 3] && strides == [1, 1] && window.channels >= MIN_CHANNELS
    }

    /// The products for `kernel` `(3, 3, c_in, filters)` over `window`, with its `bias`, and a
    /// fused relu when `relu`; `u`, when given, is the kernel's transform [`Winograd::into_u`]
    /// returned for these weights (a training step's forward pass keeps it for backward).
    pub(super) fn new(
        window: Window,
        kernel: &[f32],
        u: Option<Vec<f32>>,
        filters: usize,
        bias: Option<Cow<'a, [f32]>>,
        relu: bool,
    ) -> Self {
        let len = window.channels * filters;
        let u = u.filter(|u| u.len() == P * len).unwrap_or_else(|| {
            let mut u = zeroed(P * len);
            lanes_in_parallel(&G_R, &G_C, kernel, &mut u, len);
            u
        });
        let tiles = [window.rows.output.div_ceil(MR), window.cols.output.div_ceil(MC)];
        Winograd { window, filters, u, bias, relu, tiles }
    }

    /// The kernel's transform `U`, to give back to [`Winograd::new`] while the weights stay the same.
    pub(super) fn into_u(self) -> Vec<f32> {
        self.u
    }

    /// `U[ξ]` as a matrix.
    fn u(&self, xi: usize) -> Result<ArrayView2<'_, f32>> {
        let (c, f) = (self.window.channels, self.filters);
        matrix(&self.u[xi * c * f..][..c * f], c, f)
    }

    /// How many tile rows a block holds.
    fn block_rows(&self) -> usize {
        let tiles = (BLOCK_VALUES / (P * (self.window.channels + self.filters))).max(MIN_TILES);
        (tiles / self.tiles[1]).max(1)
    }

    /// The output values of one tile row (its four output rows; fewer for the last when the
    /// height is not a multiple of four).
    fn tile_row_len(&self) -> usize {
        MR * self.window.cols.output * self.filters
    }

    /// `y` (and with `mask`, the relu's `y > 0`) for the batch `x`, both channels-last.
    pub(super) fn forward(&self, x: &[f32], y: &mut [f32], mask: Option<&mut [bool]>) -> Result<()> {
        let image = self.window.outputs() * self.filters;
        let row = self.tile_row_len();
        let mut ys: Vec<&mut [f32]> = y.chunks_mut(image).flat_map(|y| y.chunks_mut(row)).collect();
        let mut masks: Vec<Option<&mut [bool]>> = match mask {
            Some(m) => m.chunks_mut(image).flat_map(|m| m.chunks_mut(row)).map(Some).collect(),
            None => ys.iter().map(|_| None).collect(),
        };
        // One run of tile rows a core, a few more so that a busy core does not hold the others up,
        // but at least MIN_TILES a run unless that leaves a core idle: each run reads all of U.
        let threads = rayon::current_num_threads();
        let min_rows = MIN_TILES.div_ceil(self.tiles[1]).min(ys.len().div_ceil(threads));
        let run = ys.len().div_ceil(4 * threads).max(min_rows).max(1);
        ys.par_chunks_mut(run)
            .zip(masks.par_chunks_mut(run))
            .enumerate()
            .try_for_each(|(i, (ys, masks))| self.forward_run(x, i * run, ys, masks))
    }

    /// Forward over the tile rows `first..` (counted over the batch), whose outputs are `ys`.
    fn forward_run(
        &self,
        x: &[f32],
        first: usize,
        ys: &mut [&mut [f32]],
        masks: &mut [Option<&mut [bool]>],
    ) -> Result<()> {
        let (c, f, across) = (self.window.channels, self.filters, self.tiles[1]);
        let block = self.block_rows();
        let lens = [
            P * block * across * c,
            P * block * across * f,
            P * across * c.max(f),
            P * across * c,
            MR * MC * across * f,
        ];
        with_scratch(lens, |[v, m, tmp, patch, out]| {
            for (k, (ys, masks)) in ys.chunks_mut(block).zip(masks.chunks_mut(block)).enumerate() {
                let tiles = ys.len() * across;
                let (v, m) = (&mut v[..P * tiles * c], &mut m[..P * tiles * f]);
                self.input_transform(x, first + k * block, ys.len(), v, patch, tmp);
                for xi in 0..P {
                    let vx = matrix(&v[xi * tiles * c..][..tiles * c], tiles, c)?;
                    let mx = matrix_mut(&mut m[xi * tiles * f..][..tiles * f], tiles, f)?;
                    matmul_serial(vx, self.u(xi)?, mx, false)?;
                }
                for (r, (y, mask)) in ys.iter_mut().zip(masks.iter_mut()).enumerate() {
                    let (at, len) = (|a: usize, b: usize| ((NC * a + b) * tiles + r * across) * f, across * f);
                    transform(&AT_R, &AT_C, m, at, tmp, out, |i, j| (MC * i + j) * len, len);
                    self.write_outputs(out, y, mask.as_deref_mut());
                }
            }
            Ok(())
        })
    }

    /// Writes a tile row's 4 × 2 outputs `out` (8 lanes of `tiles × filters`, one per position
    /// in the tile) into its output rows `y`, with the bias and relu, and the relu's flags into
    /// `mask`.
    fn write_outputs(&self, out: &[f32], y: &mut [f32], mut mask: Option<&mut [bool]>) {
        let (w, f, across) = (self.window.cols.output, self.filters, self.tiles[1]);
        for i in 0..y.len() / (w * f) {
            for j in 0..MC {
                for t in (0..across).filter(|t| MC * t + j < w) {
                    let at = (i * w + MC * t + j) * f;
                    let dst = &mut y[at..][..f];
                    dst.copy_from_slice(&out[((MC * i + j) * across + t) * f..][..f]);
                    let mask = mask.as_deref_mut().map(|m| &mut m[at..][..f]);
                    finish_outputs(dst, self.bias.as_deref(), self.relu, mask);
                }
            }
        }
    }

    /// `V = Bᵀ_r d B_c` for the `rows` tile rows from `first` (counted over `x`'s images) into `v`,
    /// laid out as 24 matrices of `tiles × c_in`. A tile row at a time: its tiles are consecutive
    /// rows of each matrix, so each transform runs on lanes of `tiles × c_in` values.
    fn input_transform(&self, x: &[f32], first: usize, rows: usize, v: &mut [f32], patch: &mut [f32], tmp: &mut [f32]) {
        let (c, across) = (self.window.channels, self.tiles[1]);
        let (tiles, len, span) = (rows * across, across * c, self.span());
        for r in 0..rows {
            self.gather(x, first + r, patch);
            // Patch column b of tile t is pixel t + b / MC of the input row's pixels ≡ b (mod MC).
            let at = |a: usize, b: usize| ((MC * a + b % MC) * span + b / MC) * c;
            let to = |i: usize, j: usize| ((NC * i + j) * tiles + r * across) * c;
            transform(&BT_R, &BT_C, patch, at, tmp, v, to, len);
        }
    }

    /// How many pixels [`gather`](Self::gather) takes from each input row in each column class.
    fn span(&self) -> usize {
        self.tiles[1] + (NC - 1) / MC
    }

    /// Copies the input rows under tile row `row` (counted over the batch) into `patch`: for each
    /// of the patches' `NR` rows `a` and each class `q` of columns (`≡ q mod MC`, from the first
    /// patch's left edge), the row's [`span`](Self::span) pixels of that class (zeros for padding).
    /// The patches overlap, so that holds each input pixel once where a patch-by-patch copy
    /// held it up to twice (measured: half the copying, since patches overlap by two columns).
    fn gather(&self, x: &[f32], row: usize, patch: &mut [f32]) {
        let (rows, cols, c, span) = (self.window.rows, self.window.cols, self.window.channels, self.span());
        let (image, tr) = (row / self.tiles[0], row % self.tiles[0]);
        for a in 0..NR {
            let r = (MR * tr + a).checked_sub(rows.pad_before).filter(|&r| r < rows.input);
            for (q, s) in (0..MC).flat_map(|q| (0..span).map(move |s| (q, s))) {
                let dst = &mut patch[((MC * a + q) * span + s) * c..][..c];
                let col = (MC * s + q).checked_sub(cols.pad_before).filter(|&col| col < cols.input);
                match r.zip(col) {
                    Some((r, col)) => dst.copy_from_slice(&x[((image * rows.input + r) * cols.input + col) * c..][..c]),
                    None => dst.fill(0.0),
                }
            }
        }
    }

    /// The 6 × 4 input patches of tile row `row` (counted over the batch): for each position `k`
    /// in a patch and each tile `t`, where that value sits in `patch` (lane `k`, tile `t`) and
    /// its offset in the batch, or `None` for padding.
    fn patch_pixels(&self, row: usize) -> impl Iterator<Item = (usize, Option<usize>)> + '_ {
        let (rows, cols, c, across) = (self.window.rows, self.window.cols, self.window.channels, self.tiles[1]);
        let (image, tr) = (row / self.tiles[0], row % self.tiles[0]);
        (0..P).flat_map(move |k| (0..across).map(move |t| (k, t))).map(move |(k, t)| {
            let r = (MR * tr + k / NC).checked_sub(rows.pad_before).filter(|&r| r < rows.input);
            let s = (MC * t + k % NC).checked_sub(cols.pad_before).filter(|&s| s < cols.input);
            let offset = r.zip(s).map(|(r, s)| ((image * rows.input + r) * cols.input + s) * c);
            ((k * across + t) * c, offset)
        })
    }

    /// Adds tile row `row`'s patch gradients `patch` (24 lanes of `tiles × c_in`, laid out as
    /// [`patch_pixels`](Self::patch_pixels) says) into `dx`, padding dropped.
    fn scatter(&self, patch: &[f32], row: usize, dx: &mut [f32]) {
        let c = self.window.channels;
        for (at, offset) in self.patch_pixels(row) {
            if let Some(o) = offset {
                dx[o..][..c].iter_mut().zip(&patch[at..][..c]).for_each(|(d, g)| *d += g);
            }
        }
    }

    /// Backward for the batch `x` with output gradients `dy` (masked here by the relu's flags
    /// `mask`): the kernel's and bias's gradients, and the input's into `dx`.
    pub(super) fn backward(
        &self,
        x: &[f32],
        dy: &mut [f32],
        mask: Option<&[bool]>,
        dx: Option<&mut [f32]>,
    ) -> Result<(Vec<f32>, Vec<f32>)> {
        let (c, f) = (self.window.channels, self.filters);
        let (in_len, out_len) = (self.window.input_len(), self.window.outputs() * f);
        // The patches of neighbouring tiles overlap: runs of whole images, of at least MIN_TILES
        // tiles where the images are small, since each run reads all of U and sums a ∂U of its own.
        let min_images = MIN_TILES.div_ceil(self.tiles[0] * self.tiles[1]);
        let sums = over_image_runs([in_len, out_len], min_images, x, dy, mask, dx, |x, dy, mask, dx| {
            self.backward_images(x, dy, mask, dx)
        })?;
        let mut sums = sums.into_iter();
        let (mut du, mut db) = sums.next().unwrap_or_else(|| (zeroed(P * c * f), vec![0.0; f]));
        for (u, b) in sums {
            du.par_chunks_mut(c * f)
                .zip(u.par_chunks(c * f))
                .for_each(|(s, u)| s.iter_mut().zip(u).for_each(|(s, v)| *s += v));
            db.iter_mut().zip(&b).for_each(|(s, v)| *s += v);
        }
        let mut dw = zeroed(9 * c * f);
        lanes_in_parallel(&GT_R, &GT_C, &du, &mut dw, c * f);
        Ok((dw, db))
    }

    /// Backward over one core's run of whole images, whose output gradients `dy` are masked by
    /// the relu's flags `mask` as they are read; returns the run's `∂U` (24 matrices `c_in × c_out`)
    /// and `∂b`.
    fn backward_images(
        &self,
        x: &[f32],
        dy: &[f32],
        mask: Option<&[bool]>,
        mut dx: Option<&mut [f32]>,
    ) -> Result<(Vec<f32>, Vec<f32>)> {
        let (c, f, across) = (self.window.channels, self.filters, self.tiles[1]);
        let tile_rows = dy.len() / (self.window.outputs() * f).max(1) * self.tiles[0];
        let block = self.block_rows();
        let (mut du, mut db) = (zeroed(P * c * f), vec![0.0; f]);
        let lens = [P * block * across * c, P * block * across * f, P * across * c.max(f), P * across * c.max(f)];
        with_scratch(lens, |[v, dm, tmp, patch]| {
            for first in (0..tile_rows).step_by(block) {
                let rows = block.min(tile_rows - first);
                let tiles = rows * across;
                let (v, dm) = (&mut v[..P * tiles * c], &mut dm[..P * tiles * f]);
                for r in 0..rows {
                    self.gather_gradient(dy, mask, first + r, patch);
                    for g in patch[..MR * MC * across * f].chunks_exact(f) {
                        db.iter_mut().zip(g).for_each(|(s, g)| *s += g); // ∂b = Σ ∂Y
                    }
                    let (to, len) = (|i: usize, j: usize| ((NC * i + j) * tiles + r * across) * f, across * f);
                    transform(&A_R, &A_C, patch, |a, b| (MC * a + b) * len, tmp, dm, to, len);
                }
                self.input_transform(x, first, rows, v, patch, tmp);
                for xi in 0..P {
                    let vx = matrix(&v[xi * tiles * c..][..tiles * c], tiles, c)?;
                    let dmx = matrix(&dm[xi * tiles * f..][..tiles * f], tiles, f)?;
                    let dux = matrix_mut(&mut du[xi * c * f..][..c * f], c, f)?;
                    matmul_serial(vx.t(), dmx, dux, true)?; // ∂U += Vᵀ·∂M
                }
                let Some(dx) = dx.as_deref_mut() else { continue };
                for xi in 0..P {
                    let dmx = matrix(&dm[xi * tiles * f..][..tiles * f], tiles, f)?;
                    let dv = matrix_mut(&mut v[xi * tiles * c..][..tiles * c], tiles, c)?;
                    matmul_serial(dmx, self.u(xi)?.t(), dv, false)?; // ∂V = ∂M·Uᵀ
                }
                for r in 0..rows {
                    let (at, len) = (|a: usize, b: usize| ((NC * a + b) * tiles + r * across) * c, across * c);
                    transform(&B_R, &B_C, v, at, tmp, patch, |i, j| (NC * i + j) * len, len);
                    self.scatter(patch, first + r, dx);
                }
            }
            Ok::<_, Error>(())
        })?;
        Ok((du, db))
    }

    /// Copies tile row `row`'s 4 × 2 output gradients into `patch` (8 lanes of `tiles ×
    /// filters`; zeros past the edge of the output), each masked by its relu flag.
    fn gather_gradient(&self, dy: &[f32], mask: Option<&[bool]>, row: usize, patch: &mut [f32]) {
        let (h, w, f, across) = (self.window.rows.output, self.window.cols.output, self.filters, self.tiles[1]);
        let (image, tr) = (row / self.tiles[0], row % self.tiles[0]);
        for (k, t) in (0..MR * MC).flat_map(|k| (0..across).map(move |t| (k, t))) {
            let (r, s) = (MR * tr + k / MC, MC * t + k % MC);
            let dst = &mut patch[(k * across + t) * f..][..f];
            let at = ((image * h + r) * w + s) * f;
            match mask {
                _ if r >= h || s >= w => dst.fill(0.0),
                None => dst.copy_from_slice(&dy[at..][..f]),
                // A select rather than a branch, so that the loop vectorises.
                Some(mask) => {
                    let src = dy[at..][..f].iter().zip(&mask[at..][..f]);
                    dst.iter_mut().zip(src).for_each(|(d, (&g, &m))| *d = if m { g } else { 0.0 });
                }
            }
        }
    }
}

/// `values` as a `rows × cols` matrix.
fn matrix(values: &[f32], rows: usize, cols: usize) -> Result<ArrayView2<'_, f32>> {
    ArrayView2::from_shape((rows, cols), values).map_err(|e| Error::Shape(e.to_string()))
}

/// `values` as a mutable `rows × cols` matrix.
fn matrix_mut(values: &mut [f32], rows: usize, cols: usize) -> Result<ArrayViewMut2<'_, f32>> {
    ArrayViewMut2::from_shape((rows, cols), values).map_err(|e| Error::Shape(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The input transform of 24 lanes of 37 values, the way `run` computes it.
    fn input_transform_with(run: impl Fn(&[f32], &mut [f32], &mut [f32])) -> Vec<f32> {
        let len = 37;
        let src: Vec<f32> = (0..P * len).map(|i| ((i * 7919) % 1000) as f32 / 250.0 - 2.0).collect();
        let (mut tmp, mut dst) = (vec![0.0; P * len], vec![0.0; P * len]);
        run(&src, &mut tmp, &mut dst);
        dst
    }

    #[test]
    fn every_vector_width_computes_the_same_transform() {
        let len = 37;
        let at = move |a: usize, b: usize| (NC * a + b) * len;
        let portable = input_transform_with(|src, tmp, dst| transform_lanes(&BT_R, &BT_C, src, at, tmp, dst, at, len));
        // Bᵀ_r d B_c by hand for the first value of each lane: d(a, b) = src[at(a, b)].
        let d = |a: usize, b: usize| portable_src(a, b, len);
        let by_hand = |i: usize, j: usize| -> f32 {
            (0..NR).flat_map(|a| (0..NC).map(move |b| (a, b))).map(|(a, b)| BT_R[i][a] * d(a, b) * BT_C[j][b]).sum()
        };
        for (i, j) in (0..NR).flat_map(|i| (0..NC).map(move |j| (i, j))) {
            assert!((portable[at(i, j)] - by_hand(i, j)).abs() < 1e-5, "lane ({i}, {j})");
        }
        #[cfg(target_arch = "x86_64")]
        for (name, found) in [
            ("avx2", std::arch::is_x86_feature_detected!("avx2")),
            ("avx512f", std::arch::is_x86_feature_detected!("avx512f")),
        ] {
            if !found {
                eprintln!("this CPU has no {name}: its transform is not run here");
                continue;
            }
            let wide = input_transform_with(|src, tmp, dst| {
                // SAFETY: the CPU has the feature, checked just above.
                unsafe {
                    match name {
                        "avx2" => transform_avx2(&BT_R, &BT_C, src, at, tmp, dst, at, len),
                        _ => transform_avx512(&BT_R, &BT_C, src, at, tmp, dst, at, len),
                    }
                }
            });
            assert_eq!(wide, portable, "{name}");
        }
    }

    #[test]
    fn the_kernel_transform_in_chunks_on_every_core_is_the_transform() {
        let len = 2 * 1024 + 37; // two whole chunks and a part
        let kernel: Vec<f32> = (0..9 * len).map(|i| ((i * 7919) % 1000) as f32 / 250.0 - 2.0).collect();
        let (mut whole, mut tmp) = (vec![0.0; P * len], vec![0.0; NR * 3 * len]);
        transform(&G_R, &G_C, &kernel, |a, b| (3 * a + b) * len, &mut tmp, &mut whole, |i, j| (NC * i + j) * len, len);
        let mut chunked = vec![f32::NAN; P * len];
        lanes_in_parallel(&G_R, &G_C, &kernel, &mut chunked, len);
        assert_eq!(chunked, whole);
    }

    /// Value 0 of lane `(a, b)` of the test's input.
    fn portable_src(a: usize, b: usize, len: usize) -> f32 {
        let i = (NC * a + b) * len;
        ((i * 7919) % 1000) as f32 / 250.0 - 2.0
    }
}
