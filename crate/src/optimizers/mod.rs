//! Optimizers: how the weights move, given their gradients.
//!
//! Each one follows Keras's update rule exactly (see its file): [`SGD`] (with momentum),
//! [`Adam`] and [`RMSprop`]. An optimizer keeps its state (moments, velocities) per weight,
//! keyed by the weight's path in the model (`dense_1/kernel`): a model changed after training
//! gets a clear error instead of another weight's state.
//!
//! ```
//! use snackml::optimizers::{Optimizer, ParamRef, SGD};
//! use snackml::layers::Param;
//! let mut p = Param::new("kernel", ndarray::arr1(&[1.0f32]).into_dyn());
//! p.grad[[0]] = 2.0;
//! let mut sgd = SGD::new(0.1);
//! sgd.apply(&mut [ParamRef { key: "dense/kernel".into(), param: &mut p }]).unwrap();
//! assert!((p.value[[0]] - 0.8).abs() < 1e-6); // w ← w − η·g
//! ```

mod adam;
mod rmsprop;
mod sgd;

pub use adam::Adam;
pub use rmsprop::RMSprop;
pub use sgd::SGD;

use crate::layers::Param;
use crate::{Error, Result, Tensor};
use rayon::prelude::*;
use std::collections::HashMap;

/// Below this many elements an update runs on one thread (rayon would cost more than it saves).
pub(crate) const PARALLEL_MIN: usize = 1 << 15;

/// The fewest elements one rayon task updates.
const MIN_CHUNK: usize = 1 << 12;

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

    /// The update loop every optimizer shares: makes sure every weight has its state
    /// ([`Slots::prepare`]), then runs `step(w, g, state)` on every element of every weight, with
    /// the weight's `N` state values; weights of [`PARALLEL_MIN`] elements or more are split into
    /// chunks updated in parallel. An optimizer is its `step` formula.
    pub(crate) fn update(
        &mut self,
        params: &mut [ParamRef<'_>],
        step: impl Fn(&mut f32, f32, [&mut f32; N]) + Sync,
    ) -> Result<()> {
        self.prepare(params)?;
        for p in params.iter_mut() {
            let state = self.get(&p.key)?;
            let param = &mut *p.param;
            for t in [&mut param.value, &mut param.grad] {
                if !t.is_standard_layout() {
                    *t = t.as_standard_layout().into_owned();
                }
            }
            let not_flat = || Error::InvalidArgument(format!("the state of {} is not contiguous", p.key));
            let w = param.value.as_slice_mut().ok_or_else(not_flat)?;
            let g = param.grad.as_slice().ok_or_else(not_flat)?;
            let slots = state.each_mut().map(|t| t.as_slice_mut());
            if slots.iter().any(Option::is_none) {
                return Err(not_flat());
            }
            let slots = slots.map(Option::unwrap_or_default);
            if w.len() < PARALLEL_MIN {
                update_chunk(w, g, slots, &step);
            } else {
                chunks(w, g, slots).into_par_iter().for_each(|(w, g, s)| update_chunk(w, g, s, &step));
            }
        }
        Ok(())
    }

    pub(crate) fn clear(&mut self) {
        self.map.clear();
    }
}

/// One weight's elements, their gradients and their state values, split into four chunks per
/// thread (of at least [`MIN_CHUNK`] elements).
#[allow(clippy::type_complexity)]
fn chunks<'a, const N: usize>(
    mut w: &'a mut [f32],
    mut g: &'a [f32],
    mut s: [&'a mut [f32]; N],
) -> Vec<(&'a mut [f32], &'a [f32], [&'a mut [f32]; N])> {
    let chunk = w.len().div_ceil(4 * rayon::current_num_threads()).max(MIN_CHUNK);
    let mut out = Vec::with_capacity(w.len().div_ceil(chunk));
    while !w.is_empty() {
        let k = chunk.min(w.len()).min(g.len());
        let (w0, w1) = std::mem::take(&mut w).split_at_mut(k);
        let (g0, g1) = g.split_at(k);
        let heads = std::array::from_fn(|j| {
            let slot = std::mem::take(&mut s[j]);
            let (a, b) = slot.split_at_mut(k.min(slot.len()));
            s[j] = b;
            a
        });
        out.push((w0, g0, heads));
        (w, g) = (w1, g1);
        if k == 0 {
            break;
        }
    }
    out
}

/// `step` on every element of a chunk.
fn update_chunk<const N: usize>(
    w: &mut [f32],
    g: &[f32],
    s: [&mut [f32]; N],
    step: &(impl Fn(&mut f32, f32, [&mut f32; N]) + Sync),
) {
    let n = w.len().min(g.len()).min(s.iter().map(|c| c.len()).min().unwrap_or(usize::MAX));
    let (w, g) = (&mut w[..n], &g[..n]);
    let mut s = s.map(|c| &mut c[..n]);
    for i in 0..n {
        step(&mut w[i], g[i], s.each_mut().map(|c| &mut c[i]));
    }
}
