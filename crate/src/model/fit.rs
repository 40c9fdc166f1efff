//! The epoch loop (Keras's `fit`, `evaluate` and `predict` share one): for every batch of a
//! [`Sequence`], one step — a train step in `fit`, a test step in `evaluate` and for the
//! validation data, a predict step in `predict` — with the callbacks told after each batch and
//! each epoch. Progress lines and the [`History`] are callbacks like any other.

use super::step::StepLogs;
use super::Sequential;
use crate::callbacks::Recorder;
use crate::callbacks::{BatchLogs, Callback, CallbackList, History, Logs, ProgbarLogger, RunInfo, RunKind, Verbose};
use crate::data::{Batch, Sequence};
use crate::metrics::Metric;
use crate::{Error, Result, Tensor};
use ndarray::{Array2, Axis};

/// How `fit` runs: the epochs, the verbosity and the callbacks (Keras's `fit` arguments).
///
/// ```
/// use snackml::callbacks::EarlyStopping;
/// use snackml::prelude::*;
/// let mut stop = EarlyStopping::new("val_loss").patience(3).restore_best_weights(true);
/// let options = FitOptions::epochs(30).verbose(Verbose::OneLine).callback(&mut stop);
/// ```
pub struct FitOptions<'a> {
    epochs: usize,
    verbose: Option<Verbose>,
    callbacks: Vec<&'a mut dyn Callback>,
}

impl<'a> FitOptions<'a> {
    /// Train for `epochs` passes over the training data.
    pub fn epochs(epochs: usize) -> Self {
        FitOptions { epochs, verbose: None, callbacks: Vec::new() }
    }
    /// How much to print (Keras's `verbose=`); the model's default otherwise.
    pub fn verbose(mut self, verbose: Verbose) -> Self {
        self.verbose = Some(verbose);
        self
    }
    /// Adds a callback, called after the progress bar and before the history.
    pub fn callback(mut self, callback: &'a mut dyn Callback) -> Self {
        self.callbacks.push(callback);
        self
    }
}

/// Sample-weighted running means of loss and accuracy, as Keras reports them.
#[derive(Clone, Copy, Debug, Default)]
struct Totals {
    loss: f64,
    correct: f64,
    top_k: f64,
    samples: usize,
    with_accuracy: bool,
    with_top_k: bool,
}

impl Totals {
    fn new(with_accuracy: bool, with_top_k: bool) -> Self {
        Totals { with_accuracy, with_top_k, ..Totals::default() }
    }
    fn add(&mut self, r: StepLogs) {
        self.loss += r.loss as f64 * r.samples as f64;
        self.correct += r.accuracy as f64 * r.samples as f64;
        self.top_k += r.top_k.unwrap_or(0.0) as f64 * r.samples as f64;
        self.samples += r.samples;
    }
    fn loss(&self) -> f32 {
        (self.loss / self.samples.max(1) as f64) as f32
    }
    fn accuracy(&self) -> f32 {
        (self.correct / self.samples.max(1) as f64) as f32
    }
    /// `loss`, `accuracy` (or `val_loss`, `val_accuracy` with the prefix `val_`) into `logs`.
    fn write(&self, prefix: &str, logs: &mut Logs) {
        logs.set(format!("{prefix}loss"), self.loss());
        if self.with_accuracy {
            logs.set(format!("{prefix}accuracy"), self.accuracy());
        }
        if self.with_top_k {
            let top_k = (self.top_k / self.samples.max(1) as f64) as f32;
            logs.set(format!("{prefix}top_k_categorical_accuracy"), top_k);
        }
    }
}

impl Sequential {
    fn reports_accuracy(&self) -> bool {
        self.compiled.as_ref().is_some_and(|c| c.metrics.contains(&Metric::Accuracy))
    }

    /// Empty running totals for this model's metrics.
    fn totals(&self) -> Totals {
        Totals::new(self.reports_accuracy(), self.top_k().is_some())
    }

    fn labels(&self, batch: &Batch) -> Result<Array2<f32>> {
        batch.one_hot(self.output_shape().map_or(0, |s| s[0]))
    }

    /// The loop every run shares: `step` on every batch of `data`, in order, then the sequence's
    /// end of epoch (a shuffling one reshuffles).
    fn run_epoch(
        &mut self,
        data: &mut dyn Sequence,
        mut step: impl FnMut(&mut Self, usize, Batch) -> Result<()>,
    ) -> Result<()> {
        for i in 0..data.len() {
            let batch = data.get(i)?;
            step(self, i, batch)?;
        }
        data.on_epoch_end();
        Ok(())
    }

    /// One pass of test steps over `data`, telling `callbacks` after each batch.
    fn test_epoch(&mut self, data: &mut dyn Sequence, callbacks: &mut CallbackList<'_>) -> Result<Totals> {
        let mut totals = self.totals();
        self.run_epoch(data, |model, i, batch| {
            let y = model.labels(&batch)?;
            let r = model.test_step(batch.x, &y)?;
            totals.add(r);
            let mut running = Logs::new();
            totals.write("", &mut running);
            callbacks.batch_end(&BatchLogs { batch: i, loss: r.loss, samples: r.samples, running }, model)
        })?;
        Ok(totals)
    }

    /// Trains for `epochs` passes over `train`, evaluating `validation` after each (Keras's
    /// `fit(train, validation_data=val, epochs=n)`). Calling `fit` again continues from the
    /// current weights and optimizer state.
    ///
    /// Stops with [`Error::NonFiniteLoss`] (naming the epoch and batch) if the loss becomes NaN or
    /// infinite; the weights are those from before the bad batch.
    pub fn fit(
        &mut self,
        train: &mut dyn Sequence,
        validation: Option<&mut dyn Sequence>,
        epochs: usize,
    ) -> Result<History> {
        self.fit_with(train, validation, FitOptions::epochs(epochs))
    }

    /// [`Sequential::fit`] with callbacks and a verbosity of this call's own.
    pub fn fit_with(
        &mut self,
        train: &mut dyn Sequence,
        mut validation: Option<&mut dyn Sequence>,
        options: FitOptions<'_>,
    ) -> Result<History> {
        self.compiled.as_ref().ok_or(Error::NotCompiled("fit"))?;
        let steps = train.len();
        if steps == 0 {
            return Err(Error::InvalidArgument("the training data has no batches".into()));
        }
        if validation.as_deref().is_some_and(|v| v.is_empty()) {
            // Keras would report val_loss 0.0 for every epoch; that is a wrong number, not a result.
            return Err(Error::InvalidArgument(
                "the validation data has no batches: pass None for no validation, or a folder with images".into(),
            ));
        }
        let info = RunInfo { kind: RunKind::Fit, epochs: options.epochs, steps };
        let mut progbar = ProgbarLogger::new(options.verbose.unwrap_or(self.verbose));
        let mut recorder = Recorder::default();
        let mut user = options.callbacks;
        let mut list: Vec<&mut dyn Callback> = vec![&mut progbar];
        list.extend(user.iter_mut().map(|c| &mut **c as &mut dyn Callback));
        list.push(&mut recorder);
        let mut callbacks = CallbackList(list);

        self.stop_training = false;
        callbacks.train_begin(&info, self)?;
        let mut logs = Logs::new();
        for epoch in 0..options.epochs {
            callbacks.epoch_begin(epoch, self)?;
            let mut totals = self.totals();
            self.run_epoch(train, |model, i, batch| {
                let y = model.labels(&batch)?;
                let r = model.train_step(batch.x, &y).map_err(|e| match e {
                    Error::NonFiniteLoss { value, .. } => {
                        Error::NonFiniteLoss { epoch: epoch + 1, batch: i + 1, value }
                    }
                    other => other,
                })?;
                totals.add(r);
                let mut running = Logs::new();
                totals.write("", &mut running);
                callbacks.batch_end(&BatchLogs { batch: i, loss: r.loss, samples: r.samples, running }, model)
            })?;
            logs = Logs::new();
            totals.write("", &mut logs);
            if let Some(val) = validation.as_deref_mut() {
                self.test_epoch(val, &mut CallbackList(Vec::new()))?.write("val_", &mut logs);
            }
            callbacks.epoch_end(epoch, &logs, self)?;
            if self.stop_training {
                break;
            }
        }
        callbacks.train_end(&logs, self)?;
        drop(callbacks);
        Ok(recorder.history)
    }

    /// One optimizer step on one batch (Keras's `train_on_batch`). Returns the loss and accuracy
    /// measured before the step.
    pub fn train_on_batch(&mut self, x: &Tensor, y: &Array2<f32>) -> Result<(f32, f32)> {
        let r = self.train_step(x.clone(), y)?;
        Ok((r.loss, r.accuracy))
    }

    /// Loss and accuracy on one batch in inference mode, no step taken (Keras's `test_on_batch`):
    /// the loss is the mean of the batch's per-sample losses.
    pub fn test_on_batch(&mut self, x: &Tensor, y: &Array2<f32>) -> Result<(f32, f32)> {
        let r = self.test_step(x.clone(), y)?;
        Ok((r.loss, r.accuracy))
    }

    /// Loss and accuracy over a whole sequence, averaged over samples (Keras's `evaluate`), at
    /// the model's default verbosity.
    pub fn evaluate(&mut self, data: &mut dyn Sequence) -> Result<(f32, f32)> {
        self.evaluate_with(data, self.verbose)
    }

    /// [`Sequential::evaluate`] at a verbosity of this call's own (Keras's `verbose=`).
    pub fn evaluate_with(&mut self, data: &mut dyn Sequence, verbose: Verbose) -> Result<(f32, f32)> {
        self.compiled.as_ref().ok_or(Error::NotCompiled("evaluate"))?;
        let steps = data.len();
        if steps == 0 {
            return Err(Error::InvalidArgument("cannot evaluate on an empty sequence".into()));
        }
        let mut progbar = ProgbarLogger::new(verbose);
        let mut callbacks = CallbackList(vec![&mut progbar]);
        callbacks.train_begin(&RunInfo { kind: RunKind::Evaluate, epochs: 1, steps }, self)?;
        let totals = self.test_epoch(data, &mut callbacks)?;
        let mut logs = Logs::new();
        totals.write("", &mut logs);
        callbacks.train_end(&logs, self)?;
        Ok((totals.loss(), totals.accuracy()))
    }

    /// The model's output (probabilities, after the last softmax) for inputs `x` (batch first),
    /// computed in batches of 32, as Keras's `predict`.
    pub fn predict(&mut self, x: &Tensor) -> Result<Array2<f32>> {
        let mut data = crate::data::ArrayData::new(x.clone(), None, 32)?;
        if data.is_empty() {
            self.check_input(x)?;
            let units = self.output_shape().map_or(0, |s| s[0]);
            return Ok(Array2::zeros((0, units)));
        }
        self.predict_sequence(&mut data)
    }

    /// The model's output for every batch of a sequence, in order.
    pub fn predict_sequence(&mut self, data: &mut dyn Sequence) -> Result<Array2<f32>> {
        let mut parts = Vec::new();
        self.run_epoch(data, |model, _, batch| {
            parts.push(model.predict_step(batch.x)?);
            Ok(())
        })?;
        if parts.is_empty() {
            return Err(Error::InvalidArgument("the sequence has no batches".into()));
        }
        let views: Vec<_> = parts.iter().map(|p| p.view()).collect();
        ndarray::concatenate(Axis(0), &views).map_err(|e| Error::Shape(format!("predictions of different widths: {e}")))
    }
}
