//! `History`: what `fit` returns, the numbers behind the loss and accuracy curves, recorded by a
//! callback as Keras's `History` is.

use super::{BatchLogs, Callback, Logs, RunInfo};
use crate::model::Sequential;
use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use std::time::Instant;

/// Per-epoch values (Keras's `history.history`: name → one value per epoch, `loss`, every
/// compiled metric, then the same with `val_`) and per-batch losses, from one or more `fit`s.
///
/// ```
/// # use snackml::model::History;
/// let h = History::from_columns(&[("loss", vec![3.0, 2.5]), ("val_accuracy", vec![0.10, 0.12])]);
/// assert_eq!(h.len(), 2);
/// assert_eq!(h.last("val_accuracy")?, 0.12);
/// assert!(h.values("accuracy").is_err()); // not recorded: an error naming what was
/// # Ok::<(), snackml::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct History {
    /// Epoch numbers, 1-based, counting on across `fit`s joined with [`History::extend`].
    pub epoch: Vec<usize>,
    /// Each logged name with its value for every epoch, in the order the logs had them.
    pub history: Vec<(String, Vec<f32>)>,
    /// The loss of every training batch, in order (for plotting the noisy curve).
    pub batch_loss: Vec<f32>,
    /// Wall-clock seconds of each epoch, validation included.
    pub seconds: Vec<f64>,
    /// Images in the validation data (0: unknown or none), for the noise of its accuracy.
    #[serde(default)]
    pub validation_samples: usize,
    /// What a guess scores on each metric that has a chance level (`accuracy`: 1 / classes,
    /// top-k accuracy: k / classes), as `fit` knew it from the model's outputs.
    #[serde(default)]
    pub chance: Vec<(String, f32)>,
}

impl History {
    /// A history of these columns, epochs numbered 1, 2, … (the longest column's length).
    pub fn from_columns(columns: &[(&str, Vec<f32>)]) -> Self {
        let epochs = columns.iter().map(|(_, v)| v.len()).max().unwrap_or(0);
        History {
            epoch: (1..=epochs).collect(),
            history: columns.iter().map(|(k, v)| (k.to_string(), v.clone())).collect(),
            ..History::default()
        }
    }

    /// The values of `name` for every epoch, if it was logged.
    pub fn get(&self, name: &str) -> Option<&[f32]> {
        self.history.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_slice())
    }

    /// The values of `name`, or an error listing what was logged (Keras's `KeyError`).
    pub fn values(&self, name: &str) -> Result<&[f32]> {
        self.get(name).ok_or_else(|| {
            let names: Vec<&str> = self.names().collect();
            Error::InvalidArgument(format!("the history has no {name:?} (it has: {})", names.join(", ")))
        })
    }

    /// What a guess scores on metric `name` (with or without `val_`), if it has a chance level.
    pub fn chance(&self, name: &str) -> Option<f32> {
        let name = name.strip_prefix("val_").unwrap_or(name);
        self.chance.iter().find(|(k, _)| k == name).map(|&(_, v)| v)
    }

    /// The last epoch's value of `name`.
    pub fn last(&self, name: &str) -> Result<f32> {
        self.values(name)?
            .last()
            .copied()
            .ok_or_else(|| Error::InvalidArgument(format!("the history has no epoch of {name:?} yet")))
    }

    /// The logged names, in order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.history.iter().map(|(k, _)| k.as_str())
    }

    /// The values of `name`, empty when it was not logged (for charts that draw what there is).
    pub(crate) fn column(&self, name: &str) -> &[f32] {
        self.get(name).unwrap_or(&[])
    }

    /// The column `name`, created (empty) when missing.
    fn column_mut(&mut self, name: &str) -> &mut Vec<f32> {
        let i = match self.history.iter().position(|(k, _)| k == name) {
            Some(i) => i,
            None => {
                self.history.push((name.to_string(), Vec::new()));
                self.history.len() - 1
            }
        };
        &mut self.history[i].1
    }

    /// Appends another `fit`'s history, renumbering its epochs to follow this one's.
    pub fn extend(&mut self, other: &History) {
        let offset = self.epoch.last().copied().unwrap_or(0);
        self.epoch.extend(other.epoch.iter().map(|e| e + offset));
        for (name, values) in &other.history {
            self.column_mut(name).extend(values);
        }
        self.batch_loss.extend(&other.batch_loss);
        self.seconds.extend(&other.seconds);
        if self.validation_samples == 0 {
            self.validation_samples = other.validation_samples;
        }
        if self.chance.is_empty() {
            self.chance = other.chance.clone();
        }
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
    /// every logged value goes to the column of its name.
    pub fn record(&mut self, epoch: usize, logs: &Logs, seconds: f64) {
        self.epoch.push(epoch + 1);
        for (name, value) in logs.iter() {
            self.column_mut(name).push(value);
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
    /// let h = History::from_columns(&[("loss", vec![3.0, 2.5, 2.2, 2.0]), ("val_loss", vec![2.9, 2.8, 2.9, 3.0])]);
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
        let (loss, val_loss) = (self.column("loss"), self.column("val_loss"));
        if let Some((best, rise, now)) = stalled(self.column("val_accuracy"), self.column("accuracy"), higher) {
            return Some(format!(
                "overfitting: validation accuracy has not improved for {patience} epochs (best {best:.4}) \
                 while training accuracy rose by {rise:.4} to {now:.4}"
            ));
        }
        stalled(val_loss, loss, lower).map(|(best, fall, now)| {
            let val_now = val_loss[val_loss.len() - 1];
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

    fn set(h: &mut History, name: &str, values: Vec<f32>) {
        *h.column_mut(name) = values;
    }

    #[test]
    fn overfitting_is_flagged_only_when_validation_stalls() {
        let mut h = History::from_columns(&[
            ("accuracy", vec![0.2, 0.3, 0.4, 0.5]),
            ("val_accuracy", vec![0.2, 0.25, 0.24, 0.23]),
        ]);
        assert!(h.overfitting_warning(2).is_some());
        set(&mut h, "val_accuracy", vec![0.2, 0.25, 0.26, 0.27]);
        assert!(h.overfitting_warning(2).is_none());
        // Validation loss rising while training loss falls is overfitting too.
        set(&mut h, "loss", vec![3.0, 2.6, 2.3, 2.1]);
        set(&mut h, "val_loss", vec![2.9, 2.8, 2.85, 2.95]);
        let w = h.overfitting_warning(2).unwrap();
        assert!(w.contains("validation loss") && w.contains("best 2.8000") && w.contains("to 2.1000"), "{w}");
        set(&mut h, "val_loss", vec![2.9, 2.8, 2.85, 2.75]);
        assert!(h.overfitting_warning(2).is_none());
        // Training that stalls too is not overfitting.
        set(&mut h, "loss", vec![3.0, 2.6, 2.7, 2.8]);
        set(&mut h, "val_loss", vec![2.9, 2.8, 2.85, 2.95]);
        assert!(h.overfitting_warning(2).is_none());
        assert!(h.overfitting_warning(0).is_none());
        assert!(h.overfitting_warning(4).is_none());
    }

    #[test]
    fn extend_renumbers_epochs_and_joins_columns_by_name() {
        let mut a = History::from_columns(&[("loss", vec![1.0, 0.9])]);
        a.extend(&History::from_columns(&[("loss", vec![0.8]), ("precision", vec![0.5])]));
        assert_eq!(a.epoch, vec![1, 2, 3]);
        assert_eq!(a.values("loss").unwrap(), &[1.0, 0.9, 0.8]);
        assert_eq!(a.values("precision").unwrap(), &[0.5]);
    }

    #[test]
    fn every_logged_name_is_recorded_and_a_missing_one_is_an_error() {
        let mut h = History::default();
        let mut logs = Logs::new();
        logs.set("loss", 2.0);
        logs.set("recall", 0.25);
        logs.set("val_loss", 2.5);
        h.record(0, &logs, 1.0);
        assert_eq!(h.names().collect::<Vec<_>>(), ["loss", "recall", "val_loss"]);
        assert_eq!(h.last("recall").unwrap(), 0.25);
        let e = h.values("accuracy").unwrap_err().to_string();
        assert!(e.contains("loss, recall, val_loss"), "{e}");
    }
}
