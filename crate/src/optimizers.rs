//! Optimizers: how the weights move, given their gradients.
//!
//! **SGD** with momentum `μ` (Keras's update): `v ← μ·v − η·g`, `w ← w + v`
//! (plain gradient descent `w ← w − η·g` when `μ = 0`).
//!
//! **Adam** (Keras defaults β₁ = 0.9, β₂ = 0.999, ε = 1e-7), at step `t = 1, 2, …`:
//! `m ← β₁·m + (1 − β₁)·g`, `v ← β₂·v + (1 − β₂)·g²`,
//! `η_t = η·√(1 − β₂ᵗ) / (1 − β₁ᵗ)`, `w ← w − η_t · m / (√v + ε)`.
//!
//! ```
//! use snackml::optimizers::{Optimizer, Sgd};
//! use snackml::layers::Param;
//! let mut p = Param::new("w", ndarray::arr1(&[1.0f32]).into_dyn());
//! p.grad[[0]] = 2.0;
//! let mut sgd = Sgd::new(0.1);
//! sgd.apply(&mut [&mut p]);
//! assert!((p.value[[0]] - 0.8).abs() < 1e-6);
//! ```

use crate::layers::Param;
use crate::{Error, Result, Tensor};
use ndarray::Zip;

/// Below this many elements an update runs on one thread (rayon would cost more than it saves).
const PARALLEL_MIN: usize = 1 << 15;

/// The protocol of an optimizer.
pub trait Optimizer: Send + Sync + std::fmt::Debug {
    /// The Keras name, e.g. "Adam".
    fn name(&self) -> &'static str;
    /// The learning rate `η`.
    fn learning_rate(&self) -> f32;
    /// Changes the learning rate (between two `fit`s, say). It must be positive and finite.
    fn set_learning_rate(&mut self, lr: f32) -> Result<()>;
    /// Moves every parameter one step against its gradient. Parameters are identified by position:
    /// pass them in the same order every time.
    fn apply(&mut self, params: &mut [&mut Param]);
    /// Forgets the optimizer's state (moments, step count), as a freshly created one.
    fn reset(&mut self);
}

/// Checks a learning rate.
pub fn check_learning_rate(lr: f32) -> Result<f32> {
    if lr.is_finite() && lr > 0.0 {
        Ok(lr)
    } else {
        Err(Error::InvalidArgument(format!("the learning rate must be positive and finite, got {lr}")))
    }
}

fn zip_update(
    value: &mut Tensor,
    grad: &Tensor,
    state: &mut Tensor,
    f: impl Fn(&mut f32, f32, &mut f32) + Sync + Send,
) {
    let z = Zip::from(value).and(grad).and(state);
    if grad.len() >= PARALLEL_MIN {
        z.par_for_each(|w, &g, s| f(w, g, s));
    } else {
        z.for_each(|w, &g, s| f(w, g, s));
    }
}

/// Stochastic gradient descent, optionally with momentum.
#[derive(Clone, Debug)]
pub struct Sgd {
    learning_rate: f32,
    momentum: f32,
    velocity: Vec<Tensor>,
}

impl Sgd {
    /// `SGD(learning_rate)`; check the rate with [`Optimizer::set_learning_rate`] or at `compile`.
    pub fn new(learning_rate: f32) -> Self {
        Sgd { learning_rate, momentum: 0.0, velocity: Vec::new() }
    }
    /// Sets the momentum `μ` (0 ≤ μ < 1).
    pub fn momentum(mut self, momentum: f32) -> Self {
        self.momentum = momentum;
        self
    }
}

impl Optimizer for Sgd {
    fn name(&self) -> &'static str {
        "SGD"
    }
    fn learning_rate(&self) -> f32 {
        self.learning_rate
    }
    fn set_learning_rate(&mut self, lr: f32) -> Result<()> {
        self.learning_rate = check_learning_rate(lr)?;
        Ok(())
    }
    fn apply(&mut self, params: &mut [&mut Param]) {
        let (lr, mu) = (self.learning_rate, self.momentum);
        if self.velocity.len() != params.len() {
            self.velocity = params.iter().map(|p| Tensor::zeros(p.value.raw_dim())).collect();
        }
        for (p, v) in params.iter_mut().zip(&mut self.velocity) {
            let Param { value, grad, .. } = &mut **p;
            zip_update(value, grad, v, move |w, g, v| {
                *v = mu * *v - lr * g;
                *w += *v;
            });
        }
    }
    fn reset(&mut self) {
        self.velocity.clear();
    }
}

/// Adam, with Keras's defaults.
#[derive(Clone, Debug)]
pub struct Adam {
    learning_rate: f32,
    beta_1: f32,
    beta_2: f32,
    epsilon: f32,
    iterations: i32,
    moments: Vec<(Tensor, Tensor)>,
}

impl Adam {
    /// `Adam(learning_rate)` with β₁ = 0.9, β₂ = 0.999, ε = 1e-7.
    pub fn new(learning_rate: f32) -> Self {
        Adam { learning_rate, beta_1: 0.9, beta_2: 0.999, epsilon: 1e-7, iterations: 0, moments: Vec::new() }
    }
    /// Sets β₁.
    pub fn beta_1(mut self, beta_1: f32) -> Self {
        self.beta_1 = beta_1;
        self
    }
    /// Sets β₂.
    pub fn beta_2(mut self, beta_2: f32) -> Self {
        self.beta_2 = beta_2;
        self
    }
    /// Sets ε.
    pub fn epsilon(mut self, epsilon: f32) -> Self {
        self.epsilon = epsilon;
        self
    }
    /// How many steps have been taken.
    pub fn iterations(&self) -> i32 {
        self.iterations
    }
}

impl Default for Adam {
    fn default() -> Self {
        Adam::new(1e-3)
    }
}

impl Optimizer for Adam {
    fn name(&self) -> &'static str {
        "Adam"
    }
    fn learning_rate(&self) -> f32 {
        self.learning_rate
    }
    fn set_learning_rate(&mut self, lr: f32) -> Result<()> {
        self.learning_rate = check_learning_rate(lr)?;
        Ok(())
    }
    fn apply(&mut self, params: &mut [&mut Param]) {
        if self.moments.len() != params.len() {
            self.moments =
                params.iter().map(|p| (Tensor::zeros(p.value.raw_dim()), Tensor::zeros(p.value.raw_dim()))).collect();
        }
        self.iterations += 1;
        let t = self.iterations;
        let (b1, b2, eps) = (self.beta_1, self.beta_2, self.epsilon);
        let lr_t = self.learning_rate * (1.0 - b2.powi(t)).sqrt() / (1.0 - b1.powi(t));
        for (p, (m, v)) in params.iter_mut().zip(&mut self.moments) {
            let Param { value, grad, .. } = &mut **p;
            let z = Zip::from(value).and(&*grad).and(m).and(v);
            let step = move |w: &mut f32, &g: &f32, m: &mut f32, v: &mut f32| {
                *m += (g - *m) * (1.0 - b1);
                *v += (g * g - *v) * (1.0 - b2);
                *w -= lr_t * *m / (v.sqrt() + eps);
            };
            if grad.len() >= PARALLEL_MIN {
                z.par_for_each(step);
            } else {
                z.for_each(step);
            }
        }
    }
    fn reset(&mut self) {
        self.iterations = 0;
        self.moments.clear();
    }
}
