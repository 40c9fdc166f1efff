//! The running values of one pass over the data (an epoch of training, a validation or an
//! evaluation pass), as Keras's compiled metrics keep them: the loss as a mean weighted by the
//! samples of each batch, `loss = Σ_b n_b·L_b / Σ_b n_b`, and every compiled [`Metric`] as a
//! [`StreamingMetric`]. [`MetricsContainer::write`] puts them in the logs under their names, with
//! a prefix for validation (`val_loss`, `val_accuracy`).

use super::{check_same_shape, Metric, StreamingMetric};
use crate::callbacks::Logs;
use crate::losses::Loss;
use crate::Result;
use ndarray::ArrayView2;

/// The loss and the compiled metrics of one pass, added up batch by batch.
#[derive(Clone, Debug)]
pub struct MetricsContainer {
    loss_sum: f64,
    samples: u64,
    metrics: Vec<Box<dyn StreamingMetric>>,
}

impl MetricsContainer {
    /// Fresh states of `metrics` for a model compiled with `loss`.
    pub fn new(metrics: &[Metric], loss: Loss) -> Result<Self> {
        let metrics = metrics.iter().map(|m| m.state(loss)).collect::<Result<Vec<_>>>()?;
        Ok(MetricsContainer { loss_sum: 0.0, samples: 0, metrics })
    }

    /// Adds one batch: its mean loss and its labels and probabilities (same shape).
    pub fn update(&mut self, loss: f32, y_true: ArrayView2<'_, f32>, y_pred: ArrayView2<'_, f32>) -> Result<()> {
        check_same_shape(y_true, y_pred)?;
        let n = y_true.nrows() as u64;
        self.loss_sum += f64::from(loss) * n as f64;
        self.samples += n;
        for m in &mut self.metrics {
            m.update_state(y_true, y_pred);
        }
        Ok(())
    }

    /// The mean loss so far (0 before any batch).
    pub fn loss(&self) -> f32 {
        if self.samples == 0 {
            0.0
        } else {
            (self.loss_sum / self.samples as f64) as f32
        }
    }

    /// Writes `loss` and every metric into `logs`, each name after `prefix` (`""` or `"val_"`).
    pub fn write(&self, prefix: &str, logs: &mut Logs) {
        logs.set(format!("{prefix}loss"), self.loss());
        for m in &self.metrics {
            logs.set(format!("{prefix}{}", m.name()), m.result());
        }
    }

    /// The values as fresh logs.
    pub fn logs(&self, prefix: &str) -> Logs {
        let mut logs = Logs::new();
        self.write(prefix, &mut logs);
        logs
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn the_loss_is_weighted_by_batch_size_and_metrics_follow_their_names() {
        let mut c =
            MetricsContainer::new(&[Metric::Accuracy, Metric::top_k(2)], Loss::CategoricalCrossentropy).unwrap();
        c.update(1.0, array![[1.0f32, 0.0, 0.0]].view(), array![[0.5f32, 0.3, 0.2]].view()).unwrap();
        let y = array![[0.0f32, 0.0, 1.0], [0.0, 1.0, 0.0]];
        c.update(4.0, y.view(), array![[0.5f32, 0.3, 0.2], [0.1, 0.6, 0.3]].view()).unwrap();
        let logs = c.logs("val_");
        assert_eq!(logs.get("val_loss"), Some(3.0));
        assert_eq!(logs.get("val_accuracy"), Some(2.0 / 3.0));
        assert_eq!(logs.get("val_top_k_categorical_accuracy"), Some(2.0 / 3.0));
        assert!(c.update(1.0, y.view(), array![[1.0f32, 0.0, 0.0]].view()).is_err());
    }
}
