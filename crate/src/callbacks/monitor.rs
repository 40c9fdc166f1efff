//! The quantity a callback watches (`monitor="val_loss"`) and what counts as better.
//!
//! With `mode` auto, a name containing `acc` is better when larger, anything else when smaller
//! (Keras's rule). `current` improves on `best` when `current < best − min_delta` (min mode) or
//! `current > best + min_delta` (max mode).

use super::Logs;
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

/// A watched quantity and its state over a run: which way is better, the best value so far, and
/// how many epochs have passed without improving on it. `EarlyStopping`, `ReduceLROnPlateau` and
/// `ModelCheckpoint` each keep one.
#[derive(Clone, Debug)]
pub(crate) struct Monitor {
    /// The logged name watched, e.g. `val_loss`.
    pub(crate) name: String,
    pub(crate) mode: MonitorMode,
    pub(crate) min_delta: f32,
    higher_is_better: bool,
    /// The best value so far.
    pub(crate) best: Option<f32>,
    /// Epochs since the last improvement (each callback counts them its own way).
    pub(crate) wait: usize,
}

impl Monitor {
    /// Watches `name` in mode auto with `min_delta`.
    pub(crate) fn new(name: &str, min_delta: f32) -> Self {
        Monitor {
            name: name.to_string(),
            mode: MonitorMode::Auto,
            min_delta,
            higher_is_better: false,
            best: None,
            wait: 0,
        }
    }

    /// Starts a run: checks `min_delta` and settles the direction (the best so far is kept, as
    /// Keras's `ModelCheckpoint` keeps it across `fit`s; see [`Monitor::reset`]).
    pub(crate) fn start(&mut self) -> Result<()> {
        if !self.min_delta.is_finite() {
            return Err(Error::InvalidArgument(format!("min_delta must be finite, got {}", self.min_delta)));
        }
        self.higher_is_better = match self.mode {
            MonitorMode::Max => true,
            MonitorMode::Min => false,
            MonitorMode::Auto => self.name.contains("acc"),
        };
        Ok(())
    }

    /// Forgets the best value and the wait (`EarlyStopping` and `ReduceLROnPlateau` at the start
    /// of every `fit`).
    pub(crate) fn reset(&mut self) {
        self.best = None;
        self.wait = 0;
    }

    /// The watched value in `logs`, if logged.
    pub(crate) fn current(&self, logs: &Logs) -> Option<f32> {
        logs.get(&self.name)
    }

    /// Whether `current` improves on the best by more than `min_delta` (any number improves on
    /// no best, NaN never does).
    pub(crate) fn improves(&self, current: f32) -> bool {
        let (current, delta) = (current as f64, self.min_delta.abs() as f64);
        match self.best {
            None => !current.is_nan(),
            Some(best) if self.higher_is_better => current - delta > best as f64,
            Some(best) => current + delta < best as f64,
        }
    }

    /// Takes `current` as the new best and resets the wait.
    pub(crate) fn improve(&mut self, current: f32) {
        self.best = Some(current);
        self.wait = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_direction_follows_the_name_in_auto_mode() {
        let mut m = Monitor::new("val_accuracy", 0.01);
        m.start().unwrap();
        assert!(m.improves(0.1));
        m.improve(0.5);
        assert!(!m.improves(0.505) && m.improves(0.52) && !m.improves(f32::NAN));
        let mut m = Monitor::new("val_loss", 0.0);
        m.start().unwrap();
        m.improve(1.0);
        assert!(m.improves(0.9) && !m.improves(1.1));
        m.min_delta = f32::NAN;
        assert!(m.start().is_err());
    }
}
