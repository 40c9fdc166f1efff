//! `Sequential`: a stack of layers, compiled with a loss and an optimizer, then trained.
//!
//! ```
//! use snackml::prelude::*;
//! let mut model = Sequential::with_seed(42);
//! model.add(Flatten::with_input_shape(&[32, 32, 3]))?;
//! model.add(Dense::new(20))?;
//! model.add(ActivationLayer::softmax())?;
//! assert_eq!(model.count_params(), 61_460); // 3,072 × 20 weights + 20 biases
//! model.compile(Loss::CategoricalCrossentropy, Adam::new(1e-3), &[Metric::Accuracy])?;
//! let x = ndarray::Array4::<f32>::zeros((1, 32, 32, 3)).into_dyn();
//! let p = model.predict(&x)?;
//! assert!((p.sum() - 1.0).abs() < 1e-5); // an untrained model: about 1/20 each
//! # Ok::<(), snackml::Error>(())
//! ```
//!
//! The files of this module: the model and its layers (here), one step of training, testing or
//! prediction ([`step`](self)), the epoch loop under `fit`, `evaluate` and `predict`, the summary
//! table, saving and loading, the chapter's sanity checks, a learning-rate sweep
//! ([`Sequential::learning_rate_sweep`]); with the feature `onnx`, the export to an ONNX file
//! (the module `onnx`).

pub mod background;
mod checks;
mod convnet;
mod fit;
mod intermediate;
mod node;
#[cfg(feature = "onnx")]
pub mod onnx;
mod save;
mod step;
mod summary;
mod sweep;

pub use crate::callbacks::{History, Verbose};
pub use background::{Trained, Training};
pub use checks::{initial_loss_check, LossCheck};
pub use convnet::{chapter7_convnet, chapter7_convnet_with, forward_flops, ConvnetOptions};
pub use fit::{FitOptions, Validation};
pub use node::NamedLayer;
#[cfg(feature = "onnx")]
pub use onnx::OnnxOptions;
pub use save::FORMAT_VERSION;
pub use summary::Summary;
pub use sweep::{log_spaced, LearningRateSweep, SweepOptions, SweepParallelism, SweepRun};

use crate::layers::{shape_string, Layer};
use crate::losses::Loss;
use crate::metrics::Metric;
use crate::optimizers::Optimizer;
use crate::{Error, Result, Tensor};
use rand::rngs::StdRng;
use rand::SeedableRng;

/// What `compile` sets.
#[derive(Clone, Debug)]
struct Compiled {
    loss: Loss,
    optimizer: Box<dyn Optimizer>,
    metrics: Vec<Metric>,
}

/// A linear stack of layers (Keras's `Sequential`).
#[derive(Clone, Debug)]
pub struct Sequential {
    name: String,
    layers: Vec<NamedLayer>,
    input_shape: Option<Vec<usize>>,
    rng: StdRng,
    compiled: Option<Compiled>,
    verbose: Verbose,
    stop_training: bool,
}

impl Default for Sequential {
    fn default() -> Self {
        Self::new()
    }
}

impl Sequential {
    /// An empty model whose weights will be drawn from fresh randomness.
    pub fn new() -> Self {
        Self::with_rng(StdRng::from_os_rng())
    }

    /// An empty model whose initial weights (and so whose whole training run) are fixed by `seed`.
    pub fn with_seed(seed: u64) -> Self {
        Self::with_rng(StdRng::seed_from_u64(seed))
    }

    fn with_rng(rng: StdRng) -> Self {
        Sequential {
            name: "sequential".into(),
            layers: Vec::new(),
            input_shape: None,
            rng,
            compiled: None,
            verbose: Verbose::default(),
            stop_training: false,
        }
    }

    /// Sets the model's name (shown by `summary`).
    pub fn set_name(&mut self, name: impl Into<String>) {
        self.name = name.into();
    }

    /// The model's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Adds a layer on top, naming it like Keras (`dense`, `dense_1`, …) and building it at once
    /// when the input shape is known. Fails if the layer cannot take the previous layer's output.
    pub fn add(&mut self, layer: impl Layer + 'static) -> Result<&mut Self> {
        self.add_boxed(Box::new(layer))
    }

    /// [`Sequential::add`] for a boxed layer.
    pub fn add_boxed(&mut self, layer: Box<dyn Layer>) -> Result<&mut Self> {
        let name = self.free_name(&snake_case(layer.class_name()));
        self.add_named(name, layer)
    }

    /// Adds a layer under a name of the caller's choosing (unique in the model).
    pub fn add_named(&mut self, name: impl Into<String>, layer: Box<dyn Layer>) -> Result<&mut Self> {
        let name = name.into();
        if self.layers.iter().any(|l| l.name() == name) {
            return Err(Error::InvalidArgument(format!("the model already has a layer named {name:?}")));
        }
        let input = match self.layers.last() {
            Some(prev) => prev.output_shape().map(<[usize]>::to_vec),
            None => layer.declared_input_shape().map(<[usize]>::to_vec),
        };
        let mut node = NamedLayer::new(name, layer);
        if let Some(shape) = &input {
            node.build(shape, &mut self.rng)?;
        }
        if self.layers.is_empty() {
            self.input_shape = input;
        }
        self.layers.push(node);
        Ok(self)
    }

    /// `base`, or `base_1`, `base_2`, … whichever is not taken yet.
    fn free_name(&self, base: &str) -> String {
        let taken = |n: &str| self.layers.iter().any(|l| l.name() == n);
        let mut name = base.to_string();
        let mut i = 0;
        while taken(&name) {
            i += 1;
            name = format!("{base}_{i}");
        }
        name
    }

    /// Builds the model for inputs of `input_shape` (without the batch dimension), as Keras's
    /// `model.build((None, …))`. Only needed when the first layer declares no input shape.
    /// Nothing changes when a layer refuses the shape.
    pub fn build(&mut self, input_shape: &[usize]) -> Result<()> {
        let mut shape = input_shape.to_vec();
        for node in &self.layers {
            shape = node.layer().output_shape(&shape).map_err(|e| e.in_layer(node.name()))?;
        }
        let mut shape = input_shape.to_vec();
        for node in &mut self.layers {
            shape = node.build(&shape, &mut self.rng)?;
        }
        self.input_shape = Some(input_shape.to_vec());
        Ok(())
    }

    /// The layers, bottom to top, each with its name and shapes.
    pub fn layers(&self) -> &[NamedLayer] {
        &self.layers
    }

    /// The layers, mutable (to set one layer's weights, say).
    pub fn layers_mut(&mut self) -> &mut [NamedLayer] {
        &mut self.layers
    }

    /// The layer named `name` (Keras's `model.get_layer(name)`).
    pub fn get_layer(&self, name: &str) -> Result<&NamedLayer> {
        self.layers.iter().find(|l| l.name() == name).ok_or_else(|| {
            let names: Vec<&str> = self.layers.iter().map(|l| l.name()).collect();
            Error::InvalidArgument(format!("no layer named {name:?} (the model has {})", names.join(", ")))
        })
    }

    /// The input shape without the batch dimension, once built.
    pub fn input_shape(&self) -> Option<&[usize]> {
        self.input_shape.as_deref()
    }

    /// The output shape without the batch dimension, once built.
    pub fn output_shape(&self) -> Option<&[usize]> {
        self.input_shape.as_ref()?;
        self.layers.last()?.output_shape()
    }

    /// Each compiled metric's name in the logs and what a guess scores on it
    /// ([`Metric::chance`]), for the chance lines of the training curves.
    pub(crate) fn chance_levels(&self) -> Vec<(String, f32)> {
        let (Some(compiled), Some(&classes)) = (&self.compiled, self.output_shape().and_then(|s| s.last())) else {
            return Vec::new();
        };
        compiled
            .metrics
            .iter()
            .filter_map(|m| Some((m.state(compiled.loss).ok()?.name().to_string(), m.chance(compiled.loss, classes)?)))
            .collect()
    }

    /// The total number of weights, trainable or not (Keras's `count_params`).
    pub fn count_params(&self) -> usize {
        self.layers.iter().map(|l| l.count_params()).sum()
    }

    /// The number of weights the optimizer moves (the summary's "Trainable params").
    pub fn count_trainable_params(&self) -> usize {
        self.layers.iter().map(|l| l.count_trainable_params()).sum()
    }

    /// Every weight tensor, trainable or not, layer by layer, in Keras order (kernel, bias).
    pub fn get_weights(&self) -> Vec<Tensor> {
        self.layers.iter().flat_map(|l| l.params().iter().map(|p| p.value.clone())).collect()
    }

    /// Replaces every weight tensor (same order and shapes as [`Sequential::get_weights`]).
    pub fn set_weights(&mut self, weights: Vec<Tensor>) -> Result<()> {
        let want: Vec<Vec<usize>> =
            self.layers.iter().flat_map(|l| l.params().iter().map(|p| p.value.shape().to_vec())).collect();
        let got: Vec<Vec<usize>> = weights.iter().map(|w| w.shape().to_vec()).collect();
        if want != got {
            return Err(Error::Shape(format!("the model's weights have shapes {want:?}, got {got:?}")));
        }
        let mut it = weights.into_iter();
        for node in &mut self.layers {
            for (p, w) in node.params_mut().iter_mut().zip(&mut it) {
                p.value = w;
            }
        }
        Ok(())
    }

    /// Sets how much `fit` and `evaluate` print by default (each call can say otherwise).
    pub fn set_verbose(&mut self, verbose: Verbose) {
        self.verbose = verbose;
    }

    /// The default verbosity of `fit` and `evaluate`.
    pub fn verbose(&self) -> Verbose {
        self.verbose
    }

    /// Chooses the loss, the optimizer and the metrics (Keras's `compile`). Every hyperparameter
    /// of the optimizer is checked. Compiling again replaces the optimizer (and so its state) but
    /// keeps the weights.
    pub fn compile(&mut self, loss: Loss, optimizer: impl Optimizer + 'static, metrics: &[Metric]) -> Result<()> {
        optimizer.validate()?;
        for metric in metrics {
            metric.state(loss)?;
        }
        crate::memory::keep_freed_memory();
        self.compiled = Some(Compiled { loss, optimizer: Box::new(optimizer), metrics: metrics.to_vec() });
        Ok(())
    }

    /// The optimizer's learning rate, once compiled.
    pub fn learning_rate(&self) -> Option<f32> {
        self.compiled.as_ref().map(|c| c.optimizer.learning_rate())
    }

    /// Changes the learning rate for the next steps (the optimizer keeps its state).
    pub fn set_learning_rate(&mut self, lr: f32) -> Result<()> {
        self.compiled.as_mut().ok_or(Error::NotCompiled("set_learning_rate"))?.optimizer.set_learning_rate(lr)
    }

    /// The loss the model was compiled with.
    pub fn loss(&self) -> Option<Loss> {
        self.compiled.as_ref().map(|c| c.loss)
    }

    /// Asks `fit` to stop after the current epoch (Keras's `model.stop_training = True`), as
    /// `EarlyStopping` does.
    pub fn set_stop_training(&mut self, stop: bool) {
        self.stop_training = stop;
    }

    /// Whether `fit` was asked to stop.
    pub fn stop_training(&self) -> bool {
        self.stop_training
    }

    /// Builds the model for `x` when no layer declared an input shape yet (on first use, as
    /// Keras does), then checks `x` against it.
    pub(crate) fn prepare_input(&mut self, x: &Tensor) -> Result<()> {
        if self.input_shape.is_none() && !self.layers.is_empty() && x.ndim() >= 2 {
            self.build(&x.shape()[1..])?;
        }
        self.check_input(x)
    }

    /// Checks a batch of inputs against the model's input shape.
    pub(crate) fn check_input(&self, x: &Tensor) -> Result<()> {
        if self.layers.is_empty() {
            return Err(Error::NotBuilt("the model has no layers: add some with model.add(...)".into()));
        }
        if x.ndim() < 2 {
            return Err(Error::Shape(format!(
                "expected a batch of inputs (batch first), got shape {:?}: use expand_dims to make a batch of one",
                x.shape()
            )));
        }
        match &self.input_shape {
            Some(want) if x.shape() == want.as_slice() => Err(Error::Shape(format!(
                "the model expects a batch of inputs of shape {}, got one input of shape {:?}: \
                 use expand_dims to make a batch of one",
                shape_string(want),
                x.shape()
            ))),
            Some(want) if &x.shape()[1..] != want.as_slice() => Err(Error::Shape(format!(
                "the model expects inputs of shape {}, got {:?}",
                shape_string(want),
                x.shape()
            ))),
            Some(_) => Ok(()),
            None => Err(Error::NotBuilt(
                "the model has no input shape yet: give the first layer one, call model.build(&[...]), or train it"
                    .into(),
            )),
        }
    }
}

/// Keras's `to_snake_case`: `Dense` → `dense`, `Conv2D` → `conv2d`, `MaxPooling2D` →
/// `max_pooling2d`, `BatchNormalization` → `batch_normalization` (an underscore before a capital
/// that starts a word, then between a lower-case letter and a capital).
fn snake_case(class_name: &str) -> String {
    let chars: Vec<char> = class_name.chars().collect();
    let mut words = Vec::with_capacity(chars.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        let starts_word = chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase() || n.is_ascii_digit());
        if i > 0 && c.is_ascii_uppercase() && starts_word {
            words.push('_');
        }
        words.push(c);
    }
    let mut out = String::with_capacity(words.len() + 4);
    for (i, &c) in words.iter().enumerate() {
        if i > 0 && c.is_ascii_uppercase() && words[i - 1].is_ascii_lowercase() {
            out.push('_');
        }
        out.extend(c.to_lowercase());
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn layer_names_as_keras_makes_them() {
        for (class, name) in [
            ("Dense", "dense"),
            ("Conv2D", "conv2d"),
            ("MaxPooling2D", "max_pooling2d"),
            ("GlobalAveragePooling2D", "global_average_pooling2d"),
            ("BatchNormalization", "batch_normalization"),
            ("ActivationLayer", "activation_layer"),
        ] {
            assert_eq!(super::snake_case(class), name);
        }
    }
}
