//! A learning-rate sweep in one call: copies of one compiled model, one per learning rate, each
//! trained for the same epochs on the same batches, and their histories side by side.
//!
//! Every copy starts from the model as it is (the same initial weights, optimizer state and
//! random generator: `Sequential` is `Clone`) with its own learning rate. Each epoch the
//! training batches are read once (a shuffling or augmenting flow gives every copy the same
//! epoch), the validation batches once for the whole sweep, and every copy trains on them, one
//! after the other or all at once ([`SweepParallelism`]). A copy whose loss becomes NaN or
//! infinite stops there and is marked as diverged; the others go on.
//!
//! The rates are usually spaced evenly on a log scale, [`log_spaced`]`(1e-4, 1e-1, 7)` =
//! `10^(−4 + 3i/6)`, `i = 0..6`: 1e-4, 3.2e-4, 1e-3, …, 1e-1.
//!
//! ```
//! use snackml::data::ArrayData;
//! use snackml::model::{log_spaced, SweepOptions};
//! use snackml::prelude::*;
//! # fn main() -> snackml::Result<()> {
//! let x = ndarray::Array2::from_shape_fn((20, 3), |(i, j)| ((i + j) % 4) as f32).into_dyn();
//! let y = snackml::math::one_hot(&(0..20).map(|i| i % 2).collect::<Vec<_>>(), 2)?;
//! let mut model = Sequential::with_seed(1);
//! model.add(Dense::new(2).input_shape(&[3]))?;
//! model.add(ActivationLayer::softmax())?;
//! model.compile(Loss::CategoricalCrossentropy, SGD::new(0.01), &[Metric::Accuracy])?;
//! let mut train = ArrayData::new(x.clone(), Some(y.clone()), 8)?;
//! let mut val = ArrayData::new(x, Some(y), 8)?;
//! let sweep = model.learning_rate_sweep(&log_spaced(1e-3, 1e-1, 3), &mut train, &mut val, SweepOptions::epochs(2))?;
//! assert_eq!(sweep.runs.len(), 3);
//! assert_eq!(sweep.runs[0].history.values("val_loss")?.len(), 2);
//! # Ok(())
//! # }
//! ```

use super::{History, Sequential, Verbose};
use crate::data::{Batch, Sequence};
use crate::{Error, Result};
use rayon::prelude::*;
use std::time::Instant;

/// How the copies of a sweep are trained.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SweepParallelism {
    /// One copy after the other, each matrix product on all cores.
    Sequential,
    /// All copies at once, one rayon task each; their matrix products still split over the
    /// cores, and a core waiting inside one product takes up another copy's work.
    Models,
}

impl Default for SweepParallelism {
    /// [`SweepParallelism::Models`], the faster on the 2-core machines measured (`bench/beyond.md`).
    fn default() -> Self {
        SweepParallelism::Models
    }
}

/// The options of [`Sequential::learning_rate_sweep`]: the epochs and the parallelism.
#[derive(Clone, Copy, Debug)]
pub struct SweepOptions {
    epochs: usize,
    parallelism: SweepParallelism,
}

impl SweepOptions {
    /// Train each copy for `epochs` epochs.
    pub fn epochs(epochs: usize) -> Self {
        SweepOptions { epochs, parallelism: SweepParallelism::default() }
    }

    /// How the copies are trained (default [`SweepParallelism::Models`]).
    pub fn parallelism(mut self, parallelism: SweepParallelism) -> Self {
        self.parallelism = parallelism;
        self
    }
}

/// One learning rate's run.
#[derive(Clone, Debug, PartialEq)]
pub struct SweepRun {
    /// The learning rate.
    pub learning_rate: f32,
    /// Its epochs' metrics (as `fit` returns them).
    pub history: History,
    /// Why the run stopped early (its loss became NaN or infinite), if it did.
    pub diverged: Option<String>,
}

impl SweepRun {
    /// The epoch (1-based) with the lowest validation loss (training loss without validation
    /// data) and that loss; `None` when no epoch has a finite one.
    pub fn best_epoch(&self) -> Option<(usize, f32)> {
        let h = &self.history;
        let losses = h.get("val_loss").filter(|v| !v.is_empty()).unwrap_or(h.column("loss"));
        losses
            .iter()
            .enumerate()
            .filter(|(_, v)| v.is_finite())
            .min_by(|a, b| a.1.total_cmp(b.1))
            .map(|(i, &v)| (h.epoch.get(i).copied().unwrap_or(i + 1), v))
    }
}

/// What [`Sequential::learning_rate_sweep`] returns: one run per learning rate, in the order given.
#[derive(Clone, Debug, PartialEq)]
pub struct LearningRateSweep {
    /// The runs.
    pub runs: Vec<SweepRun>,
    /// Wall-clock seconds of the whole sweep (reading the batches included).
    pub seconds: f64,
}

impl LearningRateSweep {
    /// The run whose best epoch has the lowest loss (see [`SweepRun::best_epoch`]).
    pub fn best(&self) -> Option<&SweepRun> {
        self.runs
            .iter()
            .filter_map(|r| r.best_epoch().map(|(_, loss)| (r, loss)))
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(r, _)| r)
    }
}

/// `n` rates from `lo` to `hi` evenly spaced on a log scale: `lo · (hi / lo)^(i / (n − 1))`
/// (numpy's `geomspace`); `[lo]` for `n = 1`, empty for `n = 0`.
pub fn log_spaced(lo: f32, hi: f32, n: usize) -> Vec<f32> {
    match n {
        0 => Vec::new(),
        1 => vec![lo],
        _ => {
            let (a, b) = (f64::from(lo).ln(), f64::from(hi).ln());
            (0..n).map(|i| (a + (b - a) * i as f64 / (n - 1) as f64).exp() as f32).collect()
        }
    }
}

/// Batches read once and served to every copy (cloned, since a step takes its input by value).
struct Cached<'a>(&'a [Batch]);

impl Sequence for Cached<'_> {
    fn len(&self) -> usize {
        self.0.len()
    }
    fn get(&mut self, index: usize) -> Result<Batch> {
        self.0.get(index).cloned().ok_or_else(|| Error::InvalidArgument(format!("batch {index} is out of range")))
    }
    fn samples(&self) -> usize {
        self.0.iter().map(Batch::len).sum()
    }
}

/// Every batch of one epoch of `data`, then its end of epoch (a shuffling flow reshuffles).
fn read_epoch(data: &mut dyn Sequence) -> Result<Vec<Batch>> {
    let batches = (0..data.len()).map(|i| data.get(i)).collect::<Result<Vec<_>>>()?;
    data.on_epoch_end();
    Ok(batches)
}

/// Trains `model` for one more epoch (the sweep's `epoch`, 0-based) into `run`, unless it diverged.
fn train_epoch(
    model: &mut Sequential,
    run: &mut SweepRun,
    train: &[Batch],
    val: Option<&[Batch]>,
    epoch: usize,
) -> Result<()> {
    if run.diverged.is_some() {
        return Ok(());
    }
    let mut t = Cached(train);
    let mut v = val.map(Cached);
    match model.fit(&mut t, v.as_mut().map(|v| v as &mut dyn Sequence), 1) {
        Ok(h) => run.history.extend(&h),
        Err(Error::NonFiniteLoss { batch, value, .. }) => {
            run.diverged = Some(format!("the loss became {value} at epoch {}, batch {batch}", epoch + 1));
        }
        Err(e) => return Err(e),
    }
    Ok(())
}

impl Sequential {
    /// Trains a copy of this compiled model for each of `rates` (see [`LearningRateSweep`])
    /// and returns their histories. The model itself is not changed. Errors when the model is
    /// not compiled, a rate is not a valid learning rate, there are no rates or no training
    /// batches, or a step fails for another reason than a diverging loss.
    pub fn learning_rate_sweep<'v>(
        &self,
        rates: &[f32],
        train: &mut dyn Sequence,
        validation: impl Into<super::Validation<'v>>,
        options: SweepOptions,
    ) -> Result<LearningRateSweep> {
        let validation = validation.into().0;
        self.compiled.as_ref().ok_or(Error::NotCompiled("learning_rate_sweep"))?;
        if rates.is_empty() {
            return Err(Error::InvalidArgument("learning_rate_sweep needs at least one learning rate".into()));
        }
        if train.is_empty() {
            return Err(Error::InvalidArgument("the training data has no batches".into()));
        }
        let start = Instant::now();
        let mut models = rates
            .iter()
            .map(|&rate| {
                let mut model = self.clone();
                model.set_learning_rate(rate)?;
                model.set_verbose(Verbose::Silent);
                Ok(model)
            })
            .collect::<Result<Vec<_>>>()?;
        let mut runs: Vec<SweepRun> = rates
            .iter()
            .map(|&learning_rate| SweepRun { learning_rate, history: History::default(), diverged: None })
            .collect();
        let val = validation.map(read_epoch).transpose()?;
        for epoch in 0..options.epochs {
            let batches = read_epoch(train)?;
            let val = val.as_deref();
            let jobs = models.iter_mut().zip(runs.iter_mut());
            match options.parallelism {
                SweepParallelism::Sequential => {
                    jobs.into_iter().try_for_each(|(m, r)| train_epoch(m, r, &batches, val, epoch))?
                }
                SweepParallelism::Models => jobs
                    .collect::<Vec<_>>()
                    .into_par_iter()
                    .try_for_each(|(m, r)| train_epoch(m, r, &batches, val, epoch))?,
            }
        }
        Ok(LearningRateSweep { runs, seconds: start.elapsed().as_secs_f64() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_spaced_rates() {
        let r = log_spaced(1e-4, 1e-1, 7);
        assert_eq!(r.len(), 7);
        assert!((r[0] - 1e-4).abs() < 1e-9 && (r[2] - 1e-3).abs() < 1e-8 && (r[6] - 0.1).abs() < 1e-7);
        assert!((r[1] / r[0] - 10f32.sqrt()).abs() < 1e-4);
        assert_eq!(log_spaced(0.5, 1.0, 1), vec![0.5]);
        assert!(log_spaced(0.5, 1.0, 0).is_empty());
    }

    #[test]
    fn best_epoch_skips_nan_and_uses_training_loss_without_validation() {
        let run = |loss: Vec<f32>, val_loss: Vec<f32>| SweepRun {
            learning_rate: 0.1,
            history: History::from_columns(&[("loss", loss), ("val_loss", val_loss)]),
            diverged: None,
        };
        assert_eq!(run(vec![3.0, 2.0, 1.0], vec![2.0, f32::NAN, 2.5]).best_epoch(), Some((1, 2.0)));
        assert_eq!(run(vec![3.0, 2.0, 2.5], vec![]).best_epoch(), Some((2, 2.0)));
        assert_eq!(run(vec![f32::NAN], vec![]).best_epoch(), None);
    }
}
