//! Activation functions, applied elementwise (sigmoid, relu, linear) or over each row (softmax).
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
//! ```

use ndarray::{Array2, Zip};
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
    /// `yⱼ = e^(zⱼ) / Σₖ e^(zₖ)` over each row
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
    pub fn from_name(name: &str) -> crate::Result<Self> {
        Ok(match name {
            "linear" | "none" => Activation::Linear,
            "relu" => Activation::Relu,
            "sigmoid" => Activation::Sigmoid,
            "softmax" => Activation::Softmax,
            other => {
                return Err(crate::Error::InvalidArgument(format!(
                    "unknown activation {other:?} (expected linear, relu, sigmoid or softmax)"
                )))
            }
        })
    }

    /// Applies the activation to a batch of rows `z` (batch × features).
    pub fn forward(self, mut z: Array2<f32>) -> Array2<f32> {
        match self {
            Activation::Linear => {}
            Activation::Relu => z.par_mapv_inplace(crate::math::relu),
            Activation::Sigmoid => z.mapv_inplace(crate::math::sigmoid),
            Activation::Softmax => crate::math::softmax_inplace(&mut z),
        }
        z
    }

    /// Turns `∂L/∂y` into `∂L/∂z`, given the activation's output `y` (see the module doc).
    pub fn backward(self, y: &Array2<f32>, mut grad: Array2<f32>) -> Array2<f32> {
        match self {
            Activation::Linear => {}
            Activation::Relu => Zip::from(&mut grad).and(y).par_for_each(|g, &y| {
                if y <= 0.0 {
                    *g = 0.0
                }
            }),
            Activation::Sigmoid => Zip::from(&mut grad).and(y).for_each(|g, &y| *g *= y * (1.0 - y)),
            Activation::Softmax => {
                for (mut g, y) in grad.rows_mut().into_iter().zip(y.rows()) {
                    let s: f32 = g.iter().zip(y).map(|(g, y)| g * y).sum();
                    Zip::from(&mut g).and(&y).for_each(|g, &y| *g = y * (*g - s));
                }
            }
        }
        grad
    }
}

impl std::fmt::Display for Activation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}
