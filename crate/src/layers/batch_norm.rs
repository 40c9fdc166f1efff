//! `BatchNormalization`: normalises each channel (the last axis) over the batch, then scales and
//! shifts it, Keras's `BatchNormalization(axis=-1, momentum=0.99, epsilon=1e-3)`.
//!
//! In a training step, with `μ` and `σ²` the mean and (biased) variance of each channel over
//! every other axis of the batch (`m` values each):
//! `x̂ = (x − μ) / √(σ² + ε)`, `y = γ·x̂ + β`. Backward, per channel (means over the same `m`):
//! `∂β = Σ ∂y`, `∂γ = Σ ∂y·x̂`, `∂x = γ / √(σ² + ε) · (∂y − mean(∂y) − x̂·mean(∂y·x̂))`.
//!
//! Each training step also moves the layer's own statistics, as Keras does:
//! `moving_mean ← momentum·moving_mean + (1 − momentum)·μ`, and the same for
//! `moving_variance` with the unbiased variance `σ²·m / (m − 1)`. Inference uses them:
//! `y = γ·(x − moving_mean) / √(moving_variance + ε) + β`.
//!
//! Weights, in Keras's order: `gamma` (ones) and `beta` (zeros), trainable; `moving_mean` (zeros)
//! and `moving_variance` (ones), which do not train ([`Param::non_trainable`]): the optimizer
//! leaves them alone, the summary counts them as non-trainable, saving keeps them. The forward
//! pass takes `&self`, so the statistics move when the step's backward pass reaches the layer,
//! from the batch statistics its forward pass kept (a step whose loss is not finite leaves them).
//!
//! ```
//! use snackml::layers::{BatchNormalization, Layer};
//! let mut bn = BatchNormalization::new();
//! bn.build(&[8, 8, 32], &mut snackml::seeded_rng(0)).unwrap();
//! assert_eq!(bn.count_params(), 4 * 32);
//! assert_eq!(bn.params().iter().filter(|p| p.trainable).count(), 2);
//! ```

use super::{shape_string, Cache, Context, Layer, OnnxOp, Param};
use crate::{Error, Result, Tensor};
use ndarray::{Array1, Array2, ArrayView1, Axis, Dimension, Ix1, IxDyn};
use rand::rngs::StdRng;
use serde::{Deserialize, Serialize};

/// Batch normalisation over the last axis (Keras's `BatchNormalization`).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct BatchNormalization {
    momentum: f32,
    epsilon: f32,
    #[serde(skip)]
    params: Vec<Param>,
}

impl Default for BatchNormalization {
    fn default() -> Self {
        Self::new()
    }
}

impl BatchNormalization {
    /// `BatchNormalization()`: momentum 0.99, ε = 1e-3.
    pub fn new() -> Self {
        BatchNormalization { momentum: 0.99, epsilon: 1e-3, params: Vec::new() }
    }
    /// The moving statistics' momentum, in `[0, 1]` (checked when built).
    pub fn momentum(mut self, momentum: f32) -> Self {
        self.momentum = momentum;
        self
    }
    /// The ε added to the variance, positive (checked when built).
    pub fn epsilon(mut self, epsilon: f32) -> Self {
        self.epsilon = epsilon;
        self
    }

    /// The weight number `i` as a vector.
    fn vector(&self, i: usize) -> Result<ArrayView1<'_, f32>> {
        let p = self
            .params
            .get(i)
            .ok_or_else(|| Error::NotBuilt("this BatchNormalization layer has no weights yet".into()))?;
        p.value.view().into_dimensionality::<Ix1>().map_err(|e| Error::Shape(e.to_string()))
    }

    /// `x` as `(m, channels)`, checked against the layer's channels.
    fn rows(&self, x: Tensor) -> Result<Array2<f32>> {
        let channels = self.vector(0)?.len();
        if x.ndim() < 2 || x.shape().last() != Some(&channels) {
            return Err(Error::Shape(format!(
                "BatchNormalization was built for {channels} channels (the last axis), got inputs of shape {:?}",
                x.shape()
            )));
        }
        let m = x.len() / channels;
        let x = if x.is_standard_layout() { x } else { x.as_standard_layout().into_owned() };
        x.into_shape_with_order((m, channels)).map_err(|e| Error::Shape(e.to_string()))
    }
}

impl Layer for BatchNormalization {
    fn class_name(&self) -> &'static str {
        "BatchNormalization"
    }
    /// Inference folded into one scale and one shift per channel, broadcast over the last axis
    /// (any rank, channels last): `Mul(x, γ / √(moving_variance + ε))`, then
    /// `Add(·, β − moving_mean · scale)`.
    fn onnx_ops(&self) -> Result<Vec<OnnxOp>> {
        let (gamma, beta, mean, var) = (self.vector(0)?, self.vector(1)?, self.vector(2)?, self.vector(3)?);
        let scale = &gamma / &var.mapv(|v| (v + self.epsilon).sqrt());
        let shift = &beta - &(&mean * &scale);
        Ok(vec![
            OnnxOp { constants: vec![("scale", scale.into_dyn())], ..OnnxOp::new("Mul") },
            OnnxOp { constants: vec![("shift", shift.into_dyn())], ..OnnxOp::new("Add") },
        ])
    }
    fn output_shape(&self, input_shape: &[usize]) -> Result<Vec<usize>> {
        if !((0.0..=1.0).contains(&self.momentum) && self.epsilon > 0.0 && self.epsilon.is_finite()) {
            return Err(Error::InvalidArgument(format!(
                "BatchNormalization needs momentum in [0, 1] and a positive epsilon, got {} and {}",
                self.momentum, self.epsilon
            )));
        }
        match input_shape.last() {
            Some(&c) if c > 0 => Ok(input_shape.to_vec()),
            _ => Err(Error::Shape(format!(
                "BatchNormalization cannot take inputs of shape {}",
                shape_string(input_shape)
            ))),
        }
    }
    fn weight_shapes(&self, input_shape: &[usize]) -> Result<Vec<(&'static str, Vec<usize>)>> {
        let c = *self.output_shape(input_shape)?.last().unwrap_or(&0);
        Ok(["gamma", "beta", "moving_mean", "moving_variance"].into_iter().map(|n| (n, vec![c])).collect())
    }
    fn build(&mut self, input_shape: &[usize], _rng: &mut StdRng) -> Result<()> {
        let c = self.weight_shapes(input_shape)?[0].1[0];
        if self.params.first().is_some_and(|g| g.value.len() == c) {
            return Ok(());
        }
        let (ones, zeros) = (Tensor::ones(IxDyn(&[c])), Tensor::zeros(IxDyn(&[c])));
        self.params = vec![
            Param::new("gamma", ones.clone()),
            Param::new("beta", zeros.clone()),
            Param::non_trainable("moving_mean", zeros),
            Param::non_trainable("moving_variance", ones),
        ];
        Ok(())
    }
    fn forward(&self, x: Tensor, ctx: &mut Context<'_>) -> Result<(Tensor, Cache)> {
        let shape = x.raw_dim();
        let x = self.rows(x)?;
        let (gamma, beta) = (self.vector(0)?, self.vector(1)?);
        let eps = self.epsilon;
        let (mean, var) = if ctx.is_training() {
            let mean = x.mean_axis(Axis(0)).unwrap_or_else(|| Array1::zeros(x.ncols()));
            let var = (&x - &mean).mapv(|d| d * d).mean_axis(Axis(0)).unwrap_or_else(|| Array1::zeros(x.ncols()));
            (mean, var)
        } else {
            (self.vector(2)?.to_owned(), self.vector(3)?.to_owned())
        };
        let inv_std = var.mapv(|v| 1.0 / (v + eps).sqrt());
        let x_hat = (x - &mean) * &inv_std;
        let y = &x_hat * &gamma + beta;
        let y = y.into_shape_with_order(shape).map_err(|e| Error::Shape(e.to_string()))?;
        let cache = if ctx.is_training() {
            Cache::new(vec![x_hat.into_dyn(), inv_std.into_dyn(), mean.into_dyn(), var.into_dyn()])
        } else {
            Cache::empty()
        };
        Ok((y, cache))
    }
    fn backward(&mut self, mut cache: Cache, grad: Tensor, need_input_grad: bool) -> Result<Option<Tensor>> {
        let layer = "BatchNormalization";
        let x_hat =
            cache.take(0, layer)?.into_dimensionality::<ndarray::Ix2>().map_err(|e| Error::Shape(e.to_string()))?;
        let vec1 = |t: Tensor| t.into_dimensionality::<Ix1>().map_err(|e| Error::Shape(e.to_string()));
        let (inv_std, mean, var) =
            (vec1(cache.take(1, layer)?)?, vec1(cache.take(2, layer)?)?, vec1(cache.take(3, layer)?)?);
        let shape = grad.raw_dim();
        let dy = self.rows(grad)?;
        if dy.dim() != x_hat.dim() {
            return Err(Error::Shape(format!("{layer}: the gradient has shape {:?}", shape.slice())));
        }
        let m = dy.nrows().max(1) as f32;
        let dbeta = dy.sum_axis(Axis(0));
        let dgamma = (&dy * &x_hat).sum_axis(Axis(0));
        // The layer's own statistics, from this batch (Keras's update, with the unbiased variance).
        let momentum = self.momentum;
        let bessel = if m > 1.0 { m / (m - 1.0) } else { 1.0 };
        self.params[2].value.zip_mut_with(&mean, |mm, &b| *mm = momentum * *mm + (1.0 - momentum) * b);
        self.params[3].value.zip_mut_with(&var, |mv, &b| *mv = momentum * *mv + (1.0 - momentum) * b * bessel);
        let dx = if need_input_grad {
            let scale = &self.vector(0)? * &inv_std;
            let (mean_dy, mean_dy_xhat) = (&dbeta / m, &dgamma / m);
            Some((dy - &mean_dy - &x_hat * &mean_dy_xhat) * &scale)
        } else {
            None
        };
        self.params[0].grad = dgamma.into_dyn();
        self.params[1].grad = dbeta.into_dyn();
        dx.map(|dx| dx.into_shape_with_order(shape).map_err(|e| Error::Shape(e.to_string()))).transpose()
    }
    fn params(&self) -> &[Param] {
        &self.params
    }
    fn params_mut(&mut self) -> &mut [Param] {
        &mut self.params
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layers::check_input_gradient;

    #[test]
    fn input_gradient_matches_finite_differences() {
        check_input_gradient(&mut BatchNormalization::new(), &[3, 2, 2, 4], 1);
        check_input_gradient(&mut BatchNormalization::new().epsilon(0.1), &[5, 3], 2);
    }

    #[test]
    fn gamma_and_beta_gradients_match_finite_differences() {
        let mut bn = BatchNormalization::new();
        bn.build(&[3], &mut crate::seeded_rng(0)).unwrap();
        bn.params[0].value = ndarray::arr1(&[0.5f32, -1.5, 2.0]).into_dyn();
        let x = Tensor::from_shape_fn(IxDyn(&[4, 3]), |i| ((i[0] * 5 + i[1] * 3) % 7) as f32 * 0.3 - 1.0);
        let r = Tensor::from_shape_fn(IxDyn(&[4, 3]), |i| ((i[0] + 2 * i[1]) % 5) as f32 * 0.4 - 0.8);
        let (_, cache) = bn.forward(x.clone(), &mut Context::training_deterministic()).unwrap();
        bn.backward(cache, r.clone(), false).unwrap();
        let project = |bn: &BatchNormalization| -> f64 {
            let (y, _) = bn.forward(x.clone(), &mut Context::training_deterministic()).unwrap();
            y.iter().zip(&r).map(|(&a, &b)| f64::from(a) * f64::from(b)).sum()
        };
        for p in 0..2 {
            for k in 0..3 {
                let (mut plus, mut minus) = (bn.clone(), bn.clone());
                plus.params[p].value[[k]] += 1e-2;
                minus.params[p].value[[k]] -= 1e-2;
                let want = (project(&plus) - project(&minus)) / 2e-2;
                let got = f64::from(bn.params[p].grad[[k]]);
                assert!(
                    (got - want).abs() < 1e-3 + 1e-2 * want.abs(),
                    "∂{}[{k}] = {got}, finite differences {want}",
                    bn.params[p].name
                );
            }
        }
    }

    #[test]
    fn wrong_settings_and_shapes_are_errors() {
        assert!(BatchNormalization::new().momentum(1.5).output_shape(&[4]).is_err());
        assert!(BatchNormalization::new().epsilon(0.0).output_shape(&[4]).is_err());
        assert!(BatchNormalization::new().output_shape(&[]).is_err());
        let mut bn = BatchNormalization::new();
        assert!(bn.forward(Tensor::zeros(IxDyn(&[2, 4])), &mut Context::inference()).is_err()); // not built
        bn.build(&[4], &mut crate::seeded_rng(0)).unwrap();
        assert!(bn.forward(Tensor::zeros(IxDyn(&[2, 3])), &mut Context::inference()).is_err());
    }
}
