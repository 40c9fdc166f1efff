//! One step on one batch: how a batch becomes a loss, a gradient and a weight update.
//!
//! - **train step** (Keras's `train_step`): the forward pass in [`Mode::Training`], each layer
//!   keeping what its backward pass needs; the loss `L = mean_i loss(yᵢ, ŷᵢ) + Σ penalties`; the
//!   backward pass from the top, each activation's backward then the layer's, down to the first
//!   layer with weights; then one optimizer step on every weight.
//! - **test step** (`test_step`): the forward pass in [`Mode::Inference`] (Dropout off) and the
//!   same loss and metrics, no update.
//! - **predict step** (`predict_step`): the forward pass in inference, probabilities out.
//!
//! When the model ends in a softmax and the loss is categorical cross-entropy, the loss is
//! computed from the logits `z` the softmax would have taken (Keras's `from_logits`, exact, with
//! the simple gradient `∂L/∂z = softmax(z) − y`); the probabilities are still what metrics and
//! `predict` see.

use super::Sequential;
use crate::activations::Activation;
use crate::layers::{Cache, Mode};
use crate::losses::{categorical_crossentropy_from_logits, Loss};
use crate::metrics::{binary_accuracy, categorical_accuracy, top_k_categorical_accuracy, Metric};
use crate::optimizers::ParamRef;
use crate::{Error, Result, Tensor};
use ndarray::{Array2, Ix2};

/// Loss and accuracy of one batch.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct StepLogs {
    /// Mean loss over the batch, penalties included.
    pub loss: f32,
    /// Accuracy over the batch.
    pub accuracy: f32,
    /// Top-k accuracy over the batch, when compiled with that metric.
    pub top_k: Option<f32>,
    /// Number of samples.
    pub samples: usize,
}

/// What a training-mode forward pass keeps: per layer, its cache and its activation's output.
type Tape = Vec<(Cache, Option<Array2<f32>>)>;

impl Sequential {
    /// Whether the loss takes the last layer's logits (categorical cross-entropy after a softmax).
    fn loss_from_logits(&self) -> bool {
        self.compiled.as_ref().is_some_and(|c| c.loss == Loss::CategoricalCrossentropy)
            && self.layers.last().is_some_and(|l| l.layer().activation() == Activation::Softmax)
    }

    /// Runs every layer and its activation on `x`. With `logits`, the last layer's activation (a
    /// softmax) is left out. In training mode also returns the tape for the backward pass.
    fn forward(&mut self, x: Tensor, mode: Mode, logits: bool) -> Result<(Tensor, Tape)> {
        self.check_input(&x)?;
        let top = self.layers.len() - 1;
        let mut tape = Vec::with_capacity(if mode == Mode::Training { self.layers.len() } else { 0 });
        let mut h = x;
        for (i, node) in self.layers.iter_mut().enumerate() {
            let name = node.name().to_string();
            let (z, cache) = node.layer_mut().forward(h, mode).map_err(|e| e.in_layer(&name))?;
            let activation = node.layer().activation();
            h = if activation == Activation::Linear || (logits && i == top) {
                if mode == Mode::Training {
                    tape.push((cache, None));
                }
                z
            } else {
                let y = activation.forward(crate::layers::as_matrix(z, &name)?);
                if mode == Mode::Training {
                    tape.push((cache, Some(y.clone())));
                }
                y.into_dyn()
            };
        }
        Ok((h, tape))
    }

    /// The `k` of a top-k accuracy metric, if the model was compiled with one.
    pub(crate) fn top_k(&self) -> Option<usize> {
        self.compiled.as_ref()?.metrics.iter().find_map(|m| match m {
            Metric::TopKCategoricalAccuracy { k } => Some(*k),
            Metric::Accuracy => None,
        })
    }

    /// The model's output as a matrix (batch, units).
    fn as_output(h: Tensor) -> Result<Array2<f32>> {
        h.into_dimensionality::<Ix2>()
            .map_err(|_| Error::Shape("the model's output must be (batch, units): end it with a Dense layer".into()))
    }

    /// The probabilities for a batch (Keras's `predict_step`).
    pub(crate) fn predict_step(&mut self, x: Tensor) -> Result<Array2<f32>> {
        let (h, _) = self.forward(x, Mode::Inference, false)?;
        Self::as_output(h)
    }

    /// The sum of every layer's penalty (L2 regularisers).
    fn regularization_loss(&self) -> f32 {
        self.layers.iter().map(|l| l.layer().regularization_loss()).sum()
    }

    /// Forward pass, loss and metrics of a batch; returns them with `∂L/∂output` and the tape.
    fn loss_and_grad(&mut self, x: Tensor, y: &Array2<f32>, mode: Mode) -> Result<(StepLogs, Array2<f32>, Tape)> {
        let loss = self.compiled.as_ref().ok_or(Error::NotCompiled("training or evaluating"))?.loss;
        if x.shape().first() != Some(&y.nrows()) {
            return Err(Error::Shape(format!("{} inputs but {} labels", x.shape().first().unwrap_or(&0), y.nrows())));
        }
        let from_logits = self.loss_from_logits();
        let (out, tape) = self.forward(x, mode, from_logits)?;
        let out = Self::as_output(out)?;
        if out.dim() != y.dim() {
            return Err(Error::Shape(format!(
                "labels have {} columns but the model's output has {} units",
                y.ncols(),
                out.ncols()
            )));
        }
        let (per_sample, grad, probs) = if from_logits {
            let (per_sample, grad) = categorical_crossentropy_from_logits(y, out.view());
            (per_sample, grad, crate::math::softmax(&out))
        } else {
            let (per_sample, grad) = loss.per_sample_and_grad(y, &out);
            (per_sample, grad, out)
        };
        let mean = per_sample.mean().unwrap_or(0.0) + self.regularization_loss();
        let accuracy = match loss {
            Loss::CategoricalCrossentropy => categorical_accuracy(y, &probs),
            Loss::BinaryCrossentropy => binary_accuracy(y, &probs),
        };
        let top_k = self.top_k().map(|k| top_k_categorical_accuracy(y, &probs, k));
        Ok((StepLogs { loss: mean, accuracy, top_k, samples: y.nrows() }, grad, tape))
    }

    /// Loss and metrics of a batch in inference mode (Keras's `test_step`).
    pub(crate) fn test_step(&mut self, x: Tensor, y: &Array2<f32>) -> Result<StepLogs> {
        Ok(self.loss_and_grad(x, y, Mode::Inference)?.0)
    }

    /// One optimizer step on a batch (Keras's `train_step`). Returns the loss and metrics measured
    /// before the step; the weights change only when the loss is finite.
    pub(crate) fn train_step(&mut self, x: Tensor, y: &Array2<f32>) -> Result<StepLogs> {
        let (logs, grad, tape) = self.loss_and_grad(x, y, Mode::Training)?;
        if !logs.loss.is_finite() {
            return Err(Error::NonFiniteLoss { epoch: 0, batch: 0, value: logs.loss });
        }
        self.backward(tape, grad)?;
        let compiled = self.compiled.as_mut().ok_or(Error::NotCompiled("training"))?;
        let mut params: Vec<ParamRef<'_>> = Vec::new();
        for node in &mut self.layers {
            let name = node.name().to_string();
            for p in node.params_mut() {
                params.push(ParamRef { key: format!("{name}/{}", p.name), param: p });
            }
        }
        compiled.optimizer.apply(&mut params)?;
        Ok(logs)
    }

    /// Backpropagates `∂L/∂output` from the top layer down to the first layer with weights.
    fn backward(&mut self, tape: Tape, grad: Array2<f32>) -> Result<()> {
        let first_trainable = self.layers.iter().position(|l| !l.params().is_empty()).unwrap_or(usize::MAX);
        let mut g = grad.into_dyn();
        for (i, (node, (cache, y))) in self.layers.iter_mut().zip(tape).enumerate().rev() {
            if i < first_trainable {
                break;
            }
            let name = node.name().to_string();
            if let Some(y) = y {
                let dy = crate::layers::as_matrix(g, &name)?;
                g = node.layer().activation().backward(&y, dy).into_dyn();
            }
            match node.layer_mut().backward(cache, g, i > first_trainable).map_err(|e| e.in_layer(&name))? {
                Some(next) => g = next,
                None => break,
            }
        }
        Ok(())
    }
}
