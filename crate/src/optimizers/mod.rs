//! Optimizers: how the weights move, given their gradients.
//!
//! Each one follows Keras's update rule exactly (see its file): [`Sgd`] (with momentum),
//! [`Adam`] and [`RMSprop`]. An optimizer keeps its state (moments, velocities) per weight,
//! keyed by the weight's path in the model (`dense_1/kernel`): a model changed after training
//! gets a clear error instead of another weight's state.
//!
//! ```
//! use snackml::optimizers::{Optimizer, ParamRef, Sgd};
//! use snackml::layers::Param;
//! let mut p = Param::new("kernel", ndarray::arr1(&[1.0f32]).into_dyn());
//! p.grad[[0]] = 2.0;
//! let mut sgd = Sgd::new(0.1);
//! sgd.apply(&mut [ParamRef { key: "dense/kernel".into(), param: &mut p }]).unwrap();
//! assert!((p.value[[0]] - 0.8).abs() < 1e-6); // w ← w − η·g
//! ```

mod adam;
mod rmsprop;
mod sgd;

pub use adam::Adam;
pub use rmsprop::RMSprop;
pub use sgd::Sgd;

use crate::layers::Param;
use crate::{Error, Result, Tensor};
use std::collections::HashMap;

/// Below this many elements an update runs on one thread (rayon would cost more than it saves).
pub(crate) const PARALLEL_MIN: usize = 1 << 15;

/// A weight handed to an optimizer, with the key its state is kept under.
#[derive(Debug)]
pub struct ParamRef<'a> {
    /// The weight's path in the model, e.g. `dense_1/kernel`.
    pub key: String,
    /// The weight and its gradient.
    pub param: &'a mut Param,
}

/// The protocol of an optimizer.
pub trait Optimizer: Send + Sync + std::fmt::Debug {
    /// The Keras name, e.g. "Adam".
    fn name(&self) -> &'static str;
    /// The learning rate `η`.
    fn learning_rate(&self) -> f32;
    /// Changes the learning rate (between two `fit`s, or from a callback). It must be positive
    /// and finite.
    fn set_learning_rate(&mut self, lr: f32) -> Result<()>;
    /// Checks every hyperparameter (called by `compile`).
    fn validate(&self) -> Result<()>;
    /// Moves every weight one step against its gradient. Fails, changing nothing, when a weight's
    /// shape differs from the state kept under its key (the model changed after training).
    fn apply(&mut self, params: &mut [ParamRef<'_>]) -> Result<()>;
    /// Forgets the optimizer's state (moments, step count), as a freshly created one.
    fn reset(&mut self);
    /// A copy, state included.
    fn clone_box(&self) -> Box<dyn Optimizer>;
}

impl Clone for Box<dyn Optimizer> {
    fn clone(&self) -> Self {
        self.clone_box()
    }
}

/// Checks a learning rate: positive and finite.
pub fn check_learning_rate(lr: f32) -> Result<f32> {
    if lr.is_finite() && lr > 0.0 {
        Ok(lr)
    } else {
        Err(Error::InvalidArgument(format!("the learning rate must be positive and finite, got {lr}")))
    }
}

/// Checks a decay factor (momentum, β₁, β₂, ρ): in `[0, 1)`.
pub(crate) fn check_unit(name: &str, value: f32) -> Result<()> {
    if (0.0..1.0).contains(&value) {
        Ok(())
    } else {
        Err(Error::InvalidArgument(format!("{name} must be in [0, 1), got {value}")))
    }
}

/// Checks ε: positive and finite.
pub(crate) fn check_epsilon(epsilon: f32) -> Result<()> {
    if epsilon.is_finite() && epsilon > 0.0 {
        Ok(())
    } else {
        Err(Error::InvalidArgument(format!("epsilon must be positive and finite, got {epsilon}")))
    }
}

/// An optimizer's per-weight state: `N` tensors (moments, velocity) per weight key, each of the
/// weight's shape.
#[derive(Clone, Debug, Default)]
pub(crate) struct Slots<const N: usize> {
    map: HashMap<String, [Tensor; N]>,
}

impl<const N: usize> Slots<N> {
    /// Makes sure every weight has its state: new keys get zeros; a key whose state has another
    /// shape than its weight is an error (nothing is changed then).
    pub(crate) fn prepare(&mut self, params: &[ParamRef<'_>]) -> Result<()> {
        for p in params {
            if p.param.grad.shape() != p.param.value.shape() {
                return Err(Error::Shape(format!(
                    "the gradient of {} has shape {:?}, the weight {:?}",
                    p.key,
                    p.param.grad.shape(),
                    p.param.value.shape()
                )));
            }
            if let Some(state) = self.map.get(&p.key) {
                if state[0].shape() != p.param.value.shape() {
                    return Err(Error::InvalidArgument(format!(
                        "the optimizer's state for {} has shape {:?} but the weight now has shape {:?}: \
                         the model changed after training; compile it again for a fresh optimizer",
                        p.key,
                        state[0].shape(),
                        p.param.value.shape()
                    )));
                }
            }
        }
        for p in params {
            self.map
                .entry(p.key.clone())
                .or_insert_with(|| std::array::from_fn(|_| Tensor::zeros(p.param.value.raw_dim())));
        }
        Ok(())
    }

    /// The state of a prepared key.
    pub(crate) fn get(&mut self, key: &str) -> Result<&mut [Tensor; N]> {
        self.map.get_mut(key).ok_or_else(|| Error::InvalidArgument(format!("no optimizer state for {key}")))
    }

    pub(crate) fn clear(&mut self) {
        self.map.clear();
    }
}
