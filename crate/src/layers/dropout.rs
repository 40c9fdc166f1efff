//! `Dropout`: while training, each input is zeroed with probability `rate` and the ones kept are
//! scaled by `1 / (1 − rate)`, so the expected output equals the input; in inference it is the
//! identity (Keras's `Dropout(rate)`, active only when `training=True`).
//!
//! Forward in training: `y = x ⊙ m / (1 − rate)` with `mᵢ ~ Bernoulli(1 − rate)`; backward:
//! `∂x = ∂y ⊙ m / (1 − rate)`. Any input shape; no weights. The mask is drawn from the layer's own
//! generator, which the model seeds by `seed` or else from the model's seed
//! ([`Layer::randomness`]), so a seeded model trains the same way every run.
//!
//! ```
//! use snackml::layers::{Context, Dropout, Layer};
//! let d = Dropout::new(0.5);
//! let x = ndarray::Array2::<f32>::ones((2, 4)).into_dyn();
//! let (y, _) = d.forward(x.clone(), &mut Context::inference()).unwrap();
//! assert_eq!(y, x); // the identity outside training
//! let mut rng = snackml::seeded_rng(0);
//! let (y, _) = d.forward(x, &mut Context::training(&mut rng)).unwrap();
//! assert!(y.iter().all(|&v| v == 0.0 || v == 2.0));
//! ```

use super::{Cache, Context, Layer, OnnxOp, Randomness};
use crate::{Error, Result, Tensor};
use rand::Rng;
use serde::{Deserialize, Serialize};

/// Randomly zeroes inputs while training.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Dropout {
    rate: f32,
    #[serde(default)]
    seed: Option<u64>,
}

impl Dropout {
    /// `Dropout(rate)`, `0 ≤ rate < 1` (checked when the layer is built).
    pub fn new(rate: f32) -> Self {
        Dropout { rate, seed: None }
    }

    /// Fixes the masks' generator (Keras's `seed=`).
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }

    /// The fraction of inputs dropped while training.
    pub fn rate(&self) -> f32 {
        self.rate
    }

    fn check_rate(&self) -> Result<()> {
        if (0.0..1.0).contains(&self.rate) {
            Ok(())
        } else {
            Err(Error::InvalidArgument(format!("the Dropout rate must be in [0, 1), got {}", self.rate)))
        }
    }
}

impl Layer for Dropout {
    fn class_name(&self) -> &'static str {
        "Dropout"
    }
    fn output_shape(&self, input_shape: &[usize]) -> Result<Vec<usize>> {
        self.check_rate()?;
        Ok(input_shape.to_vec())
    }
    fn randomness(&self) -> Randomness {
        self.seed.map_or(Randomness::FromModel, Randomness::Seeded)
    }
    fn forward(&self, mut x: Tensor, ctx: &mut Context<'_>) -> Result<(Tensor, Cache)> {
        if !ctx.is_training() || self.rate == 0.0 {
            return Ok((x, Cache::empty()));
        }
        self.check_rate()?;
        let rng = ctx.rng("Dropout")?;
        let (rate, scale) = (self.rate, 1.0 / (1.0 - self.rate));
        let mask = Tensor::from_shape_simple_fn(x.raw_dim(), || if rng.random::<f32>() < rate { 0.0 } else { scale });
        x *= &mask;
        Ok((x, Cache::new(vec![mask])))
    }
    fn backward(&mut self, mut cache: Cache, mut grad: Tensor, need_input_grad: bool) -> Result<Option<Tensor>> {
        if !need_input_grad || self.rate == 0.0 {
            return Ok(need_input_grad.then_some(grad));
        }
        let mask = cache.take(0, "Dropout")?;
        if mask.shape() != grad.shape() {
            return Err(Error::Shape(format!("Dropout: gradient {:?} for a mask {:?}", grad.shape(), mask.shape())));
        }
        grad *= &mask;
        Ok(Some(grad))
    }
    fn onnx_ops(&self) -> Result<Vec<OnnxOp>> {
        Ok(vec![OnnxOp::new("Identity")]) // inference
    }
}
