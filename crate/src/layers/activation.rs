//! `Activation`: applies an activation function as a layer of its own, e.g. the chapter's
//! `Activation("softmax")` after `Dense(20)`.
//!
//! Input and output have the same shape `(batch, features)`; no weights. See
//! [`crate::activations`] for the formulas and their derivatives.
//!
//! ```
//! use snackml::layers::{ActivationLayer, Layer};
//! use ndarray::array;
//! let mut a = ActivationLayer::softmax();
//! a.build(&[2], &mut snackml::seeded_rng(0)).unwrap();
//! let p = a.call(array![[0.0f32, 0.0]].into_dyn(), false).unwrap();
//! assert_eq!(p, array![[0.5f32, 0.5]].into_dyn());
//! ```

use super::{as_matrix, Layer, LayerConfig};
use crate::activations::Activation;
use crate::{Error, Result, Tensor};
use ndarray::Array2;
use rand::rngs::StdRng;

/// An activation function as a layer (Keras's `Activation`).
#[derive(Clone, Debug)]
pub struct ActivationLayer {
    name: String,
    activation: Activation,
    output: Option<Vec<usize>>,
    /// Kept by a training call: the output, and the logits when this is a softmax.
    cache: Option<(Array2<f32>, Option<Array2<f32>>)>,
}

impl ActivationLayer {
    /// `Activation(name)`.
    pub fn new(activation: Activation) -> Self {
        ActivationLayer { name: String::new(), activation, output: None, cache: None }
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
    /// The activation function.
    pub fn activation(&self) -> Activation {
        self.activation
    }
}

impl Layer for ActivationLayer {
    fn class_name(&self) -> &'static str {
        "Activation"
    }
    fn name(&self) -> &str {
        &self.name
    }
    fn set_name(&mut self, name: String) {
        self.name = name;
    }
    fn build(&mut self, input_shape: &[usize], _rng: &mut StdRng) -> Result<Vec<usize>> {
        if input_shape.len() != 1 {
            return Err(Error::Shape(format!(
                "layer {} (Activation) expects flat inputs (None, features), got {input_shape:?}",
                self.name
            )));
        }
        self.output = Some(input_shape.to_vec());
        Ok(input_shape.to_vec())
    }
    fn output_shape(&self) -> Option<&[usize]> {
        self.output.as_deref()
    }
    fn call(&mut self, x: Tensor, training: bool) -> Result<Tensor> {
        let z = as_matrix(x, &self.name)?;
        if let Some(want) = &self.output {
            if z.ncols() != want[0] {
                return Err(Error::Shape(format!(
                    "layer {} expects inputs of shape (None, {}), got {:?}",
                    self.name,
                    want[0],
                    z.shape()
                )));
            }
        }
        let logits = (training && self.activation == Activation::Softmax).then(|| z.clone());
        let y = self.activation.forward(z);
        self.cache = training.then(|| (y.clone(), logits));
        Ok(y.into_dyn())
    }
    fn backward(&mut self, grad: Tensor, need_input_grad: bool) -> Result<Option<Tensor>> {
        let (y, _) = self.cache.as_ref().ok_or_else(|| {
            Error::InvalidArgument(format!("backward on layer {} without a training call", self.name))
        })?;
        if !need_input_grad {
            return Ok(None);
        }
        let dy = as_matrix(grad, &self.name)?;
        Ok(Some(self.activation.backward(y, dy).into_dyn()))
    }
    fn softmax_logits(&self) -> Option<ndarray::ArrayView2<'_, f32>> {
        self.cache.as_ref()?.1.as_ref().map(|z| z.view())
    }
    fn backward_from_logits(&mut self, grad: Tensor, need_input_grad: bool) -> Result<Option<Tensor>> {
        if self.activation != Activation::Softmax {
            return Err(Error::InvalidArgument(format!("layer {} has no softmax output", self.name)));
        }
        Ok(need_input_grad.then_some(grad))
    }
    fn config(&self) -> LayerConfig {
        LayerConfig::Activation { name: self.name.clone(), activation: self.activation }
    }
}
