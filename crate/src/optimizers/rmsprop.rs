//! RMSprop (Keras's defaults ρ = 0.9, ε = 1e-7, no momentum, not centred):
//! `v ← ρ·v + (1 − ρ)·g²`, `w ← w − η·g / √(v + ε)`.

use super::{check_epsilon, check_learning_rate, check_unit, Optimizer, ParamRef, Slots};
use crate::Result;

/// RMSprop, with Keras's defaults.
#[derive(Clone, Debug)]
pub struct RMSprop {
    learning_rate: f32,
    rho: f32,
    epsilon: f32,
    velocity: Slots<1>,
}

impl RMSprop {
    /// `RMSprop(learning_rate)` with ρ = 0.9, ε = 1e-7.
    pub fn new(learning_rate: f32) -> Self {
        RMSprop { learning_rate, rho: 0.9, epsilon: 1e-7, velocity: Slots::default() }
    }
    /// Sets ρ, the decay of the running mean of `g²` (in [0, 1), checked at `compile`).
    pub fn rho(mut self, rho: f32) -> Self {
        self.rho = rho;
        self
    }
    /// Sets ε (> 0).
    pub fn epsilon(mut self, epsilon: f32) -> Self {
        self.epsilon = epsilon;
        self
    }
}

impl Default for RMSprop {
    fn default() -> Self {
        RMSprop::new(1e-3)
    }
}

impl Optimizer for RMSprop {
    fn name(&self) -> &'static str {
        "RMSprop"
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
        check_unit("rho", self.rho)?;
        check_epsilon(self.epsilon)
    }
    fn apply(&mut self, params: &mut [ParamRef<'_>]) -> Result<()> {
        let (lr, rho, eps) = (self.learning_rate, self.rho, self.epsilon);
        self.velocity.update(params, |w, g, [v]| {
            *v = rho * *v + (1.0 - rho) * g * g;
            *w -= lr * g / (*v + eps).sqrt();
        })
    }
    fn reset(&mut self) {
        self.velocity.clear();
    }
    fn clone_box(&self) -> Box<dyn Optimizer> {
        Box::new(self.clone())
    }
}
