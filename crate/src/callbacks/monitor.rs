//! The quantity a callback watches (`monitor="val_loss"`) and what counts as better.
//!
//! With `mode` auto, a name containing `acc` is better when larger, anything else when smaller
//! (Keras's rule). `current` improves on `best` when `current < best − min_delta` (min mode) or
//! `current > best + min_delta` (max mode).

use crate::{Error, Result};

/// Whether the monitored value should go down or up.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum MonitorMode {
    /// `mode="auto"`: up for accuracies, down for the rest.
    #[default]
    Auto,
    /// `mode="min"`: lower is better (losses).
    Min,
    /// `mode="max"`: higher is better (accuracies).
    Max,
}

/// A monitored quantity with its direction and threshold.
#[derive(Clone, Debug)]
pub(crate) struct Monitor {
    pub(crate) higher_is_better: bool,
    pub(crate) min_delta: f32,
}

impl Monitor {
    pub(crate) fn new(name: &str, mode: MonitorMode, min_delta: f32) -> Result<Self> {
        if !min_delta.is_finite() {
            return Err(Error::InvalidArgument(format!("min_delta must be finite, got {min_delta}")));
        }
        let higher_is_better = match mode {
            MonitorMode::Max => true,
            MonitorMode::Min => false,
            MonitorMode::Auto => name.contains("acc"),
        };
        Ok(Monitor { higher_is_better, min_delta: min_delta.abs() })
    }

    /// Whether `current` improves on `best` (anything improves on nothing).
    pub(crate) fn improves(&self, current: f32, best: Option<f32>) -> bool {
        let (current, delta) = (current as f64, self.min_delta as f64);
        match best {
            None => !current.is_nan(),
            Some(best) if self.higher_is_better => current - delta > best as f64,
            Some(best) => current + delta < best as f64,
        }
    }
}
