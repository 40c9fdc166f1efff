//! Recall, Keras's `Recall()` (threshold 0.5): of the outputs that are positive (`y ≠ 0`), the
//! fraction the model called positive (`p > 0.5`), counted over every output of every sample:
//! `recall = TP / (TP + FN)`, 0 when there were no positives. Logged as `recall`.

use super::{ratio, StreamingMetric};
use ndarray::ArrayView2;

/// Keras's `Recall()`, threshold 0.5.
#[derive(Clone, Debug, Default)]
pub struct Recall {
    true_positives: u64,
    false_negatives: u64,
}

impl StreamingMetric for Recall {
    fn name(&self) -> &'static str {
        "recall"
    }
    fn update_state(&mut self, y_true: ArrayView2<'_, f32>, y_pred: ArrayView2<'_, f32>) {
        for (_, &p) in y_true.iter().zip(y_pred).filter(|(&y, _)| y != 0.0) {
            if p > 0.5 {
                self.true_positives += 1;
            } else {
                self.false_negatives += 1;
            }
        }
    }
    fn result(&self) -> f32 {
        ratio(self.true_positives, self.true_positives + self.false_negatives)
    }
    fn reset_state(&mut self) {
        *self = Self::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn of_the_positive_outputs_the_fraction_called_positive() {
        let mut m = Recall::default();
        // positives: (0,0) found, (1,0) missed, (2,1) found → 2 of 3.
        let y = array![[1.0f32, 0.0], [1.0, 0.0], [0.0, 1.0]];
        m.update_state(y.view(), array![[0.9f32, 0.1], [0.4, 0.6], [0.2, 0.8]].view());
        assert!((m.result() - 2.0 / 3.0).abs() < 1e-7);
        m.reset_state();
        assert_eq!(m.result(), 0.0);
    }
}
