//! `Flatten`: turns each sample into one long vector.
//!
//! Input `(batch, d1, d2, …)`, output `(batch, d1·d2·…)`. A 32 × 32 RGB image becomes 3,072
//! numbers, in NHWC order (row by row, the three colour channels of each pixel side by side),
//! exactly as Keras flattens it. No weights; the backward pass reshapes the gradient back.
//!
//! ```
//! use snackml::layers::{Flatten, Layer};
//! let mut f = Flatten::with_input_shape(&[32, 32, 3]);
//! let out = f.build(&[32, 32, 3], &mut snackml::seeded_rng(0)).unwrap();
//! assert_eq!(out, vec![3072]);
//! ```

use super::{Layer, LayerConfig};
use crate::{Error, Result, Tensor};
use rand::rngs::StdRng;

/// Flattens every sample to a vector.
#[derive(Clone, Debug, Default)]
pub struct Flatten {
    name: String,
    input_shape: Option<Vec<usize>>,
    built_input: Option<Vec<usize>>,
    output: Option<Vec<usize>>,
}

impl Flatten {
    /// A `Flatten` whose input shape is given by the previous layer.
    pub fn new() -> Self {
        Self::default()
    }

    /// A first layer: `Flatten(input_shape=(32, 32, 3))` in Keras.
    pub fn with_input_shape(shape: &[usize]) -> Self {
        Flatten { input_shape: Some(shape.to_vec()), ..Self::default() }
    }
}

impl Layer for Flatten {
    fn class_name(&self) -> &'static str {
        "Flatten"
    }
    fn name(&self) -> &str {
        &self.name
    }
    fn set_name(&mut self, name: String) {
        self.name = name;
    }
    fn declared_input_shape(&self) -> Option<&[usize]> {
        self.input_shape.as_deref()
    }
    fn build(&mut self, input_shape: &[usize], _rng: &mut StdRng) -> Result<Vec<usize>> {
        if input_shape.is_empty() || input_shape.contains(&0) {
            return Err(Error::Shape(format!("Flatten needs a non-empty input shape, got {input_shape:?}")));
        }
        let Some(size) = input_shape.iter().try_fold(1usize, |a, &d| a.checked_mul(d)) else {
            return Err(Error::Shape(format!("Flatten input shape {input_shape:?} has too many elements to address")));
        };
        let out = vec![size];
        self.built_input = Some(input_shape.to_vec());
        self.output = Some(out.clone());
        Ok(out)
    }
    fn output_shape(&self) -> Option<&[usize]> {
        self.output.as_deref()
    }
    fn call(&mut self, x: Tensor, _training: bool) -> Result<Tensor> {
        let want = self.built_input.as_ref().ok_or_else(|| Error::NotBuilt("Flatten".into()))?;
        if &x.shape()[1..] != want.as_slice() {
            return Err(Error::Shape(format!(
                "layer {} expects inputs of shape (None, {}), got {:?}",
                self.name,
                want.iter().map(|d| d.to_string()).collect::<Vec<_>>().join(", "),
                x.shape()
            )));
        }
        let n = x.shape()[0];
        let features = want.iter().product();
        let x = if x.is_standard_layout() { x } else { x.as_standard_layout().into_owned() };
        Ok(x.into_shape_with_order(ndarray::IxDyn(&[n, features])).expect("standard layout"))
    }
    fn backward(&mut self, grad: Tensor, need_input_grad: bool) -> Result<Option<Tensor>> {
        if !need_input_grad {
            return Ok(None);
        }
        let want = self.built_input.as_ref().ok_or_else(|| Error::NotBuilt("Flatten".into()))?;
        let mut shape = vec![grad.shape()[0]];
        shape.extend_from_slice(want);
        let grad = if grad.is_standard_layout() { grad } else { grad.as_standard_layout().into_owned() };
        Ok(Some(grad.into_shape_with_order(ndarray::IxDyn(&shape)).map_err(|e| Error::Shape(e.to_string()))?))
    }
    fn config(&self) -> LayerConfig {
        LayerConfig::Flatten { name: self.name.clone(), input_shape: self.input_shape.clone() }
    }
}
