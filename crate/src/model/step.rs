//! One step on one batch: how a batch becomes a loss, a gradient and a weight update.
//!
//! - **train step** (Keras's `train_step`): the forward pass in training mode, each layer keeping
//!   what its backward pass needs; the loss `L = mean_i loss(yᵢ, ŷᵢ) + Σ penalties`; the backward
//!   pass from the top, each activation's backward then the layer's, down to the first layer with
//!   trainable weights; then one optimizer step on every trainable weight.
//! - **test step** (`test_step`): the forward pass in inference (Dropout off) and the same loss
//!   and metrics, no update.
//! - **predict step** (`predict_step`): the forward pass in inference, probabilities out.
//!
//! Tensors keep their rank between layers (a batch of feature maps stays `(batch, h, w, c)`);
//! only the loss needs the model's output as `(batch, units)`.
//!
//! When the model ends in a softmax and the loss is categorical cross-entropy, the loss is
//! computed from the logits `z` the softmax would have taken (Keras's `from_logits`, exact, with
//! the simple gradient `∂L/∂z = softmax(z) − y`); the probabilities are still what metrics and
//! `predict` see.

use super::Sequential;
use crate::activations::Activation;
use crate::layers::Cache;
use crate::losses::{categorical_crossentropy_from_logits, Loss};
use crate::metrics::MetricsContainer;
use crate::optimizers::ParamRef;
use crate::{Error, Result, Tensor};
use ndarray::{Array2, Ix2};

/// What a training-mode forward pass keeps: per layer, its cache and its activation's output
/// (none for a linear activation, or for the softmax the loss takes as logits).
type Tape = Vec<(Cache, Option<Tensor>)>;

impl Sequential {
    /// Whether the loss takes the last layer's logits (categorical cross-entropy after a softmax).
    fn loss_from_logits(&self) -> bool {
        self.compiled.as_ref().is_some_and(|c| c.loss == Loss::CategoricalCrossentropy)
            && self.layers.last().is_some_and(|l| l.layer().activation() == Activation::Softmax)
    }

    /// Every layer and its activation on `x`, in inference. With `logits`, the last layer's
    /// activation (a softmax) is left out.
    fn forward_inference(&self, x: Tensor, logits: bool) -> Result<Tensor> {
        self.check_input(&x)?;
        let top = self.layers.len() - 1;
        let mut h = x;
        for (i, node) in self.layers.iter().enumerate() {
            let z = node.forward_inference(h)?;
            h = match node.separate_activation() {
                Some(activation) if !(logits && i == top) => activation.forward(z),
                _ => z,
            };
        }
        Ok(h)
    }

    /// Every layer and its activation on `x` in a training step, keeping the tape for the
    /// backward pass. With `logits`, the last layer's activation is left out.
    fn forward_training(&mut self, x: Tensor, logits: bool) -> Result<(Tensor, Tape)> {
        self.prepare_input(&x)?;
        let top = self.layers.len() - 1;
        let mut tape = Vec::with_capacity(self.layers.len());
        let mut h = x;
        for (i, node) in self.layers.iter_mut().enumerate() {
            let (z, cache) = node.forward_training(h)?;
            match node.separate_activation().filter(|_| !(logits && i == top)) {
                None => {
                    tape.push((cache, None));
                    h = z;
                }
                Some(activation) => {
                    let y = activation.forward(z);
                    tape.push((cache, Some(y.clone())));
                    h = y;
                }
            }
        }
        Ok((h, tape))
    }

    /// The model's output as a matrix (batch, units).
    fn as_output(h: Tensor) -> Result<Array2<f32>> {
        let shape = h.shape().to_vec();
        h.into_dimensionality::<Ix2>().map_err(|_| {
            Error::Shape(format!(
                "the model's output has shape {shape:?}, but a loss needs (batch, units): end the model with \
                 Flatten or global pooling, then Dense"
            ))
        })
    }

    /// The probabilities for a batch (Keras's `predict_step`).
    pub(crate) fn predict_step(&self, x: Tensor) -> Result<Array2<f32>> {
        Self::as_output(self.forward_inference(x, false)?)
    }

    /// The sum of every layer's penalty (L2 regularisers).
    fn regularization_loss(&self) -> f32 {
        self.layers.iter().map(|l| l.layer().regularization_loss()).sum()
    }

    /// The loss the model was compiled with, after checking the labels against the inputs.
    fn compiled_loss(&self, x: &Tensor, y: &Array2<f32>) -> Result<Loss> {
        let loss = self.compiled.as_ref().ok_or(Error::NotCompiled("training or evaluating"))?.loss;
        if x.shape().first() != Some(&y.nrows()) {
            return Err(Error::Shape(format!("{} inputs but {} labels", x.shape().first().unwrap_or(&0), y.nrows())));
        }
        Ok(loss)
    }

    /// The batch's mean loss (penalties included), `∂L/∂output` and the probabilities, from the
    /// model's output (logits when `from_logits`).
    fn loss_and_grad(
        &self,
        loss: Loss,
        y: &Array2<f32>,
        out: Tensor,
        from_logits: bool,
    ) -> Result<(f32, Array2<f32>, Array2<f32>)> {
        let out = Self::as_output(out)?;
        if out.dim() != y.dim() {
            return Err(Error::Shape(format!(
                "labels have {} columns but the model's output has {} units",
                y.ncols(),
                out.ncols()
            )));
        }
        let (per_sample, grad, probs) = if from_logits {
            let (per_sample, grad) = categorical_crossentropy_from_logits(y, out.view())?;
            (per_sample, grad, crate::math::softmax(&out))
        } else {
            let (per_sample, grad) = loss.per_sample_and_grad(y, &out)?;
            (per_sample, grad, out)
        };
        let mean = per_sample.mean().unwrap_or(0.0) + self.regularization_loss();
        Ok((mean, grad, probs))
    }

    /// Loss and metrics of a batch in inference mode (Keras's `test_step`), added to `metrics`;
    /// returns the batch's mean loss.
    pub(crate) fn test_step(&self, x: Tensor, y: &Array2<f32>, metrics: &mut MetricsContainer) -> Result<f32> {
        let loss = self.compiled_loss(&x, y)?;
        let from_logits = self.loss_from_logits();
        let out = self.forward_inference(x, from_logits)?;
        let (mean, _, probs) = self.loss_and_grad(loss, y, out, from_logits)?;
        metrics.update(mean, y.view(), probs.view())?;
        Ok(mean)
    }

    /// One optimizer step on a batch (Keras's `train_step`): the loss and metrics measured before
    /// the step are added to `metrics`, and the batch's mean loss returned. The weights change
    /// only when the loss is finite.
    pub(crate) fn train_step(&mut self, x: Tensor, y: &Array2<f32>, metrics: &mut MetricsContainer) -> Result<f32> {
        let loss = self.compiled_loss(&x, y)?;
        let from_logits = self.loss_from_logits();
        let (out, tape) = self.forward_training(x, from_logits)?;
        let (mean, grad, probs) = self.loss_and_grad(loss, y, out, from_logits)?;
        if !mean.is_finite() {
            return Err(Error::NonFiniteLoss { epoch: 0, batch: 0, value: mean });
        }
        metrics.update(mean, y.view(), probs.view())?;
        self.backward(tape, grad.into_dyn())?;
        let compiled = self.compiled.as_mut().ok_or(Error::NotCompiled("training"))?;
        let mut params: Vec<ParamRef<'_>> = Vec::new();
        for node in &mut self.layers {
            let name = node.name().to_string();
            for p in node.params_mut().iter_mut().filter(|p| p.trainable) {
                params.push(ParamRef { key: format!("{name}/{}", p.name), param: p });
            }
        }
        compiled.optimizer.apply(&mut params)?;
        Ok(mean)
    }

    /// Backpropagates `∂L/∂output` from the top layer down to the first layer with trainable
    /// weights.
    fn backward(&mut self, tape: Tape, grad: Tensor) -> Result<()> {
        let first_trainable =
            self.layers.iter().position(|l| l.params().iter().any(|p| p.trainable)).unwrap_or(usize::MAX);
        let mut g = grad;
        for (i, (node, (cache, y))) in self.layers.iter_mut().zip(tape).enumerate().rev() {
            if i < first_trainable {
                break;
            }
            let name = node.name().to_string();
            if let Some(y) = y {
                g = node.layer().activation().backward(&y, g).map_err(|e| e.in_layer(&name))?;
            }
            match node.layer_mut().backward(cache, g, i > first_trainable).map_err(|e| e.in_layer(&name))? {
                Some(next) => g = next,
                None => break,
            }
        }
        Ok(())
    }
}
