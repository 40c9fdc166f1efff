//! `MaxPooling2D` and `AveragePooling2D`: each output pixel is the largest, or the mean, of its
//! window in each channel, Keras's `MaxPooling2D(pool_size, strides=pool_size, padding="valid")`
//! and `AveragePooling2D(...)` on channels-last images. Windows, strides and padding as
//! TensorFlow's (see `window.rs`); padding never wins a max nor counts in a mean.
//!
//! - max: `y[i, j, c] = max_{(u, v) ∈ window(i, j)} x[u, v, c]`; backward sends `∂y` to the
//!   position of the maximum (the first one, on ties);
//! - average: `y[i, j, c] = (1 / |window(i, j)|) Σ_{(u, v) ∈ window(i, j)} x[u, v, c]`, where
//!   the window holds only pixels inside the image; backward spreads `∂y / |window|` over it.
//!
//! No weights.
//!
//! ```
//! use snackml::layers::{Layer, MaxPooling2D, Padding};
//! assert_eq!(MaxPooling2D::new(2).output_shape(&[64, 64, 32]).unwrap(), vec![32, 32, 32]);
//! assert_eq!(MaxPooling2D::new(3).strides(2).padding(Padding::Same).output_shape(&[7, 7, 3]).unwrap(), vec![4, 4, 3]);
//! ```

use super::scratch::{copy_pixel, zeros};
use super::window::{Padding, Window};
use super::{Cache, Context, Layer, OnnxAttribute, OnnxOp};
use crate::{Error, Result, Tensor};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// Which statistic a pooling layer takes of each window.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PoolKind {
    /// The largest value (`MaxPooling2D`).
    Max,
    /// The mean (`AveragePooling2D`).
    Average,
}

/// A 2-D pooling layer; made by [`MaxPooling2D::new`] or [`AveragePooling2D::new`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pooling2D {
    kind: PoolKind,
    pool_size: [usize; 2],
    strides: [usize; 2],
    padding: Padding,
}

/// Keras's `MaxPooling2D`: `MaxPooling2D::new(2)` is `MaxPooling2D(2)`.
#[derive(Clone, Copy, Debug)]
pub struct MaxPooling2D;

impl MaxPooling2D {
    /// `MaxPooling2D(pool_size)`: square windows, strides = pool size, `padding="valid"`.
    #[allow(clippy::new_ret_no_self)]
    pub fn new(pool_size: usize) -> Pooling2D {
        Pooling2D::new(PoolKind::Max, pool_size)
    }
}

/// Keras's `AveragePooling2D`: `AveragePooling2D::new(2)` is `AveragePooling2D(2)`.
#[derive(Clone, Copy, Debug)]
pub struct AveragePooling2D;

impl AveragePooling2D {
    /// `AveragePooling2D(pool_size)`: square windows, strides = pool size, `padding="valid"`.
    #[allow(clippy::new_ret_no_self)]
    pub fn new(pool_size: usize) -> Pooling2D {
        Pooling2D::new(PoolKind::Average, pool_size)
    }
}

impl Pooling2D {
    /// A pooling layer of `kind` with square windows of `pool_size`, strides = pool size.
    pub fn new(kind: PoolKind, pool_size: usize) -> Self {
        Pooling2D { kind, pool_size: [pool_size; 2], strides: [pool_size; 2], padding: Padding::Valid }
    }
    /// The same stride along both axes (Keras's default: the pool size).
    pub fn strides(mut self, stride: usize) -> Self {
        self.strides = [stride; 2];
        self
    }
    /// `padding="valid"` or `"same"`.
    pub fn padding(mut self, padding: Padding) -> Self {
        self.padding = padding;
        self
    }

    fn window(&self, input_shape: &[usize]) -> Result<Window> {
        Window::over(input_shape, self.pool_size, self.strides, self.padding, self.class_name())
    }

    /// The window of `x` (a batch of images in standard layout), checked.
    fn checked(&self, x: &Tensor) -> Result<Window> {
        if x.ndim() != 4 || !x.is_standard_layout() {
            return Err(Error::Shape(format!(
                "{} expects a batch of images (batch, h, w, c), got {:?}",
                self.class_name(),
                x.shape()
            )));
        }
        self.window(&x.shape()[1..])
    }

    /// One image's outputs. Goes pixel by pixel through each window, all channels at once (a
    /// pixel's channels are contiguous).
    fn pool_image(&self, w: &Window, x: &[f32], y: &mut [f32]) {
        let c = w.channels;
        for oy in 0..w.rows.output {
            for ox in 0..w.cols.output {
                let out = &mut y[(oy * w.cols.output + ox) * c..][..c];
                let mut count = 0usize;
                for p in w.sources(oy, ox) {
                    let pixel = &x[p * c..p * c + c];
                    match (self.kind, count) {
                        (_, 0) => copy_pixel(out, pixel),
                        (PoolKind::Max, _) => out.iter_mut().zip(pixel).for_each(|(y, &v)| *y = y.max(v)),
                        (PoolKind::Average, _) => out.iter_mut().zip(pixel).for_each(|(y, &v)| *y += v),
                    }
                    count += 1;
                }
                if self.kind == PoolKind::Average && count > 1 {
                    out.iter_mut().for_each(|y| *y /= count as f32);
                }
            }
        }
    }

    /// Max pooling's backward for one image: each window's `∂y` goes to the first of its pixels
    /// that holds the maximum `y` (found again from the input `x`), in each channel.
    fn max_backward_image(&self, w: &Window, x: &[f32], g: &[f32], dx: &mut [f32]) {
        let c = w.channels;
        let mut y = vec![0.0; w.outputs() * c];
        self.pool_image(w, x, &mut y);
        let mut left = vec![0.0; c];
        for oy in 0..w.rows.output {
            for ox in 0..w.cols.output {
                let o = (oy * w.cols.output + ox) * c;
                left.copy_from_slice(&g[o..o + c]);
                for p in w.sources(oy, ox) {
                    let (xs, dxs) = (&x[p * c..p * c + c], &mut dx[p * c..p * c + c]);
                    // Multiplied by 1 or 0 rather than branched on, so that the loop vectorises
                    // (a step's gradients are finite: a non-finite loss stops it first).
                    for (((d, l), &v), &m) in dxs.iter_mut().zip(left.iter_mut()).zip(xs).zip(&y[o..o + c]) {
                        let hit = f32::from(u8::from(v == m));
                        *d += hit * *l;
                        *l -= hit * *l;
                    }
                }
            }
        }
    }
}

impl Layer for Pooling2D {
    fn class_name(&self) -> &'static str {
        match self.kind {
            PoolKind::Max => "MaxPooling2D",
            PoolKind::Average => "AveragePooling2D",
        }
    }
    /// `Transpose` to channels-first, `MaxPool` or `AveragePool` (the mean over the pixels inside
    /// the image: `count_include_pad = 0`, as TensorFlow), `Transpose` back.
    fn onnx_ops(&self) -> Result<Vec<OnnxOp>> {
        let ints = |v: [usize; 2]| OnnxAttribute::Ints(v.iter().map(|&x| x as i64).collect());
        let op = match self.kind {
            PoolKind::Max => OnnxOp::new("MaxPool"),
            PoolKind::Average => OnnxOp::new("AveragePool").attribute("count_include_pad", OnnxAttribute::Int(0)),
        };
        let op = op
            .attribute("kernel_shape", ints(self.pool_size))
            .attribute("strides", ints(self.strides))
            .attribute("auto_pad", super::conv2d::auto_pad(self.padding));
        Ok(OnnxOp::channels_first(op))
    }
    fn output_shape(&self, input_shape: &[usize]) -> Result<Vec<usize>> {
        let w = self.window(input_shape)?;
        Ok(vec![w.rows.output, w.cols.output, w.channels])
    }
    fn forward(&self, x: Tensor, ctx: &mut Context<'_>) -> Result<(Tensor, Cache)> {
        let x = if x.is_standard_layout() { x } else { x.as_standard_layout().into_owned() };
        let w = self.checked(&x)?;
        let n = x.shape()[0];
        let out_len = w.outputs() * w.channels;
        let mut y = zeros(ndarray::IxDyn(&[n, w.rows.output, w.cols.output, w.channels]));
        let (xs, ys) = (x.as_slice().unwrap_or(&[]), y.as_slice_mut().unwrap_or(&mut []));
        xs.par_chunks(w.input_len().max(1))
            .zip(ys.par_chunks_mut(out_len.max(1)))
            .for_each(|(x, y)| self.pool_image(&w, x, y));
        // The input itself (moved, not copied): backward finds each window's maximum again.
        let cache = if ctx.is_training() { Cache::new(vec![x]) } else { Cache::empty() };
        Ok((y, cache))
    }
    fn backward(&mut self, mut cache: Cache, grad: Tensor, need_input_grad: bool) -> Result<Option<Tensor>> {
        if !need_input_grad {
            return Ok(None);
        }
        let x = cache.take(0, self.class_name())?;
        let w = self.checked(&x)?;
        let out_len = w.outputs() * w.channels;
        let n = x.shape()[0];
        if grad.shape() != [n, w.rows.output, w.cols.output, w.channels] {
            return Err(Error::Shape(format!("{}: the gradient has shape {:?}", self.class_name(), grad.shape())));
        }
        let grad = if grad.is_standard_layout() { grad } else { grad.as_standard_layout().into_owned() };
        let mut dx = zeros(x.raw_dim());
        let (xs, gs, dxs) =
            (x.as_slice().unwrap_or(&[]), grad.as_slice().unwrap_or(&[]), dx.as_slice_mut().unwrap_or(&mut []));
        let c = w.channels;
        let images = dxs.par_chunks_mut(w.input_len().max(1)).zip(gs.par_chunks(out_len.max(1)));
        match self.kind {
            // Each window's maximum found again (the first, on ties), and ∂y sent there.
            PoolKind::Max => images
                .zip(xs.par_chunks(w.input_len().max(1)))
                .for_each(|((dx, g), x)| self.max_backward_image(&w, x, g, dx)),
            PoolKind::Average => images.for_each(|(dx, g)| {
                for oy in 0..w.rows.output {
                    for ox in 0..w.cols.output {
                        let o = (oy * w.cols.output + ox) * c;
                        let count = w.sources(oy, ox).count().max(1) as f32;
                        for p in w.sources(oy, ox) {
                            for ch in 0..c {
                                dx[p * c + ch] += g[o + ch] / count;
                            }
                        }
                    }
                }
            }),
        }
        Ok(Some(dx))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layers::check_input_gradient;

    #[test]
    fn max_and_mean_of_each_window() {
        let x = Tensor::from_shape_vec(vec![1, 2, 4, 1], vec![1.0, 5.0, 2.0, 0.0, 3.0, 4.0, 7.0, 6.0]).unwrap();
        let (y, _) = MaxPooling2D::new(2).forward(x.clone(), &mut Context::inference()).unwrap();
        assert_eq!(y.iter().copied().collect::<Vec<_>>(), [5.0, 7.0]);
        let (y, _) = AveragePooling2D::new(2).forward(x, &mut Context::inference()).unwrap();
        assert_eq!(y.iter().copied().collect::<Vec<_>>(), [3.25, 3.75]);
    }

    #[test]
    fn gradients_match_finite_differences() {
        check_input_gradient(&mut AveragePooling2D::new(2), &[2, 5, 4, 3], 1);
        check_input_gradient(&mut AveragePooling2D::new(3).strides(2).padding(Padding::Same), &[2, 7, 6, 2], 2);
        // random inputs have no ties within 2h, so the max moves smoothly
        check_input_gradient(&mut MaxPooling2D::new(2), &[2, 4, 6, 3], 3);
        check_input_gradient(&mut MaxPooling2D::new(3).strides(2).padding(Padding::Same), &[1, 7, 7, 2], 4);
    }

    #[test]
    fn wrong_inputs_are_errors() {
        assert!(MaxPooling2D::new(3).output_shape(&[2, 2, 3]).is_err());
        assert!(MaxPooling2D::new(0).output_shape(&[4, 4, 3]).is_err());
        assert!(MaxPooling2D::new(2).output_shape(&[4, 4]).is_err());
        assert!(MaxPooling2D::new(2).forward(Tensor::zeros(vec![4, 4, 3]), &mut Context::inference()).is_err());
        let (_, cache) =
            MaxPooling2D::new(2).forward(Tensor::zeros(vec![1, 4, 4, 1]), &mut Context::inference()).unwrap();
        assert!(MaxPooling2D::new(2).backward(cache, Tensor::zeros(vec![1, 2, 2, 1]), true).is_err());
    }
}
