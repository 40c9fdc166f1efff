//! `Flatten`: turns each sample into one long vector.
//!
//! Input `(batch, d1, d2, …)`, output `(batch, d1·d2·…)`. A 32 × 32 RGB image becomes 3,072
//! numbers, in NHWC order (row by row, the three colour channels of each pixel side by side),
//! exactly as Keras flattens it. No weights; the backward pass reshapes the gradient back.
//! Flattening is also what throws the picture away: neighbouring pixels become unrelated inputs.
//!
//! ```
//! use snackml::layers::{Flatten, Layer};
//! let f = Flatten::with_input_shape(&[32, 32, 3]);
//! assert_eq!(f.output_shape(&[32, 32, 3]).unwrap(), vec![3072]);
//! ```

use super::{shape_string, Cache, Context, Layer, OnnxAttribute, OnnxOp};
use crate::{Error, Result, Tensor};
use rand::rngs::StdRng;
use serde::{Deserialize, Serialize};

/// Flattens every sample to a vector.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Flatten {
    input_shape: Option<Vec<usize>>,
    /// The per-sample shape it was built for (what backward reshapes the gradient to).
    #[serde(skip)]
    built: Option<Vec<usize>>,
}

impl Flatten {
    /// A `Flatten` whose input shape is given by the previous layer.
    pub fn new() -> Self {
        Self::default()
    }

    /// A first layer: `Flatten(input_shape=(32, 32, 3))` in Keras.
    pub fn with_input_shape(shape: &[usize]) -> Self {
        Flatten { input_shape: Some(shape.to_vec()), built: None }
    }
}

impl Layer for Flatten {
    fn class_name(&self) -> &'static str {
        "Flatten"
    }
    fn declared_input_shape(&self) -> Option<&[usize]> {
        self.input_shape.as_deref()
    }
    fn output_shape(&self, input_shape: &[usize]) -> Result<Vec<usize>> {
        if input_shape.is_empty() || input_shape.contains(&0) {
            return Err(Error::Shape(format!("Flatten cannot take inputs of shape {}", shape_string(input_shape))));
        }
        let size = input_shape.iter().try_fold(1usize, |a, &d| a.checked_mul(d)).filter(|&n| n <= isize::MAX as usize);
        let size = size.ok_or_else(|| {
            Error::Shape(format!("Flatten input shape {input_shape:?} has too many elements to address"))
        })?;
        Ok(vec![size])
    }
    fn build(&mut self, input_shape: &[usize], _rng: &mut StdRng) -> Result<()> {
        self.output_shape(input_shape)?;
        self.built = Some(input_shape.to_vec());
        Ok(())
    }
    fn forward(&self, x: Tensor, _ctx: &mut Context<'_>) -> Result<(Tensor, Cache)> {
        let want = self.built.as_ref().ok_or_else(|| Error::NotBuilt("Flatten".into()))?;
        if x.ndim() == 0 || &x.shape()[1..] != want.as_slice() {
            return Err(Error::Shape(format!(
                "Flatten expects inputs of shape {}, got {:?}",
                shape_string(want),
                x.shape()
            )));
        }
        let n = x.shape()[0];
        let features = want.iter().product();
        let x = if x.is_standard_layout() { x } else { x.as_standard_layout().into_owned() };
        let flat = x.into_shape_with_order(ndarray::IxDyn(&[n, features])).map_err(|e| Error::Shape(e.to_string()))?;
        Ok((flat, Cache::empty()))
    }
    fn backward(&mut self, _cache: Cache, grad: Tensor, need_input_grad: bool) -> Result<Option<Tensor>> {
        if !need_input_grad {
            return Ok(None);
        }
        let want = self.built.as_ref().ok_or_else(|| Error::NotBuilt("Flatten".into()))?;
        let mut shape = vec![grad.shape().first().copied().unwrap_or(0)];
        shape.extend_from_slice(want);
        let grad = if grad.is_standard_layout() { grad } else { grad.as_standard_layout().into_owned() };
        Ok(Some(grad.into_shape_with_order(ndarray::IxDyn(&shape)).map_err(|e| Error::Shape(e.to_string()))?))
    }
    fn onnx_ops(&self) -> Result<Vec<OnnxOp>> {
        Ok(vec![OnnxOp::new("Flatten").attribute("axis", OnnxAttribute::Int(1))])
    }
}
