//! Activation functions, applied elementwise (sigmoid, relu, linear) or over the last axis
//! (softmax: each row of a `(batch, classes)` matrix), on arrays of any rank.
//!
//! Each one is written so its backward pass needs only its output `y`:
//! - linear: `y = z`, `∂z = ∂y`
//! - relu: `y = max(0, z)`, `∂z = ∂y · [y > 0]`
//! - sigmoid: `y = 1 / (1 + e^(−z))`, `∂z = ∂y · y · (1 − y)`
//! - softmax: `yⱼ = e^(zⱼ) / Σₖ e^(zₖ)`, `∂zⱼ = yⱼ · (∂yⱼ − Σₖ ∂yₖ · yₖ)`
//!
//! ```
//! use snackml::activations::Activation;
//! use ndarray::array;
//! let y = Activation::Relu.forward(array![[-1.0f32, 2.0]]);
//! assert_eq!(y, array![[0.0, 2.0]]);
//! // any rank: a batch of 1 × 2 × 2 feature maps
//! let y = Activation::Relu.forward(array![[[[-1.0f32], [2.0]], [[3.0], [-4.0]]]]);
//! assert_eq!(y.sum(), 5.0);
//! ```

use crate::{Error, Result};
use ndarray::{Array, Axis, Dimension, Zip};
use serde::{Deserialize, Serialize};

/// The activations a Keras user names in `Dense(units, activation=...)` or `Activation(...)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Activation {
    /// `y = z`
    #[default]
    Linear,
    /// `y = max(0, z)`
    Relu,
    /// `y = 1 / (1 + e^(−z))`
    Sigmoid,
    /// `yⱼ = e^(zⱼ) / Σₖ e^(zₖ)` over the last axis
    Softmax,
}

impl Activation {
    /// The Keras name: "linear", "relu", "sigmoid", "softmax".
    pub fn name(self) -> &'static str {
        match self {
            Activation::Linear => "linear",
            Activation::Relu => "relu",
            Activation::Sigmoid => "sigmoid",
            Activation::Softmax => "softmax",
        }
    }

    /// Parses a Keras name.
    pub fn from_name(name: &str) -> Result<Self> {
        Ok(match name {
            "linear" | "none" => Activation::Linear,
            "relu" => Activation::Relu,
            "sigmoid" => Activation::Sigmoid,
            "softmax" => Activation::Softmax,
            other => {
                return Err(Error::InvalidArgument(format!(
                    "unknown activation {other:?} (expected linear, relu, sigmoid or softmax)"
                )))
            }
        })
    }

    /// Applies the activation to `z`, of any shape (softmax over the last axis).
    pub fn forward<D: Dimension>(self, mut z: Array<f32, D>) -> Array<f32, D> {
        match self {
            Activation::Linear => {}
            Activation::Relu => z.par_mapv_inplace(crate::math::relu),
            Activation::Sigmoid => z.mapv_inplace(crate::math::sigmoid),
            Activation::Softmax => crate::math::softmax_inplace(&mut z),
        }
        z
    }

    /// Turns `∂L/∂y` into `∂L/∂z`, given the activation's output `y` (see the module doc).
    /// Fails when `grad` and `y` differ in shape.
    pub fn backward<D: Dimension>(self, y: &Array<f32, D>, mut grad: Array<f32, D>) -> Result<Array<f32, D>> {
        if y.shape() != grad.shape() {
            return Err(Error::Shape(format!(
                "{}: the gradient has shape {:?} but the output {:?}",
                self.name(),
                grad.shape(),
                y.shape()
            )));
        }
        match self {
            Activation::Linear => {}
            Activation::Relu => Zip::from(&mut grad).and(y).par_for_each(|g, &y| {
                if y <= 0.0 {
                    *g = 0.0
                }
            }),
            Activation::Sigmoid => Zip::from(&mut grad).and(y).for_each(|g, &y| *g *= y * (1.0 - y)),
            Activation::Softmax if y.ndim() == 0 => grad.fill(0.0),
            Activation::Softmax => {
                let last = Axis(y.ndim() - 1);
                for (mut g, y) in grad.lanes_mut(last).into_iter().zip(y.lanes(last)) {
                    let s: f32 = g.iter().zip(y).map(|(g, y)| g * y).sum();
                    Zip::from(&mut g).and(&y).for_each(|g, &y| *g = y * (*g - s));
                }
            }
        }
        Ok(grad)
    }
}

impl std::fmt::Display for Activation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{array, Array4};

    #[test]
    fn softmax_runs_over_the_last_axis_of_any_rank() {
        let z = Array4::from_shape_fn((2, 3, 3, 4), |(n, h, w, c)| (n + h * w) as f32 - c as f32);
        let y = Activation::Softmax.forward(z.clone());
        for lane in y.lanes(Axis(3)) {
            assert!((lane.sum() - 1.0).abs() < 1e-6);
        }
        let rows = z.into_shape_with_order((18, 4)).unwrap();
        assert_eq!(y.into_shape_with_order((18, 4)).unwrap(), Activation::Softmax.forward(rows));
    }

    #[test]
    fn backward_refuses_a_gradient_of_another_shape() {
        let e = Activation::Relu.backward(&array![[1.0f32, 2.0]], array![[1.0f32, 2.0, 3.0]]).unwrap_err();
        assert!(e.to_string().contains("[1, 3]"), "{e}");
    }
}
