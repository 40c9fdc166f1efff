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
//! assert_eq!(top_k_categorical_accuracy(&y, &p, 1), 0.0);
//! assert_eq!(top_k_categorical_accuracy(&y, &p, 2), 0.0); // class 2 and class 0 are third
//! assert_eq!(top_k_categorical_accuracy(&y, &p, 3), 1.0);
//! ```

use crate::math::argmax_slice;
use ndarray::{Array2, ArrayView1};

/// TensorFlow's `in_top_k` for one row: `#{j : p_j > p_target} < k`, false if any `p` is not
/// finite.
pub fn in_top_k(predictions: ArrayView1<f32>, target: usize, k: usize) -> bool {
    let Some(&wanted) = predictions.get(target) else { return false };
    if predictions.iter().any(|p| !p.is_finite()) {
        return false;
    }
    predictions.iter().filter(|&&p| p > wanted).count() < k
}

/// The number of rows whose true class (`argmax y`) is in the top `k` of `p`.
pub fn top_k_correct(y_true: &Array2<f32>, y_pred: &Array2<f32>, k: usize) -> usize {
    y_true
        .rows()
        .into_iter()
        .zip(y_pred.rows())
        .filter(|(y, p)| in_top_k(p.view(), argmax_slice(y.iter().copied()), k))
        .count()
}

/// The fraction of rows whose true class is in the top `k` of the predictions (Keras's
/// `top_k_categorical_accuracy(y_true, y_pred, k)`).
pub fn top_k_categorical_accuracy(y_true: &Array2<f32>, y_pred: &Array2<f32>, k: usize) -> f32 {
    top_k_correct(y_true, y_pred, k) as f32 / y_true.nrows().max(1) as f32
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
        assert_eq!(top_k_correct(&y, &p, 1), 2);
        assert_eq!(top_k_correct(&y, &p, 3), 2);
        assert_eq!(top_k_correct(&y, &p, 4), 3);
        assert_eq!(top_k_categorical_accuracy(&y, &p, 5), 1.0);
        assert_eq!(top_k_categorical_accuracy(&y, &p, 0), 0.0);
    }

    #[test]
    fn ties_at_the_boundary_count_as_in_and_nan_rows_as_out() {
        let p = array![0.4f32, 0.2, 0.2, 0.2];
        assert!(in_top_k(p.view(), 3, 2));
        assert!(!in_top_k(array![0.5f32, f32::NAN, 0.1].view(), 0, 3));
        assert!(!in_top_k(p.view(), 9, 2));
    }
}
