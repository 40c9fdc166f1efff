//! `History`: what `fit` returns, the numbers behind the loss and accuracy curves, recorded by a
//! callback as Keras's `History` is.

use super::{BatchLogs, Callback, Logs, RunInfo};
use crate::model::Sequential;
use crate::Result;
use serde::{Deserialize, Serialize};
use std::time::Instant;

/// Per-epoch metrics (Keras's `history.history`) and per-batch losses, from one or more `fit`s.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct History {
    /// Epoch numbers, 1-based, counting on across `fit`s joined with [`History::extend`].
    pub epoch: Vec<usize>,
    /// Mean training loss of each epoch (averaged over samples, as Keras does).
    pub loss: Vec<f32>,
    /// Training accuracy of each epoch.
    pub accuracy: Vec<f32>,
    /// Validation loss after each epoch (empty without validation data).
    pub val_loss: Vec<f32>,
    /// Validation accuracy after each epoch.
    pub val_accuracy: Vec<f32>,
    /// Training top-k accuracy of each epoch (empty unless compiled with that metric).
    #[serde(default)]
    pub top_k_categorical_accuracy: Vec<f32>,
    /// Validation top-k accuracy after each epoch.
    #[serde(default)]
    pub val_top_k_categorical_accuracy: Vec<f32>,
    /// The loss of every training batch, in order (for plotting the noisy curve).
    pub batch_loss: Vec<f32>,
    /// Wall-clock seconds of each epoch, validation included.
    pub seconds: Vec<f64>,
}

impl History {
    /// Appends another `fit`'s history, renumbering its epochs to follow this one's.
    pub fn extend(&mut self, other: &History) {
        let offset = self.epoch.last().copied().unwrap_or(0);
        self.epoch.extend(other.epoch.iter().map(|e| e + offset));
        self.loss.extend(&other.loss);
        self.accuracy.extend(&other.accuracy);
        self.val_loss.extend(&other.val_loss);
        self.val_accuracy.extend(&other.val_accuracy);
        self.top_k_categorical_accuracy.extend(&other.top_k_categorical_accuracy);
        self.val_top_k_categorical_accuracy.extend(&other.val_top_k_categorical_accuracy);
        self.batch_loss.extend(&other.batch_loss);
        self.seconds.extend(&other.seconds);
    }

    /// The number of epochs recorded.
    pub fn len(&self) -> usize {
        self.epoch.len()
    }

    /// True when no epoch was recorded.
    pub fn is_empty(&self) -> bool {
        self.epoch.is_empty()
    }

    /// The chapter's advice, automated: a warning when validation accuracy has stopped improving
    /// for `patience` epochs while training accuracy still rises (the model is overfitting).
    pub fn overfitting_warning(&self, patience: usize) -> Option<String> {
        let n = self.val_accuracy.len();
        if patience == 0 || n <= patience || self.accuracy.len() != n {
            return None;
        }
        let best_before = self.val_accuracy[..n - patience].iter().copied().fold(f32::MIN, f32::max);
        let recent_best = self.val_accuracy[n - patience..].iter().copied().fold(f32::MIN, f32::max);
        let train_rise = self.accuracy[n - 1] - self.accuracy[n - 1 - patience];
        (recent_best <= best_before && train_rise > 0.0).then(|| {
            format!(
                "overfitting: validation accuracy has not improved for {patience} epochs (best {best_before:.4}) \
                 while training accuracy rose by {train_rise:.4} to {:.4}",
                self.accuracy[n - 1]
            )
        })
    }
}

/// The callback that writes a [`History`] during `fit`.
#[derive(Debug, Default)]
pub(crate) struct Recorder {
    pub(crate) history: History,
    epoch_start: Option<Instant>,
}

impl Callback for Recorder {
    fn on_train_begin(&mut self, _info: &RunInfo, _model: &mut Sequential) -> Result<()> {
        self.history = History::default();
        Ok(())
    }
    fn on_epoch_begin(&mut self, _epoch: usize, _model: &mut Sequential) -> Result<()> {
        self.epoch_start = Some(Instant::now());
        Ok(())
    }
    fn on_batch_end(&mut self, logs: &BatchLogs, _model: &mut Sequential) -> Result<()> {
        self.history.batch_loss.push(logs.loss);
        Ok(())
    }
    fn on_epoch_end(&mut self, epoch: usize, logs: &Logs, _model: &mut Sequential) -> Result<()> {
        let h = &mut self.history;
        h.epoch.push(epoch + 1);
        let push = |column: &mut Vec<f32>, name: &str| {
            if let Some(v) = logs.get(name) {
                column.push(v);
            }
        };
        push(&mut h.loss, "loss");
        push(&mut h.accuracy, "accuracy");
        push(&mut h.val_loss, "val_loss");
        push(&mut h.val_accuracy, "val_accuracy");
        push(&mut h.top_k_categorical_accuracy, "top_k_categorical_accuracy");
        push(&mut h.val_top_k_categorical_accuracy, "val_top_k_categorical_accuracy");
        h.seconds.push(self.epoch_start.map_or(0.0, |t| t.elapsed().as_secs_f64()));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overfitting_is_flagged_only_when_validation_stalls() {
        let mut h = History {
            epoch: vec![1, 2, 3, 4],
            accuracy: vec![0.2, 0.3, 0.4, 0.5],
            val_accuracy: vec![0.2, 0.25, 0.24, 0.23],
            ..History::default()
        };
        assert!(h.overfitting_warning(2).is_some());
        h.val_accuracy = vec![0.2, 0.25, 0.26, 0.27];
        assert!(h.overfitting_warning(2).is_none());
    }

    #[test]
    fn extend_renumbers_epochs() {
        let mut a = History { epoch: vec![1, 2], loss: vec![1.0, 0.9], ..History::default() };
        a.extend(&History { epoch: vec![1], loss: vec![0.8], ..History::default() });
        assert_eq!(a.epoch, vec![1, 2, 3]);
    }
}
