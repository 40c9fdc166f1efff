//! A layer in its model: the layer with the name the model gave it and the shapes it was built
//! for (the model owns names and shapes; the layer owns its settings and weights).

use crate::activations::Activation;
use crate::layers::{Cache, Context, Layer, Param, Randomness};
use crate::{Error, Result, Tensor};
use ndarray::{ArrayView2, Ix2};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// One layer of a [`Sequential`](super::Sequential), as `model.layers()` lists them.
#[derive(Clone, Debug)]
pub struct NamedLayer {
    name: String,
    layer: Box<dyn Layer>,
    input_shape: Option<Vec<usize>>,
    output_shape: Option<Vec<usize>>,
    /// The layer's own random generator, for a layer that draws random numbers in training
    /// ([`Layer::randomness`]); seeded when the layer is built.
    rng: Option<StdRng>,
}

impl NamedLayer {
    pub(crate) fn new(name: String, layer: Box<dyn Layer>) -> Self {
        NamedLayer { name, layer, input_shape: None, output_shape: None, rng: None }
    }

    /// Builds the layer for `input_shape` and records its shapes; returns the output shape.
    pub(crate) fn build(&mut self, input_shape: &[usize], rng: &mut StdRng) -> Result<Vec<usize>> {
        let out = self.layer.output_shape(input_shape).map_err(|e| e.in_layer(&self.name))?;
        self.layer.build(input_shape, rng).map_err(|e| e.in_layer(&self.name))?;
        self.input_shape = Some(input_shape.to_vec());
        self.output_shape = Some(out.clone());
        if self.rng.is_none() {
            self.rng = match self.layer.randomness() {
                Randomness::Deterministic => None,
                Randomness::Seeded(seed) => Some(StdRng::seed_from_u64(seed)),
                Randomness::FromModel => Some(StdRng::seed_from_u64(rng.random())),
            };
        }
        Ok(out)
    }

    /// The layer's forward pass in a training step, with its own generator when it has one.
    pub(crate) fn forward_training(&mut self, x: Tensor) -> Result<(Tensor, Cache)> {
        let mut ctx = match self.rng.as_mut() {
            Some(rng) => Context::training(rng),
            None => Context::training_deterministic(),
        };
        self.layer.forward(x, &mut ctx).map_err(|e| e.in_layer(&self.name))
    }

    /// The layer's forward pass in inference (evaluation and prediction).
    pub(crate) fn forward_inference(&self, x: Tensor) -> Result<Tensor> {
        let (y, _) = self.layer.forward(x, &mut Context::inference()).map_err(|e| e.in_layer(&self.name))?;
        Ok(y)
    }

    /// The activation the model applies after the layer's forward pass: none when it is linear or
    /// the layer applies it itself ([`Layer::fuses_activation`]).
    pub(crate) fn separate_activation(&self) -> Option<Activation> {
        let activation = self.layer.activation();
        (activation != Activation::Linear && !self.layer.fuses_activation()).then_some(activation)
    }

    /// The layer's name in its model, e.g. `dense_1`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The Keras class name, e.g. `Dense`.
    pub fn class_name(&self) -> &'static str {
        self.layer.class_name()
    }

    /// The layer itself.
    pub fn layer(&self) -> &dyn Layer {
        self.layer.as_ref()
    }

    /// The layer itself, mutable.
    pub fn layer_mut(&mut self) -> &mut dyn Layer {
        self.layer.as_mut()
    }

    /// The input shape (without the batch dimension) once built.
    pub fn input_shape(&self) -> Option<&[usize]> {
        self.input_shape.as_deref()
    }

    /// The output shape (without the batch dimension) once built.
    pub fn output_shape(&self) -> Option<&[usize]> {
        self.output_shape.as_deref()
    }

    /// Every weight in Keras order, trainable or not ([`Param::trainable`]).
    pub fn params(&self) -> &[Param] {
        self.layer.params()
    }

    /// Every weight, mutable.
    pub fn params_mut(&mut self) -> &mut [Param] {
        self.layer.params_mut()
    }

    /// The number of weights, trainable or not (the summary's "Param #").
    pub fn count_params(&self) -> usize {
        self.layer.count_params()
    }

    /// The number of weights the optimizer moves.
    pub fn count_trainable_params(&self) -> usize {
        self.params().iter().filter(|p| p.trainable).map(|p| p.value.len()).sum()
    }

    /// The layer's weights (Keras's `layer.get_weights()`).
    pub fn get_weights(&self) -> Vec<Tensor> {
        self.params().iter().map(|p| p.value.clone()).collect()
    }

    /// The kernel of a Dense layer as a matrix `(inputs, units)`: column `j` holds the weights
    /// that unit (for the last layer: class) `j` gives each input.
    pub fn kernel(&self) -> Result<ArrayView2<'_, f32>> {
        let kernel = self.params().iter().find(|p| p.name == "kernel").ok_or_else(|| {
            Error::InvalidArgument(format!("layer {} ({}) has no kernel", self.name, self.class_name()))
        })?;
        kernel.value.view().into_dimensionality::<Ix2>().map_err(|e| Error::Shape(e.to_string()))
    }
}
