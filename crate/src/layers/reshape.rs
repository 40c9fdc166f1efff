//! `Reshape`: gives every sample a new shape with the same values in the same (row-major) order,
//! Keras's `Reshape(target_shape)`. One dimension may be `-1`: it is whatever makes the sizes
//! match, `−1 = Π input / Π (the others)`.
//!
//! Forward `y = reshape(x, (batch, *target))`; backward `∂x = reshape(∂y, (batch, *input))`. No
//! weights.
//!
//! ```
//! use snackml::layers::{Layer, Reshape};
//! assert_eq!(Reshape::new(&[-1, 3]).output_shape(&[4, 4, 3]).unwrap(), vec![16, 3]);
//! assert!(Reshape::new(&[5, -1]).output_shape(&[4, 4, 3]).is_err()); // 48 is not a multiple of 5
//! ```

use super::{shape_string, Cache, Context, Layer};
use crate::{Error, Result, Tensor};
use rand::rngs::StdRng;
use serde::{Deserialize, Serialize};

/// Reshapes every sample (Keras's `Reshape`).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Reshape {
    target_shape: Vec<i64>,
    /// The per-sample input shape it was built for (what backward reshapes the gradient to).
    #[serde(skip)]
    built: Option<Vec<usize>>,
}

impl Reshape {
    /// `Reshape(target_shape)`, without the batch dimension; at most one entry may be `-1`.
    pub fn new(target_shape: &[i64]) -> Self {
        Reshape { target_shape: target_shape.to_vec(), built: None }
    }

    /// The batch `x` with every sample reshaped to `to` (an error if the sizes differ).
    fn reshape(x: Tensor, to: &[usize]) -> Result<Tensor> {
        let mut shape = vec![x.shape().first().copied().unwrap_or(0)];
        shape.extend_from_slice(to);
        let x = if x.is_standard_layout() { x } else { x.as_standard_layout().into_owned() };
        x.into_shape_with_order(ndarray::IxDyn(&shape)).map_err(|e| Error::Shape(format!("Reshape: {e}")))
    }
}

impl Layer for Reshape {
    fn class_name(&self) -> &'static str {
        "Reshape"
    }
    fn output_shape(&self, input_shape: &[usize]) -> Result<Vec<usize>> {
        let wrong = |why: &str| {
            Error::Shape(format!(
                "Reshape to {:?} cannot take inputs of shape {}: {why}",
                self.target_shape,
                shape_string(input_shape)
            ))
        };
        let size: usize =
            input_shape.iter().try_fold(1usize, |a, &d| a.checked_mul(d)).ok_or_else(|| wrong("too large"))?;
        let unknown = self.target_shape.iter().filter(|&&d| d == -1).count();
        if unknown > 1 || self.target_shape.iter().any(|&d| d == 0 || d < -1) {
            return Err(wrong("the target may have one -1 and otherwise positive sizes"));
        }
        let known = self
            .target_shape
            .iter()
            .filter(|&&d| d > 0)
            .try_fold(1usize, |a, &d| a.checked_mul(usize::try_from(d).ok()?))
            .ok_or_else(|| wrong("too large"))?;
        let missing = if unknown == 1 {
            if known == 0 || !size.is_multiple_of(known) {
                return Err(wrong(&format!("{size} values do not divide into parts of {known}")));
            }
            size / known
        } else if known == size {
            1
        } else {
            return Err(wrong(&format!("{size} values cannot become {known}")));
        };
        Ok(self.target_shape.iter().map(|&d| if d == -1 { missing } else { d as usize }).collect())
    }
    fn build(&mut self, input_shape: &[usize], _rng: &mut StdRng) -> Result<()> {
        self.output_shape(input_shape)?;
        self.built = Some(input_shape.to_vec());
        Ok(())
    }
    fn forward(&self, x: Tensor, _ctx: &mut Context<'_>) -> Result<(Tensor, Cache)> {
        let input = self.built.as_ref().ok_or_else(|| Error::NotBuilt("Reshape".into()))?;
        if x.ndim() == 0 || &x.shape()[1..] != input.as_slice() {
            return Err(Error::Shape(format!(
                "Reshape expects inputs of shape {}, got {:?}",
                shape_string(input),
                x.shape()
            )));
        }
        Ok((Self::reshape(x, &self.output_shape(input)?)?, Cache::empty()))
    }
    fn backward(&mut self, _cache: Cache, grad: Tensor, need_input_grad: bool) -> Result<Option<Tensor>> {
        if !need_input_grad {
            return Ok(None);
        }
        let input = self.built.as_ref().ok_or_else(|| Error::NotBuilt("Reshape".into()))?;
        Ok(Some(Self::reshape(grad, input)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layers::check_input_gradient;

    #[test]
    fn reshapes_in_row_major_order_and_back() {
        let mut r = Reshape::new(&[2, -1]);
        r.build(&[3, 2], &mut crate::seeded_rng(0)).unwrap();
        let x = Tensor::from_shape_fn(vec![2, 3, 2], |i| (i[0] * 6 + i[1] * 2 + i[2]) as f32);
        let (y, cache) = r.forward(x.clone(), &mut Context::inference()).unwrap();
        assert_eq!(y.shape(), &[2, 2, 3]);
        assert_eq!(y.iter().copied().collect::<Vec<_>>(), x.iter().copied().collect::<Vec<_>>());
        assert_eq!(r.backward(cache, y, true).unwrap().unwrap(), x);
        check_input_gradient(&mut r, &[4, 3, 2], 1);
    }

    #[test]
    fn impossible_targets_are_errors() {
        assert_eq!(Reshape::new(&[6]).output_shape(&[2, 3]).unwrap(), vec![6]);
        for target in [&[-1, -1][..], &[0, 6], &[-2, 3], &[4], &[4, -1]] {
            assert!(Reshape::new(target).output_shape(&[2, 3]).is_err(), "{target:?}");
        }
        assert!(Reshape::new(&[6]).forward(Tensor::zeros(vec![1, 6]), &mut Context::inference()).is_err());
        let mut r = Reshape::new(&[6]);
        r.build(&[2, 3], &mut crate::seeded_rng(0)).unwrap();
        assert!(r.forward(Tensor::zeros(vec![1, 3, 2]), &mut Context::inference()).is_err());
        let config = serde_json::to_value(&r).unwrap();
        assert_eq!(config, serde_json::json!({ "target_shape": [6] }));
    }
}
