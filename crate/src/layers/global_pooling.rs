//! `GlobalAveragePooling2D` and `GlobalMaxPooling2D`: one number per channel for the whole image,
//! Keras's layers of those names on channels-last images: `(batch, h, w, c)` → `(batch, c)`.
//!
//! - average: `y[c] = (1 / (h·w)) Σ_{i, j} x[i, j, c]`; backward `∂x[i, j, c] = ∂y[c] / (h·w)`;
//! - max: `y[c] = max_{i, j} x[i, j, c]`; backward sends `∂y[c]` to the position of the maximum
//!   (the first one, on ties).
//!
//! The book's convnet ends with `GlobalAveragePooling2D` then `Dense(20)`: the classifier sees
//! the mean of each feature map, so the model takes images of any size. No weights.
//!
//! ```
//! use snackml::layers::{GlobalAveragePooling2D, Layer};
//! assert_eq!(GlobalAveragePooling2D::new().output_shape(&[28, 28, 256]).unwrap(), vec![256]);
//! ```

use super::pooling::PoolKind;
use super::{shape_string, Cache, Context, Layer, OnnxAttribute, OnnxOp};
use crate::{Error, Result, Tensor};
use ndarray::{Array2, Axis};
use serde::{Deserialize, Serialize};

/// A global pooling layer; made by [`GlobalAveragePooling2D::new`] or [`GlobalMaxPooling2D::new`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GlobalPooling2D {
    kind: PoolKind,
}

/// Keras's `GlobalAveragePooling2D()`.
#[derive(Clone, Copy, Debug)]
pub struct GlobalAveragePooling2D;

impl GlobalAveragePooling2D {
    /// `GlobalAveragePooling2D()`.
    #[allow(clippy::new_ret_no_self)]
    pub fn new() -> GlobalPooling2D {
        GlobalPooling2D { kind: PoolKind::Average }
    }
}

/// Keras's `GlobalMaxPooling2D()`.
#[derive(Clone, Copy, Debug)]
pub struct GlobalMaxPooling2D;

impl GlobalMaxPooling2D {
    /// `GlobalMaxPooling2D()`.
    #[allow(clippy::new_ret_no_self)]
    pub fn new() -> GlobalPooling2D {
        GlobalPooling2D { kind: PoolKind::Max }
    }
}

impl GlobalPooling2D {
    /// `x` as `(batch, h·w, c)`, checked.
    fn pixels(&self, x: Tensor) -> Result<ndarray::Array3<f32>> {
        let shape = x.shape().to_vec();
        let &[n, h, w, c] = shape.as_slice() else {
            return Err(Error::Shape(format!(
                "{} expects a batch of images (batch, h, w, c), got {shape:?}",
                self.class_name()
            )));
        };
        let x = if x.is_standard_layout() { x } else { x.as_standard_layout().into_owned() };
        x.into_shape_with_order((n, h * w, c)).map_err(|e| Error::Shape(e.to_string()))
    }
}

impl Layer for GlobalPooling2D {
    fn class_name(&self) -> &'static str {
        match self.kind {
            PoolKind::Max => "GlobalMaxPooling2D",
            PoolKind::Average => "GlobalAveragePooling2D",
        }
    }
    /// `Transpose` to channels-first, `GlobalAveragePool` or `GlobalMaxPool` (`(N, C, 1, 1)`), then
    /// `Flatten(axis = 1)` to Keras's `(N, C)`.
    fn onnx_ops(&self) -> Result<Vec<OnnxOp>> {
        let pool = match self.kind {
            PoolKind::Max => "GlobalMaxPool",
            PoolKind::Average => "GlobalAveragePool",
        };
        Ok(vec![
            OnnxOp::transpose([0, 3, 1, 2]),
            OnnxOp::new(pool),
            OnnxOp::new("Flatten").attribute("axis", OnnxAttribute::Int(1)),
        ])
    }
    fn output_shape(&self, input_shape: &[usize]) -> Result<Vec<usize>> {
        match *input_shape {
            [h, w, c] if h > 0 && w > 0 => Ok(vec![c]),
            _ => Err(Error::Shape(format!(
                "{} expects images (None, height, width, channels), got {}",
                self.class_name(),
                shape_string(input_shape)
            ))),
        }
    }
    fn forward(&self, x: Tensor, ctx: &mut Context<'_>) -> Result<(Tensor, Cache)> {
        let shape = x.raw_dim();
        let x = self.pixels(x)?;
        if x.shape()[1] == 0 {
            return Err(Error::Shape(format!("{} got images without pixels", self.class_name())));
        }
        let (y, argmax) = match self.kind {
            PoolKind::Average => {
                (x.mean_axis(Axis(1)).unwrap_or_else(|| Array2::zeros((x.shape()[0], x.shape()[2]))), vec![])
            }
            PoolKind::Max => {
                let (n, c) = (x.shape()[0], x.shape()[2]);
                let mut y = Array2::from_elem((n, c), f32::NEG_INFINITY);
                let mut at = vec![0usize; n * c];
                for ((img, mut y), at) in x.outer_iter().zip(y.rows_mut()).zip(at.chunks_mut(c.max(1))) {
                    for (p, row) in img.rows().into_iter().enumerate() {
                        for ((y, at), &v) in y.iter_mut().zip(at.iter_mut()).zip(row) {
                            if v > *y || p == 0 {
                                (*y, *at) = (v, p);
                            }
                        }
                    }
                }
                (y, at)
            }
        };
        let cache = if ctx.is_training() {
            Cache::new(vec![Tensor::zeros(shape)]).with_indices(argmax)
        } else {
            Cache::empty()
        };
        Ok((y.into_dyn(), cache))
    }
    fn backward(&mut self, mut cache: Cache, grad: Tensor, need_input_grad: bool) -> Result<Option<Tensor>> {
        if !need_input_grad {
            return Ok(None);
        }
        let dx = cache.take(0, self.class_name())?;
        let shape = dx.raw_dim();
        let mut dx = self.pixels(dx)?;
        let (n, pixels, c) = dx.dim();
        if grad.shape() != [n, c] {
            return Err(Error::Shape(format!(
                "{}: the gradient has shape {:?}, not {:?}",
                self.class_name(),
                grad.shape(),
                [n, c]
            )));
        }
        match self.kind {
            PoolKind::Average => {
                let scale = 1.0 / pixels as f32;
                for (mut img, g) in dx.outer_iter_mut().zip(grad.outer_iter()) {
                    for mut row in img.rows_mut() {
                        row.zip_mut_with(&g, |d, &g| *d = g * scale);
                    }
                }
            }
            PoolKind::Max => {
                let at = cache.indices();
                for ((i, ch), &g) in grad.indexed_iter().map(|(ix, g)| ((ix[0], ix[1]), g)) {
                    if let Some(&p) = at.get(i * c + ch) {
                        dx[[i, p, ch]] = g;
                    }
                }
            }
        }
        Ok(Some(dx.into_shape_with_order(shape).map_err(|e| Error::Shape(e.to_string()))?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layers::check_input_gradient;

    #[test]
    fn one_value_per_channel() {
        let x = Tensor::from_shape_vec(vec![1, 2, 2, 2], vec![1.0, -1.0, 3.0, -2.0, 2.0, -3.0, 6.0, -4.0]).unwrap();
        let (y, _) = GlobalAveragePooling2D::new().forward(x.clone(), &mut Context::inference()).unwrap();
        assert_eq!(y, ndarray::arr2(&[[3.0f32, -2.5]]).into_dyn());
        let (y, _) = GlobalMaxPooling2D::new().forward(x, &mut Context::inference()).unwrap();
        assert_eq!(y, ndarray::arr2(&[[6.0f32, -1.0]]).into_dyn());
    }

    #[test]
    fn gradients_match_finite_differences_and_bad_shapes_are_errors() {
        check_input_gradient(&mut GlobalAveragePooling2D::new(), &[2, 3, 4, 5], 1);
        check_input_gradient(&mut GlobalMaxPooling2D::new(), &[2, 3, 4, 5], 2);
        assert!(GlobalAveragePooling2D::new().output_shape(&[16]).is_err());
        assert!(GlobalMaxPooling2D::new().forward(Tensor::zeros(vec![2, 16]), &mut Context::inference()).is_err());
    }
}
