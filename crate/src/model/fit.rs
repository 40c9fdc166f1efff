//! The training loop (Keras's `fit`): for each epoch, one optimizer step per batch, then the
//! validation data evaluated, with Keras-style progress lines and a [`History`] of it all.

use super::{BatchResult, History, Progress, Sequential};
use crate::data::Sequence;
use crate::metrics::Metric;
use crate::{Error, Result};
use std::time::Instant;

/// Sample-weighted running means of loss and accuracy, as Keras reports them.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Totals {
    loss: f64,
    correct: f64,
    samples: usize,
    with_accuracy: bool,
}

impl Totals {
    pub(crate) fn new(with_accuracy: bool) -> Self {
        Totals { with_accuracy, ..Totals::default() }
    }
    pub(crate) fn add(&mut self, r: BatchResult) {
        self.loss += r.loss as f64 * r.samples as f64;
        self.correct += r.accuracy as f64 * r.samples as f64;
        self.samples += r.samples;
    }
    pub(crate) fn loss(&self) -> f32 {
        (self.loss / self.samples.max(1) as f64) as f32
    }
    pub(crate) fn accuracy(&self) -> f32 {
        (self.correct / self.samples.max(1) as f64) as f32
    }
    /// `[("loss", …), ("accuracy", …)]`, names prefixed (`val_`).
    pub(crate) fn metrics(&self, prefix: &str) -> Vec<(&'static str, f32)> {
        let (l, a) = if prefix.is_empty() { ("loss", "accuracy") } else { ("val_loss", "val_accuracy") };
        let mut m = vec![(l, self.loss())];
        if self.with_accuracy {
            m.push((a, self.accuracy()));
        }
        m
    }
}

impl Sequential {
    pub(crate) fn reports_accuracy(&self) -> bool {
        self.compiled.as_ref().is_some_and(|c| c.metrics.contains(&Metric::Accuracy))
    }

    /// Trains for `epochs` passes over `train`, evaluating `validation` after each (Keras's
    /// `fit(train, validation_data=val, epochs=n)`). Calling `fit` again continues from the
    /// current weights and optimizer state.
    ///
    /// Stops with [`Error::NonFiniteLoss`] (naming the epoch and batch) if the loss becomes NaN or
    /// infinite; the weights are those from before the bad batch.
    pub fn fit(
        &mut self,
        train: &mut dyn Sequence,
        mut validation: Option<&mut dyn Sequence>,
        epochs: usize,
    ) -> Result<History> {
        self.compiled.as_ref().ok_or(Error::NotCompiled("fit"))?;
        let steps = train.len();
        if steps == 0 {
            return Err(Error::InvalidArgument("the training data has no batches".into()));
        }
        let with_acc = self.reports_accuracy();
        let mut history = History::default();
        for epoch in 1..=epochs {
            let start = Instant::now();
            if self.verbose != super::Verbose::Silent {
                println!("Epoch {epoch}/{epochs}");
            }
            let mut progress = Progress::new(steps, self.verbose);
            let mut totals = Totals::new(with_acc);
            for i in 0..steps {
                let batch = train.get(i)?;
                let y = self.labels(&batch)?;
                let r = self.step(batch.x, &y, true).map_err(|e| match e {
                    Error::NonFiniteLoss { value, .. } => Error::NonFiniteLoss { epoch, batch: i + 1, value },
                    other => other,
                })?;
                history.batch_loss.push(r.loss);
                totals.add(r);
                progress.update(i + 1, &totals.metrics(""));
            }
            train.on_epoch_end();
            let mut shown = totals.metrics("");
            history.epoch.push(epoch);
            history.loss.push(totals.loss());
            history.accuracy.push(totals.accuracy());
            if let Some(val) = validation.as_deref_mut() {
                let mut vt = Totals::new(with_acc);
                for i in 0..val.len() {
                    let batch = val.get(i)?;
                    let y = self.labels(&batch)?;
                    vt.add(self.step(batch.x, &y, false)?);
                }
                val.on_epoch_end();
                shown.extend(vt.metrics("val"));
                history.val_loss.push(vt.loss());
                history.val_accuracy.push(vt.accuracy());
            }
            history.seconds.push(start.elapsed().as_secs_f64());
            progress.finish(&shown);
        }
        Ok(history)
    }
}
