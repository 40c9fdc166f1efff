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
//! `∂x = col2im(∂Y · W'ᵀ)`. The forward pass keeps only `x`; backward lays it out again. Both work
//! through the batch in blocks of images whose im2col matrix stays under 64 MiB, one buffer
//! reused for every block, so memory beyond the feature maps does not grow with the batch.
//! Weights start as Keras's: Glorot uniform, `limit = √(6 / (k_h·k_w·c_in + k_h·k_w·c_out))`,
//! bias zero.
//!
//! ```
//! use snackml::layers::{Conv2D, Layer, Padding};
//! let conv = Conv2D::new(32, 3).padding(Padding::Same);
//! assert_eq!(conv.output_shape(&[64, 64, 3]).unwrap(), vec![64, 64, 32]);
//! assert_eq!(Conv2D::new(8, 5).strides(2).output_shape(&[9, 9, 3]).unwrap(), vec![3, 3, 8]);
//! ```

use super::window::{Padding, Window};
use super::{Cache, Context, Layer, OnnxAttribute, OnnxOp, Param};
use crate::activations::Activation;
use crate::math::matmul_into;
use crate::{Error, Result, Tensor};
use ndarray::{s, Array2, ArrayView2, Axis as NdAxis, IxDyn};
use rand::rngs::StdRng;
use rand::Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// The most values one block of the im2col matrix holds (16 Mi floats, 64 MiB): the batch is
/// laid out and multiplied block by block, so memory beyond the feature maps stays bounded.
const COLUMNS_BUDGET: usize = 1 << 24;

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

    /// Lays images out by `im2col` into the first rows of `cols` (one image's windows after the
    /// other), in parallel over the images.
    fn fill_columns(window: &Window, images: &[f32], cols: &mut [f32]) {
        let per_image = window.outputs() * window.patch_len();
        cols.par_chunks_mut(per_image.max(1))
            .zip(images.par_chunks(window.input_len().max(1)))
            .for_each(|(c, x)| window.im2col(x, c));
    }

    /// How many images one block of the im2col matrix holds: the block stays under
    /// [`COLUMNS_BUDGET`] values (at least one image), so its size does not grow with the batch.
    fn images_per_block(window: &Window, batch: usize) -> usize {
        (COLUMNS_BUDGET / (window.outputs() * window.patch_len()).max(1)).clamp(1, batch.max(1))
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
    fn forward(&self, x: Tensor, ctx: &mut Context<'_>) -> Result<(Tensor, Cache)> {
        let (window, x) = self.checked_input(x)?;
        let (n, outputs, patch) = (x.shape()[0], window.outputs(), window.patch_len());
        let xs = x.as_slice().ok_or_else(|| Error::Shape("Conv2D: the input is not contiguous".into()))?;
        let kernel = self.kernel_matrix()?;
        let per = Self::images_per_block(&window, n);
        let mut cols = Array2::zeros((per * outputs, patch));
        let mut y = Array2::zeros((n * outputs, self.filters));
        for start in (0..n).step_by(per) {
            let rows = per.min(n - start) * outputs;
            let images = &xs[start * window.input_len()..][..rows / outputs.max(1) * window.input_len()];
            let mut block = cols.slice_mut(s![..rows, ..]);
            Self::fill_columns(&window, images, block.as_slice_mut().unwrap_or(&mut []));
            matmul_into(block.view(), kernel, y.slice_mut(s![start * outputs..start * outputs + rows, ..]), false)?;
        }
        if let Some(bias) = self.params.get(1) {
            let bias =
                bias.value.view().into_shape_with_order(self.filters).map_err(|e| Error::Shape(e.to_string()))?;
            y += &bias;
        }
        let y = y
            .into_shape_with_order(IxDyn(&[n, window.rows.output, window.cols.output, self.filters]))
            .map_err(|e| Error::Shape(e.to_string()))?;
        let cache = if ctx.is_training() { Cache::new(vec![x]) } else { Cache::empty() };
        Ok((y, cache))
    }
    fn backward(&mut self, mut cache: Cache, grad: Tensor, need_input_grad: bool) -> Result<Option<Tensor>> {
        let x = cache.take(0, "Conv2D")?;
        let (window, x) = self.checked_input(x)?;
        let (n, outputs, patch) = (x.shape()[0], window.outputs(), window.patch_len());
        if grad.shape() != [n, window.rows.output, window.cols.output, self.filters] {
            return Err(Error::Shape(format!("Conv2D: the gradient has shape {:?}", grad.shape())));
        }
        let grad = if grad.is_standard_layout() { grad } else { grad.as_standard_layout().into_owned() };
        let dy = grad.into_shape_with_order((n * outputs, self.filters)).map_err(|e| Error::Shape(e.to_string()))?;
        let xs = x.as_slice().ok_or_else(|| Error::Shape("Conv2D: the input is not contiguous".into()))?;
        let kernel = self.kernel_matrix()?;
        let per = Self::images_per_block(&window, n);
        let mut cols = Array2::zeros((per * outputs, patch));
        let mut dw = Array2::zeros((patch, self.filters));
        let mut dx = need_input_grad.then(|| Tensor::zeros(x.raw_dim()));
        for start in (0..n).step_by(per) {
            let count = per.min(n - start);
            let rows = count * outputs;
            let in_range = start * window.input_len()..(start + count) * window.input_len();
            let dy_block = dy.slice(s![start * outputs..start * outputs + rows, ..]);
            let mut block = cols.slice_mut(s![..rows, ..]);
            Self::fill_columns(&window, &xs[in_range.clone()], block.as_slice_mut().unwrap_or(&mut []));
            matmul_into(block.t(), dy_block, dw.view_mut(), start > 0)?; // ∂W' += colsᵀ · ∂Y
            if let Some(dx) = dx.as_mut().and_then(|dx| dx.as_slice_mut()) {
                matmul_into(dy_block, kernel.t(), block.view_mut(), false)?; // ∂cols = ∂Y · W'ᵀ
                let per_image = outputs * patch;
                dx[in_range]
                    .par_chunks_mut(window.input_len().max(1))
                    .zip(block.as_slice().unwrap_or(&[]).par_chunks(per_image.max(1)))
                    .for_each(|(dx, dc)| window.col2im(dc, dx));
            }
        }
        let kernel_shape = self.params[0].value.raw_dim();
        self.params[0].grad = dw.into_shape_with_order(kernel_shape).map_err(|e| Error::Shape(e.to_string()))?;
        if let Some(bias) = self.params.get_mut(1) {
            bias.grad = dy.sum_axis(NdAxis(0)).into_dyn();
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

    #[test]
    fn input_gradients_match_finite_differences() {
        check_input_gradient(&mut Conv2D::new(3, 3), &[2, 5, 6, 2], 1);
        check_input_gradient(&mut Conv2D::new(2, 3).strides(2).padding(Padding::Same), &[2, 7, 6, 3], 2);
        check_input_gradient(&mut Conv2D::new(2, 1).use_bias(false), &[1, 3, 3, 4], 3);
    }

    #[test]
    fn a_batch_in_blocks_gives_what_each_image_alone_gives() {
        // 64 × 64 × 32 inputs: 4096 windows of 288 values an image, 14 images a block; 20 images
        // make two blocks (14 + 6).
        let mut conv = Conv2D::new(4, 3).padding(Padding::Same);
        conv.build(&[64, 64, 32], &mut crate::seeded_rng(1)).unwrap();
        let w = conv.window(&[64, 64, 32]).unwrap();
        assert_eq!(Conv2D::images_per_block(&w, 20), 14);
        let x = Tensor::from_shape_fn(IxDyn(&[20, 64, 64, 32]), |i| {
            ((i[0] * 31 + i[1] * 7 + i[2] * 3 + i[3]) % 17) as f32 / 8.0 - 1.0
        });
        let dy = Tensor::from_shape_fn(IxDyn(&[20, 64, 64, 4]), |i| {
            ((i[0] + i[1] * 5 + i[2] + i[3] * 3) % 11) as f32 / 5.0 - 1.0
        });
        let (y, cache) = conv.forward(x.clone(), &mut Context::training_deterministic()).unwrap();
        let dx = conv.backward(cache, dy.clone(), true).unwrap().unwrap();
        let dw = conv.params[0].grad.clone();
        let mut dw_sum = Tensor::zeros(dw.raw_dim());
        for i in [0, 13, 14, 19] {
            let one = |t: &Tensor| t.slice(s![i..i + 1, .., .., ..]).to_owned().into_dyn();
            let (y1, cache) = conv.forward(one(&x), &mut Context::training_deterministic()).unwrap();
            assert_eq!(y1, one(&y), "image {i}");
            let dx1 = conv.backward(cache, one(&dy), true).unwrap().unwrap();
            assert_eq!(dx1, one(&dx), "image {i}");
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
