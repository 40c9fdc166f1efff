//! `Dense`: the fully-connected layer, `y = activation(x·W + b)`.
//!
//! Input `(batch, in)`, kernel `W` of shape `(in, units)` — one column of `in` weights per unit,
//! Keras's orientation — bias `b` of shape `(units)`, output `(batch, units)`. Each output is the
//! chapter's linear formula `dot(w, x) + b`, one per unit, all computed at once as a matrix
//! product. Weights start like Keras's: the kernel drawn uniformly from `[−limit, limit]` with
//! `limit = √(6 / (in + units))` (Glorot uniform), bias 0.
//!
//! Backward, for `∂z = ∂L/∂z` of shape `(batch, units)` (the model has already taken the
//! activation's backward): `∂W = xᵀ·∂z (+ 2λ·W with an L2 regulariser)`, `∂b = Σ_batch ∂z`,
//! `∂x = ∂z·Wᵀ`.
//!
//! ```
//! use snackml::layers::{Context, Dense, Layer};
//! use ndarray::array;
//! let mut d = Dense::new(2);
//! d.build(&[3], &mut snackml::seeded_rng(0)).unwrap();
//! d.set_weights(vec![
//!     array![[1.0f32, 0.0], [0.0, 1.0], [1.0, 1.0]].into_dyn(),
//!     array![0.5f32, -0.5].into_dyn(),
//! ]).unwrap();
//! let (z, _) = d.forward(array![[1.0f32, 2.0, 3.0]].into_dyn(), &mut Context::inference()).unwrap();
//! assert_eq!(z, array![[4.5f32, 4.5]].into_dyn());
//! ```

use super::{as_matrix, flat_features, Cache, Context, Layer, OnnxOp, Param};
use crate::activations::Activation;
use crate::math::{matmul, matmul_into};
use crate::regularizers::L2;
use crate::{Error, Result, Tensor};
use ndarray::{Array1, Array2, ArrayView2, Axis, Ix1, Ix2};
use rand::rngs::StdRng;
use rand::Rng;
use serde::{Deserialize, Serialize};

/// A fully-connected layer with an optional activation and L2 kernel regulariser.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Dense {
    units: usize,
    activation: Activation,
    input_shape: Option<Vec<usize>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    kernel_regularizer: Option<L2>,
    #[serde(skip)]
    params: Vec<Param>,
}

impl Dense {
    /// `Dense(units)` with no activation.
    pub fn new(units: usize) -> Self {
        Dense { units, activation: Activation::Linear, input_shape: None, kernel_regularizer: None, params: Vec::new() }
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

    /// Adds an L2 penalty on the kernel: `Dense(7, kernel_regularizer=l2(0.01))` is
    /// `Dense::new(7).kernel_regularizer(L2::new(0.01))`.
    pub fn kernel_regularizer(mut self, regularizer: L2) -> Self {
        self.kernel_regularizer = Some(regularizer);
        self
    }

    /// The number of outputs.
    pub fn units(&self) -> usize {
        self.units
    }

    /// The kernel `W` as a matrix `(in, units)`: column `j` holds the weights of unit (class) `j`.
    pub fn kernel(&self) -> Result<ArrayView2<'_, f32>> {
        let p = self.params.first().ok_or_else(|| Error::NotBuilt("this Dense layer has no weights yet".into()))?;
        p.value.view().into_dimensionality::<Ix2>().map_err(|e| Error::Shape(e.to_string()))
    }

    /// Sets kernel and bias (Keras's `layer.set_weights([kernel, bias])`), checking their shapes.
    pub fn set_weights(&mut self, weights: Vec<Tensor>) -> Result<()> {
        if self.params.is_empty() {
            return Err(Error::NotBuilt("this Dense layer has no weights yet".into()));
        }
        if weights.len() != 2 {
            return Err(Error::Shape(format!("Dense expects 2 weights (kernel, bias), got {}", weights.len())));
        }
        for (p, w) in self.params.iter().zip(&weights) {
            if p.value.shape() != w.shape() {
                return Err(Error::Shape(format!(
                    "the {} has shape {:?}, got {:?}",
                    p.name,
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

    fn weights(&self) -> Result<(ArrayView2<'_, f32>, ndarray::ArrayView1<'_, f32>)> {
        let bias = self.params.get(1).ok_or_else(|| Error::NotBuilt("Dense".into()))?;
        let bias = bias.value.view().into_dimensionality::<Ix1>().map_err(|e| Error::Shape(e.to_string()))?;
        Ok((self.kernel()?, bias))
    }
}

impl Layer for Dense {
    fn class_name(&self) -> &'static str {
        "Dense"
    }
    fn declared_input_shape(&self) -> Option<&[usize]> {
        self.input_shape.as_deref()
    }
    fn output_shape(&self, input_shape: &[usize]) -> Result<Vec<usize>> {
        self.weight_shapes(input_shape)?;
        Ok(vec![self.units])
    }
    fn weight_shapes(&self, input_shape: &[usize]) -> Result<Vec<(&'static str, Vec<usize>)>> {
        if self.units == 0 {
            return Err(Error::InvalidArgument("Dense needs at least 1 unit".into()));
        }
        if let Some(r) = &self.kernel_regularizer {
            r.validate()?;
        }
        let fan_in = flat_features(input_shape, "Dense")?;
        if fan_in.checked_mul(self.units).is_none_or(|n| n > isize::MAX as usize / 4) {
            return Err(Error::Shape(format!("Dense of {fan_in} × {} weights is too large to allocate", self.units)));
        }
        Ok(vec![("kernel", vec![fan_in, self.units]), ("bias", vec![self.units])])
    }
    fn build(&mut self, input_shape: &[usize], rng: &mut StdRng) -> Result<()> {
        let shapes = self.weight_shapes(input_shape)?;
        let fan_in = shapes[0].1[0];
        if self.params.first().is_some_and(|k| k.value.shape() == [fan_in, self.units]) {
            return Ok(());
        }
        let limit = (6.0 / (fan_in + self.units) as f64).sqrt() as f32;
        let kernel = Array2::from_shape_simple_fn((fan_in, self.units), || rng.random_range(-limit..limit));
        self.params = vec![
            Param::new("kernel", kernel.into_dyn()),
            Param::new("bias", Array1::<f32>::zeros(self.units).into_dyn()),
        ];
        Ok(())
    }
    fn activation(&self) -> Activation {
        self.activation
    }
    fn forward(&self, x: Tensor, ctx: &mut Context<'_>) -> Result<(Tensor, Cache)> {
        let x = as_matrix(x, "Dense")?;
        let (kernel, bias) = self.weights()?;
        if x.ncols() != kernel.nrows() {
            return Err(Error::Shape(format!(
                "Dense expects inputs of shape (None, {}), got {:?}",
                kernel.nrows(),
                x.shape()
            )));
        }
        let mut z = matmul(x.view(), kernel)?;
        z += &bias;
        let cache = if ctx.is_training() { Cache::new(vec![x.into_dyn()]) } else { Cache::empty() };
        Ok((z.into_dyn(), cache))
    }
    fn backward(&mut self, mut cache: Cache, grad: Tensor, need_input_grad: bool) -> Result<Option<Tensor>> {
        if self.params.len() != 2 {
            return Err(Error::NotBuilt("Dense".into()));
        }
        let x = as_matrix(cache.take(0, "Dense")?, "Dense")?;
        let dz = as_matrix(grad, "Dense")?;
        let mut dw = std::mem::take(&mut self.params[0].grad)
            .into_dimensionality::<Ix2>()
            .map_err(|e| Error::Shape(e.to_string()))?;
        let done = matmul_into(x.t(), dz.view(), dw.view_mut(), false);
        self.params[0].grad = dw.into_dyn();
        done?;
        if let Some(r) = &self.kernel_regularizer {
            let Param { value, grad, .. } = &mut self.params[0];
            r.add_grad(value, grad)?;
        }
        self.params[1].grad = dz.sum_axis(Axis(0)).into_dyn();
        if !need_input_grad {
            return Ok(None);
        }
        Ok(Some(matmul(dz.view(), self.kernel()?.t())?.into_dyn()))
    }
    fn regularization_loss(&self) -> f32 {
        match (&self.kernel_regularizer, self.params.first()) {
            (Some(r), Some(kernel)) => r.penalty(&kernel.value),
            _ => 0.0,
        }
    }
    fn params(&self) -> &[Param] {
        &self.params
    }
    fn params_mut(&mut self) -> &mut [Param] {
        &mut self.params
    }
    fn onnx_ops(&self) -> Result<Vec<OnnxOp>> {
        let (kernel, bias) = self.weights()?;
        if bias.len() != kernel.ncols() {
            return Err(Error::Shape(format!(
                "a Dense kernel (in, units) and bias (units) were expected, got {:?} and {:?}",
                kernel.shape(),
                bias.shape()
            )));
        }
        Ok(vec![OnnxOp { weights: vec!["kernel", "bias"], ..OnnxOp::new("Gemm") }])
        // x·W + b
    }
}
