//! Callbacks: code that `fit` calls at the start and end of training, of every epoch and of
//! every batch (Keras's `keras.callbacks`). The progress lines ([`ProgbarLogger`]) and the
//! [`History`] `fit` returns are callbacks too, as in Keras; so are the ones Keras users reach
//! for next: [`EarlyStopping`], [`ModelCheckpoint`], [`ReduceLROnPlateau`],
//! [`LearningRateScheduler`] and [`CSVLogger`].
//!
//! Epochs are counted from 0 in every hook, as in Keras (the progress line says `Epoch 1/5`).
//! A callback gets the model, so it can read or set its weights and learning rate, save it, or
//! ask it to stop ([`Sequential::set_stop_training`]).
//!
//! ```
//! use snackml::callbacks::{Callback, Logs};
//! use snackml::prelude::*;
//! /// Prints the validation loss after every epoch.
//! struct PrintValLoss;
//! impl Callback for PrintValLoss {
//!     fn on_epoch_end(&mut self, epoch: usize, logs: &Logs, _model: &mut Sequential) -> snackml::Result<()> {
//!         if let Some(v) = logs.get("val_loss") {
//!             println!("epoch {}: val_loss {v:.4}", epoch + 1);
//!         }
//!         Ok(())
//!     }
//! }
//! ```

mod csv_logger;
mod early_stopping;
mod history;
mod model_checkpoint;
mod monitor;
mod progbar;
mod reduce_lr;
mod scheduler;

pub use csv_logger::CSVLogger;
pub use early_stopping::EarlyStopping;
pub use history::History;
pub use model_checkpoint::ModelCheckpoint;
pub use monitor::MonitorMode;
pub use progbar::{ProgbarLogger, Verbose};
pub use reduce_lr::ReduceLROnPlateau;
pub use scheduler::LearningRateScheduler;

pub(crate) use history::Recorder;

use crate::model::Sequential;
use crate::Result;

/// Named metric values, in order: `loss`, every compiled metric (`accuracy`, …), then the same
/// with `val_` (Keras's `logs` dictionary). `evaluate` returns one.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Logs(Vec<(String, f32)>);

impl Logs {
    /// No values.
    pub fn new() -> Self {
        Logs(Vec::new())
    }
    /// The value named `name` (e.g. `"val_loss"`), if present.
    pub fn get(&self, name: &str) -> Option<f32> {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| *v)
    }
    /// Sets `name` to `value`, replacing an earlier value.
    pub fn set(&mut self, name: impl Into<String>, value: f32) {
        let name = name.into();
        match self.0.iter_mut().find(|(k, _)| *k == name) {
            Some(slot) => slot.1 = value,
            None => self.0.push((name, value)),
        }
    }
    /// The names and values, in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, f32)> {
        self.0.iter().map(|(k, v)| (k.as_str(), *v))
    }
    /// True when there are no values.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Logs {
    /// The value named `name`, or an error listing the names there are (Keras's `KeyError`).
    pub fn value(&self, name: &str) -> Result<f32> {
        self.get(name).ok_or_else(|| {
            let names: Vec<&str> = self.0.iter().map(|(k, _)| k.as_str()).collect();
            crate::Error::InvalidArgument(format!("no value named {name:?} (there are: {})", names.join(", ")))
        })
    }
    /// The names, in order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|(k, _)| k.as_str())
    }
}

/// `loss: 3.2844 - accuracy: 0.0588`, as Keras's progress line ends.
impl std::fmt::Display for Logs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> = self.iter().map(|(k, v)| format!("{k}: {v:.4}")).collect();
        f.write_str(&parts.join(" - "))
    }
}

impl Logs {
    /// Shows the values as a notebook cell's value (evcxr).
    pub fn evcxr_display(&self) {
        println!("{self}");
    }
}

/// What a batch hook is told: the batch's index, its own loss and size, and the running means
/// of the epoch so far (what the progress bar shows).
#[derive(Clone, Debug)]
pub struct BatchLogs {
    /// The batch's index in the epoch (from 0).
    pub batch: usize,
    /// This batch's own mean loss.
    pub loss: f32,
    /// The number of samples in the batch.
    pub samples: usize,
    /// The epoch's running means (`loss`, `accuracy`), sample-weighted as Keras reports them.
    pub running: Logs,
}

/// What a predict batch hook is told: the batch's index and size.
#[derive(Clone, Copy, Debug)]
pub struct PredictBatch {
    /// The batch's index (from 0).
    pub batch: usize,
    /// The number of samples in the batch.
    pub samples: usize,
}

/// Which loop is running: `fit`, `evaluate` or `predict`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunKind {
    /// Training (`fit`), with its epochs.
    Fit,
    /// `evaluate`: one pass, no update.
    Evaluate,
    /// `predict`: one pass, no labels.
    Predict,
}

/// What a run is about to do (Keras's `callback.params`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RunInfo {
    /// Which loop.
    pub kind: RunKind,
    /// Epochs to run (1 for `evaluate` and `predict`).
    pub epochs: usize,
    /// Batches per epoch.
    pub steps: usize,
}

/// Hooks called by the training loop; every one does nothing unless overridden. An `Err`
/// from a hook stops the run and is returned by `fit`.
pub trait Callback {
    /// Before the first epoch (and before `evaluate`'s pass).
    fn on_train_begin(&mut self, info: &RunInfo, model: &mut Sequential) -> Result<()> {
        let _ = (info, model);
        Ok(())
    }
    /// After the last epoch, with the last epoch's logs.
    fn on_train_end(&mut self, logs: &Logs, model: &mut Sequential) -> Result<()> {
        let _ = (logs, model);
        Ok(())
    }
    /// Before epoch `epoch` (from 0).
    fn on_epoch_begin(&mut self, epoch: usize, model: &mut Sequential) -> Result<()> {
        let _ = (epoch, model);
        Ok(())
    }
    /// After epoch `epoch`, with its training means and validation results (`val_…`).
    fn on_epoch_end(&mut self, epoch: usize, logs: &Logs, model: &mut Sequential) -> Result<()> {
        let _ = (epoch, logs, model);
        Ok(())
    }
    /// After every training batch (Keras's `on_train_batch_end`).
    fn on_batch_end(&mut self, logs: &BatchLogs, model: &mut Sequential) -> Result<()> {
        let _ = (logs, model);
        Ok(())
    }
    /// Before a pass of test steps: `evaluate`, or the validation at the end of each epoch of
    /// `fit` (then `info.kind` is [`RunKind::Fit`]). Test and predict hooks get no model: those
    /// loops read it, they do not change it.
    fn on_test_begin(&mut self, info: &RunInfo) -> Result<()> {
        let _ = info;
        Ok(())
    }
    /// After every test batch, with the running means of the pass (`loss`, `accuracy`, …).
    fn on_test_batch_end(&mut self, logs: &BatchLogs) -> Result<()> {
        let _ = logs;
        Ok(())
    }
    /// After a pass of test steps, with its results (without the `val_` prefix).
    fn on_test_end(&mut self, logs: &Logs) -> Result<()> {
        let _ = logs;
        Ok(())
    }
    /// Before `predict`'s pass.
    fn on_predict_begin(&mut self, info: &RunInfo) -> Result<()> {
        let _ = info;
        Ok(())
    }
    /// After every predict batch.
    fn on_predict_batch_end(&mut self, batch: PredictBatch) -> Result<()> {
        let _ = batch;
        Ok(())
    }
    /// After `predict`'s pass.
    fn on_predict_end(&mut self) -> Result<()> {
        Ok(())
    }
}

/// The callbacks of one run, called in order.
pub(crate) struct CallbackList<'a>(pub(crate) Vec<&'a mut dyn Callback>);

impl CallbackList<'_> {
    pub(crate) fn train_begin(&mut self, info: &RunInfo, model: &mut Sequential) -> Result<()> {
        self.0.iter_mut().try_for_each(|c| c.on_train_begin(info, model))
    }
    pub(crate) fn train_end(&mut self, logs: &Logs, model: &mut Sequential) -> Result<()> {
        self.0.iter_mut().try_for_each(|c| c.on_train_end(logs, model))
    }
    pub(crate) fn epoch_begin(&mut self, epoch: usize, model: &mut Sequential) -> Result<()> {
        self.0.iter_mut().try_for_each(|c| c.on_epoch_begin(epoch, model))
    }
    pub(crate) fn epoch_end(&mut self, epoch: usize, logs: &Logs, model: &mut Sequential) -> Result<()> {
        self.0.iter_mut().try_for_each(|c| c.on_epoch_end(epoch, logs, model))
    }
    pub(crate) fn batch_end(&mut self, logs: &BatchLogs, model: &mut Sequential) -> Result<()> {
        self.0.iter_mut().try_for_each(|c| c.on_batch_end(logs, model))
    }
    pub(crate) fn test_begin(&mut self, info: &RunInfo) -> Result<()> {
        self.0.iter_mut().try_for_each(|c| c.on_test_begin(info))
    }
    pub(crate) fn test_batch_end(&mut self, logs: &BatchLogs) -> Result<()> {
        self.0.iter_mut().try_for_each(|c| c.on_test_batch_end(logs))
    }
    pub(crate) fn test_end(&mut self, logs: &Logs) -> Result<()> {
        self.0.iter_mut().try_for_each(|c| c.on_test_end(logs))
    }
    pub(crate) fn predict_begin(&mut self, info: &RunInfo) -> Result<()> {
        self.0.iter_mut().try_for_each(|c| c.on_predict_begin(info))
    }
    pub(crate) fn predict_batch_end(&mut self, batch: PredictBatch) -> Result<()> {
        self.0.iter_mut().try_for_each(|c| c.on_predict_batch_end(batch))
    }
    pub(crate) fn predict_end(&mut self) -> Result<()> {
        self.0.iter_mut().try_for_each(|c| c.on_predict_end())
    }
}
