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

    /// Appends one finished epoch (`epoch` counted from 0, as the callbacks count) from its logs:
    /// each column takes the value of its Keras name when the logs have it.
    pub fn record(&mut self, epoch: usize, logs: &Logs, seconds: f64) {
        self.epoch.push(epoch + 1);
        for (column, name) in [
            (&mut self.loss, "loss"),
            (&mut self.accuracy, "accuracy"),
            (&mut self.val_loss, "val_loss"),
            (&mut self.val_accuracy, "val_accuracy"),
            (&mut self.top_k_categorical_accuracy, "top_k_categorical_accuracy"),
            (&mut self.val_top_k_categorical_accuracy, "val_top_k_categorical_accuracy"),
        ] {
            column.extend(logs.get(name));
        }
        self.seconds.push(seconds);
    }

    /// The chapter's advice, automated: a warning when the model is overfitting over the last
    /// `patience` epochs, that is when
    /// - validation accuracy has not beaten its best of the epochs before while training
    ///   accuracy still rose, or
    /// - validation loss has not beaten its best of the epochs before (it rose) while training
    ///   loss still fell.
    ///
    /// ```
    /// # use snackml::model::History;
    /// let h = History {
    ///     loss: vec![3.0, 2.5, 2.2, 2.0],
    ///     val_loss: vec![2.9, 2.8, 2.9, 3.0],
    ///     ..History::default()
    /// };
    /// assert!(h.overfitting_warning(2).unwrap().contains("validation loss"));
    /// ```
    pub fn overfitting_warning(&self, patience: usize) -> Option<String> {
        let stalled = |val: &[f32], train: &[f32], better: fn(f32, f32) -> bool| -> Option<(f32, f32, f32)> {
            let n = val.len();
            if patience == 0 || n <= patience || train.len() != n {
                return None;
            }
            let pick = |v: &[f32]| v.iter().copied().reduce(|a, b| if better(b, a) { b } else { a });
            let (best_before, recent_best) = (pick(&val[..n - patience])?, pick(&val[n - patience..])?);
            let train_change = train[n - 1] - train[n - 1 - patience];
            (!better(recent_best, best_before) && better(train[n - 1], train[n - 1 - patience])).then_some((
                best_before,
                train_change,
                train[n - 1],
            ))
        };
        let higher = |a: f32, b: f32| a > b;
        let lower = |a: f32, b: f32| a < b;
        if let Some((best, rise, now)) = stalled(&self.val_accuracy, &self.accuracy, higher) {
            return Some(format!(
                "overfitting: validation accuracy has not improved for {patience} epochs (best {best:.4}) \
                 while training accuracy rose by {rise:.4} to {now:.4}"
            ));
        }
        stalled(&self.val_loss, &self.loss, lower).map(|(best, fall, now)| {
            let val_now = self.val_loss[self.val_loss.len() - 1];
            format!(
                "overfitting: validation loss has not improved for {patience} epochs (best {best:.4}, now \
                 {val_now:.4}) while training loss fell by {:.4} to {now:.4}",
                -fall
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
        let seconds = self.epoch_start.map_or(0.0, |t| t.elapsed().as_secs_f64());
        self.history.record(epoch, logs, seconds);
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
        // Validation loss rising while training loss falls is overfitting too.
        h.loss = vec![3.0, 2.6, 2.3, 2.1];
        h.val_loss = vec![2.9, 2.8, 2.85, 2.95];
        let w = h.overfitting_warning(2).unwrap();
        assert!(w.contains("validation loss") && w.contains("best 2.8000") && w.contains("to 2.1000"), "{w}");
        h.val_loss = vec![2.9, 2.8, 2.85, 2.75];
        assert!(h.overfitting_warning(2).is_none());
        // Training that stalls too is not overfitting.
        h.loss = vec![3.0, 2.6, 2.7, 2.8];
        h.val_loss = vec![2.9, 2.8, 2.85, 2.95];
        assert!(h.overfitting_warning(2).is_none());
        assert!(h.overfitting_warning(0).is_none());
        assert!(h.overfitting_warning(4).is_none());
    }

    #[test]
    fn extend_renumbers_epochs() {
        let mut a = History { epoch: vec![1, 2], loss: vec![1.0, 0.9], ..History::default() };
        a.extend(&History { epoch: vec![1], loss: vec![0.8], ..History::default() });
        assert_eq!(a.epoch, vec![1, 2, 3]);
    }
}
