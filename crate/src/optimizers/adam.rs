//! Adam (Keras's defaults β₁ = 0.9, β₂ = 0.999, ε = 1e-7), at step `t = 1, 2, …`:
//! `m ← β₁·m + (1 − β₁)·g`, `v ← β₂·v + (1 − β₂)·g²`,
//! `η_t = η·√(1 − β₂ᵗ) / (1 − β₁ᵗ)`, `w ← w − η_t · m / (√v + ε)`.

use super::{check_epsilon, check_learning_rate, check_unit, Optimizer, ParamRef, Slots};
use crate::Result;

/// Adam, with Keras's defaults.
#[derive(Clone, Debug)]
pub struct Adam {
    learning_rate: f32,
    beta_1: f32,
    beta_2: f32,
    epsilon: f32,
    iterations: i32,
    moments: Slots<2>,
}

impl Adam {
    /// `Adam(learning_rate)` with β₁ = 0.9, β₂ = 0.999, ε = 1e-7.
    pub fn new(learning_rate: f32) -> Self {
        Adam { learning_rate, beta_1: 0.9, beta_2: 0.999, epsilon: 1e-7, iterations: 0, moments: Slots::default() }
    }
    /// Sets β₁ (in [0, 1), checked at `compile`).
    pub fn beta_1(mut self, beta_1: f32) -> Self {
        self.beta_1 = beta_1;
        self
    }
    /// Sets β₂ (in [0, 1)).
    pub fn beta_2(mut self, beta_2: f32) -> Self {
        self.beta_2 = beta_2;
        self
    }
    /// Sets ε (> 0).
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
    fn validate(&self) -> Result<()> {
        check_learning_rate(self.learning_rate)?;
        check_unit("beta_1", self.beta_1)?;
        check_unit("beta_2", self.beta_2)?;
        check_epsilon(self.epsilon)
    }
    fn apply(&mut self, params: &mut [ParamRef<'_>]) -> Result<()> {
        self.moments.prepare(params)?;
        self.iterations = self.iterations.saturating_add(1);
        let t = self.iterations;
        let (b1, b2, eps) = (self.beta_1, self.beta_2, self.epsilon);
        let lr_t = self.learning_rate * (1.0 - b2.powi(t)).sqrt() / (1.0 - b1.powi(t));
        self.moments.update(params, |w, g, [m, v]| {
            *m += (g - *m) * (1.0 - b1);
            *v += (g * g - *v) * (1.0 - b2);
            *w -= lr_t * *m / (v.sqrt() + eps);
        })
    }
    fn reset(&mut self) {
        self.iterations = 0;
        self.moments.clear();
    }
    fn clone_box(&self) -> Box<dyn Optimizer> {
        Box::new(self.clone())
    }
}
