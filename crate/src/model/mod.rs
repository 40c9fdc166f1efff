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

mod checks;
mod fit;
mod history;
mod progress;
mod save;
mod summary;

pub use checks::initial_loss_check;
pub use history::History;
pub use progress::{format_metrics, per_step, Progress, Verbose};
pub use summary::Summary;

use crate::data::{Batch, Sequence};
use crate::layers::{Layer, Param};
use crate::losses::{categorical_crossentropy_from_logits, Loss};
use crate::metrics::{binary_accuracy, categorical_accuracy, Metric};
use crate::optimizers::{check_learning_rate, Optimizer};
use crate::{Error, Result, Tensor};
use ndarray::{Array2, Axis, Ix2};
use rand::rngs::StdRng;
use rand::SeedableRng;

/// What `compile` sets.
#[derive(Debug)]
struct Compiled {
    loss: Loss,
    optimizer: Box<dyn Optimizer>,
    metrics: Vec<Metric>,
}

/// Loss and accuracy of one batch.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BatchResult {
    /// Mean loss over the batch.
    pub loss: f32,
    /// Accuracy over the batch.
    pub accuracy: f32,
    /// Number of samples.
    pub samples: usize,
}

/// A linear stack of layers (Keras's `Sequential`).
#[derive(Debug)]
pub struct Sequential {
    name: String,
    layers: Vec<Box<dyn Layer>>,
    input_shape: Option<Vec<usize>>,
    rng: StdRng,
    compiled: Option<Compiled>,
    verbose: Verbose,
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
    pub fn add_boxed(&mut self, mut layer: Box<dyn Layer>) -> Result<&mut Self> {
        if layer.name().is_empty() {
            let base = snake_case(layer.class_name());
            let taken = |n: &str| self.layers.iter().any(|l| l.name() == n);
            let mut name = base.clone();
            let mut i = 0;
            while taken(&name) {
                i += 1;
                name = format!("{base}_{i}");
            }
            layer.set_name(name);
        } else if self.layers.iter().any(|l| l.name() == layer.name()) {
            return Err(Error::InvalidArgument(format!("the model already has a layer named {:?}", layer.name())));
        }
        let input = match self.layers.last() {
            Some(prev) => prev.output_shape().map(<[usize]>::to_vec),
            None => layer.declared_input_shape().map(<[usize]>::to_vec),
        };
        if let Some(shape) = input {
            layer.build(&shape, &mut self.rng)?;
            if self.layers.is_empty() {
                self.input_shape = Some(shape);
            }
        }
        self.layers.push(layer);
        Ok(self)
    }

    /// Builds the model for inputs of `input_shape` (without the batch dimension), as Keras's
    /// `model.build((None, …))`. Only needed when the first layer declares no input shape.
    pub fn build(&mut self, input_shape: &[usize]) -> Result<()> {
        let mut shape = input_shape.to_vec();
        for layer in &mut self.layers {
            shape = layer.build(&shape, &mut self.rng)?;
        }
        self.input_shape = Some(input_shape.to_vec());
        Ok(())
    }

    /// The layers, bottom to top.
    pub fn layers(&self) -> &[Box<dyn Layer>] {
        &self.layers
    }

    /// The layers, mutable (to set one layer's weights, say).
    pub fn layers_mut(&mut self) -> &mut [Box<dyn Layer>] {
        &mut self.layers
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

    /// The total number of trainable weights.
    pub fn count_params(&self) -> usize {
        self.layers.iter().map(|l| l.count_params()).sum()
    }

    /// Every weight tensor, layer by layer, in Keras order (kernel, bias).
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
        for layer in &mut self.layers {
            for p in layer.params_mut() {
                p.value = it.next().expect("counted above");
            }
        }
        Ok(())
    }

    /// Sets how much `fit` and `evaluate` print.
    pub fn set_verbose(&mut self, verbose: Verbose) {
        self.verbose = verbose;
    }

    /// Chooses the loss, the optimizer and the metrics (Keras's `compile`). Compiling again
    /// replaces the optimizer (and so its state) but keeps the weights.
    pub fn compile(&mut self, loss: Loss, optimizer: impl Optimizer + 'static, metrics: &[Metric]) -> Result<()> {
        check_learning_rate(optimizer.learning_rate())?;
        self.compiled = Some(Compiled { loss, optimizer: Box::new(optimizer), metrics: metrics.to_vec() });
        Ok(())
    }

    /// The optimizer's learning rate, once compiled.
    pub fn learning_rate(&self) -> Option<f32> {
        self.compiled.as_ref().map(|c| c.optimizer.learning_rate())
    }

    /// Changes the learning rate for the next `fit` (the optimizer keeps its state).
    pub fn set_learning_rate(&mut self, lr: f32) -> Result<()> {
        self.compiled.as_mut().ok_or(Error::NotCompiled("set_learning_rate"))?.optimizer.set_learning_rate(lr)
    }

    /// The loss the model was compiled with.
    pub fn loss(&self) -> Option<Loss> {
        self.compiled.as_ref().map(|c| c.loss)
    }

    fn shape_string(shape: &[usize]) -> String {
        let dims: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
        format!("(None, {})", dims.join(", "))
    }

    /// Runs the layers on a batch, checking its shape against the model's input.
    fn forward(&mut self, x: Tensor, training: bool) -> Result<Array2<f32>> {
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
            Some(want) if x.shape() == want.as_slice() => {
                return Err(Error::Shape(format!(
                    "the model expects a batch of inputs of shape {}, got one input of shape {:?}: use expand_dims to make a batch of one",
                    Self::shape_string(want),
                    x.shape()
                )))
            }
            Some(want) if &x.shape()[1..] != want.as_slice() => {
                return Err(Error::Shape(format!(
                    "the model expects inputs of shape {}, got {:?}",
                    Self::shape_string(want),
                    x.shape()
                )))
            }
            Some(_) => {}
            None => {
                let shape = x.shape()[1..].to_vec();
                self.build(&shape)?;
            }
        }
        let mut h = x;
        for layer in &mut self.layers {
            h = layer.call(h, training)?;
        }
        h.into_dimensionality::<Ix2>()
            .map_err(|_| Error::Shape("the model's output must be (batch, units): end it with a Dense layer".into()))
    }

    /// The model's output for inputs `x` (batch first), computed in batches of 32.
    pub fn predict(&mut self, x: &Tensor) -> Result<Array2<f32>> {
        let n = x.shape().first().copied().unwrap_or(0);
        let mut parts = Vec::new();
        for start in (0..n).step_by(32) {
            let chunk = x.slice_axis(Axis(0), (start..(start + 32).min(n)).into()).to_owned();
            parts.push(self.forward(chunk, false)?);
        }
        if parts.is_empty() {
            let units = self.output_shape().map_or(0, |s| s[0]);
            return Ok(Array2::zeros((0, units)));
        }
        let views: Vec<_> = parts.iter().map(|p| p.view()).collect();
        Ok(ndarray::concatenate(Axis(0), &views).expect("same widths"))
    }

    /// The model's output for every batch of a sequence, in order.
    pub fn predict_sequence(&mut self, data: &mut dyn Sequence) -> Result<Array2<f32>> {
        let mut parts = Vec::new();
        for i in 0..data.len() {
            let batch = data.get(i)?;
            parts.push(self.forward(batch.x, false)?);
        }
        if parts.is_empty() {
            return Err(Error::InvalidArgument("the sequence has no batches".into()));
        }
        let views: Vec<_> = parts.iter().map(|p| p.view()).collect();
        Ok(ndarray::concatenate(Axis(0), &views).expect("same widths"))
    }

    fn labels(&self, batch: &Batch) -> Result<Array2<f32>> {
        let units = self.output_shape().map_or(0, |s| s[0]);
        batch.one_hot(units)
    }

    /// Loss and accuracy of a batch; with `train`, also one optimizer step (weights change only
    /// when the loss is finite).
    fn step(&mut self, x: Tensor, y: &Array2<f32>, train: bool) -> Result<BatchResult> {
        let loss = self.compiled.as_ref().ok_or(Error::NotCompiled(if train { "training" } else { "evaluate" }))?.loss;
        if x.shape().first() != Some(&y.nrows()) {
            return Err(Error::Shape(format!("{} inputs but {} labels", x.shape().first().unwrap_or(&0), y.nrows())));
        }
        // Our layers behave the same in training and inference; "training" here means
        // "keep what the backward pass (and the exact from-logits loss) needs".
        let probs = self.forward(x, true)?;
        if probs.dim() != y.dim() {
            return Err(Error::Shape(format!(
                "labels have {} columns but the model's output has {} units",
                y.ncols(),
                probs.ncols()
            )));
        }
        let last = self.layers.last().expect("forward checked");
        let logits = if loss == Loss::CategoricalCrossentropy { last.softmax_logits() } else { None };
        let from_logits = logits.is_some();
        let (per_sample, grad) = match logits {
            Some(z) => categorical_crossentropy_from_logits(y, z),
            None => {
                let (_, g) = loss.mean_and_grad(y, &probs);
                (loss.per_sample(y, &probs), g)
            }
        };
        let mean = per_sample.mean().unwrap_or(0.0);
        let accuracy = match loss {
            Loss::CategoricalCrossentropy => categorical_accuracy(y, &probs),
            Loss::BinaryCrossentropy => binary_accuracy(y, &probs),
        };
        let result = BatchResult { loss: mean, accuracy, samples: y.nrows() };
        if !train {
            return Ok(result);
        }
        if !mean.is_finite() {
            return Err(Error::NonFiniteLoss { epoch: 0, batch: 0, value: mean });
        }
        self.backward(grad, from_logits)?;
        let compiled = self.compiled.as_mut().expect("checked above");
        let mut params: Vec<&mut Param> = self.layers.iter_mut().flat_map(|l| l.params_mut().iter_mut()).collect();
        compiled.optimizer.apply(&mut params);
        Ok(result)
    }

    fn backward(&mut self, grad: Array2<f32>, from_logits: bool) -> Result<()> {
        let first_trainable = self.layers.iter().position(|l| !l.params().is_empty()).unwrap_or(usize::MAX);
        let top = self.layers.len() - 1;
        let mut g = grad.into_dyn();
        for (i, layer) in self.layers.iter_mut().enumerate().rev() {
            if i < first_trainable {
                break;
            }
            let need = i > first_trainable;
            let out =
                if i == top && from_logits { layer.backward_from_logits(g, need)? } else { layer.backward(g, need)? };
            match out {
                Some(next) => g = next,
                None => break,
            }
        }
        Ok(())
    }

    /// One optimizer step on one batch (Keras's `train_on_batch`). Returns the loss and accuracy
    /// measured before the step.
    pub fn train_on_batch(&mut self, x: &Tensor, y: &Array2<f32>) -> Result<(f32, f32)> {
        let r = self.step(x.clone(), y, true)?;
        Ok((r.loss, r.accuracy))
    }

    /// Loss and accuracy over a whole sequence, averaged over samples (Keras's `evaluate`).
    pub fn evaluate(&mut self, data: &mut dyn Sequence) -> Result<(f32, f32)> {
        self.compiled.as_ref().ok_or(Error::NotCompiled("evaluate"))?;
        let steps = data.len();
        if steps == 0 {
            return Err(Error::InvalidArgument("cannot evaluate on an empty sequence".into()));
        }
        let mut progress = Progress::new(steps, self.verbose);
        let mut totals = fit::Totals::new(self.reports_accuracy());
        for i in 0..steps {
            let batch = data.get(i)?;
            let y = self.labels(&batch)?;
            totals.add(self.step(batch.x, &y, false)?);
            progress.update(i + 1, &totals.metrics(""));
        }
        progress.finish(&totals.metrics(""));
        Ok((totals.loss(), totals.accuracy()))
    }
}

/// `Dense` → `dense`, `ActivationLayer` → `activation`.
fn snake_case(class_name: &str) -> String {
    let mut out = String::new();
    for (i, c) in class_name.chars().enumerate() {
        if c.is_uppercase() && i > 0 {
            out.push('_');
        }
        out.extend(c.to_lowercase());
    }
    out
}
