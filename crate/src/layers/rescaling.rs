//! `Rescaling`: multiplies every input by `scale` and adds `offset`, Keras's
//! `Rescaling(scale, offset=0.0)`, e.g. `Rescaling(1 / 127.5, offset = -1)` takes pixels from
//! `[0, 255]` to `[−1, 1]` inside the model.
//!
//! Forward `y = scale·x + offset`; backward `∂x = scale·∂y`. Any input shape; no weights.
//!
//! ```
//! use snackml::layers::{Context, Layer, Rescaling};
//! let r = Rescaling::new(1.0 / 127.5).offset(-1.0);
//! let x = ndarray::arr2(&[[0.0f32, 255.0]]).into_dyn();
//! let (y, _) = r.forward(x, &mut Context::inference()).unwrap();
//! assert_eq!(y, ndarray::arr2(&[[-1.0f32, 1.0]]).into_dyn());
//! ```

use super::{shape_string, Cache, Context, Layer};
use crate::{Error, Result, Tensor};
use serde::{Deserialize, Serialize};

/// Scales and shifts every input (Keras's `Rescaling`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Rescaling {
    scale: f32,
    #[serde(default)]
    offset: f32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    input_shape: Option<Vec<usize>>,
}

impl Rescaling {
    /// `Rescaling(scale)`, offset 0; both must be finite (checked when built).
    pub fn new(scale: f32) -> Self {
        Rescaling { scale, offset: 0.0, input_shape: None }
    }

    /// Sets the offset added after scaling.
    pub fn offset(mut self, offset: f32) -> Self {
        self.offset = offset;
        self
    }

    /// Declares the input shape, for a first layer (Keras's `input_shape=`).
    pub fn input_shape(mut self, shape: &[usize]) -> Self {
        self.input_shape = Some(shape.to_vec());
        self
    }
}

impl Layer for Rescaling {
    fn class_name(&self) -> &'static str {
        "Rescaling"
    }
    fn declared_input_shape(&self) -> Option<&[usize]> {
        self.input_shape.as_deref()
    }
    fn output_shape(&self, input_shape: &[usize]) -> Result<Vec<usize>> {
        if !(self.scale.is_finite() && self.offset.is_finite()) {
            return Err(Error::InvalidArgument(format!(
                "Rescaling needs a finite scale and offset, got {} and {}",
                self.scale, self.offset
            )));
        }
        if input_shape.is_empty() {
            return Err(Error::Shape(format!("Rescaling cannot take inputs of shape {}", shape_string(input_shape))));
        }
        Ok(input_shape.to_vec())
    }
    fn forward(&self, mut x: Tensor, _ctx: &mut Context<'_>) -> Result<(Tensor, Cache)> {
        let (scale, offset) = (self.scale, self.offset);
        x.par_mapv_inplace(|v| scale * v + offset);
        Ok((x, Cache::empty()))
    }
    fn backward(&mut self, _cache: Cache, mut grad: Tensor, need_input_grad: bool) -> Result<Option<Tensor>> {
        if !need_input_grad {
            return Ok(None);
        }
        let scale = self.scale;
        grad.par_mapv_inplace(|g| scale * g);
        Ok(Some(grad))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layers::check_input_gradient;

    #[test]
    fn scales_shifts_and_passes_the_gradient_scaled() {
        let mut r = Rescaling::new(0.5).offset(2.0);
        assert_eq!(r.output_shape(&[4, 4, 3]).unwrap(), vec![4, 4, 3]);
        let (y, _) = r.forward(ndarray::arr1(&[2.0f32, -4.0]).into_dyn(), &mut Context::inference()).unwrap();
        assert_eq!(y, ndarray::arr1(&[3.0f32, 0.0]).into_dyn());
        check_input_gradient(&mut r, &[3, 2, 2, 3], 2);
        assert!(Rescaling::new(f32::NAN).output_shape(&[3]).is_err());
        assert_eq!(serde_json::to_value(&r).unwrap(), serde_json::json!({ "scale": 0.5, "offset": 2.0 }));
        let first = Rescaling::new(2.0).input_shape(&[4, 4, 3]);
        assert_eq!(first.declared_input_shape(), Some(&[4usize, 4, 3][..]));
    }
}
