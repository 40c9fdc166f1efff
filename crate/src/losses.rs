//! Losses: how wrong the predictions are, as one number to minimise.
//!
//! **Categorical cross-entropy**, for one-hot targets `y` and probabilities `p` (rows summing to 1):
//! `L = −Σⱼ yⱼ · log(clip(pⱼ, ε, 1 − ε))` with `ε = 1e-7`, averaged over the batch. Like Keras,
//! each row of `p` is first divided by its sum, and the clipping keeps `log(0)` out.
//!
//! When the model ends in a softmax, Keras computes the same loss from the logits `z` instead
//! (exact, no clipping): `L = log Σₖ e^(zₖ) − Σⱼ yⱼ·zⱼ`, whose gradient is simply
//! `∂L/∂z = p − y` (divided by the batch size). The model does the same; see
//! [`categorical_crossentropy_from_logits`].
//!
//! **Binary cross-entropy**, for independent (multi-label) sigmoid outputs:
//! `L = −mean_j [yⱼ·log(pⱼ + ε) + (1 − yⱼ)·log(1 − pⱼ + ε)]` with `p` clipped to `[ε, 1 − ε]`.
//!
//! ```
//! use snackml::losses::categorical_crossentropy;
//! use ndarray::array;
//! // a uniform guess over 20 classes costs ln 20 ≈ 2.9957
//! let p = ndarray::Array2::from_elem((1, 20), 0.05f32);
//! let mut y = ndarray::Array2::zeros((1, 20)); y[[0, 3]] = 1.0;
//! let l = categorical_crossentropy(&y, &p)?;
//! assert!((l[0] - 20f32.ln()).abs() < 1e-5);
//! // labels and predictions of different shapes are an error, not a panic
//! assert!(categorical_crossentropy(&y, &ndarray::Array2::from_elem((1, 10), 0.1)).is_err());
//! # Ok::<(), snackml::Error>(())
//! ```
//!
//! Every function here checks that labels and predictions have the same shape `(batch, classes)`.

use crate::math::flush_subnormal;
use crate::metrics::check_same_shape;
use crate::Result;
use ndarray::{Array1, Array2, ArrayView2, Zip};
use serde::{Deserialize, Serialize};

/// Keras's fuzz factor `ε`.
pub const EPSILON: f32 = 1e-7;

/// The losses a model can be compiled with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Loss {
    /// `"categorical_crossentropy"`: one class per sample, softmax outputs.
    CategoricalCrossentropy,
    /// `"binary_crossentropy"`: independent yes/no outputs, sigmoid outputs.
    BinaryCrossentropy,
}

impl Loss {
    /// The Keras name.
    pub fn name(self) -> &'static str {
        match self {
            Loss::CategoricalCrossentropy => "categorical_crossentropy",
            Loss::BinaryCrossentropy => "binary_crossentropy",
        }
    }

    /// The loss of each sample.
    pub fn per_sample(self, y_true: &Array2<f32>, y_pred: &Array2<f32>) -> Result<Array1<f32>> {
        match self {
            Loss::CategoricalCrossentropy => categorical_crossentropy(y_true, y_pred),
            Loss::BinaryCrossentropy => binary_crossentropy(y_true, y_pred),
        }
    }

    /// The mean loss over the batch and its gradient with respect to `y_pred`.
    pub fn mean_and_grad(self, y_true: &Array2<f32>, y_pred: &Array2<f32>) -> Result<(f32, Array2<f32>)> {
        let (per_sample, grad) = self.per_sample_and_grad(y_true, y_pred)?;
        Ok((per_sample.mean().unwrap_or(0.0), grad))
    }

    /// The loss of each sample and the gradient of their mean with respect to `y_pred`.
    pub fn per_sample_and_grad(self, y_true: &Array2<f32>, y_pred: &Array2<f32>) -> Result<(Array1<f32>, Array2<f32>)> {
        let grad = match self {
            Loss::CategoricalCrossentropy => categorical_crossentropy_grad(y_true, y_pred)?,
            Loss::BinaryCrossentropy => binary_crossentropy_grad(y_true, y_pred)?,
        };
        Ok((self.per_sample(y_true, y_pred)?, grad))
    }
}

impl std::str::FromStr for Loss {
    type Err = crate::Error;
    fn from_str(s: &str) -> crate::Result<Self> {
        match s {
            "categorical_crossentropy" => Ok(Loss::CategoricalCrossentropy),
            "binary_crossentropy" => Ok(Loss::BinaryCrossentropy),
            other => Err(crate::Error::InvalidArgument(format!(
                "unknown loss {other:?} (expected categorical_crossentropy or binary_crossentropy)"
            ))),
        }
    }
}

fn clip(p: f32) -> f32 {
    p.clamp(EPSILON, 1.0 - EPSILON)
}

/// Categorical cross-entropy of each row, from probabilities (Keras's clipped formula).
pub fn categorical_crossentropy(y_true: &Array2<f32>, y_pred: &Array2<f32>) -> Result<Array1<f32>> {
    check_same_shape(y_true.view(), y_pred.view())?;
    Ok(Array1::from_iter(y_true.rows().into_iter().zip(y_pred.rows()).map(|(y, p)| {
        let s: f32 = p.sum();
        -y.iter().zip(p).map(|(&y, &p)| if y == 0.0 { 0.0 } else { y * clip(p / s).ln() }).sum::<f32>()
    })))
}

/// `∂ mean(L) / ∂p` for [`categorical_crossentropy`]: through the clip (zero outside
/// `[ε, 1 − ε]`) and the division of each row by its sum `s`:
/// `∂L/∂pⱼ = gⱼ/s − Σᵢ gᵢ·pᵢ/s²` with `gᵢ = −yᵢ / clip(pᵢ/s)`.
pub fn categorical_crossentropy_grad(y_true: &Array2<f32>, y_pred: &Array2<f32>) -> Result<Array2<f32>> {
    check_same_shape(y_true.view(), y_pred.view())?;
    let n = y_true.nrows().max(1) as f32;
    let mut grad = Array2::zeros(y_pred.raw_dim());
    for ((mut g, y), p) in grad.rows_mut().into_iter().zip(y_true.rows()).zip(y_pred.rows()) {
        let s: f32 = p.sum();
        let gq: Vec<f32> = y
            .iter()
            .zip(p)
            .map(|(&y, &p)| {
                let q = p / s;
                if (EPSILON..=1.0 - EPSILON).contains(&q) {
                    -y / q
                } else {
                    0.0
                }
            })
            .collect();
        let dot: f32 = gq.iter().zip(p).map(|(g, p)| g * p).sum();
        for (gj, &gqj) in g.iter_mut().zip(&gq) {
            *gj = (gqj / s - dot / (s * s)) / n;
        }
    }
    Ok(grad)
}

/// Categorical cross-entropy from logits, as Keras computes it when the model ends in a softmax:
/// per-sample `Lᵢ = log Σₖ e^(zᵢₖ) − Σⱼ yᵢⱼ·zᵢⱼ` (with the row maximum subtracted for stability),
/// and the gradient of the batch mean, `∂L/∂z = (softmax(z) · Σⱼ yⱼ − y) / batch`, with
/// subnormal entries flushed to zero ([`crate::math::flush_subnormal`]).
pub fn categorical_crossentropy_from_logits(
    y_true: &Array2<f32>,
    logits: ArrayView2<f32>,
) -> Result<(Array1<f32>, Array2<f32>)> {
    check_same_shape(y_true.view(), logits)?;
    let n = y_true.nrows().max(1) as f32;
    let mut grad = Array2::zeros(logits.raw_dim());
    let mut losses = Array1::zeros(logits.nrows());
    for (((mut g, y), z), l) in grad.rows_mut().into_iter().zip(y_true.rows()).zip(logits.rows()).zip(losses.iter_mut())
    {
        let m = z.fold(f32::NEG_INFINITY, |m, &v| m.max(v));
        let m = if m.is_finite() { m } else { 0.0 };
        let sum_exp: f32 = z.iter().map(|&v| (v - m).exp()).sum();
        let log_sum = sum_exp.ln() + m;
        let ysum: f32 = y.sum();
        *l = y.iter().zip(z).map(|(&y, &z)| y * (log_sum - z)).sum();
        Zip::from(&mut g)
            .and(&y)
            .and(&z)
            .for_each(|g, &y, &z| *g = flush_subnormal(((z - log_sum).exp() * ysum - y) / n));
    }
    Ok((losses, grad))
}

/// Binary cross-entropy of each row (mean over the row's outputs), from probabilities.
pub fn binary_crossentropy(y_true: &Array2<f32>, y_pred: &Array2<f32>) -> Result<Array1<f32>> {
    check_same_shape(y_true.view(), y_pred.view())?;
    let k = y_true.ncols().max(1) as f32;
    Ok(Array1::from_iter(y_true.rows().into_iter().zip(y_pred.rows()).map(|(y, p)| {
        -y.iter()
            .zip(p)
            .map(|(&y, &p)| {
                let p = clip(p);
                y * (p + EPSILON).ln() + (1.0 - y) * (1.0 - p + EPSILON).ln()
            })
            .sum::<f32>()
            / k
    })))
}

/// `∂ mean(L) / ∂p` for [`binary_crossentropy`] (zero where `p` is clipped).
pub fn binary_crossentropy_grad(y_true: &Array2<f32>, y_pred: &Array2<f32>) -> Result<Array2<f32>> {
    check_same_shape(y_true.view(), y_pred.view())?;
    let scale = (y_true.nrows().max(1) * y_true.ncols().max(1)) as f32;
    let mut grad = Array2::zeros(y_pred.raw_dim());
    Zip::from(&mut grad).and(y_true).and(y_pred).for_each(|g, &y, &p| {
        *g = if (EPSILON..=1.0 - EPSILON).contains(&p) {
            -(y / (p + EPSILON) - (1.0 - y) / (1.0 - p + EPSILON)) / scale
        } else {
            0.0
        }
    });
    Ok(grad)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn gradient_from_logits_has_no_subnormal_entries() {
        // softmax = (1, e^(−90), e^(−200)) before the flush: both small ones are subnormal.
        let (loss, grad) =
            categorical_crossentropy_from_logits(&array![[1.0, 0.0, 0.0]], array![[0.0, -90.0, -200.0]].view())
                .unwrap();
        assert!(loss[0].abs() < 1e-6);
        assert!(grad.iter().all(|g| *g == 0.0 || g.is_normal()), "{grad:?}");
        assert_eq!(grad, array![[0.0, 0.0, 0.0]]);
    }
}
