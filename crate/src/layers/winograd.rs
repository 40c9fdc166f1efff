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
//! transforms it again (and the kernel: keeping `U` from the forward pass saved 1–2% of a 32-px
//! step and none at 64 px, for 12–74 MB more at the peak; measured).
//!
//! Each core takes a run of tile rows (in backward, of whole images, since patches overlap) and goes
//! through it in blocks of at least [`MIN_TILES`] tiles: transform the block's inputs, run the 24
//! products, transform the outputs and add the bias and relu while they are still in cache.
//! Every transform goes through its lanes (a value per channel and tile) a vector's width at a
//! time, both its passes in registers ([`transform`]).
//!
//! Why 4 × 2 tiles: the larger the tile, the fewer the multiplications (2.25 an output for
//! 4 × 4 tiles, 3 for 4 × 2, 4 for 2 × 2) but the more digits F(4, 3)'s transforms (entries up
//! to 8 and 1/24) lose. Measured on Keras's `conv2d.json` and `convnet.json`, against the
//! `1e-6 + 1e-5·|b|` every layer here is held to: 4 × 4 tiles put values outside it;
//! 4 × 2 tiles use at most 64% of it (2 × 2 tiles: 66%, through the Adam steps of `convnet.json`).
//! The code is written for any tile shape [`MR`] × [`MC`] with its matrices.

use super::conv2d::{finish_outputs, over_image_runs};
use super::scratch::{copy_pixel, with_scratch, zeroed};
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

/// Floats (a cache line) left between lanes or matrices laid out one after another: lanes a
/// multiple of 4 KiB apart share the L1 cache's sets, and a transform that reads and writes 48
/// of them at once evicts its own lines. Measured, input transform of 24 lanes of 512 values
/// (16 tiles of 32 channels, 2 KiB): 11.5 ns a value without this gap, 3.1 ns with it; the whole
/// 32-px step 0.075 s without, 0.068 s with.
const SKEW: usize = 16;

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

/// A constant matrix as a type (`O` rows of `I`), so that where [`transform`] applies it, its
/// entries are constants: each row becomes straight-line code over its non-zero entries only.
trait Matrix<const I: usize, const O: usize> {
    /// The entries.
    const M: [[f32; I]; O];
    /// Each row's non-zero entries and their columns, the row's first [`Matrix::COUNT`] only.
    const TERMS: [[(f32, usize); I]; O] = non_zero(Self::M).0;
    /// How many non-zero entries each row has.
    const COUNT: [usize; O] = non_zero(Self::M).1;
}

/// Each row's non-zero entries of `m` with their columns, in order, and how many there are.
const fn non_zero<const I: usize, const O: usize>(m: [[f32; I]; O]) -> ([[(f32, usize); I]; O], [usize; O]) {
    let (mut terms, mut count) = ([[(0.0, 0); I]; O], [0; O]);
    let mut o = 0;
    while o < O {
        let mut i = 0;
        while i < I {
            if m[o][i] != 0.0 {
                terms[o][count[o]] = (m[o][i], i);
                count[o] += 1;
            }
            i += 1;
        }
        o += 1;
    }
    (terms, count)
}

/// Defines a [`Matrix`] type for each constant matrix: `Name = MATRIX: inputs by outputs`.
macro_rules! matrix_types {
    ($($name:ident = $m:ident: $i:ident by $o:ident;)*) => {
        $(
            #[doc = concat!("[`", stringify!($m), "`] as a [`Matrix`].")]
            #[derive(Clone, Copy)]
            struct $name;
            impl Matrix<$i, $o> for $name {
                const M: [[f32; $i]; $o] = $m;
            }
        )*
    };
}
/// A 3 × 3 kernel's rows or columns.
const K: usize = 3;
matrix_types! {
    // Each transform's pair: down the image (rows), then across it (columns).
    KernelRows = G_R: K by NR; KernelCols = G_C: K by NC;
    InputRows = BT_R: NR by NR; InputCols = BT_C: NC by NC;
    OutputRows = AT_R: NR by MR; OutputCols = AT_C: NC by MC;
    OutputGradRows = A_R: MR by NR; OutputGradCols = A_C: MC by NC;
    InputGradRows = B_R: NR by NR; InputGradCols = B_C: NC by NC;
    KernelGradRows = GT_R: NR by K; KernelGradCols = GT_C: NC by K;
}

/// `out(i, j) = Σ_{a, b} L[i][a] · v(a, b) · R[j][b]` on lanes of `len` values (one value per
/// channel, or per channel pair for the kernel): lane `(a, b)` of `v` starts at `src[at(a, b)]`,
/// lane `(i, j)` of the result at `dst[to(i, j)]`.
///
/// A vector's width of every lane at a time, both passes in registers (`L` down, then `R`
/// across), each output a few vector operations over the matrices' non-zero entries ([`Matrix`]),
/// summed in the order of their columns. Measured on the input transform of 24 lanes of 512
/// values: 3.1 ns a value, against 7.9 for two passes over whole lanes through memory (if the
/// lanes are [`SKEW`] apart). Runs with the widest vectors the CPU has (AVX-512 or AVX2, found
/// at run time; the crate itself is compiled for any x86-64).
fn transform<L, R, const IR: usize, const IC: usize, const OR: usize, const OC: usize>(
    _l: L,
    _r: R,
    src: &[f32],
    at: impl Fn(usize, usize) -> usize,
    dst: &mut [f32],
    to: impl Fn(usize, usize) -> usize,
    len: usize,
) where
    L: Matrix<IR, OR>,
    R: Matrix<IC, OC>,
{
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512f") {
            // SAFETY: the CPU has AVX-512F, checked just above.
            return unsafe { transform_avx512::<L, R, IR, IC, OR, OC>(src, at, dst, to, len) };
        }
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU has AVX2, checked just above.
            return unsafe { transform_avx2::<L, R, IR, IC, OR, OC>(src, at, dst, to, len) };
        }
    }
    transform_lanes::<L, R, IR, IC, OR, OC, 4>(src, at, dst, to, len)
}

/// Defines `$name`, [`transform`] compiled with the target feature `$feature`, `$width` values
/// of each lane at a time.
macro_rules! transform_for {
    ($name:ident, $feature:literal, $width:literal) => {
        #[doc = concat!("[`transform`] compiled for ", $feature, ".")]
        #[cfg(target_arch = "x86_64")]
        #[target_feature(enable = $feature)]
        fn $name<L, R, const IR: usize, const IC: usize, const OR: usize, const OC: usize>(
            src: &[f32],
            at: impl Fn(usize, usize) -> usize,
            dst: &mut [f32],
            to: impl Fn(usize, usize) -> usize,
            len: usize,
        ) where
            L: Matrix<IR, OR>,
            R: Matrix<IC, OC>,
        {
            transform_lanes::<L, R, IR, IC, OR, OC, $width>(src, at, dst, to, len)
        }
    };
}
transform_for!(transform_avx512, "avx512f", 16);
transform_for!(transform_avx2, "avx2", 8);

/// [`transform`]'s body, inlined into each of the above: `W` values of every lane at a time,
/// then the rest one by one.
#[inline(always)]
fn transform_lanes<L, R, const IR: usize, const IC: usize, const OR: usize, const OC: usize, const W: usize>(
    src: &[f32],
    at: impl Fn(usize, usize) -> usize,
    dst: &mut [f32],
    to: impl Fn(usize, usize) -> usize,
    len: usize,
) where
    L: Matrix<IR, OR>,
    R: Matrix<IC, OC>,
{
    let whole = len - len % W;
    for start in (0..whole).step_by(W) {
        transform_values::<L, R, IR, IC, OR, OC, W>(src, &at, dst, &to, start);
    }
    for start in whole..len {
        transform_values::<L, R, IR, IC, OR, OC, 1>(src, &at, dst, &to, start);
    }
}

/// [`transform`] of the `W` values from `start` in every lane.
#[inline(always)]
fn transform_values<L, R, const IR: usize, const IC: usize, const OR: usize, const OC: usize, const W: usize>(
    src: &[f32],
    at: &impl Fn(usize, usize) -> usize,
    dst: &mut [f32],
    to: &impl Fn(usize, usize) -> usize,
    start: usize,
) where
    L: Matrix<IR, OR>,
    R: Matrix<IC, OC>,
{
    let mut down = [[[0.0; W]; IC]; OR];
    for b in 0..IC {
        let column: [[f32; W]; IR] = std::array::from_fn(|a| {
            let values = &src[at(a, b) + start..][..W];
            std::array::from_fn(|k| values[k])
        });
        for (i, down) in down.iter_mut().enumerate() {
            down[b] = combine::<L, IR, OR, W>(i, &column);
        }
    }
    for (i, row) in down.iter().enumerate() {
        for j in 0..OC {
            dst[to(i, j) + start..][..W].copy_from_slice(&combine::<R, IC, OC, W>(j, row));
        }
    }
}

/// Row `o` of `M` times the column of vectors `v`: `Σ_k M[o][k] · v[k]`, value by value, over
/// the row's non-zero entries only, summed in the order of `k`. Plain loops over indices, which
/// the compiler unrolls, so that `v` stays in registers (written with iterators over the
/// entries, it went through the stack, and the 32-px step took 0.080 s against the two-pass
/// transforms' 0.072, alternated).
#[inline(always)]
#[allow(clippy::needless_range_loop)]
fn combine<M: Matrix<I, O>, const I: usize, const O: usize, const W: usize>(o: usize, v: &[[f32; W]; I]) -> [f32; W] {
    let mut out = [0.0; W];
    let count = M::COUNT[o];
    if count > 0 {
        let (c, k) = M::TERMS[o][0];
        for w in 0..W {
            out[w] = c * v[k][w];
        }
    }
    let mut n = 1;
    while n < count {
        let (c, k) = M::TERMS[o][n];
        for w in 0..W {
            out[w] += c * v[k][w];
        }
        n += 1;
    }
    out
}

/// [`transform`] of `src`'s `IR × IC` lanes of `len` values (lane `(a, b)` at `(IC·a + b)·len`)
/// into `dst`'s `OR × OC` (lane `(i, j)` at `(OC·i + j)·len`), on every core: each takes chunks
/// of the lanes' values, transforms them in its scratch space and copies them out (the kernel's
/// transforms, 6 MiB for 256 → 256 filters, took up to 1.2 ms on one core; measured).
fn lanes_in_parallel<L, R, const IR: usize, const IC: usize, const OR: usize, const OC: usize>(
    l: L,
    r: R,
    src: &[f32],
    dst: &mut [f32],
    len: usize,
) where
    L: Matrix<IR, OR> + Copy + Sync,
    R: Matrix<IC, OC> + Copy + Sync,
{
    const CHUNK: usize = 1024;
    let mut chunks: Vec<Vec<&mut [f32]>> = (0..len.div_ceil(CHUNK)).map(|_| Vec::with_capacity(OR * OC)).collect();
    for lane in dst[..OR * OC * len].chunks_mut(len.max(1)) {
        lane.chunks_mut(CHUNK).zip(&mut chunks).for_each(|(piece, chunk)| chunk.push(piece));
    }
    chunks.into_par_iter().enumerate().for_each(|(k, mut pieces)| {
        let (start, n) = (k * CHUNK, pieces.first().map_or(0, |p| p.len()));
        with_scratch([position(OR * OC, 1, n)], |[out]| {
            transform(l, r, src, |a, b| (IC * a + b) * len + start, out, |i, j| position(OC * i + j, 1, n), n);
            for (piece, lane) in pieces.iter_mut().zip(out.chunks(position(1, 1, n))) {
                piece.copy_from_slice(&lane[..n]);
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
    /// fused relu when `relu`.
    pub(super) fn new(
        window: Window,
        kernel: &[f32],
        filters: usize,
        bias: Option<Cow<'a, [f32]>>,
        relu: bool,
    ) -> Self {
        let len = window.channels * filters;
        let mut u = zeroed(P * len);
        lanes_in_parallel(KernelRows, KernelCols, kernel, &mut u, len);
        let tiles = [window.rows.output.div_ceil(MR), window.cols.output.div_ceil(MC)];
        Winograd { window, filters, u, bias, relu, tiles }
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
        let (tiles, len) = (block * across, across * f);
        let lens = [position(P, tiles, c), position(P, tiles, f), P * across * c, position(MR * MC, across, f)];
        with_scratch(lens, |[v, m, patch, out]| {
            for (k, (ys, masks)) in ys.chunks_mut(block).zip(masks.chunks_mut(block)).enumerate() {
                let tiles = ys.len() * across;
                let (v, m) = (&mut v[..position(P, tiles, c)], &mut m[..position(P, tiles, f)]);
                self.input_transform(x, first + k * block, ys.len(), v, patch);
                for xi in 0..P {
                    let vx = matrix(&v[position(xi, tiles, c)..][..tiles * c], tiles, c)?;
                    let mx = matrix_mut(&mut m[position(xi, tiles, f)..][..tiles * f], tiles, f)?;
                    matmul_serial(vx, self.u(xi)?, mx, false)?;
                }
                for (r, (y, mask)) in ys.iter_mut().zip(masks.iter_mut()).enumerate() {
                    let at = |a: usize, b: usize| position(NC * a + b, tiles, f) + r * len;
                    transform(OutputRows, OutputCols, m, at, out, |i, j| position(MC * i + j, across, f), len);
                    self.write_outputs(out, y, mask.as_deref_mut());
                }
            }
            Ok(())
        })
    }

    /// Writes a tile row's 4 × 2 outputs `out` (8 lanes of `tiles × filters`, one per position
    /// in the tile, [`SKEW`] apart) into its output rows `y`, with the bias and relu, and the relu's flags into
    /// `mask`.
    fn write_outputs(&self, out: &[f32], y: &mut [f32], mut mask: Option<&mut [bool]>) {
        let (w, f, across) = (self.window.cols.output, self.filters, self.tiles[1]);
        for i in 0..y.len() / (w * f) {
            for j in 0..MC {
                for t in (0..across).filter(|t| MC * t + j < w) {
                    let at = (i * w + MC * t + j) * f;
                    let dst = &mut y[at..][..f];
                    copy_pixel(dst, &out[position(MC * i + j, across, f) + t * f..][..f]);
                    let mask = mask.as_deref_mut().map(|m| &mut m[at..][..f]);
                    finish_outputs(dst, self.bias.as_deref(), self.relu, mask);
                }
            }
        }
    }

    /// `V = Bᵀ_r d B_c` for the `rows` tile rows from `first` (counted over `x`'s images) into `v`,
    /// laid out as 24 matrices of `tiles × c_in` (at [`position`]). A tile row at a time: its tiles are consecutive
    /// rows of each matrix, so each transform runs on lanes of `tiles × c_in` values.
    fn input_transform(&self, x: &[f32], first: usize, rows: usize, v: &mut [f32], patch: &mut [f32]) {
        let (c, across) = (self.window.channels, self.tiles[1]);
        let (tiles, len, span) = (rows * across, across * c, self.span());
        for r in 0..rows {
            self.gather(x, first + r, patch);
            // Patch column b of tile t is pixel t + b / MC of the input row's pixels ≡ b (mod MC).
            let at = |a: usize, b: usize| ((MC * a + b % MC) * span + b / MC) * c;
            let to = |i: usize, j: usize| position(NC * i + j, tiles, c) + r * len;
            transform(InputRows, InputCols, patch, at, v, to, len);
        }
    }

    /// How many pixels [`gather`](Self::gather) takes from each input row in each column class.
    fn span(&self) -> usize {
        self.tiles[1] + (NC - 1) / MC
    }

    /// Copies the input rows under tile row `row` (counted over the batch) into `patch`: for each
    /// of the patches' `NR` rows `a` and each class `q` of columns (`≡ q mod MC`, from the first
    /// patch's left edge), the row's [`span`](Self::span) pixels of that class (zeros for padding).
    /// The patches overlap by two columns, so that holds each input pixel once where a
    /// patch-by-patch copy held most of them twice.
    fn gather(&self, x: &[f32], row: usize, patch: &mut [f32]) {
        let (rows, cols, c, span) = (self.window.rows, self.window.cols, self.window.channels, self.span());
        let (image, tr) = (row / self.tiles[0], row % self.tiles[0]);
        for a in 0..NR {
            let r = (MR * tr + a).checked_sub(rows.pad_before).filter(|&r| r < rows.input);
            for (q, s) in (0..MC).flat_map(|q| (0..span).map(move |s| (q, s))) {
                let dst = &mut patch[((MC * a + q) * span + s) * c..][..c];
                let col = (MC * s + q).checked_sub(cols.pad_before).filter(|&col| col < cols.input);
                match r.zip(col) {
                    Some((r, col)) => copy_pixel(dst, &x[((image * rows.input + r) * cols.input + col) * c..][..c]),
                    None => dst.fill(0.0),
                }
            }
        }
    }

    /// The 6 × 4 input patches of tile row `row` (counted over the batch): for each position `k`
    /// in a patch and each tile `t`, where that value sits in `patch` (lane `k`, tile `t`; lanes
    /// [`SKEW`] apart) and
    /// its offset in the batch, or `None` for padding.
    fn patch_pixels(&self, row: usize) -> impl Iterator<Item = (usize, Option<usize>)> + '_ {
        let (rows, cols, c, across) = (self.window.rows, self.window.cols, self.window.channels, self.tiles[1]);
        let (image, tr) = (row / self.tiles[0], row % self.tiles[0]);
        (0..P).flat_map(move |k| (0..across).map(move |t| (k, t))).map(move |(k, t)| {
            let r = (MR * tr + k / NC).checked_sub(rows.pad_before).filter(|&r| r < rows.input);
            let s = (MC * t + k % NC).checked_sub(cols.pad_before).filter(|&s| s < cols.input);
            let offset = r.zip(s).map(|(r, s)| ((image * rows.input + r) * cols.input + s) * c);
            (position(k, across, c) + t * c, offset)
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
        lanes_in_parallel(KernelGradRows, KernelGradCols, &du, &mut dw, c * f);
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
        let lens = [position(P, block * across, c), position(P, block * across, f), position(P, across, c.max(f))];
        with_scratch(lens, |[v, dm, patch]| {
            for first in (0..tile_rows).step_by(block) {
                let rows = block.min(tile_rows - first);
                let tiles = rows * across;
                let (v, dm) = (&mut v[..position(P, tiles, c)], &mut dm[..position(P, tiles, f)]);
                for r in 0..rows {
                    self.gather_gradient(dy, mask, first + r, patch);
                    let len = across * f;
                    for g in
                        patch.chunks(position(1, across, f)).take(MR * MC).flat_map(|lane| lane[..len].chunks_exact(f))
                    {
                        db.iter_mut().zip(g).for_each(|(s, g)| *s += g); // ∂b = Σ ∂Y
                    }
                    let to = |i: usize, j: usize| position(NC * i + j, tiles, f) + r * len;
                    transform(
                        OutputGradRows,
                        OutputGradCols,
                        patch,
                        |a, b| position(MC * a + b, across, f),
                        dm,
                        to,
                        len,
                    );
                }
                self.input_transform(x, first, rows, v, patch);
                for xi in 0..P {
                    let vx = matrix(&v[position(xi, tiles, c)..][..tiles * c], tiles, c)?;
                    let dmx = matrix(&dm[position(xi, tiles, f)..][..tiles * f], tiles, f)?;
                    let dux = matrix_mut(&mut du[xi * c * f..][..c * f], c, f)?;
                    matmul_serial(vx.t(), dmx, dux, true)?; // ∂U += Vᵀ·∂M
                }
                let Some(dx) = dx.as_deref_mut() else { continue };
                for xi in 0..P {
                    let dmx = matrix(&dm[position(xi, tiles, f)..][..tiles * f], tiles, f)?;
                    let dv = matrix_mut(&mut v[position(xi, tiles, c)..][..tiles * c], tiles, c)?;
                    matmul_serial(dmx, self.u(xi)?.t(), dv, false)?; // ∂V = ∂M·Uᵀ
                }
                for r in 0..rows {
                    let len = across * c;
                    let at = |a: usize, b: usize| position(NC * a + b, tiles, c) + r * len;
                    transform(InputGradRows, InputGradCols, v, at, patch, |i, j| position(NC * i + j, across, c), len);
                    self.scatter(patch, first + r, dx);
                }
            }
            Ok::<_, Error>(())
        })?;
        Ok((du, db))
    }

    /// Copies tile row `row`'s 4 × 2 output gradients into `patch` (8 lanes of `tiles ×
    /// filters`, [`SKEW`] apart; zeros past the edge of the output), each masked by its relu flag.
    fn gather_gradient(&self, dy: &[f32], mask: Option<&[bool]>, row: usize, patch: &mut [f32]) {
        let (h, w, f, across) = (self.window.rows.output, self.window.cols.output, self.filters, self.tiles[1]);
        let (image, tr) = (row / self.tiles[0], row % self.tiles[0]);
        for (k, t) in (0..MR * MC).flat_map(|k| (0..across).map(move |t| (k, t))) {
            let (r, s) = (MR * tr + k / MC, MC * t + k % MC);
            let dst = &mut patch[position(k, across, f) + t * f..][..f];
            let at = ((image * h + r) * w + s) * f;
            match mask {
                _ if r >= h || s >= w => dst.fill(0.0),
                None => copy_pixel(dst, &dy[at..][..f]),
                // A select rather than a branch, so that the loop vectorises.
                Some(mask) => {
                    let src = dy[at..][..f].iter().zip(&mask[at..][..f]);
                    dst.iter_mut().zip(src).for_each(|(d, (&g, &m))| *d = if m { g } else { 0.0 });
                }
            }
        }
    }
}

/// Where matrix or lane `ξ` of `tiles × width` values starts among its neighbours laid out one
/// after another (the 24 positions' matrices, a tile row's lanes): a [`SKEW`] more than its
/// length apart. The one layout rule of every buffer here.
fn position(xi: usize, tiles: usize, width: usize) -> usize {
    xi * (tiles * width + SKEW)
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
    fn input_transform_with(run: impl Fn(&[f32], &mut [f32])) -> Vec<f32> {
        let len = 37;
        let src: Vec<f32> = (0..P * len).map(|i| ((i * 7919) % 1000) as f32 / 250.0 - 2.0).collect();
        let mut dst = vec![0.0; P * len];
        run(&src, &mut dst);
        dst
    }

    #[test]
    fn every_vector_width_computes_the_same_transform() {
        let len = 37;
        let at = move |a: usize, b: usize| (NC * a + b) * len;
        let portable = input_transform_with(|src, dst| {
            transform_lanes::<InputRows, InputCols, NR, NC, NR, NC, 4>(src, at, dst, at, len)
        });
        // Bᵀ_r d B_c by hand for the first value of each lane: d(a, b) = src[at(a, b)].
        let d = |a: usize, b: usize| portable_src(a, b, len);
        let by_hand = |i: usize, j: usize| -> f32 {
            (0..NR).flat_map(|a| (0..NC).map(move |b| (a, b))).map(|(a, b)| BT_R[i][a] * d(a, b) * BT_C[j][b]).sum()
        };
        for (i, j) in (0..NR).flat_map(|i| (0..NC).map(move |j| (i, j))) {
            assert!((portable[at(i, j)] - by_hand(i, j)).abs() < 1e-5, "lane ({i}, {j})");
        }
        let one_by_one = input_transform_with(|src, dst| {
            transform_lanes::<InputRows, InputCols, NR, NC, NR, NC, 1>(src, at, dst, at, len)
        });
        assert_eq!(one_by_one, portable, "one value at a time");
        #[cfg(target_arch = "x86_64")]
        for (name, found) in [
            ("avx2", std::arch::is_x86_feature_detected!("avx2")),
            ("avx512f", std::arch::is_x86_feature_detected!("avx512f")),
        ] {
            if !found {
                eprintln!("this CPU has no {name}: its transform is not run here");
                continue;
            }
            let wide = input_transform_with(|src, dst| {
                // SAFETY: the CPU has the feature, checked just above.
                unsafe {
                    match name {
                        "avx2" => transform_avx2::<InputRows, InputCols, NR, NC, NR, NC>(src, at, dst, at, len),
                        _ => transform_avx512::<InputRows, InputCols, NR, NC, NR, NC>(src, at, dst, at, len),
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
        let mut whole = vec![0.0; P * len];
        let (at, to) = (|a: usize, b: usize| (3 * a + b) * len, |i: usize, j: usize| (NC * i + j) * len);
        transform(KernelRows, KernelCols, &kernel, at, &mut whole, to, len);
        let mut chunked = vec![f32::NAN; P * len];
        lanes_in_parallel(KernelRows, KernelCols, &kernel, &mut chunked, len);
        assert_eq!(chunked, whole);
    }

    /// Value 0 of lane `(a, b)` of the test's input.
    fn portable_src(a: usize, b: usize, len: usize) -> f32 {
        let i = (NC * a + b) * len;
        ((i * 7919) % 1000) as f32 / 250.0 - 2.0
    }
}
