//! `Dense`: the fully-connected layer, `y = activation(x·W + b)`.
//!
//! Input `(batch, in)`, kernel `W` of shape `(in, units)`, bias `b` of shape `(units)`,
//! output `(batch, units)`. Each output is the chapter's linear formula `dot(w, x) + b`, one per
//! unit, all computed at once as a matrix product. Weights start like Keras's: the kernel drawn
//! uniformly from `[−limit, limit]` with `limit = √(6 / (in + units))` (Glorot uniform), bias 0.
//!
//! Backward, for `∂L/∂y` of shape `(batch, units)` (after the activation's own backward `∂z`):
//! `∂W = xᵀ·∂z`, `∂b = Σ_batch ∂z`, `∂x = ∂z·Wᵀ`.
//!
//! ```
//! use snackml::layers::{Dense, Layer};
//! use ndarray::{array, IxDyn};
//! let mut d = Dense::new(2);
//! d.build(&[3], &mut snackml::seeded_rng(0)).unwrap();
//! d.set_weights(vec![
//!     array![[1.0f32, 0.0], [0.0, 1.0], [1.0, 1.0]].into_dyn(),
//!     array![0.5f32, -0.5].into_dyn(),
//! ]).unwrap();
//! let y = d.call(array![[1.0f32, 2.0, 3.0]].into_dyn(), false).unwrap();
//! assert_eq!(y, array![[4.5f32, 4.5]].into_dyn());
//! ```

use super::{as_matrix, Layer, LayerConfig, Param};
use crate::activations::Activation;
use crate::math::{matmul, matmul_into};
use crate::{Error, Result, Tensor};
use ndarray::{Array1, Array2, Axis, Ix1, Ix2};
use rand::rngs::StdRng;
use rand::Rng;

/// A fully-connected layer with an optional activation.
#[derive(Clone, Debug)]
pub struct Dense {
    name: String,
    units: usize,
    activation: Activation,
    input_shape: Option<Vec<usize>>,
    output: Option<Vec<usize>>,
    params: Vec<Param>,
    /// Kept by a training call for the backward pass.
    cache: Option<Cache>,
}

/// What the backward pass needs from the forward pass.
#[derive(Clone, Debug)]
struct Cache {
    /// The layer's input `x`.
    input: Array2<f32>,
    /// The activation's output `y`.
    output: Array2<f32>,
    /// The logits `z` when the activation is a softmax (for the exact from-logits loss).
    logits: Option<Array2<f32>>,
}

impl Dense {
    /// `Dense(units)` with no activation.
    pub fn new(units: usize) -> Self {
        Dense {
            name: String::new(),
            units,
            activation: Activation::Linear,
            input_shape: None,
            output: None,
            params: Vec::new(),
            cache: None,
        }
    }

    /// Sets the activation: `Dense(500, activation="relu")` is `Dense::new(500).activation(Activation::Relu)`.
    pub fn activation(mut self, activation: Activation) -> Self {
        self.activation = activation;
        self
    }

    /// Declares the input shape, for a first layer.
    pub fn input_shape(mut self, shape: &[usize]) -> Self {
        self.input_shape = Some(shape.to_vec());
        self
    }

    /// The number of outputs.
    pub fn units(&self) -> usize {
        self.units
    }

    /// Sets kernel and bias (Keras's `layer.set_weights([kernel, bias])`), checking their shapes.
    pub fn set_weights(&mut self, weights: Vec<Tensor>) -> Result<()> {
        if self.params.is_empty() {
            return Err(Error::NotBuilt(format!("layer {} has no weights yet", self.name)));
        }
        if weights.len() != 2 {
            return Err(Error::Shape(format!("Dense expects 2 weights (kernel, bias), got {}", weights.len())));
        }
        for (p, w) in self.params.iter().zip(&weights) {
            if p.value.shape() != w.shape() {
                return Err(Error::Shape(format!(
                    "{} of layer {} has shape {:?}, got {:?}",
                    p.name,
                    self.name,
                    p.value.shape(),
                    w.shape()
                )));
            }
        }
        for (p, w) in self.params.iter_mut().zip(weights) {
            p.value = w;
        }
        Ok(())
    }

    fn kernel(&self) -> ndarray::ArrayView2<'_, f32> {
        self.params[0].value.view().into_dimensionality::<Ix2>().expect("kernel is 2-D")
    }

    fn bias(&self) -> ndarray::ArrayView1<'_, f32> {
        self.params[1].value.view().into_dimensionality::<Ix1>().expect("bias is 1-D")
    }

    /// The forward pass's cache, or an error if there was no training call.
    fn take_cache(&mut self) -> Result<Cache> {
        self.cache
            .take()
            .ok_or_else(|| Error::InvalidArgument(format!("backward on layer {} without a training call", self.name)))
    }

    /// Stores `∂W`, `∂b` from `∂z` and returns `∂x` if asked.
    fn backward_linear(&mut self, x: &Array2<f32>, dz: Array2<f32>, need_input_grad: bool) -> Option<Tensor> {
        let mut dw = std::mem::take(&mut self.params[0].grad).into_dimensionality::<Ix2>().expect("kernel grad is 2-D");
        matmul_into(x.t(), dz.view(), &mut dw, false);
        self.params[0].grad = dw.into_dyn();
        self.params[1].grad = dz.sum_axis(Axis(0)).into_dyn();
        need_input_grad.then(|| matmul(dz.view(), self.kernel().t()).into_dyn())
    }
}

impl Layer for Dense {
    fn class_name(&self) -> &'static str {
        "Dense"
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
    fn build(&mut self, input_shape: &[usize], rng: &mut StdRng) -> Result<Vec<usize>> {
        if self.units == 0 {
            return Err(Error::InvalidArgument("Dense needs at least 1 unit".into()));
        }
        let &[fan_in] = input_shape else {
            return Err(Error::Shape(format!(
                "layer {} (Dense) expects flat inputs (None, features), got (None, {}): add a Flatten layer first",
                self.name,
                input_shape.iter().map(|d| d.to_string()).collect::<Vec<_>>().join(", ")
            )));
        };
        if fan_in == 0 {
            return Err(Error::Shape(format!("layer {} (Dense) got inputs with 0 features", self.name)));
        }
        if fan_in.checked_mul(self.units).is_none_or(|n| n > isize::MAX as usize / 4) {
            return Err(Error::Shape(format!(
                "layer {} (Dense) of {fan_in} × {} weights is too large to allocate",
                self.name, self.units
            )));
        }
        let same = self.params.first().is_some_and(|k| k.value.shape() == [fan_in, self.units]);
        if !same {
            let limit = (6.0 / (fan_in + self.units) as f64).sqrt() as f32;
            let kernel = Array2::from_shape_simple_fn((fan_in, self.units), || rng.random_range(-limit..limit));
            self.params = vec![
                Param::new("kernel", kernel.into_dyn()),
                Param::new("bias", Array1::<f32>::zeros(self.units).into_dyn()),
            ];
        }
        let out = vec![self.units];
        self.output = Some(out.clone());
        Ok(out)
    }
    fn output_shape(&self) -> Option<&[usize]> {
        self.output.as_deref()
    }
    fn call(&mut self, x: Tensor, training: bool) -> Result<Tensor> {
        if self.params.is_empty() {
            return Err(Error::NotBuilt(format!("layer {} (Dense)", self.name)));
        }
        let x = as_matrix(x, &self.name)?;
        let fan_in = self.kernel().nrows();
        if x.ncols() != fan_in {
            return Err(Error::Shape(format!(
                "layer {} (Dense) expects inputs of shape (None, {fan_in}), got {:?}",
                self.name,
                x.shape()
            )));
        }
        let mut z = matmul(x.view(), self.kernel());
        z += &self.bias();
        let logits = (training && self.activation == Activation::Softmax).then(|| z.clone());
        let y = self.activation.forward(z);
        if training {
            self.cache = Some(Cache { input: x, output: y.clone(), logits });
        } else {
            self.cache = None;
        }
        Ok(y.into_dyn())
    }
    fn backward(&mut self, grad: Tensor, need_input_grad: bool) -> Result<Option<Tensor>> {
        let cache = self.take_cache()?;
        let dz = self.activation.backward(&cache.output, as_matrix(grad, &self.name)?);
        let dx = self.backward_linear(&cache.input, dz, need_input_grad);
        self.cache = Some(cache);
        Ok(dx)
    }
    fn softmax_logits(&self) -> Option<ndarray::ArrayView2<'_, f32>> {
        self.cache.as_ref()?.logits.as_ref().map(|z| z.view())
    }
    fn backward_from_logits(&mut self, grad: Tensor, need_input_grad: bool) -> Result<Option<Tensor>> {
        if self.activation != Activation::Softmax {
            return Err(Error::InvalidArgument(format!("layer {} has no softmax output", self.name)));
        }
        let cache = self.take_cache()?;
        let dx = self.backward_linear(&cache.input, as_matrix(grad, &self.name)?, need_input_grad);
        self.cache = Some(cache);
        Ok(dx)
    }
    fn params(&self) -> &[Param] {
        &self.params
    }
    fn params_mut(&mut self) -> &mut [Param] {
        &mut self.params
    }
    fn config(&self) -> LayerConfig {
        LayerConfig::Dense {
            name: self.name.clone(),
            units: self.units,
            activation: self.activation,
            input_shape: self.input_shape.clone(),
        }
    }
}
