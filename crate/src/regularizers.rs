//! Regularizers: penalties on the weights, added to the loss to fight overfitting.
//!
//! **L2** (Keras's `regularizers.l2(λ)`, "weight decay"): `R(W) = λ·Σᵢⱼ Wᵢⱼ²`, whose gradient is
//! `∂R/∂W = 2λ·W`. Keras adds `R` to the loss it reports and minimises, and so does the model here.
//!
//! ```
//! use snackml::regularizers::L2;
//! let w = ndarray::array![[1.0f32, -2.0]].into_dyn();
//! assert!((L2::new(0.01).penalty(&w) - 0.05).abs() < 1e-7); // 0.01 · (1 + 4)
//! ```

use crate::{Error, Result, Tensor};
use serde::{Deserialize, Serialize};

/// The L2 penalty `λ·Σw²` on a layer's kernel.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct L2 {
    /// The factor `λ` (Keras's `l2=`).
    pub l2: f32,
}

impl L2 {
    /// `regularizers.l2(λ)`; λ is checked when the layer is built (finite, ≥ 0).
    pub fn new(l2: f32) -> Self {
        L2 { l2 }
    }

    /// Checks `λ`.
    pub fn validate(&self) -> Result<()> {
        if self.l2.is_finite() && self.l2 >= 0.0 {
            Ok(())
        } else {
            Err(Error::InvalidArgument(format!("the L2 factor must be finite and at least 0, got {}", self.l2)))
        }
    }

    /// `λ·Σw²`, summed in f64.
    pub fn penalty(&self, w: &Tensor) -> f32 {
        (self.l2 as f64 * w.iter().map(|&v| v as f64 * v as f64).sum::<f64>()) as f32
    }

    /// Adds `∂R/∂W = 2λ·W` to `grad`; fails when `grad` and `w` differ in shape.
    pub fn add_grad(&self, w: &Tensor, grad: &mut Tensor) -> Result<()> {
        if w.shape() != grad.shape() {
            return Err(Error::Shape(format!(
                "L2: the gradient has shape {:?} but the weight {:?}",
                grad.shape(),
                w.shape()
            )));
        }
        let k = 2.0 * self.l2;
        ndarray::Zip::from(grad).and(w).for_each(|g, &w| *g += k * w);
        Ok(())
    }
}
