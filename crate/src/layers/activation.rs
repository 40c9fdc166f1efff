//! `Activation`: applies an activation function as a layer of its own, e.g. the chapter's
//! `Activation("softmax")` after `Dense(20)`.
//!
//! Input and output have the same shape, of any rank; no weights. The layer itself passes
//! its input through; the model applies [`Layer::activation`] to it, as it does for `Dense`'s
//! own activation. See [`crate::activations`] for the formulas and their derivatives.
//!
//! ```
//! use snackml::layers::{ActivationLayer, Layer};
//! use snackml::activations::Activation;
//! let a = ActivationLayer::softmax();
//! assert_eq!(a.activation(), Activation::Softmax);
//! assert_eq!(a.output_shape(&[20]).unwrap(), vec![20]);
//! ```

use super::{shape_string, Cache, Context, Layer, OnnxOp};
use crate::activations::Activation;
use crate::{Error, Result, Tensor};
use serde::{Deserialize, Serialize};

/// An activation function as a layer (Keras's `Activation`).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ActivationLayer {
    activation: Activation,
}

impl ActivationLayer {
    /// `Activation(name)`.
    pub fn new(activation: Activation) -> Self {
        ActivationLayer { activation }
    }
    /// `Activation("softmax")`.
    pub fn softmax() -> Self {
        Self::new(Activation::Softmax)
    }
    /// `Activation("relu")`.
    pub fn relu() -> Self {
        Self::new(Activation::Relu)
    }
    /// `Activation("sigmoid")`.
    pub fn sigmoid() -> Self {
        Self::new(Activation::Sigmoid)
    }
}

impl Layer for ActivationLayer {
    fn class_name(&self) -> &'static str {
        "Activation"
    }
    fn output_shape(&self, input_shape: &[usize]) -> Result<Vec<usize>> {
        if input_shape.is_empty() {
            return Err(Error::Shape(format!("Activation cannot take inputs of shape {}", shape_string(input_shape))));
        }
        Ok(input_shape.to_vec())
    }
    fn activation(&self) -> Activation {
        self.activation
    }
    fn forward(&self, x: Tensor, _ctx: &mut Context<'_>) -> Result<(Tensor, Cache)> {
        Ok((x, Cache::empty()))
    }
    fn backward(&mut self, _cache: Cache, grad: Tensor, need_input_grad: bool) -> Result<Option<Tensor>> {
        Ok(need_input_grad.then_some(grad))
    }
    fn onnx_ops(&self) -> Result<Vec<OnnxOp>> {
        Ok(Vec::new()) // the activation alone, which the export adds
    }
}
