//! Stochastic gradient descent with momentum `μ` (Keras's `SGD`):
//! `v ← μ·v − η·g`, `w ← w + v`; plain gradient descent `w ← w − η·g` when `μ = 0`.

use super::{check_learning_rate, check_unit, Optimizer, ParamRef, Slots, PARALLEL_MIN};
use crate::Result;
use ndarray::Zip;

/// Stochastic gradient descent, optionally with momentum.
#[derive(Clone, Debug)]
pub struct Sgd {
    learning_rate: f32,
    momentum: f32,
    velocity: Slots<1>,
}

impl Sgd {
    /// `SGD(learning_rate)`; the rate is checked at `compile`.
    pub fn new(learning_rate: f32) -> Self {
        Sgd { learning_rate, momentum: 0.0, velocity: Slots::default() }
    }
    /// Sets the momentum `μ` (0 ≤ μ < 1, checked at `compile`).
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
    fn validate(&self) -> Result<()> {
        check_learning_rate(self.learning_rate)?;
        check_unit("momentum", self.momentum)
    }
    fn apply(&mut self, params: &mut [ParamRef<'_>]) -> Result<()> {
        let (lr, mu) = (self.learning_rate, self.momentum);
        self.velocity.prepare(params)?;
        for p in params.iter_mut() {
            let [v] = self.velocity.get(&p.key)?;
            let z = Zip::from(&mut p.param.value).and(&p.param.grad).and(v);
            let step = move |w: &mut f32, &g: &f32, v: &mut f32| {
                *v = mu * *v - lr * g;
                *w += *v;
            };
            if p.param.grad.len() >= PARALLEL_MIN {
                z.par_for_each(step);
            } else {
                z.for_each(step);
            }
        }
        Ok(())
    }
    fn reset(&mut self) {
        self.velocity.clear();
    }
    fn clone_box(&self) -> Box<dyn Optimizer> {
        Box::new(self.clone())
    }
}
