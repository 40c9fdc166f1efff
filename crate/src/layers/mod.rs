//! Layers: the pieces a `Sequential` model is stacked from.
//!
//! Every layer speaks the same small protocol, the [`Layer`] trait (Keras's build / call /
//! output shape / config, plus the backward pass Keras gets from autodiff):
//! - [`Layer::build`] creates the weights once the input shape is known and returns the output shape;
//! - [`Layer::call`] runs the forward pass (remembering what backward needs when training);
//! - [`Layer::backward`] turns the gradient of the loss with respect to the output into gradients
//!   for the layer's weights and (when asked) its input;
//! - [`Layer::params`] lists the weights in Keras order (kernel, then bias);
//! - [`Layer::config`] describes the layer so it can be saved and rebuilt.
//!
//! `summary()`, saving and loading are written once, in the model, on top of this protocol.

mod activation;
mod dense;
mod flatten;

pub use activation::ActivationLayer;
pub use dense::Dense;
pub use flatten::Flatten;

use crate::activations::Activation;
use crate::{Result, Tensor};
use rand::rngs::StdRng;
use serde::{Deserialize, Serialize};

/// A trainable weight and the gradient of the loss with respect to it.
#[derive(Clone, Debug)]
pub struct Param {
    /// "kernel" or "bias", as in Keras.
    pub name: &'static str,
    /// The current value.
    pub value: Tensor,
    /// `∂L/∂value` from the last backward pass.
    pub grad: Tensor,
}

impl Param {
    /// A parameter with a zero gradient of the same shape.
    pub fn new(name: &'static str, value: Tensor) -> Self {
        let grad = Tensor::zeros(value.raw_dim());
        Param { name, value, grad }
    }
}

/// The protocol every layer implements (see the module documentation).
pub trait Layer: Send + Sync + std::fmt::Debug {
    /// The Keras class name, e.g. "Dense".
    fn class_name(&self) -> &'static str;
    /// The layer's name in its model, e.g. "dense_1" (empty until the model names it).
    fn name(&self) -> &str;
    /// Sets the layer's name.
    fn set_name(&mut self, name: String);
    /// The input shape the layer was declared with (without the batch dimension), if any.
    fn declared_input_shape(&self) -> Option<&[usize]> {
        None
    }
    /// Creates the weights for inputs of `input_shape` (without the batch dimension) and returns
    /// the output shape. Building again with the same shape keeps the weights.
    fn build(&mut self, input_shape: &[usize], rng: &mut StdRng) -> Result<Vec<usize>>;
    /// The output shape (without the batch dimension) once built.
    fn output_shape(&self) -> Option<&[usize]>;
    /// The forward pass on a batch. With `training`, keeps what [`Layer::backward`] needs.
    fn call(&mut self, x: Tensor, training: bool) -> Result<Tensor>;
    /// The backward pass: takes `∂L/∂output`, stores `∂L/∂weights` in [`Layer::params_mut`],
    /// and returns `∂L/∂input` when `need_input_grad` (the first layer's is never needed).
    fn backward(&mut self, grad: Tensor, need_input_grad: bool) -> Result<Option<Tensor>>;
    /// For a layer whose output is a softmax: the logits it came from, kept by the last
    /// training-mode call. Keras computes categorical cross-entropy from these directly.
    fn softmax_logits(&self) -> Option<ndarray::ArrayView2<'_, f32>> {
        None
    }
    /// The backward pass from `∂L/∂logits` of a softmax output (skipping the softmax itself).
    fn backward_from_logits(&mut self, grad: Tensor, need_input_grad: bool) -> Result<Option<Tensor>> {
        let _ = (grad, need_input_grad);
        Err(crate::Error::InvalidArgument(format!("layer {} has no softmax output", self.name())))
    }
    /// The trainable weights, in Keras order.
    fn params(&self) -> &[Param] {
        &[]
    }
    /// The trainable weights, mutable (for optimizers and `set_weights`).
    fn params_mut(&mut self) -> &mut [Param] {
        &mut []
    }
    /// The number of trainable weights (the summary's "Param #").
    fn count_params(&self) -> usize {
        self.params().iter().map(|p| p.value.len()).sum()
    }
    /// The layer's configuration, enough to rebuild it (without weights).
    fn config(&self) -> LayerConfig;
}

/// A layer's configuration: what `summary()` prints and what a saved model stores.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "class_name")]
pub enum LayerConfig {
    /// [`Flatten`].
    Flatten {
        /// Layer name.
        name: String,
        /// Declared input shape, if any.
        input_shape: Option<Vec<usize>>,
    },
    /// [`Dense`].
    Dense {
        /// Layer name.
        name: String,
        /// Number of outputs.
        units: usize,
        /// Activation applied to the output.
        activation: Activation,
        /// Declared input shape, if any.
        input_shape: Option<Vec<usize>>,
    },
    /// [`ActivationLayer`].
    Activation {
        /// Layer name.
        name: String,
        /// The activation.
        activation: Activation,
    },
}

impl LayerConfig {
    /// Builds a fresh (unbuilt) layer from its configuration.
    pub fn to_layer(&self) -> Result<Box<dyn Layer>> {
        let mut layer: Box<dyn Layer> = match self {
            LayerConfig::Flatten { input_shape, .. } => Box::new(match input_shape {
                Some(s) => Flatten::with_input_shape(s),
                None => Flatten::new(),
            }),
            LayerConfig::Dense { units, activation, input_shape, .. } => {
                let mut d = Dense::new(*units).activation(*activation);
                if let Some(s) = input_shape {
                    d = d.input_shape(s);
                }
                Box::new(d)
            }
            LayerConfig::Activation { activation, .. } => Box::new(ActivationLayer::new(*activation)),
        };
        let name = match self {
            LayerConfig::Flatten { name, .. }
            | LayerConfig::Dense { name, .. }
            | LayerConfig::Activation { name, .. } => name,
        };
        layer.set_name(name.clone());
        Ok(layer)
    }
}

/// Views a tensor as a batch of rows (batch × features), erroring if it is not 2-D.
pub(crate) fn as_matrix(x: Tensor, layer: &str) -> Result<ndarray::Array2<f32>> {
    let shape = x.shape().to_vec();
    x.into_dimensionality::<ndarray::Ix2>().map_err(|_| {
        crate::Error::Shape(format!("layer {layer} expects a 2-D input (batch, features), got shape {shape:?}"))
    })
}
