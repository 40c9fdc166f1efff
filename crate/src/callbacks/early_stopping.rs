//! `EarlyStopping`: stops training when the monitored quantity has stopped improving (Keras's
//! semantics).
//!
//! After each epoch: `wait += 1`; if the value improves on the best by more than `min_delta`
//! (see [`MonitorMode`]), it becomes the best and `wait = 0`; otherwise, once
//! `wait ≥ patience` (and after the first epoch), training stops. With `restore_best_weights`
//! the model ends training with the weights of its best epoch (Keras 3: also when training ran
//! to the end without stopping).
//!
//! ```
//! use snackml::callbacks::EarlyStopping;
//! let stop = EarlyStopping::new("val_loss").patience(3).restore_best_weights(true);
//! assert_eq!(stop.stopped_epoch(), None);
//! ```

use super::monitor::Monitor;
use super::{Callback, Logs, MonitorMode, RunInfo};
use crate::model::Sequential;
use crate::{Result, Tensor};

/// Stops training when a monitored quantity stops improving.
#[derive(Clone, Debug)]
pub struct EarlyStopping {
    monitor: Monitor,
    patience: usize,
    restore_best_weights: bool,
    verbose: bool,
    best_epoch: Option<usize>,
    best_weights: Option<Vec<Tensor>>,
    stopped_epoch: Option<usize>,
}

impl EarlyStopping {
    /// Watches `monitor` (e.g. `"val_loss"`, `"val_accuracy"`), with Keras's defaults:
    /// `min_delta = 0`, `patience = 0`, mode auto, no restoring.
    /// Unlike Keras (`verbose=0`), it says when it stops and restores: a notebook reader should
    /// see why training ended early; `.verbose(false)` silences it.
    pub fn new(monitor: &str) -> Self {
        EarlyStopping {
            monitor: Monitor::new(monitor, 0.0),
            patience: 0,
            restore_best_weights: false,
            verbose: true,
            best_epoch: None,
            best_weights: None,
            stopped_epoch: None,
        }
    }
    /// Epochs without improvement before stopping.
    pub fn patience(mut self, patience: usize) -> Self {
        self.patience = patience;
        self
    }
    /// The smallest change that counts as an improvement.
    pub fn min_delta(mut self, min_delta: f32) -> Self {
        self.monitor.min_delta = min_delta;
        self
    }
    /// Whether lower or higher is better.
    pub fn mode(mut self, mode: MonitorMode) -> Self {
        self.monitor.mode = mode;
        self
    }
    /// End training with the best epoch's weights.
    pub fn restore_best_weights(mut self, restore: bool) -> Self {
        self.restore_best_weights = restore;
        self
    }
    /// Whether to print a line when stopping and restoring (on by default).
    pub fn verbose(mut self, verbose: bool) -> Self {
        self.verbose = verbose;
        self
    }
    /// The epoch (from 0) training stopped after, if it stopped early.
    pub fn stopped_epoch(&self) -> Option<usize> {
        self.stopped_epoch
    }
    /// The name watched, e.g. `val_loss`.
    pub fn monitor(&self) -> &str {
        &self.monitor.name
    }
    /// Epochs without improvement it waits before stopping.
    pub fn patience_epochs(&self) -> usize {
        self.patience
    }
    /// Whether training ends with the best epoch's weights.
    pub fn restores_best_weights(&self) -> bool {
        self.restore_best_weights
    }
    /// The best epoch (from 0) and its value.
    pub fn best(&self) -> Option<(usize, f32)> {
        Some((self.best_epoch?, self.monitor.best?))
    }
}

impl Callback for EarlyStopping {
    fn on_train_begin(&mut self, _info: &RunInfo, _model: &mut Sequential) -> Result<()> {
        self.monitor.start()?;
        self.monitor.reset();
        self.best_epoch = None;
        self.best_weights = None;
        self.stopped_epoch = None;
        Ok(())
    }
    fn on_epoch_end(&mut self, epoch: usize, logs: &Logs, model: &mut Sequential) -> Result<()> {
        let Some(current) = self.monitor.current(logs) else {
            return Ok(());
        };
        if self.restore_best_weights && self.best_weights.is_none() {
            self.best_weights = Some(model.get_weights());
            self.best_epoch = Some(epoch);
        }
        self.monitor.wait += 1;
        if self.monitor.improves(current) {
            self.monitor.improve(current);
            self.best_epoch = Some(epoch);
            if self.restore_best_weights {
                self.best_weights = Some(model.get_weights());
            }
            return Ok(());
        }
        if self.monitor.wait >= self.patience && epoch > 0 {
            self.stopped_epoch = Some(epoch);
            model.set_stop_training(true);
        }
        Ok(())
    }
    fn on_train_end(&mut self, _logs: &Logs, model: &mut Sequential) -> Result<()> {
        if let (Some(epoch), true) = (self.stopped_epoch, self.verbose) {
            println!("Epoch {}: early stopping", epoch + 1);
        }
        if let (true, Some(weights)) = (self.restore_best_weights, self.best_weights.take()) {
            if self.verbose {
                println!(
                    "Restoring model weights from the end of the best epoch: {}.",
                    self.best_epoch.map_or(0, |e| e + 1)
                );
            }
            model.set_weights(weights)?;
        }
        Ok(())
    }
}
