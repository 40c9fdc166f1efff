//! The math of the chapter: the linear formula, the dot product, sigmoid, softmax, relu,
//! one-hot encoding and argmax — plus the matrix product every `Dense` layer runs on.
//!
//! ```
//! use snackml::math::{formula, softmax};
//! use ndarray::array;
//! // y = a0·x0 + a1·x1 + b with a0 = 1.2, a1 = −1.5, b = 0.2
//! assert!((formula(3.0, 2.0) - 0.8).abs() < 1e-6);
//! let p = softmax(&array![[1.0f32, 2.0, 3.0]]);
//! assert!((p.sum() - 1.0).abs() < 1e-6);
//! ```

use ndarray::{Array, Array1, Array2, ArrayView2, ArrayViewMut2, Axis, CowArray, Dimension, Ix2};

/// The dot product `dot(a, x) = Σᵢ aᵢ·xᵢ`. Both slices must have the same length.
///
/// ```
/// assert_eq!(snackml::math::dot(&[1.0, 2.0], &[3.0, 4.0]).unwrap(), 11.0);
/// ```
pub fn dot(a: &[f32], x: &[f32]) -> crate::Result<f32> {
    if a.len() != x.len() {
        return Err(crate::Error::Shape(format!("dot of vectors of length {} and {}", a.len(), x.len())));
    }
    // Accumulate in f64: 150,000 terms in f32 would lose digits.
    Ok(a.iter().zip(x).map(|(&a, &x)| a as f64 * x as f64).sum::<f64>() as f32)
}

/// The linear formula `y = dot(a, x) + b`.
pub fn linear(a: &[f32], x: &[f32], b: f32) -> crate::Result<f32> {
    Ok(dot(a, x)? + b)
}

/// The chapter's two-input example `y = a0·x0 + a1·x1 + b` with a0 = 1.2, a1 = −1.5, b = 0.2.
pub fn formula(x0: f32, x1: f32) -> f32 {
    let (a0, a1, b) = (1.2f32, -1.5f32, 0.2f32);
    a0 * x0 + a1 * x1 + b
}

/// The logistic sigmoid `σ(x) = 1 / (1 + e^(−x))`, computed without overflow for large |x|, a
/// subnormal result flushed to 0 ([`flush_subnormal`]).
pub fn sigmoid(x: f32) -> f32 {
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        let e = x.exp();
        flush_subnormal(e / (1.0 + e))
    }
}

/// `relu(x) = max(0, x)`. A NaN stays NaN (as in TensorFlow), so bad inputs show in the loss.
pub fn relu(x: f32) -> f32 {
    // not `x.max(0.0)`: f32::max returns 0 for a NaN, silently hiding it
    if x < 0.0 {
        0.0
    } else {
        x
    }
}

/// Softmax over the last axis (each row of a matrix):
/// `softmax(z)ⱼ = e^(zⱼ − m) / Σₖ e^(zₖ − m)` with `m = maxₖ zₖ`.
///
/// Subtracting the row maximum changes nothing mathematically and keeps `exp` from
/// overflowing, so logits of ±1000 give exact 0s and 1s, never NaN. Probabilities below
/// `f32::MIN_POSITIVE` become 0 ([`flush_subnormal`]). Any rank; a 0-d array is one row of one.
pub fn softmax<D: Dimension>(z: &Array<f32, D>) -> Array<f32, D> {
    let mut p = z.clone();
    softmax_inplace(&mut p);
    p
}

/// [`softmax`] over the last axis of `z`, in place.
pub fn softmax_inplace<D: Dimension>(z: &mut Array<f32, D>) {
    let Some(last) = z.ndim().checked_sub(1) else {
        z.mapv_inplace(|v| if v.is_nan() { v } else { 1.0 });
        return;
    };
    for mut row in z.lanes_mut(Axis(last)) {
        let m = row.fold(f32::NEG_INFINITY, |m, &v| m.max(v));
        let m = if m.is_finite() { m } else { 0.0 };
        row.mapv_inplace(|v| (v - m).exp());
        let s = row.sum();
        row.mapv_inplace(|v| flush_subnormal(v / s));
    }
}

/// `x`, or 0 when `|x| < f32::MIN_POSITIVE` (≈ 1.2e-38): a subnormal number flushed to zero.
///
/// TensorFlow runs its CPU kernels with flush-to-zero on, so Keras never sees these values.
/// Here they would come from the softmax of a confident model (`e^(z − m)` for `z − m < −87`) and
/// flow into the gradient, and every multiplication by one costs a microcode assist on Intel
/// CPUs (about 100 cycles instead of one): a learning-rate sweep's largest rates then train
/// several times slower. Measured in `bench/beyond.md`.
///
/// ```
/// use snackml::math::flush_subnormal;
/// assert_eq!(flush_subnormal(1e-39), 0.0);
/// assert_eq!(flush_subnormal(-1e-39), 0.0);
/// assert_eq!(flush_subnormal(1e-37), 1e-37);
/// ```
#[inline]
pub fn flush_subnormal(x: f32) -> f32 {
    if x.abs() < f32::MIN_POSITIVE {
        0.0
    } else {
        x
    }
}

/// One-hot encoding: label `i` of `k` classes becomes a row with 1 at column `i`, 0 elsewhere.
///
/// ```
/// let y = snackml::math::one_hot(&[2, 0], 3).unwrap();
/// assert_eq!(y, ndarray::array![[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]]);
/// ```
pub fn one_hot(labels: &[usize], k: usize) -> crate::Result<Array2<f32>> {
    // More than isize::MAX bytes cannot be allocated: say so rather than abort.
    if labels.len().checked_mul(k).and_then(|n| n.checked_mul(4)).is_none_or(|b| b > isize::MAX as usize) {
        return Err(crate::Error::InvalidArgument(format!(
            "{} labels × {k} classes is too large an array for one-hot labels",
            labels.len()
        )));
    }
    let mut y = Array2::zeros((labels.len(), k));
    for (i, &l) in labels.iter().enumerate() {
        if l >= k {
            return Err(crate::Error::InvalidArgument(format!("label {l} is out of range for {k} classes")));
        }
        y[[i, l]] = 1.0;
    }
    Ok(y)
}

/// The index of the largest value of each row (the first one on ties, as numpy does).
pub fn argmax(p: &Array2<f32>) -> Array1<usize> {
    p.map_axis(Axis(1), |row| argmax_slice(row.iter().copied()))
}

/// The index of the largest value in a sequence (the first one on ties); 0 for an empty one.
pub fn argmax_slice(values: impl IntoIterator<Item = f32>) -> usize {
    let mut best = (0, f32::NEG_INFINITY);
    for (i, v) in values.into_iter().enumerate() {
        if v > best.1 {
            best = (i, v);
        }
    }
    best.0
}

/// Matrix product `C = A·B` for `A` (m × k) and `B` (k × n), any strides (transposed views are free).
///
/// Runs on the `gemm` crate's f32 kernel: blocked, vectorised (AVX2/FMA or AVX-512 picked at run time) and
/// split over all cores with rayon when the product is large enough to pay for it.
///
/// ```
/// use ndarray::array;
/// let c = snackml::math::matmul(array![[1.0f32, 2.0]].view(), array![[3.0f32], [4.0]].view()).unwrap();
/// assert_eq!(c, array![[11.0f32]]);
/// assert!(snackml::math::matmul(array![[1.0f32]].view(), array![[1.0f32, 2.0]].t()).is_err());
/// ```
pub fn matmul(a: ArrayView2<f32>, b: ArrayView2<f32>) -> crate::Result<Array2<f32>> {
    let mut c = Array2::zeros((a.nrows(), b.ncols()));
    matmul_into(a, b, c.view_mut(), false)?;
    Ok(c)
}

/// `C = A·B`, or `C += A·B` when `accumulate` is true, into a preallocated `C` (m × n), which may be
/// a view into a larger array (a block of rows, say).
///
/// How the work is shared between cores was chosen by measurement (`benches/step.rs`): for the
/// short, wide products of a training step (a batch of 64 rows times a 3072 × 500 kernel) gemm's
/// own splitting leaves a core idle half the time, so such products are cut into column blocks,
/// one per core; taller products use gemm's own parallelism.
pub fn matmul_into(
    a: ArrayView2<f32>,
    b: ArrayView2<f32>,
    mut c: ArrayViewMut2<f32>,
    accumulate: bool,
) -> crate::Result<()> {
    if !check_product(&a, &b, &mut c, accumulate)? {
        return Ok(());
    }
    let (m, k, n) = (a.nrows(), a.ncols(), b.ncols());
    let threads = if 2 * m * n * k >= 2_000_000 { rayon::current_num_threads() } else { 1 };
    if threads > 1 && m <= 256 && n >= 64 * threads {
        let block = n.div_ceil(threads);
        let blocks: Vec<_> = c.axis_chunks_iter_mut(Axis(1), block).zip(b.axis_chunks_iter(Axis(1), block)).collect();
        rayon::scope(|s| {
            for (c, b) in blocks {
                s.spawn(move |_| gemm_block(a, b, c, accumulate, gemm_common::Parallelism::None));
            }
        });
    } else {
        let par = if threads > 1 { gemm_common::Parallelism::Rayon(threads) } else { gemm_common::Parallelism::None };
        gemm_block(a, b, c.view_mut(), accumulate, par);
    }
    Ok(())
}

/// `C = A·B` (or `C += A·B`) on the calling thread only: for code that already keeps every core
/// busy with blocks of its own (a convolution's blocks of rows, each laid out and multiplied
/// while it is still in the core's cache).
pub(crate) fn matmul_serial(
    a: ArrayView2<f32>,
    b: ArrayView2<f32>,
    mut c: ArrayViewMut2<f32>,
    accumulate: bool,
) -> crate::Result<()> {
    if check_product(&a, &b, &mut c, accumulate)? {
        gemm_block(a, b, c.view_mut(), accumulate, gemm_common::Parallelism::None);
    }
    Ok(())
}

/// Checks that `A·B` is defined and fits `C`; returns whether there is anything to multiply
/// (an empty `C` has nothing; with an empty inner dimension `A·B` is zero, written here).
fn check_product(
    a: &ArrayView2<f32>,
    b: &ArrayView2<f32>,
    c: &mut ArrayViewMut2<f32>,
    accumulate: bool,
) -> crate::Result<bool> {
    if a.ncols() != b.nrows() {
        return Err(crate::Error::Shape(format!(
            "matmul of {:?} by {:?}: the inner dimensions differ ({} columns against {} rows)",
            a.dim(),
            b.dim(),
            a.ncols(),
            b.nrows()
        )));
    }
    if c.dim() != (a.nrows(), b.ncols()) {
        return Err(crate::Error::Shape(format!(
            "matmul of {:?} by {:?} into an output of shape {:?}: expected {:?}",
            a.dim(),
            b.dim(),
            c.dim(),
            (a.nrows(), b.ncols())
        )));
    }
    if a.ncols() == 0 && !accumulate {
        c.fill(0.0);
    }
    Ok(!c.is_empty() && a.ncols() > 0)
}

/// One call of gemm's f32 kernel on views with any strides.
///
/// The kernel takes non-negative strides and prefers a column-major destination: views with a
/// reversed axis are copied first, and a row-major `C = A·B` is computed as `Cᵀ = Bᵀ·Aᵀ`, which
/// only swaps strides (what the `gemm` crate's generic front end does; calling the f32 kernel
/// directly spares compiling that crate's f64 and complex kernels, a third of its build time).
fn gemm_block(
    a: ArrayView2<f32>,
    b: ArrayView2<f32>,
    mut c: ArrayViewMut2<f32>,
    accumulate: bool,
    par: gemm_common::Parallelism,
) {
    let reversed = |strides: &[isize]| strides.iter().any(|&s| s < 0);
    if reversed(c.strides()) {
        let mut out = c.as_standard_layout().into_owned();
        gemm_block(a, b, out.view_mut(), accumulate, par);
        c.assign(&out);
        return;
    }
    let standard = |x: ArrayView2<'_, f32>| x.as_standard_layout().into_owned();
    let a: CowArray<f32, Ix2> = if reversed(a.strides()) { standard(a).into() } else { a.into() };
    let b: CowArray<f32, Ix2> = if reversed(b.strides()) { standard(b).into() } else { b.into() };
    let (m, k, n) = (a.nrows(), a.ncols(), b.ncols());
    let ([a_rs, a_cs], [b_rs, b_cs], [c_rs, c_cs]) = (stride2(&a), stride2(&b), stride2(&c));
    let (alpha, beta) = (if accumulate { 1.0 } else { 0.0 }, 1.0);
    let kernel = gemm_f32::gemm::f32::get_gemm_fn();
    let (pa, pb, pc) = (a.as_ptr(), b.as_ptr(), c.as_mut_ptr());
    // SAFETY: the three views are valid for their shapes and non-negative strides (ndarray
    // guarantees it, reversed ones were copied above), `c` is a unique borrow that does not alias
    // `a` or `b`. Arguments: m, n, k, dst (cs, rs), read_dst, lhs (cs, rs), rhs (cs, rs), alpha,
    // beta, three conjugation flags (meaningless for reals), parallelism.
    unsafe {
        if c_cs < c_rs {
            kernel(
                n, m, k, pc, c_rs, c_cs, accumulate, pb, b_rs, b_cs, pa, a_rs, a_cs, alpha, beta, false, false, false,
                par,
            );
        } else {
            kernel(
                m, n, k, pc, c_cs, c_rs, accumulate, pa, a_cs, a_rs, pb, b_cs, b_rs, alpha, beta, false, false, false,
                par,
            );
        }
    }
}

/// The (row, column) strides of a matrix view.
fn stride2<S: ndarray::RawData>(x: &ndarray::ArrayBase<S, Ix2>) -> [isize; 2] {
    [x.strides()[0], x.strides()[1]]
}

/// An array's minimum, maximum, mean and standard deviation (numpy's `x.min()`, `x.max()`,
/// `x.mean()`, `x.std()`: the population deviation `√(Σ(xᵢ − x̄)² / n)`), for a quick look at
/// pixels, weights or probabilities. Shown as `min -0.576  max 1.000  mean 0.123  std 0.456`.
///
/// ```
/// let s = snackml::math::describe(&ndarray::array![1.0f32, 2.0, 3.0, 4.0]);
/// assert_eq!((s.min, s.max, s.mean), (1.0, 4.0, 2.5));
/// assert!((s.std - 1.118034).abs() < 1e-6);
/// assert_eq!(s.to_string(), "min 1.000  max 4.000  mean 2.500  std 1.118");
/// ```
pub fn describe<S, D>(x: &ndarray::ArrayBase<S, D>) -> Describe
where
    S: ndarray::Data<Elem = f32>,
    D: ndarray::Dimension,
{
    let n = x.len().max(1) as f64;
    let (mut min, mut max, mut sum) = (f32::INFINITY, f32::NEG_INFINITY, 0f64);
    for &v in x.iter() {
        min = min.min(v);
        max = max.max(v);
        sum += v as f64;
    }
    let mean = sum / n;
    let var = x.iter().map(|&v| (v as f64 - mean).powi(2)).sum::<f64>() / n;
    if x.is_empty() {
        return Describe { min: f32::NAN, max: f32::NAN, mean: f32::NAN, std: f32::NAN };
    }
    Describe { min, max, mean: mean as f32, std: var.sqrt() as f32 }
}

/// What [`describe`] finds (all NaN for an empty array).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Describe {
    /// The smallest value.
    pub min: f32,
    /// The largest value.
    pub max: f32,
    /// The mean.
    pub mean: f32,
    /// The population standard deviation.
    pub std: f32,
}

impl std::fmt::Display for Describe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let p = f.precision().unwrap_or(3);
        write!(f, "min {:.p$}  max {:.p$}  mean {:.p$}  std {:.p$}", self.min, self.max, self.mean, self.std)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn softmax_is_finite_at_extremes() {
        let p = softmax(&array![[-1000.0, 0.0, 1000.0]]);
        assert_eq!(p, array![[0.0, 0.0, 1.0]]);
    }

    #[test]
    fn softmax_and_sigmoid_flush_subnormal_results_to_zero() {
        // e^(−100) ≈ 3.7e-44 and e^(−88) ≈ 6e-39 are subnormal; e^(−80) ≈ 1.8e-35 is not.
        let p = softmax(&array![[0.0, -100.0, -88.0, -80.0]]);
        assert_eq!((p[[0, 1]], p[[0, 2]]), (0.0, 0.0));
        assert!(p[[0, 3]] > 1e-36 && p[[0, 3]].is_normal());
        assert_eq!(sigmoid(-88.0), 0.0);
        assert!(sigmoid(-80.0).is_normal());
    }

    #[test]
    fn sigmoid_is_stable() {
        assert_eq!(sigmoid(1000.0), 1.0);
        assert_eq!(sigmoid(-1000.0), 0.0);
        assert!((sigmoid(0.0) - 0.5).abs() < 1e-7);
    }

    #[test]
    fn matmul_matches_naive_for_transposed_views() {
        let a = Array2::from_shape_fn((37, 53), |(i, j)| ((i * 7 + j * 3) % 11) as f32 - 5.0);
        let b = Array2::from_shape_fn((37, 29), |(i, j)| ((i * 5 + j) % 13) as f32 - 6.0);
        let c = matmul(a.t(), b.view()).unwrap();
        for i in 0..53 {
            for j in 0..29 {
                let want: f32 = (0..37).map(|k| a[[k, i]] * b[[k, j]]).sum();
                assert!((c[[i, j]] - want).abs() < 1e-3);
            }
        }
        let mut acc = c.clone();
        matmul_into(a.t(), b.view(), acc.view_mut(), true).unwrap();
        assert!((&acc - &(&c * 2.0)).iter().all(|d| d.abs() < 1e-3));
    }

    #[test]
    fn large_products_split_across_cores_match_ndarray() {
        // 64 × 300 × 700 takes the column-block path, 700 × 64 × 300 gemm's own parallelism.
        let a = Array2::from_shape_fn((64, 300), |(i, j)| ((i * 7 + j * 3) % 11) as f32 - 5.0);
        let b = Array2::from_shape_fn((300, 700), |(i, j)| ((i * 5 + j) % 13) as f32 - 6.0);
        let want = a.dot(&b);
        assert!((&matmul(a.view(), b.view()).unwrap() - &want).iter().all(|d| d.abs() < 1e-2));
        let mut acc = want.clone();
        matmul_into(a.view(), b.view(), acc.view_mut(), true).unwrap();
        assert!((&acc - &(&want * 2.0)).iter().all(|d| d.abs() < 1e-2));
        let tall = matmul(b.t(), a.t()).unwrap();
        assert!((&tall - &want.t()).iter().all(|d| d.abs() < 1e-2));
    }

    #[test]
    fn matmul_handles_reversed_and_column_major_views() {
        let a = Array2::from_shape_fn((9, 7), |(i, j)| ((i * 7 + j * 3) % 11) as f32 - 5.0);
        let b = Array2::from_shape_fn((7, 5), |(i, j)| ((i * 5 + j) % 13) as f32 - 6.0);
        let mut a_rev = a.clone();
        a_rev.invert_axis(Axis(0)); // negative row stride
        let mut b_rev = b.clone();
        b_rev.invert_axis(Axis(1)); // negative column stride
        let want = a_rev.dot(&b_rev);
        assert_eq!(matmul(a_rev.view(), b_rev.view()).unwrap(), want);
        let mut c = Array2::<f32>::ones((5, 9)).reversed_axes(); // column-major 9 × 5
        matmul_into(a_rev.view(), b_rev.view(), c.view_mut(), true).unwrap();
        assert_eq!(c, &want + 1.0);
        let mut c = Array2::<f32>::ones((9, 5));
        c.invert_axis(Axis(1));
        matmul_into(a_rev.view(), b_rev.view(), c.view_mut(), true).unwrap();
        assert_eq!(c, &want + 1.0);
    }

    #[test]
    fn dot_checks_lengths() {
        assert!(dot(&[1.0], &[1.0, 2.0]).is_err());
    }
}
