//! Accuracy as a streaming metric, the one Keras picks for `metrics=["accuracy"]`:
//! - **categorical** (softmax outputs): a sample is right when `argmax(p) == argmax(y)`;
//!   accuracy = right samples / samples;
//! - **binary** (independent sigmoid outputs): each output is right when `[p > 0.5] == [y > 0.5]`;
//!   accuracy = right outputs / outputs.
//!
//! Counts are kept as integers, so the epoch's accuracy is exactly `right / total`.

use super::{ratio, row_argmax, StreamingMetric};
use ndarray::ArrayView2;

/// The number of rows whose arg-max matches.
pub(crate) fn categorical_matches(y_true: ArrayView2<'_, f32>, y_pred: ArrayView2<'_, f32>) -> usize {
    y_true.rows().into_iter().zip(y_pred.rows()).filter(|(y, p)| row_argmax(*y) == row_argmax(*p)).count()
}

/// The number of outputs where `[p > 0.5] == [y > 0.5]`.
pub(crate) fn binary_matches(y_true: ArrayView2<'_, f32>, y_pred: ArrayView2<'_, f32>) -> usize {
    y_true.iter().zip(y_pred).filter(|(&y, &p)| (p > 0.5) == (y > 0.5)).count()
}

/// Keras's `CategoricalAccuracy`, logged as `accuracy`.
#[derive(Clone, Debug, Default)]
pub struct CategoricalAccuracy {
    right: u64,
    total: u64,
}

impl StreamingMetric for CategoricalAccuracy {
    fn name(&self) -> &'static str {
        "accuracy"
    }
    fn update_state(&mut self, y_true: ArrayView2<'_, f32>, y_pred: ArrayView2<'_, f32>) {
        self.right += categorical_matches(y_true, y_pred) as u64;
        self.total += y_true.nrows() as u64;
    }
    fn result(&self) -> f32 {
        ratio(self.right, self.total)
    }
    fn reset_state(&mut self) {
        *self = Self::default();
    }
}

/// Keras's `BinaryAccuracy` (threshold 0.5), logged as `accuracy`.
#[derive(Clone, Debug, Default)]
pub struct BinaryAccuracy {
    right: u64,
    total: u64,
}

impl StreamingMetric for BinaryAccuracy {
    fn name(&self) -> &'static str {
        "accuracy"
    }
    fn update_state(&mut self, y_true: ArrayView2<'_, f32>, y_pred: ArrayView2<'_, f32>) {
        self.right += binary_matches(y_true, y_pred) as u64;
        self.total += y_true.len() as u64;
    }
    fn result(&self) -> f32 {
        ratio(self.right, self.total)
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
    fn counts_add_up_over_batches() {
        let mut m = CategoricalAccuracy::default();
        m.update_state(array![[1.0f32, 0.0]].view(), array![[0.9f32, 0.1]].view());
        m.update_state(array![[1.0f32, 0.0], [0.0, 1.0]].view(), array![[0.2f32, 0.8], [0.3, 0.7]].view());
        assert_eq!(m.result(), 2.0 / 3.0);
        m.reset_state();
        assert_eq!(m.result(), 0.0);
        let mut b = BinaryAccuracy::default();
        b.update_state(array![[1.0f32, 0.0]].view(), array![[0.9f32, 0.6]].view());
        assert_eq!(b.result(), 0.5);
    }
}
