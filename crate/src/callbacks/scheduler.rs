//! `LearningRateScheduler`: sets the learning rate at the start of every epoch from a function
//! of the epoch (from 0) and the current rate (Keras's `LearningRateScheduler(schedule)`).
//!
//! ```
//! use snackml::callbacks::LearningRateScheduler;
//! // keep the rate for 10 epochs, then decay it by e^(−0.1) per epoch
//! let schedule = LearningRateScheduler::new(|epoch, lr| if epoch < 10 { lr } else { lr * (-0.1f32).exp() });
//! ```

use super::Callback;
use crate::model::Sequential;
use crate::{Error, Result};

/// The learning rate set by a function of the epoch.
pub struct LearningRateScheduler {
    schedule: Box<dyn FnMut(usize, f32) -> f32 + Send>,
    verbose: bool,
}

impl LearningRateScheduler {
    /// `schedule(epoch, lr)` gives the rate of epoch `epoch` (from 0).
    pub fn new(schedule: impl FnMut(usize, f32) -> f32 + Send + 'static) -> Self {
        LearningRateScheduler { schedule: Box::new(schedule), verbose: false }
    }
    /// Whether to print the rate at the start of every epoch.
    pub fn verbose(mut self, verbose: bool) -> Self {
        self.verbose = verbose;
        self
    }
}

impl std::fmt::Debug for LearningRateScheduler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LearningRateScheduler").finish_non_exhaustive()
    }
}

impl Callback for LearningRateScheduler {
    fn on_epoch_begin(&mut self, epoch: usize, model: &mut Sequential) -> Result<()> {
        let lr = model.learning_rate().ok_or(Error::NotCompiled("LearningRateScheduler"))?;
        let new = (self.schedule)(epoch, lr);
        model.set_learning_rate(new).map_err(|e| {
            Error::InvalidArgument(format!("the schedule gave epoch {} a learning rate of {new}: {e}", epoch + 1))
        })?;
        if self.verbose {
            println!("Epoch {}: LearningRateScheduler setting learning rate to {new}.", epoch + 1);
        }
        Ok(())
    }
}
