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
//!
//! **Top-k accuracy** ([`Metric::TopKCategoricalAccuracy`], Keras's
//! `top_k_categorical_accuracy`) counts a prediction as right when the true class is among the
//! `k` most probable ([`top_k`]).
//!
//! For studying a trained model's mistakes: the [`confusion_matrix`] and its
//! [`most_confused_pairs`], scikit-learn's [`classification_report`] (precision, recall, F1 per
//! class) and the [`most_confident_mistakes`].

mod confusion;
mod mistakes;
mod report;
pub mod top_k;

pub use confusion::{confusion_matrix, most_confused_pairs, ConfusedPair};
pub use mistakes::{most_confident_mistakes, Mistake};
pub use report::{classification_report, ClassScores, ClassificationReport};
pub use top_k::{in_top_k, top_k_categorical_accuracy};

use crate::math::argmax_slice;
use ndarray::Array2;
use serde::{Deserialize, Serialize};

/// The metrics a model can report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// `"accuracy"`.
    Accuracy,
    /// `"top_k_categorical_accuracy"`: the true class among the `k` most probable (logged under
    /// that name, whatever `k`, as Keras does).
    TopKCategoricalAccuracy {
        /// How many of the most probable classes count (Keras's default is 5).
        k: usize,
    },
}

impl Metric {
    /// Keras's `TopKCategoricalAccuracy()`: top-5 accuracy.
    pub fn top_k_categorical_accuracy() -> Self {
        Metric::TopKCategoricalAccuracy { k: 5 }
    }

    /// Top-`k` accuracy.
    pub fn top_k(k: usize) -> Self {
        Metric::TopKCategoricalAccuracy { k }
    }

    /// The name in the logs and the history (`"accuracy"`, `"top_k_categorical_accuracy"`).
    pub fn name(&self) -> &'static str {
        match self {
            Metric::Accuracy => "accuracy",
            Metric::TopKCategoricalAccuracy { .. } => "top_k_categorical_accuracy",
        }
    }
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
