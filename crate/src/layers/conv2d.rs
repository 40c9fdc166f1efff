//! `Conv2D`: a 2-D convolution over channels-last images, Keras's `Conv2D(filters, kernel_size,
//! strides, padding, activation, use_bias)`.
//!
//! For an input `x` of shape `(batch, h, w, c_in)`, a kernel `W` of shape `(k_h, k_w, c_in,
//! c_out)` and a bias `b` of `c_out`, each output pixel and filter is
//! `y[n, i, j, f] = b[f] + Σ_{ky, kx, c} x[n, i·s_h + ky − p_top, j·s_w + kx − p_left, c] · W[ky, kx, c, f]`
//! (zero outside the image; sizes and padding as TensorFlow's, see `window.rs`).
//!
//! Computed as one matrix product: `im2col` lays every output pixel's window out as a row, so
//! `Y = cols · W' + b` with `cols` of `(batch·h_out·w_out) × (k_h·k_w·c_in)` and `W'` the kernel
//! as `(k_h·k_w·c_in) × c_out`. Backward: `∂W' = colsᵀ · ∂Y`, `∂b = Σ_rows ∂Y`, and
//! `∂x = col2im(∂Y · W'ᵀ)`. The forward pass keeps only `x` (and, with a relu, which outputs
//! were positive); backward lays it out again.
//!
//! The matrix is never laid out whole (at 64 px it would be 9× the feature map): each core takes
//! a run of rows (in backward, of whole images, so no two cores add into the same input pixel)
//! and goes through it in blocks of about [`BLOCK_VALUES`] values that stay in its cache. For
//! each block: lay it out, multiply, then add the bias and apply the relu while the block's
//! outputs are still in cache (the relu is fused: [`Layer::fuses_activation`]); in backward,
//! mask `∂Y` by the kept relu flags, add the block's share of `∂W'` and `∂b` to the core's own
//! sums, and take `∂cols` back into `∂x`.
//! Weights start as Keras's: Glorot uniform, `limit = √(6 / (k_h·k_w·c_in + k_h·k_w·c_out))`,
//! bias zero.
//!
//! ```
//! use snackml::layers::{Conv2D, Layer, Padding};
//! let conv = Conv2D::new(32, 3).padding(Padding::Same);
//! assert_eq!(conv.output_shape(&[64, 64, 3]).unwrap(), vec![64, 64, 32]);
//! assert_eq!(Conv2D::new(8, 5).strides(2).output_shape(&[9, 9, 3]).unwrap(), vec![3, 3, 8]);
//! ```

use super::scratch::{with_scratch, zeroed, zeros};
use super::window::{Padding, Window};
use super::winograd::Winograd;
use super::{Cache, Context, Layer, OnnxAttribute, OnnxOp, Param};
use crate::activations::Activation;
use crate::math::matmul_serial;
use crate::{Error, Result, Tensor};
use ndarray::{Array1, Array2, ArrayView2, ArrayViewMut2, IxDyn};
use rand::rngs::StdRng;
use rand::Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

/// About how many values one block of the im2col matrix holds (256 KiB of floats): small enough
/// to stay in a core's cache between being laid out and being multiplied, large enough for the
/// product to run near the GEMM's speed (measured in `examples/chapter7_step.rs, `--layers``).
const BLOCK_VALUES: usize = 1 << 16;

/// The fewest rows a block holds in backward (measured: 8 took the last convolution's backward
/// at 64 px from 57 to 88 ms; 256, 512 and 1024 rows all ran it in 56–57 ms).
const BACKWARD_ROWS: usize = 256;

/// A 2-D convolution layer (Keras's `Conv2D`).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Conv2D {
    filters: usize,
    kernel_size: [usize; 2],
    strides: [usize; 2],
    padding: Padding,
    activation: Activation,
    use_bias: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    input_shape: Option<Vec<usize>>,
    #[serde(skip)]
    params: Vec<Param>,
    /// Never use Winograd's products (the tests compare the two ways).
    #[serde(skip)]
    im2col_only: bool,
}

impl Conv2D {
    /// `Conv2D(filters, kernel_size)`: square kernel, stride 1, `padding="valid"`, no activation,
    /// with a bias.
    pub fn new(filters: usize, kernel_size: usize) -> Self {
        Conv2D {
            filters,
            kernel_size: [kernel_size; 2],
            strides: [1, 1],
            padding: Padding::Valid,
            activation: Activation::Linear,
            use_bias: true,
            input_shape: None,
            params: Vec::new(),
            im2col_only: false,
        }
    }
    /// A kernel of `rows × cols`.
    pub fn kernel_size_2d(mut self, rows: usize, cols: usize) -> Self {
        self.kernel_size = [rows, cols];
        self
    }
    /// The same stride along both axes.
    pub fn strides(mut self, stride: usize) -> Self {
        self.strides = [stride; 2];
        self
    }
    /// `padding="valid"` or `"same"`.
    pub fn padding(mut self, padding: Padding) -> Self {
        self.padding = padding;
        self
    }
    /// The activation the model applies to the output (`activation="relu"`).
    pub fn activation(mut self, activation: Activation) -> Self {
        self.activation = activation;
        self
    }
    /// Whether the layer adds a bias (Keras's `use_bias`, on by default).
    pub fn use_bias(mut self, use_bias: bool) -> Self {
        self.use_bias = use_bias;
        self
    }
    /// Declares the input shape `(h, w, c)`, for a first layer.
    pub fn input_shape(mut self, shape: &[usize]) -> Self {
        self.input_shape = Some(shape.to_vec());
        self
    }

    /// The windows over inputs of `input_shape`.
    fn window(&self, input_shape: &[usize]) -> Result<Window> {
        let window = Window::over(input_shape, self.kernel_size, self.strides, self.padding, "Conv2D")?;
        if window.channels == 0 || self.filters == 0 {
            return Err(Error::Shape(format!(
                "Conv2D needs channels and filters, got {} and {}",
                window.channels, self.filters
            )));
        }
        Ok(window)
    }

    /// How many rows of the im2col matrix one block holds: about [`BLOCK_VALUES`] values; in
    /// backward at least [`BACKWARD_ROWS`], since `∂W' += colsᵀ · ∂Y` sums over the block's rows
    /// and a short sum spends its time reading and writing `∂W'`.
    fn block_rows(window: &Window, backward: bool) -> usize {
        (BLOCK_VALUES / window.patch_len().max(1)).max(if backward { BACKWARD_ROWS } else { 8 })
    }

    /// Whether the layer applies a relu itself (see the module doc).
    fn fused_relu(&self) -> bool {
        self.activation == Activation::Relu
    }

    /// The bias, if the layer has one (copied only if its values are not contiguous).
    fn bias(&self) -> Option<Cow<'_, [f32]>> {
        let bias = &self.params.get(1).filter(|_| self.use_bias)?.value;
        Some(bias.as_slice().map_or_else(|| Cow::Owned(bias.iter().copied().collect()), Cow::Borrowed))
    }

    /// Forward over one core's run of rows `y` (starting at row `first` of the batch's im2col
    /// matrix), block by block; with `mask`, records the relu's `y > 0`.
    fn forward_rows(
        &self,
        window: &Window,
        x: &[f32],
        first: usize,
        y: &mut [f32],
        mut mask: Option<&mut [bool]>,
    ) -> Result<()> {
        let (patch, f) = (window.patch_len(), self.filters);
        let block = Self::block_rows(window, false);
        let kernel = self.kernel_matrix()?;
        let bias = self.bias();
        with_scratch([block * patch], |[cols]| {
            for (i, y) in y.chunks_mut(block * f).enumerate() {
                let rows = y.len() / f;
                let cols = &mut cols[..rows * patch];
                window.im2col_rows(x, first + i * block, cols);
                let cols = ArrayView2::from_shape((rows, patch), cols).map_err(|e| Error::Shape(e.to_string()))?;
                let out = ArrayViewMut2::from_shape((rows, f), &mut *y).map_err(|e| Error::Shape(e.to_string()))?;
                matmul_serial(cols, kernel, out, false)?;
                let mask = mask.as_deref_mut().map(|m| &mut m[i * block * f..][..y.len()]);
                finish_outputs(y, bias.as_deref(), self.fused_relu(), mask);
            }
            Ok(())
        })
    }

    /// Backward over one core's run of whole images: `x` their inputs, `dy` their output
    /// gradients (masked here by the relu flags `mask`), `dx` where their input gradients go.
    /// Returns this run's `∂W'` and `∂b`.
    fn backward_images(
        &self,
        window: &Window,
        x: &[f32],
        dy: &mut [f32],
        mask: Option<&[bool]>,
        mut dx: Option<&mut [f32]>,
    ) -> Result<(Array2<f32>, Array1<f32>)> {
        let (patch, f) = (window.patch_len(), self.filters);
        let block = Self::block_rows(window, true);
        let kernel = self.kernel_matrix()?;
        let (mut dw, mut db) = (Array2::zeros((patch, f)), Array1::zeros(f));
        with_scratch([block * patch], |[cols]| {
            for (i, dy) in dy.chunks_mut(block * f).enumerate() {
                let rows = dy.len() / f;
                if let Some(mask) = mask {
                    // A select rather than a branch, so that the loop vectorises.
                    for (g, &m) in dy.iter_mut().zip(&mask[i * block * f..]) {
                        *g = if m { *g } else { 0.0 };
                    }
                }
                let dy = ArrayView2::from_shape((rows, f), &*dy).map_err(|e| Error::Shape(e.to_string()))?;
                db += &dy.sum_axis(ndarray::Axis(0));
                let cols = &mut cols[..rows * patch];
                window.im2col_rows(x, i * block, cols);
                let view = ArrayView2::from_shape((rows, patch), &*cols).map_err(|e| Error::Shape(e.to_string()))?;
                matmul_serial(view.t(), dy, dw.view_mut(), true)?; // ∂W' += colsᵀ · ∂Y
                if let Some(dx) = dx.as_deref_mut() {
                    let dcols = ArrayViewMut2::from_shape((rows, patch), &mut *cols)
                        .map_err(|e| Error::Shape(e.to_string()))?;
                    matmul_serial(dy, kernel.t(), dcols, false)?; // ∂cols = ∂Y · W'ᵀ
                    window.col2im_rows(cols, i * block, dx);
                }
            }
            Ok::<_, Error>(())
        })?;
        Ok((dw, db))
    }

    /// Backward through im2col for the batch `x` with output gradients `dy` (masked here by the
    /// relu's flags `mask`): `∂W'` (in the kernel's order) and `∂b`, and `∂x` into `dx`.
    fn backward_im2col(
        &self,
        window: &Window,
        x: &[f32],
        dy: &mut [f32],
        mask: Option<&[bool]>,
        dx: Option<&mut [f32]>,
    ) -> Result<(Vec<f32>, Vec<f32>)> {
        let (in_len, out_len, f) = (window.input_len(), window.outputs() * self.filters, self.filters);
        // col2im adds into overlapping pixels: runs of whole images.
        let sums = over_image_runs([in_len, out_len], 1, x, dy, mask, dx, |x, dy, mask, dx| {
            self.backward_images(window, x, dy, mask, dx)
        })?;
        let (mut dw, mut db) = (Array2::zeros((window.patch_len(), f)), Array1::zeros(f));
        for (w, b) in sums {
            dw += &w;
            db += &b;
        }
        Ok((dw.into_raw_vec_and_offset().0, db.to_vec()))
    }

    /// Winograd's products for `window`, when this layer's kernel and strides allow them.
    fn winograd(&self, window: &Window) -> Result<Option<Winograd<'_>>> {
        if self.im2col_only || !Winograd::applies(window, self.kernel_size, self.strides) {
            return Ok(None);
        }
        let kernel =
            self.params.first().ok_or_else(|| Error::NotBuilt("this Conv2D layer has no weights yet".into()))?;
        let kernel = kernel.value.as_standard_layout();
        let kernel = kernel.as_slice().ok_or_else(|| Error::Shape("Conv2D: the kernel is not contiguous".into()))?;
        Ok(Some(Winograd::new(*window, kernel, self.filters, self.bias(), self.fused_relu())))
    }

    /// The kernel as `(k_h·k_w·c_in) × c_out`.
    fn kernel_matrix(&self) -> Result<ArrayView2<'_, f32>> {
        let kernel =
            self.params.first().ok_or_else(|| Error::NotBuilt("this Conv2D layer has no weights yet".into()))?;
        let rows = kernel.value.len() / self.filters.max(1);
        kernel.value.view().into_shape_with_order((rows, self.filters)).map_err(|e| Error::Shape(e.to_string()))
    }

    /// The input, checked against the shape the layer was built for, in standard layout.
    fn checked_input(&self, x: Tensor) -> Result<(Window, Tensor)> {
        if x.ndim() != 4 {
            return Err(Error::Shape(format!(
                "Conv2D expects a batch of images (batch, h, w, c), got {:?}",
                x.shape()
            )));
        }
        let window = self.window(&x.shape()[1..])?;
        let built = self.params.first().map(|k| k.value.shape()[2]);
        if built != Some(window.channels) {
            return Err(Error::Shape(format!(
                "Conv2D was built for {} channels, got inputs of shape {:?}",
                built.map_or("no".into(), |c| c.to_string()),
                x.shape()
            )));
        }
        let x = if x.is_standard_layout() { x } else { x.as_standard_layout().into_owned() };
        Ok((window, x))
    }
}

/// Finishes a run of whole output pixels `y` (`c_out` values each): adds the bias `b`, applies the
/// relu when `relu` (`y = max(0, z + b)`), and records the relu's `y > 0` in `mask`.
pub(super) fn finish_outputs(y: &mut [f32], bias: Option<&[f32]>, relu: bool, mask: Option<&mut [bool]>) {
    if let Some(bias) = bias {
        for pixel in y.chunks_exact_mut(bias.len().max(1)) {
            pixel.iter_mut().zip(bias).for_each(|(y, b)| *y += b);
        }
    }
    if relu {
        y.iter_mut().for_each(|y| *y = crate::math::relu(*y));
    }
    if let Some(mask) = mask {
        mask.iter_mut().zip(y.iter()).for_each(|(m, &y)| *m = y > 0.0);
    }
}

/// Runs `work(x, ∂y, mask, ∂x)` in parallel over runs of whole images (two a core, so that a busy
/// core does not hold the other up, but at least `min_images` each unless that would leave a core
/// idle; no two runs add into the same input pixel), `lens` being the values per input and per
/// output image; returns each run's result, in order.
pub(super) fn over_image_runs<T: Send>(
    lens: [usize; 2],
    min_images: usize,
    x: &[f32],
    dy: &mut [f32],
    mask: Option<&[bool]>,
    dx: Option<&mut [f32]>,
    work: impl Fn(&[f32], &mut [f32], Option<&[bool]>, Option<&mut [f32]>) -> Result<T> + Sync,
) -> Result<Vec<T>> {
    let [in_len, out_len] = lens;
    let n = dy.len() / out_len.max(1);
    let threads = rayon::current_num_threads();
    let per = n.div_ceil(2 * threads).max(min_images.min(n.div_ceil(threads))).max(1);
    let mut dxs: Vec<Option<&mut [f32]>> = match dx {
        Some(d) => d.chunks_mut(per * in_len).map(Some).collect(),
        None => (0..n.div_ceil(per)).map(|_| None).collect(),
    };
    dy.par_chunks_mut(per * out_len)
        .zip(x.par_chunks(per * in_len))
        .zip(dxs.par_iter_mut())
        .enumerate()
        .map(|(i, ((dy, x), dx))| {
            let mask = mask.map(|m| &m[i * per * out_len..][..dy.len()]);
            work(x, dy, mask, dx.as_deref_mut())
        })
        .collect()
}

/// ONNX's `auto_pad` for a TensorFlow padding: `"same"` pads as TensorFlow does, the odd pixel
/// at the bottom and right (`SAME_UPPER`).
pub(super) fn auto_pad(padding: Padding) -> OnnxAttribute {
    OnnxAttribute::Text(match padding {
        Padding::Valid => "VALID",
        Padding::Same => "SAME_UPPER",
    })
}

impl Layer for Conv2D {
    fn class_name(&self) -> &'static str {
        "Conv2D"
    }
    /// `Transpose` to channels-first, `Conv(x, W, b)` with the kernel as ONNX wants it,
    /// `(filters, in, h, w)`, `Transpose` back.
    fn onnx_ops(&self) -> Result<Vec<OnnxOp>> {
        let kernel = self.params.first().ok_or_else(|| Error::NotBuilt("Conv2D has no kernel yet".into()))?;
        let mut constants = vec![(
            "kernel",
            kernel.value.clone().permuted_axes(IxDyn(&[3, 2, 0, 1])).as_standard_layout().into_owned(),
        )];
        if let Some(bias) = self.params.get(1).filter(|_| self.use_bias) {
            constants.push(("bias", bias.value.clone()));
        }
        let ints = |v: [usize; 2]| OnnxAttribute::Ints(v.iter().map(|&x| x as i64).collect());
        let conv = OnnxOp { constants, ..OnnxOp::new("Conv") }
            .attribute("kernel_shape", ints(self.kernel_size))
            .attribute("strides", ints(self.strides))
            .attribute("auto_pad", auto_pad(self.padding));
        Ok(OnnxOp::channels_first(conv))
    }
    fn declared_input_shape(&self) -> Option<&[usize]> {
        self.input_shape.as_deref()
    }
    fn output_shape(&self, input_shape: &[usize]) -> Result<Vec<usize>> {
        let w = self.window(input_shape)?;
        Ok(vec![w.rows.output, w.cols.output, self.filters])
    }
    fn weight_shapes(&self, input_shape: &[usize]) -> Result<Vec<(&'static str, Vec<usize>)>> {
        let c = self.window(input_shape)?.channels;
        let [kh, kw] = self.kernel_size;
        let mut shapes = vec![("kernel", vec![kh, kw, c, self.filters])];
        if self.use_bias {
            shapes.push(("bias", vec![self.filters]));
        }
        Ok(shapes)
    }
    fn build(&mut self, input_shape: &[usize], rng: &mut StdRng) -> Result<()> {
        let shapes = self.weight_shapes(input_shape)?;
        if self.params.first().is_some_and(|k| k.value.shape() == shapes[0].1.as_slice()) {
            return Ok(());
        }
        let [kh, kw] = self.kernel_size;
        let fan_in = kh * kw * shapes[0].1[2];
        let fan_out = kh * kw * self.filters;
        let limit = (6.0 / (fan_in + fan_out) as f64).sqrt() as f32;
        let kernel = Tensor::from_shape_simple_fn(IxDyn(&shapes[0].1), || rng.random_range(-limit..limit));
        self.params = vec![Param::new("kernel", kernel)];
        if self.use_bias {
            self.params.push(Param::new("bias", Tensor::zeros(IxDyn(&[self.filters]))));
        }
        Ok(())
    }
    fn activation(&self) -> Activation {
        self.activation
    }
    fn fuses_activation(&self) -> bool {
        matches!(self.activation, Activation::Relu | Activation::Linear)
    }
    fn forward(&self, x: Tensor, ctx: &mut Context<'_>) -> Result<(Tensor, Cache)> {
        let (window, x) = self.checked_input(x)?;
        let (n, outputs, f) = (x.shape()[0], window.outputs(), self.filters);
        let xs = x.as_slice().ok_or_else(|| Error::Shape("Conv2D: the input is not contiguous".into()))?;
        let keep_mask = ctx.is_training() && self.fused_relu();
        let mut y = zeroed(n * outputs * f);
        let mut mask = zeroed(if keep_mask { y.len() } else { 0 });
        if let Some(winograd) = self.winograd(&window)? {
            winograd.forward(xs, &mut y, keep_mask.then_some(&mut mask[..]))?;
        } else {
            // One run of rows a core (a few more, so a busy core does not hold the others up).
            let run = (n * outputs).div_ceil(4 * rayon::current_num_threads()).max(1) * f;
            let mut masks: Vec<Option<&mut [bool]>> = match keep_mask {
                true => mask.chunks_mut(run).map(Some).collect(),
                false => y.chunks(run).map(|_| None).collect(),
            };
            y.par_chunks_mut(run)
                .zip(masks.par_iter_mut())
                .enumerate()
                .try_for_each(|(i, (y, mask))| self.forward_rows(&window, xs, i * run / f, y, mask.as_deref_mut()))?;
        }
        let y = Tensor::from_shape_vec(IxDyn(&[n, window.rows.output, window.cols.output, f]), y)
            .map_err(|e| Error::Shape(e.to_string()))?;
        let cache = if ctx.is_training() { Cache::new(vec![x]).with_mask(mask) } else { Cache::empty() };
        Ok((y, cache))
    }
    fn backward(&mut self, mut cache: Cache, grad: Tensor, need_input_grad: bool) -> Result<Option<Tensor>> {
        let x = cache.take(0, "Conv2D")?;
        let (window, x) = self.checked_input(x)?;
        let (n, f) = (x.shape()[0], self.filters);
        if grad.shape() != [n, window.rows.output, window.cols.output, f] {
            return Err(Error::Shape(format!("Conv2D: the gradient has shape {:?}", grad.shape())));
        }
        let mask = cache.mask();
        if self.fused_relu() && mask.len() != grad.len() {
            return Err(Error::InvalidArgument("backward of Conv2D without its relu's mask".into()));
        }
        let mut dy = if grad.is_standard_layout() { grad } else { grad.as_standard_layout().into_owned() };
        let xs = x.as_slice().ok_or_else(|| Error::Shape("Conv2D: the input is not contiguous".into()))?;
        let mut dx = need_input_grad.then(|| zeros(x.raw_dim()));
        let dys = dy.as_slice_mut().ok_or_else(|| Error::Shape("Conv2D: the gradient is not contiguous".into()))?;
        let dxs = dx.as_mut().and_then(|d| d.as_slice_mut());
        let mask = self.fused_relu().then_some(mask);
        let (dw, db) = match self.winograd(&window)? {
            Some(winograd) => winograd.backward(xs, dys, mask, dxs)?,
            None => self.backward_im2col(&window, xs, dys, mask, dxs)?,
        };
        let kernel_shape = self.params[0].value.raw_dim();
        self.params[0].grad = Tensor::from_shape_vec(kernel_shape, dw).map_err(|e| Error::Shape(e.to_string()))?;
        if let Some(bias) = self.params.get_mut(1) {
            bias.grad = Tensor::from_shape_vec(IxDyn(&[f]), db).map_err(|e| Error::Shape(e.to_string()))?;
        }
        Ok(dx)
    }
    fn params(&self) -> &[Param] {
        &self.params
    }
    fn params_mut(&mut self) -> &mut [Param] {
        &mut self.params
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layers::check_input_gradient;
    use ndarray::s;

    #[test]
    fn input_gradients_match_finite_differences() {
        check_input_gradient(&mut Conv2D::new(3, 3), &[2, 5, 6, 2], 1);
        check_input_gradient(&mut Conv2D::new(2, 3).strides(2).padding(Padding::Same), &[2, 7, 6, 3], 2);
        check_input_gradient(&mut Conv2D::new(2, 1).use_bias(false), &[1, 3, 3, 4], 3);
        // the fused relu: its mask in backward (distinct inputs keep outputs away from the kink)
        check_input_gradient(
            &mut Conv2D::new(3, 3).padding(Padding::Same).activation(Activation::Relu),
            &[2, 5, 5, 2],
            4,
        );
    }

    #[test]
    fn a_batch_in_blocks_gives_what_each_image_alone_gives() {
        // 16 × 16 × 8 inputs: 256 windows of 72 values an image, 910 rows a block, so blocks
        // start and end inside images; with a relu, so the kept mask is checked too.
        let mut conv = Conv2D::new(4, 3).padding(Padding::Same).activation(Activation::Relu);
        conv.build(&[16, 16, 8], &mut crate::seeded_rng(1)).unwrap();
        let w = conv.window(&[16, 16, 8]).unwrap();
        assert_eq!((Conv2D::block_rows(&w, false), w.outputs()), (910, 256));
        let x = Tensor::from_shape_fn(IxDyn(&[20, 16, 16, 8]), |i| {
            ((i[0] * 31 + i[1] * 7 + i[2] * 3 + i[3]) % 17) as f32 / 8.0 - 1.0
        });
        let dy = Tensor::from_shape_fn(IxDyn(&[20, 16, 16, 4]), |i| {
            ((i[0] + i[1] * 5 + i[2] + i[3] * 3) % 11) as f32 / 5.0 - 1.0
        });
        let (y, cache) = conv.forward(x.clone(), &mut Context::training_deterministic()).unwrap();
        let dx = conv.backward(cache, dy.clone(), true).unwrap().unwrap();
        let dw = conv.params[0].grad.clone();
        let mut dw_sum = Tensor::zeros(dw.raw_dim());
        assert!(y.iter().any(|&v| v == 0.0) && y.iter().all(|&v| v >= 0.0), "the relu is applied");
        for i in [0, 3, 4, 13, 19] {
            let one = |t: &Tensor| t.slice(s![i..i + 1, .., .., ..]).to_owned().into_dyn();
            let (y1, cache) = conv.forward(one(&x), &mut Context::training_deterministic()).unwrap();
            // Not bit for bit: the GEMM may round a block of 32 tiles and one of 160 differently.
            let close = |a: &Tensor, b: &Tensor| a.iter().zip(b).all(|(a, b)| (a - b).abs() <= 1e-6 * (1.0 + b.abs()));
            assert!(close(&y1, &one(&y)), "image {i}: y");
            let dx1 = conv.backward(cache, one(&dy), true).unwrap().unwrap();
            assert!(close(&dx1, &one(&dx)), "image {i}: ∂x");
        }
        for i in 0..20 {
            let one = |t: &Tensor| t.slice(s![i..i + 1, .., .., ..]).to_owned().into_dyn();
            let (_, cache) = conv.forward(one(&x), &mut Context::training_deterministic()).unwrap();
            conv.backward(cache, one(&dy), false).unwrap();
            dw_sum += &conv.params[0].grad;
        }
        let worst = dw.iter().zip(&dw_sum).map(|(a, b)| (a - b).abs() / (1.0 + b.abs())).fold(0.0f32, f32::max);
        assert!(worst < 1e-4, "∂kernel over two blocks differs from the sum over images by {worst}");
    }

    /// `Conv2D`'s forward pass (with its relu mask) and gradients, the two ways.
    fn both_ways(mut conv: Conv2D, shape: [usize; 4], seed: u64) -> [(Tensor, Tensor); 4] {
        use rand::Rng;
        let mut rng = crate::seeded_rng(seed);
        conv.build(&shape[1..], &mut rng).unwrap();
        if let Some(b) = conv.params.get_mut(1) {
            b.value.mapv_inplace(|_| rng.random_range(-0.5..0.5));
        }
        let x = Tensor::from_shape_simple_fn(IxDyn(&shape), || rng.random_range(-1.0..1.0));
        let run = |im2col_only: bool| {
            let mut conv = conv.clone();
            conv.im2col_only = im2col_only;
            let window = conv.window(&shape[1..]).unwrap();
            assert_eq!(conv.winograd(&window).unwrap().is_some(), !im2col_only, "{shape:?}");
            let (y, cache) = conv.forward(x.clone(), &mut Context::training_deterministic()).unwrap();
            let dy = Tensor::from_shape_fn(y.raw_dim(), |i| ((i[1] * 7 + i[2] * 3 + i[3]) % 5) as f32 - 2.0);
            let dx = conv.backward(cache, dy, true).unwrap().unwrap();
            let db = conv.params.get(1).map_or(Tensor::zeros(IxDyn(&[0])), |b| b.grad.clone());
            [y, dx, conv.params[0].grad.clone(), db]
        };
        let (winograd, im2col) = (run(false), run(true));
        std::array::from_fn(|i| (winograd[i].clone(), im2col[i].clone()))
    }

    #[test]
    fn winograd_gives_what_im2col_gives() {
        let relu = |c: Conv2D| c.activation(Activation::Relu);
        let cases = [
            (relu(Conv2D::new(5, 3).padding(Padding::Same)), [3, 8, 8, 4]),
            (Conv2D::new(3, 3).padding(Padding::Same), [2, 7, 9, 6]), // odd: half tiles
            (relu(Conv2D::new(4, 3).use_bias(false)), [2, 7, 6, 5]),  // valid: 5 × 4 outputs
            (Conv2D::new(2, 3), [1, 3, 3, 4]),                        // one output pixel
            (Conv2D::new(2, 3).padding(Padding::Same), [2, 1, 2, 4]), // smaller than a tile
            (relu(Conv2D::new(7, 3).padding(Padding::Same)), [9, 20, 18, 9]), // many blocks and runs
        ];
        for (i, (conv, shape)) in cases.into_iter().enumerate() {
            for (what, (got, want)) in ["y", "∂x", "∂kernel", "∂bias"].iter().zip(both_ways(conv, shape, i as u64))
            {
                assert_eq!(got.shape(), want.shape());
                // Against the largest value: sums of thousands of terms round differently.
                let scale = want.iter().fold(1.0f32, |m, b| m.max(b.abs()));
                let worst = got.iter().zip(&want).map(|(a, b)| (a - b).abs()).fold(0.0, f32::max) / scale;
                assert!(worst < 1e-5, "case {i} {shape:?}: {what} differs by {worst} of its largest value");
            }
        }
    }

    #[test]
    fn wrong_inputs_are_errors() {
        assert!(Conv2D::new(4, 3).output_shape(&[2, 2, 3]).is_err()); // valid: 3 > 2
        assert!(Conv2D::new(4, 3).output_shape(&[8, 8]).is_err());
        assert!(Conv2D::new(0, 3).output_shape(&[8, 8, 3]).is_err());
        assert!(Conv2D::new(4, 3).strides(0).output_shape(&[8, 8, 3]).is_err());
        let mut c = Conv2D::new(4, 3);
        assert!(c.forward(Tensor::zeros(IxDyn(&[1, 5, 5, 3])), &mut Context::inference()).is_err()); // not built
        c.build(&[5, 5, 3], &mut crate::seeded_rng(0)).unwrap();
        assert!(c.forward(Tensor::zeros(IxDyn(&[1, 5, 5, 2])), &mut Context::inference()).is_err());
        assert!(c.forward(Tensor::zeros(IxDyn(&[5, 5, 3])), &mut Context::inference()).is_err());
        assert_eq!(c.count_params(), 3 * 3 * 3 * 4 + 4);
    }
}
