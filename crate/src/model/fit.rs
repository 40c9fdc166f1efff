//! The epoch loop (Keras's `fit`, `evaluate` and `predict` share one shape): for every batch of a
//! [`Sequence`], one step — a train step in `fit`, a test step in `evaluate` and for the
//! validation data, a predict step in `predict` — with the callbacks told after each batch, each
//! pass and each epoch (train, test and predict hooks, as Keras's). Progress lines and the
//! [`History`] are callbacks like any other. The loss and the compiled metrics of a pass are
//! added up in a [`MetricsContainer`] and reach the callbacks, the progress line, the history
//! and `evaluate`'s result as named values ([`Logs`]).

use super::Sequential;
use crate::callbacks::Recorder;
use crate::callbacks::{
    BatchLogs, Callback, CallbackList, History, Logs, PredictBatch, ProgbarLogger, RunInfo, RunKind, Verbose,
};
use crate::data::{Batch, Sequence};
use crate::metrics::MetricsContainer;
use crate::{Error, Result, Tensor};
use ndarray::{Array2, Axis};

/// What `fit` validates on (Keras's `validation_data`): `&mut val` for any [`Sequence`], or
/// `None`.
///
/// ```
/// # use snackml::prelude::*;
/// # use snackml::model::Validation;
/// # let mut val = ArrayData::new(snackml::Tensor::zeros(vec![2, 1]), None, 2).unwrap();
/// let with: Validation = (&mut val).into();
/// let without: Validation = None.into();
/// assert!(with.is_some() && !without.is_some());
/// ```
pub struct Validation<'a>(pub(crate) Option<&'a mut dyn Sequence>);

impl Validation<'_> {
    /// Whether there is validation data.
    pub fn is_some(&self) -> bool {
        self.0.is_some()
    }
}

impl<'a, S: Sequence + 'a> From<&'a mut S> for Validation<'a> {
    fn from(data: &'a mut S) -> Self {
        Validation(Some(data))
    }
}

impl<'a> From<&'a mut dyn Sequence> for Validation<'a> {
    fn from(data: &'a mut dyn Sequence) -> Self {
        Validation(Some(data))
    }
}

impl<'a> From<Option<&'a mut dyn Sequence>> for Validation<'a> {
    fn from(data: Option<&'a mut dyn Sequence>) -> Self {
        Validation(data)
    }
}

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

impl Sequential {
    /// Empty running values of the loss and the compiled metrics.
    fn metrics_container(&self) -> Result<MetricsContainer> {
        let compiled = self.compiled.as_ref().ok_or(Error::NotCompiled("training or evaluating"))?;
        MetricsContainer::new(&compiled.metrics, compiled.loss)
    }

    /// The number of output units, which labels are one-hot over.
    fn units(&self) -> Result<usize> {
        match self.output_shape() {
            Some(&[units]) => Ok(units),
            Some(shape) => Err(Error::Shape(format!(
                "the model's output has shape {}, but labels need (None, units): end the model with \
                 Flatten or global pooling, then Dense",
                crate::layers::shape_string(shape)
            ))),
            None => {
                Err(Error::NotBuilt("the model has no output shape yet: give the first layer an input shape".into()))
            }
        }
    }

    fn labels(&self, batch: &Batch) -> Result<Array2<f32>> {
        batch.one_hot(self.units()?)
    }

    /// One pass of test steps over `data` (`evaluate`, or the validation of an epoch of `fit`),
    /// telling `callbacks`; returns the pass's running values.
    fn test_epoch(
        &self,
        data: &mut dyn Sequence,
        callbacks: &mut CallbackList<'_>,
        info: RunInfo,
    ) -> Result<MetricsContainer> {
        let mut metrics = self.metrics_container()?;
        callbacks.test_begin(&info)?;
        for i in 0..data.len() {
            let batch = data.get(i)?;
            let y = self.labels(&batch)?;
            let loss = self.test_step(batch.x, &y, &mut metrics)?;
            callbacks.test_batch_end(&BatchLogs { batch: i, loss, samples: y.nrows(), running: metrics.logs("") })?;
        }
        data.on_epoch_end();
        callbacks.test_end(&metrics.logs(""))?;
        Ok(metrics)
    }

    /// One epoch of train steps over `train` (`epoch` from 0), telling `callbacks` after each
    /// batch; a loss that is not finite is reported with its epoch and batch.
    fn train_epoch(
        &mut self,
        train: &mut dyn Sequence,
        callbacks: &mut CallbackList<'_>,
        epoch: usize,
    ) -> Result<MetricsContainer> {
        let mut metrics = self.metrics_container()?;
        for i in 0..train.len() {
            let batch = train.get(i)?;
            self.prepare_input(&batch.x)?;
            let y = self.labels(&batch)?;
            let loss = self.train_step(batch.x, &y, &mut metrics).map_err(|e| match e {
                Error::NonFiniteLoss { value, .. } => Error::NonFiniteLoss { epoch: epoch + 1, batch: i + 1, value },
                other => other,
            })?;
            let logs = BatchLogs { batch: i, loss, samples: y.nrows(), running: metrics.logs("") };
            callbacks.batch_end(&logs, self)?;
        }
        train.on_epoch_end();
        Ok(metrics)
    }

    /// Trains for `epochs` passes over `train`, evaluating `validation` after each (Keras's
    /// `fit(train, validation_data=val, epochs=n)`): `&mut val`, or `None` for no validation.
    /// Calling `fit` again continues from the current weights and optimizer state.
    ///
    /// Stops with [`Error::NonFiniteLoss`] (naming the epoch and batch) if the loss becomes NaN or
    /// infinite; the weights are those from before the bad batch.
    pub fn fit<'v>(
        &mut self,
        train: &mut dyn Sequence,
        validation: impl Into<Validation<'v>>,
        epochs: usize,
    ) -> Result<History> {
        self.fit_with(train, validation, FitOptions::epochs(epochs))
    }

    /// [`Sequential::fit`] with callbacks and a verbosity of this call's own.
    pub fn fit_with<'v>(
        &mut self,
        train: &mut dyn Sequence,
        validation: impl Into<Validation<'v>>,
        options: FitOptions<'_>,
    ) -> Result<History> {
        let mut validation = validation.into().0;
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
            logs = self.train_epoch(train, &mut callbacks, epoch)?.logs("");
            if let Some(val) = validation.as_deref_mut() {
                let info = RunInfo { kind: RunKind::Fit, epochs: 1, steps: val.len() };
                self.test_epoch(val, &mut callbacks, info)?.write("val_", &mut logs);
            }
            callbacks.epoch_end(epoch, &logs, self)?;
            if self.stop_training {
                break;
            }
        }
        callbacks.train_end(&logs, self)?;
        drop(callbacks);
        let mut history = recorder.history;
        history.validation_samples = validation.map_or(0, |v| v.samples());
        history.chance = self.chance_levels();
        Ok(history)
    }

    /// One optimizer step on one batch (Keras's `train_on_batch`). Returns the batch's loss and
    /// metrics, measured before the step.
    pub fn train_on_batch(&mut self, x: &Tensor, y: &Array2<f32>) -> Result<Logs> {
        let mut metrics = self.metrics_container()?;
        self.train_step(x.clone(), y, &mut metrics)?;
        Ok(metrics.logs(""))
    }

    /// The loss and metrics of one batch in inference mode, no step taken (Keras's
    /// `test_on_batch`): the loss is the mean of the batch's per-sample losses.
    pub fn test_on_batch(&self, x: &Tensor, y: &Array2<f32>) -> Result<Logs> {
        let mut metrics = self.metrics_container()?;
        self.test_step(x.clone(), y, &mut metrics)?;
        Ok(metrics.logs(""))
    }

    /// The loss and every compiled metric over a whole sequence, averaged over samples (Keras's
    /// `evaluate(..., return_dict=True)`), at the model's default verbosity:
    /// `model.evaluate(&mut test)?.value("accuracy")?`.
    pub fn evaluate(&self, data: &mut dyn Sequence) -> Result<Logs> {
        self.evaluate_with(data, self.verbose)
    }

    /// [`Sequential::evaluate`] at a verbosity of this call's own (Keras's `verbose=`).
    pub fn evaluate_with(&self, data: &mut dyn Sequence, verbose: Verbose) -> Result<Logs> {
        self.compiled.as_ref().ok_or(Error::NotCompiled("evaluate"))?;
        let steps = data.len();
        if steps == 0 {
            return Err(Error::InvalidArgument("cannot evaluate on an empty sequence".into()));
        }
        let mut progbar = ProgbarLogger::new(verbose);
        let mut callbacks = CallbackList(vec![&mut progbar]);
        let info = RunInfo { kind: RunKind::Evaluate, epochs: 1, steps };
        Ok(self.test_epoch(data, &mut callbacks, info)?.logs(""))
    }

    /// The model's output (probabilities, after the last softmax) for inputs `x` (batch first),
    /// computed in batches of 32 with a progress bar at the model's verbosity, as Keras's
    /// `predict`.
    pub fn predict(&self, x: &Tensor) -> Result<Array2<f32>> {
        self.predict_with(x, self.verbose)
    }

    /// [`Sequential::predict`] at a verbosity of this call's own.
    pub fn predict_with(&self, x: &Tensor, verbose: Verbose) -> Result<Array2<f32>> {
        self.check_input(x)?;
        let mut data = crate::data::ArrayData::new(x.clone(), None, 32)?;
        if data.is_empty() {
            return Ok(Array2::zeros((0, self.units()?)));
        }
        self.predict_sequence_with(&mut data, verbose)
    }

    /// The model's output for every batch of a sequence, in order, at the model's verbosity.
    pub fn predict_sequence(&self, data: &mut dyn Sequence) -> Result<Array2<f32>> {
        self.predict_sequence_with(data, self.verbose)
    }

    /// [`Sequential::predict_sequence`] at a verbosity of this call's own.
    pub fn predict_sequence_with(&self, data: &mut dyn Sequence, verbose: Verbose) -> Result<Array2<f32>> {
        let steps = data.len();
        if steps == 0 {
            return Err(Error::InvalidArgument("the sequence has no batches".into()));
        }
        let mut progbar = ProgbarLogger::new(verbose);
        let mut callbacks = CallbackList(vec![&mut progbar]);
        callbacks.predict_begin(&RunInfo { kind: RunKind::Predict, epochs: 1, steps })?;
        let mut parts = Vec::with_capacity(steps);
        for i in 0..steps {
            let batch = data.get(i)?;
            let samples = batch.len();
            parts.push(self.predict_step(batch.x)?);
            callbacks.predict_batch_end(PredictBatch { batch: i, samples })?;
        }
        data.on_epoch_end();
        callbacks.predict_end()?;
        let views: Vec<_> = parts.iter().map(|p| p.view()).collect();
        ndarray::concatenate(Axis(0), &views).map_err(|e| Error::Shape(format!("predictions of different widths: {e}")))
    }
}
