//! `ReduceLROnPlateau`: multiplies the learning rate by `factor` when the monitored quantity has
//! not improved for `patience` epochs (Keras's semantics).
//!
//! After each epoch: during a cooldown, `cooldown_counter −= 1` and `wait = 0`. If the value
//! improves on the best by more than `min_delta`, it becomes the best and `wait = 0`; otherwise,
//! outside a cooldown, `wait += 1`, and once `wait ≥ patience` the rate becomes
//! `max(lr·factor, min_lr)` (if it is above `min_lr`), a cooldown of `cooldown` epochs starts and
//! `wait = 0`.
//!
//! ```
//! use snackml::callbacks::ReduceLROnPlateau;
//! let reduce = ReduceLROnPlateau::new("val_loss").factor(0.5).patience(1).min_lr(1e-4);
//! ```

use super::monitor::Monitor;
use super::{Callback, Logs, MonitorMode, RunInfo};
use crate::model::Sequential;
use crate::{Error, Result};

/// Lowers the learning rate when the monitored quantity stops improving.
#[derive(Clone, Debug)]
pub struct ReduceLROnPlateau {
    monitor: Monitor,
    factor: f32,
    patience: usize,
    cooldown: usize,
    min_lr: f32,
    verbose: bool,
    cooldown_counter: usize,
}

impl ReduceLROnPlateau {
    /// Watches `monitor`, with Keras's defaults: factor 0.1, patience 10, min_delta 1e-4,
    /// cooldown 0, min_lr 0, mode auto; unlike Keras it says when it lowers the rate
    /// (`.verbose(false)` silences it).
    pub fn new(monitor: &str) -> Self {
        ReduceLROnPlateau {
            monitor: Monitor::new(monitor, 1e-4),
            factor: 0.1,
            patience: 10,
            cooldown: 0,
            min_lr: 0.0,
            verbose: true,
            cooldown_counter: 0,
        }
    }
    /// The factor the rate is multiplied by (0 < factor < 1).
    pub fn factor(mut self, factor: f32) -> Self {
        self.factor = factor;
        self
    }
    /// Epochs without improvement before lowering the rate.
    pub fn patience(mut self, patience: usize) -> Self {
        self.patience = patience;
        self
    }
    /// The smallest change that counts as an improvement.
    pub fn min_delta(mut self, min_delta: f32) -> Self {
        self.monitor.min_delta = min_delta;
        self
    }
    /// Epochs to wait after lowering the rate before counting again.
    pub fn cooldown(mut self, cooldown: usize) -> Self {
        self.cooldown = cooldown;
        self
    }
    /// The rate is never lowered below this.
    pub fn min_lr(mut self, min_lr: f32) -> Self {
        self.min_lr = min_lr;
        self
    }
    /// Whether lower or higher is better.
    pub fn mode(mut self, mode: MonitorMode) -> Self {
        self.monitor.mode = mode;
        self
    }
    /// Whether to print a line when the rate changes (on by default).
    pub fn verbose(mut self, verbose: bool) -> Self {
        self.verbose = verbose;
        self
    }
}

impl Callback for ReduceLROnPlateau {
    fn on_train_begin(&mut self, _info: &RunInfo, _model: &mut Sequential) -> Result<()> {
        if !(self.factor > 0.0 && self.factor < 1.0) {
            return Err(Error::InvalidArgument(format!(
                "ReduceLROnPlateau does not support a factor ≥ 1 or ≤ 0, got {}",
                self.factor
            )));
        }
        if !(self.min_lr.is_finite() && self.min_lr >= 0.0) {
            return Err(Error::InvalidArgument(format!("min_lr must be finite and ≥ 0, got {}", self.min_lr)));
        }
        self.monitor.start()?;
        self.monitor.reset();
        self.cooldown_counter = 0;
        Ok(())
    }
    fn on_epoch_end(&mut self, epoch: usize, logs: &Logs, model: &mut Sequential) -> Result<()> {
        let Some(current) = self.monitor.current(logs) else {
            return Ok(());
        };
        if self.cooldown_counter > 0 {
            self.cooldown_counter -= 1;
            self.monitor.wait = 0;
        }
        if self.monitor.improves(current) {
            self.monitor.improve(current);
        } else if self.cooldown_counter == 0 {
            self.monitor.wait += 1;
            if self.monitor.wait >= self.patience {
                let Some(old) = model.learning_rate() else { return Ok(()) };
                if old > self.min_lr {
                    let new = (old as f64 * self.factor as f64).max(self.min_lr as f64) as f32;
                    model.set_learning_rate(new)?;
                    if self.verbose {
                        println!("Epoch {}: ReduceLROnPlateau reducing learning rate to {new}.", epoch + 1);
                    }
                    self.cooldown_counter = self.cooldown;
                    self.monitor.wait = 0;
                }
            }
        }
        Ok(())
    }
}
