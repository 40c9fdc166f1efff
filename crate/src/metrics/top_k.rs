//! Top-k accuracy (Keras's `top_k_categorical_accuracy`, k = 5 by default): a prediction counts
//! as right when the true class is among the `k` most probable ones.
//!
//! Ties as TensorFlow's `in_top_k`: the true class is in the top k when fewer than `k` classes
//! have a *strictly* higher probability, so classes tied at the boundary all count as in; a row
//! with a non-finite probability never counts.
//!
//! ```
//! use snackml::metrics::top_k_categorical_accuracy;
//! use ndarray::array;
//! let y = array![[0.0f32, 0.0, 1.0], [1.0, 0.0, 0.0]];
//! let p = array![[0.5f32, 0.3, 0.2], [0.1, 0.6, 0.3]];
//! assert_eq!(top_k_categorical_accuracy(&y, &p, 1)?, 0.0);
//! assert_eq!(top_k_categorical_accuracy(&y, &p, 2)?, 0.0); // class 2 and class 0 are third
//! assert_eq!(top_k_categorical_accuracy(&y, &p, 3)?, 1.0);
//! # Ok::<(), snackml::Error>(())
//! ```

use super::{check_same_shape, ratio, row_argmax, StreamingMetric};
use crate::{Error, Result};
use ndarray::{Array2, ArrayView1, ArrayView2};

/// TensorFlow's `in_top_k` for one row: `#{j : p_j > p_target} < k`, false if any `p` is not
/// finite.
pub fn in_top_k(predictions: ArrayView1<f32>, target: usize, k: usize) -> bool {
    let Some(&wanted) = predictions.get(target) else { return false };
    if predictions.iter().any(|p| !p.is_finite()) {
        return false;
    }
    predictions.iter().filter(|&&p| p > wanted).count() < k
}

fn matches(y_true: ArrayView2<'_, f32>, y_pred: ArrayView2<'_, f32>, k: usize) -> usize {
    y_true.rows().into_iter().zip(y_pred.rows()).filter(|(y, p)| in_top_k(*p, row_argmax(*y), k)).count()
}

/// The number of rows whose true class (`argmax y`) is in the top `k` of `p`.
pub fn top_k_correct(y_true: &Array2<f32>, y_pred: &Array2<f32>, k: usize) -> Result<usize> {
    check_same_shape(y_true.view(), y_pred.view())?;
    Ok(matches(y_true.view(), y_pred.view(), k))
}

/// The fraction of rows whose true class is in the top `k` of the predictions (Keras's
/// `top_k_categorical_accuracy(y_true, y_pred, k)`).
pub fn top_k_categorical_accuracy(y_true: &Array2<f32>, y_pred: &Array2<f32>, k: usize) -> Result<f32> {
    Ok(ratio(top_k_correct(y_true, y_pred, k)? as u64, y_true.nrows() as u64))
}

/// Keras's `TopKCategoricalAccuracy(k)` as a streaming metric.
#[derive(Clone, Debug)]
pub struct TopKCategoricalAccuracy {
    k: usize,
    right: u64,
    total: u64,
}

impl TopKCategoricalAccuracy {
    /// Top-`k` accuracy, `k ≥ 1`.
    pub fn new(k: usize) -> Result<Self> {
        if k == 0 {
            return Err(Error::InvalidArgument("top_k_categorical_accuracy needs k ≥ 1".into()));
        }
        Ok(TopKCategoricalAccuracy { k, right: 0, total: 0 })
    }
}

impl StreamingMetric for TopKCategoricalAccuracy {
    fn name(&self) -> &'static str {
        "top_k_categorical_accuracy"
    }
    fn update_state(&mut self, y_true: ArrayView2<'_, f32>, y_pred: ArrayView2<'_, f32>) {
        self.right += matches(y_true, y_pred, self.k) as u64;
        self.total += y_true.nrows() as u64;
    }
    fn result(&self) -> f32 {
        ratio(self.right, self.total)
    }
    fn reset_state(&mut self) {
        self.right = 0;
        self.total = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn a_worked_example() {
        // Row 0: true 1, p = .1 .4 .3 .2 → rank 1. Row 1: true 3, p = .4 .3 .2 .1 → rank 4.
        // Row 2: true 0, p = .25 .25 .25 .25 → tied with all: in the top 1.
        let y = array![[0.0f32, 1.0, 0.0, 0.0], [0.0, 0.0, 0.0, 1.0], [1.0, 0.0, 0.0, 0.0]];
        let p = array![[0.1f32, 0.4, 0.3, 0.2], [0.4, 0.3, 0.2, 0.1], [0.25, 0.25, 0.25, 0.25]];
        assert_eq!(top_k_correct(&y, &p, 1).unwrap(), 2);
        assert_eq!(top_k_correct(&y, &p, 3).unwrap(), 2);
        assert_eq!(top_k_correct(&y, &p, 4).unwrap(), 3);
        assert_eq!(top_k_categorical_accuracy(&y, &p, 5).unwrap(), 1.0);
        assert_eq!(top_k_categorical_accuracy(&y, &p, 0).unwrap(), 0.0);
        assert!(top_k_correct(&y, &p.slice(ndarray::s![..2, ..]).to_owned(), 1).is_err());
    }

    #[test]
    fn ties_at_the_boundary_count_as_in_and_nan_rows_as_out() {
        let p = array![0.4f32, 0.2, 0.2, 0.2];
        assert!(in_top_k(p.view(), 3, 2));
        assert!(!in_top_k(array![0.5f32, f32::NAN, 0.1].view(), 0, 3));
        assert!(!in_top_k(p.view(), 9, 2));
    }
}
