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

/// Named metric values, in order: `loss`, `accuracy`, then `val_loss`, `val_accuracy` (Keras's
/// `logs` dictionary).
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
    /// After every batch.
    fn on_batch_end(&mut self, logs: &BatchLogs, model: &mut Sequential) -> Result<()> {
        let _ = (logs, model);
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
}
