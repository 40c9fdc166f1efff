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
//! assert_eq!(categorical_accuracy(&y, &p)?, 0.5);
//! # Ok::<(), snackml::Error>(())
//! ```
//!
//! During `fit` and `evaluate` every compiled [`Metric`] is a [`StreamingMetric`] (Keras's
//! `update_state` / `result` / `reset_state`): it adds up each batch and reports the epoch's value
//! under its name, in the logs and the [`History`](crate::model::History). A new metric is one
//! file implementing that trait, plus its variant in [`Metric`] and its line in [`Metric::state`].
//!
//! **Top-k accuracy** ([`Metric::TopKCategoricalAccuracy`], Keras's
//! `top_k_categorical_accuracy`) counts a prediction as right when the true class is among the
//! `k` most probable ([`top_k`]).
//!
//! For studying a trained model's mistakes: the [`confusion_matrix`] and its
//! [`most_confused_pairs`], scikit-learn's [`classification_report`] (precision, recall, F1 per
//! class) and the [`most_confident_mistakes`].
//!
//! How much an accuracy moves by chance: [`accuracy_margin`] and [`difference_margin`] (95%,
//! binomial), for saying whether two runs differ.

mod accuracy;
mod confusion;
mod container;
mod mistakes;
mod noise;
mod precision;
mod recall;
mod report;
pub mod top_k;

pub use accuracy::{BinaryAccuracy, CategoricalAccuracy};
pub use confusion::{confusion_matrix, most_confused_pairs, ConfusedPair};
pub use container::MetricsContainer;
pub use mistakes::{most_confident_mistakes, Mistake};
pub use noise::{accuracy_margin, difference_margin};
pub use precision::Precision;
pub use recall::Recall;
pub use report::{classification_report, ClassScores, ClassificationReport};
pub use top_k::{in_top_k, top_k_categorical_accuracy, TopKCategoricalAccuracy};

use crate::losses::Loss;
use crate::math::argmax_slice;
use crate::{Error, Result};
use ndarray::{Array2, ArrayView2};
use serde::{Deserialize, Serialize};

/// The metrics a model can be compiled with (Keras's `metrics=[...]`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// `"accuracy"`: categorical or binary, chosen from the loss as Keras does.
    Accuracy,
    /// `"top_k_categorical_accuracy"`: the true class among the `k` most probable (logged under
    /// that name, whatever `k`, as Keras does).
    TopKCategoricalAccuracy {
        /// How many of the most probable classes count (Keras's default is 5).
        k: usize,
    },
    /// `"precision"`: of the outputs called positive (`p > 0.5`), the fraction that are.
    Precision,
    /// `"recall"`: of the outputs that are positive, the fraction called positive (`p > 0.5`).
    Recall,
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

    /// What a model that guesses scores, for a softmax over `classes` classes: accuracy 1 /
    /// classes, top-k accuracy k / classes; `None` for the binary metrics (it depends on how
    /// often each output is positive) and for no classes.
    pub fn chance(&self, loss: Loss, classes: usize) -> Option<f32> {
        let guessed = match (self, loss) {
            (_, Loss::BinaryCrossentropy) | (Metric::Precision | Metric::Recall, _) => return None,
            (Metric::Accuracy, _) => 1,
            (Metric::TopKCategoricalAccuracy { k }, _) => (*k).min(classes),
        };
        (classes > 0).then(|| guessed as f32 / classes as f32)
    }

    /// A fresh running state of this metric for a model compiled with `loss`, or an error for
    /// an impossible setting (top-0 accuracy). This is the metrics' registry: a new metric is
    /// its file, its variant above and its line here; its name in the logs is the state's
    /// [`StreamingMetric::name`].
    pub fn state(&self, loss: Loss) -> Result<Box<dyn StreamingMetric>> {
        Ok(match *self {
            Metric::Accuracy => match loss {
                Loss::CategoricalCrossentropy => Box::new(CategoricalAccuracy::default()),
                Loss::BinaryCrossentropy => Box::new(BinaryAccuracy::default()),
            },
            Metric::TopKCategoricalAccuracy { k } => Box::new(TopKCategoricalAccuracy::new(k)?),
            Metric::Precision => Box::new(Precision::default()),
            Metric::Recall => Box::new(Recall::default()),
        })
    }
}

/// A metric that adds up batches (Keras's `Metric`: `update_state`, `result`, `reset_state`).
pub trait StreamingMetric: MetricBase + Send + Sync + std::fmt::Debug {
    /// The name in the logs and the history.
    fn name(&self) -> &'static str;
    /// Adds one batch: labels (one-hot, or 0/1 per output) and the model's probabilities, of the
    /// same shape (the caller checks with [`check_same_shape`]).
    fn update_state(&mut self, y_true: ArrayView2<'_, f32>, y_pred: ArrayView2<'_, f32>);
    /// The value over every batch added since the last reset (0 before any).
    fn result(&self) -> f32;
    /// Forgets every batch.
    fn reset_state(&mut self);
}

/// What every metric gets from `#[derive(Clone)]`: a boxed copy, state included.
pub trait MetricBase {
    /// A copy, state included.
    fn clone_box(&self) -> Box<dyn StreamingMetric>;
}

impl<T: StreamingMetric + Clone + 'static> MetricBase for T {
    fn clone_box(&self) -> Box<dyn StreamingMetric> {
        Box::new(self.clone())
    }
}

impl Clone for Box<dyn StreamingMetric> {
    fn clone(&self) -> Self {
        self.clone_box()
    }
}

/// `part / whole`, or 0 when `whole` is 0 (TensorFlow's `divide_no_nan`).
pub(crate) fn ratio(part: u64, whole: u64) -> f32 {
    if whole == 0 {
        0.0
    } else {
        (part as f64 / whole as f64) as f32
    }
}

/// Checks that labels and predictions have the same shape, in Keras's terms.
pub fn check_same_shape(y_true: ArrayView2<'_, f32>, y_pred: ArrayView2<'_, f32>) -> Result<()> {
    if y_true.dim() == y_pred.dim() {
        Ok(())
    } else {
        Err(Error::Shape(format!(
            "labels of shape {:?} and predictions of shape {:?}: they must match (batch, classes)",
            y_true.shape(),
            y_pred.shape()
        )))
    }
}

/// The number of rows whose arg-max matches.
pub fn categorical_correct(y_true: &Array2<f32>, y_pred: &Array2<f32>) -> Result<usize> {
    check_same_shape(y_true.view(), y_pred.view())?;
    Ok(accuracy::categorical_matches(y_true.view(), y_pred.view()))
}

/// The fraction of rows whose arg-max matches.
pub fn categorical_accuracy(y_true: &Array2<f32>, y_pred: &Array2<f32>) -> Result<f32> {
    Ok(ratio(categorical_correct(y_true, y_pred)? as u64, y_true.nrows() as u64))
}

/// The fraction of individual outputs where `[p > 0.5]` equals the target.
pub fn binary_accuracy(y_true: &Array2<f32>, y_pred: &Array2<f32>) -> Result<f32> {
    check_same_shape(y_true.view(), y_pred.view())?;
    Ok(ratio(accuracy::binary_matches(y_true.view(), y_pred.view()) as u64, y_true.len() as u64))
}

/// The index of the largest value in each row (ties: the first).
pub(crate) fn row_argmax(row: ndarray::ArrayView1<'_, f32>) -> usize {
    argmax_slice(row.iter().copied())
}
