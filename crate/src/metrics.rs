//! Metrics: numbers reported during training that are not minimised.
//!
//! **Accuracy** is the fraction of samples whose prediction is right. For one-class-per-sample
//! outputs (softmax) a prediction is right when `argmax(p) == argmax(y)`; for independent
//! sigmoid outputs each output counts, right when `[p > 0.5] == y`. Keras picks the same one from
//! the loss when you write `metrics=["accuracy"]`.
//!
//! ```
//! use snackml::metrics::categorical_accuracy;
//! use ndarray::array;
//! let y = array![[0.0f32, 1.0], [1.0, 0.0]];
//! let p = array![[0.2f32, 0.8], [0.3, 0.7]];
//! assert_eq!(categorical_accuracy(&y, &p), 0.5);
//! ```

use crate::math::argmax_slice;
use ndarray::Array2;
use serde::{Deserialize, Serialize};

/// The metrics a model can report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// `"accuracy"`.
    Accuracy,
}

/// The number of rows whose arg-max matches.
pub fn categorical_correct(y_true: &Array2<f32>, y_pred: &Array2<f32>) -> usize {
    y_true
        .rows()
        .into_iter()
        .zip(y_pred.rows())
        .filter(|(y, p)| argmax_slice(y.iter().copied()) == argmax_slice(p.iter().copied()))
        .count()
}

/// The fraction of rows whose arg-max matches.
pub fn categorical_accuracy(y_true: &Array2<f32>, y_pred: &Array2<f32>) -> f32 {
    categorical_correct(y_true, y_pred) as f32 / y_true.nrows().max(1) as f32
}

/// The fraction of individual outputs where `[p > 0.5]` equals the target.
pub fn binary_accuracy(y_true: &Array2<f32>, y_pred: &Array2<f32>) -> f32 {
    let right = y_true.iter().zip(y_pred).filter(|(&y, &p)| (p > 0.5) == (y > 0.5)).count();
    right as f32 / y_true.len().max(1) as f32
}
