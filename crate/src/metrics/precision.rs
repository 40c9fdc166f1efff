//! Precision, Keras's `Precision()` (threshold 0.5): of the outputs the model calls positive
//! (`p > 0.5`), the fraction that are (`y ≠ 0`), counted over every output of every sample:
//! `precision = TP / (TP + FP)`, 0 when nothing was called positive. Logged as `precision`.

use super::{ratio, StreamingMetric};
use ndarray::ArrayView2;

/// Keras's `Precision()`, threshold 0.5.
#[derive(Clone, Debug, Default)]
pub struct Precision {
    true_positives: u64,
    false_positives: u64,
}

impl StreamingMetric for Precision {
    fn name(&self) -> &'static str {
        "precision"
    }
    fn update_state(&mut self, y_true: ArrayView2<'_, f32>, y_pred: ArrayView2<'_, f32>) {
        for (&y, _) in y_true.iter().zip(y_pred).filter(|(_, &p)| p > 0.5) {
            if y != 0.0 {
                self.true_positives += 1;
            } else {
                self.false_positives += 1;
            }
        }
    }
    fn result(&self) -> f32 {
        ratio(self.true_positives, self.true_positives + self.false_positives)
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
    fn of_the_outputs_called_positive_the_fraction_that_are() {
        let mut m = Precision::default();
        // called positive: (0,0) right, (1,1) wrong, (2,1) right → 2 of 3.
        let y = array![[1.0f32, 0.0], [1.0, 0.0], [0.0, 1.0]];
        m.update_state(y.view(), array![[0.9f32, 0.1], [0.4, 0.6], [0.2, 0.8]].view());
        assert!((m.result() - 2.0 / 3.0).abs() < 1e-7);
        m.update_state(y.view(), array![[0.1f32, 0.9], [0.1, 0.9], [0.1, 0.9]].view()); // 1 of 3 more
        assert!((m.result() - 3.0 / 6.0).abs() < 1e-7);
        m.reset_state();
        assert_eq!(m.result(), 0.0);
    }
}
