//! Stochastic gradient descent with momentum `μ` (Keras's `SGD`):
//! `v ← μ·v − η·g`, `w ← w + v`; plain gradient descent `w ← w − η·g` when `μ = 0`.

use super::{check_learning_rate, check_unit, Optimizer, ParamRef, Slots};
use crate::Result;

/// Stochastic gradient descent, optionally with momentum.
#[derive(Clone, Debug)]
#[allow(clippy::upper_case_acronyms)] // Keras's name (see the crate docs on names)
pub struct SGD {
    learning_rate: f32,
    momentum: f32,
    velocity: Slots<1>,
}

impl SGD {
    /// `SGD(learning_rate)`; the rate is checked at `compile`.
    pub fn new(learning_rate: f32) -> Self {
        SGD { learning_rate, momentum: 0.0, velocity: Slots::default() }
    }
    /// Sets the momentum `μ` (0 ≤ μ < 1, checked at `compile`).
    pub fn momentum(mut self, momentum: f32) -> Self {
        self.momentum = momentum;
        self
    }
}

impl Optimizer for SGD {
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
    fn validate(&self) -> Result<()> {
        check_learning_rate(self.learning_rate)?;
        check_unit("momentum", self.momentum)
    }
    fn apply(&mut self, params: &mut [ParamRef<'_>]) -> Result<()> {
        let (lr, mu) = (self.learning_rate, self.momentum);
        self.velocity.update(params, |w, g, [v]| {
            *v = mu * *v - lr * g;
            *w += *v;
        })
    }
    fn reset(&mut self) {
        self.velocity.clear();
    }
    fn clone_box(&self) -> Box<dyn Optimizer> {
        Box::new(self.clone())
    }
}
