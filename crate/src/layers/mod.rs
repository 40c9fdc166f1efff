//! Layers: the pieces a `Sequential` model is stacked from.
//!
//! Every layer speaks the same small protocol, the [`Layer`] trait (Keras's `compute_output_shape`
//! / `build` / `call(training)` / `get_config`, plus the backward pass Keras gets from autodiff):
//! - [`Layer::output_shape`] says what comes out for a given input shape, without side effects;
//! - [`Layer::build`] creates the weights once the input shape is known;
//! - [`Layer::forward`] runs the layer on a batch in a [`Context`] (the [`Mode`], and for layers
//!   that draw random numbers their generator) and returns its output together with the [`Cache`]
//!   its backward pass needs; it takes `&self`, so `predict` and `evaluate` need no `&mut` model;
//! - [`Layer::backward`] turns `∂L/∂output` into gradients for the weights (stored in each
//!   [`Param`]) and, when asked, `∂L/∂input`;
//! - [`Layer::params`] lists the weights in Keras order (kernel, then bias), each saying whether it
//!   trains ([`Param::trainable`]): the optimizer moves only those, while saving, loading and the
//!   summary's "Trainable params / Non-trainable params" read the same list;
//! - the configuration is the layer's own serde form (its settings, not its weights);
//! - [`Layer::onnx_ops`] says which ONNX operators the layer exports as (by default: none, an
//!   error naming the layer), so the ONNX export has no list of layers of its own.
//!
//! A layer's activation ([`Layer::activation`]) is applied by the model after `forward`, so the
//! model can hand the logits of a final softmax straight to the loss, as Keras does.
//! The model owns the names and shapes; summary, saving and loading are written once, on top of
//! this protocol. A new layer is one file plus one line in [`REGISTRY`].

mod activation;
mod batch_norm;
mod conv2d;
mod dense;
mod dropout;
mod flatten;
mod global_pooling;
mod pooling;
mod rescaling;
mod reshape;
mod scratch;
mod window;
mod winograd;

pub use activation::ActivationLayer;
pub use batch_norm::BatchNormalization;
pub use conv2d::Conv2D;
pub use dense::Dense;
pub use dropout::Dropout;
pub use flatten::Flatten;
pub use global_pooling::{GlobalAveragePooling2D, GlobalMaxPooling2D, GlobalPooling2D};
pub use pooling::{AveragePooling2D, MaxPooling2D, PoolKind, Pooling2D};
pub use rescaling::Rescaling;
pub use reshape::Reshape;
pub use window::Padding;

use crate::activations::Activation;
use crate::{Error, Result, Tensor};
use rand::rngs::StdRng;
use serde::de::DeserializeOwned;
use serde::Serialize;

/// Training or inference: Dropout is on only while training (Keras's `training=` argument).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// A training step: layers keep what backward needs, Dropout drops.
    Training,
    /// Evaluation and prediction: nothing is kept, Dropout is the identity.
    Inference,
}

/// Whether a layer draws random numbers in its forward pass, and from which seed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Randomness {
    /// It does not (most layers).
    Deterministic,
    /// It does, from a generator seeded with this seed (Keras's `seed=`).
    Seeded(u64),
    /// It does, from a generator seeded from the model's own (so a seeded model repeats).
    FromModel,
}

/// What a forward pass is told besides its input: the [`Mode`] (Keras's `training=`) and, in
/// training, the layer's own random generator (see [`Layer::randomness`]).
#[derive(Debug)]
pub struct Context<'a> {
    mode: Mode,
    rng: Option<&'a mut StdRng>,
}

impl<'a> Context<'a> {
    /// Inference: Dropout is the identity, nothing random is drawn.
    pub fn inference() -> Self {
        Context { mode: Mode::Inference, rng: None }
    }
    /// A training step, drawing from `rng` (the model passes each layer its own).
    pub fn training(rng: &'a mut StdRng) -> Self {
        Context { mode: Mode::Training, rng: Some(rng) }
    }
    /// A training step for a layer without randomness.
    pub fn training_deterministic() -> Self {
        Context { mode: Mode::Training, rng: None }
    }
    /// The mode.
    pub fn mode(&self) -> Mode {
        self.mode
    }
    /// True in a training step.
    pub fn is_training(&self) -> bool {
        self.mode == Mode::Training
    }
    /// The layer's random generator, or an error naming the layer when it has none.
    pub fn rng(&mut self, layer: &str) -> Result<&mut StdRng> {
        self.rng.as_deref_mut().ok_or_else(|| {
            Error::NotBuilt(format!("{layer} draws random numbers in training: run it with Context::training(rng)"))
        })
    }
}

/// What a layer's forward pass keeps for its backward pass (empty in inference): tensors,
/// positions (max pooling's argmax), and which outputs a fused relu let through.
#[derive(Clone, Debug, Default)]
pub struct Cache {
    tensors: Vec<Tensor>,
    indices: Vec<usize>,
    mask: Vec<bool>,
}

impl Cache {
    /// Nothing kept.
    pub fn empty() -> Self {
        Cache::default()
    }
    /// Keeps these tensors.
    pub fn new(tensors: Vec<Tensor>) -> Self {
        Cache { tensors, indices: Vec::new(), mask: Vec::new() }
    }
    /// Keeps a mask too: one flag per output (a fused relu's `y > 0`).
    pub fn with_mask(mut self, mask: Vec<bool>) -> Self {
        self.mask = mask;
        self
    }
    /// The kept mask (empty if none).
    pub fn mask(&self) -> &[bool] {
        &self.mask
    }
    /// Keeps these positions too.
    pub fn with_indices(mut self, indices: Vec<usize>) -> Self {
        self.indices = indices;
        self
    }
    /// The kept positions (empty if none).
    pub fn indices(&self) -> &[usize] {
        &self.indices
    }
    /// Takes the kept tensor number `i`, or says which layer was asked for a backward pass
    /// without a training-mode forward pass.
    pub fn take(&mut self, i: usize, layer: &str) -> Result<Tensor> {
        self.tensors
            .get_mut(i)
            .map(std::mem::take)
            .ok_or_else(|| Error::InvalidArgument(format!("backward of {layer} without a training-mode forward pass")))
    }
}

/// A weight, whether it trains, and the gradient of the loss with respect to it.
#[derive(Clone, Debug)]
pub struct Param {
    /// "kernel" or "bias", as in Keras.
    pub name: &'static str,
    /// The current value.
    pub value: Tensor,
    /// `∂L/∂value` from the last backward pass (unused for a weight that does not train).
    pub grad: Tensor,
    /// Whether the optimizer moves it. A layer's own statistics (BatchNormalization's moving
    /// mean and variance) are weights that do not train: saved, loaded and counted, but changed
    /// only by the layer itself (Keras's `non_trainable_weights`).
    pub trainable: bool,
}

impl Param {
    /// A trainable weight, with a zero gradient of the same shape.
    pub fn new(name: &'static str, value: Tensor) -> Self {
        let grad = Tensor::zeros(value.raw_dim());
        Param { name, value, grad, trainable: true }
    }
    /// A weight that does not train (no gradient is kept).
    pub fn non_trainable(name: &'static str, value: Tensor) -> Self {
        Param { name, value, grad: Tensor::zeros(ndarray::IxDyn(&[0])), trainable: false }
    }
}

/// One ONNX operator a layer exports as ([`Layer::onnx_ops`]): its type, the layer's weights it
/// reads after the running value (by [`Param::name`]), then the constants it computes from them
/// (a kernel in ONNX's layout, a folded scale), and its attributes. The export names each
/// weight and constant `LAYER/NAME`, as the saved safetensors file names the weights.
#[derive(Clone, Debug, PartialEq)]
pub struct OnnxOp {
    /// The ONNX operator, e.g. `"Gemm"`.
    pub op_type: &'static str,
    /// The layer's weights the operator reads, in its input order, e.g. `["kernel", "bias"]`.
    pub weights: Vec<&'static str>,
    /// Tensors the layer computes for the operator, read after the weights, e.g. a Conv2D's
    /// kernel transposed to ONNX's `(out, in, h, w)`.
    pub constants: Vec<(&'static str, Tensor)>,
    /// Attributes, e.g. `[("axis", OnnxAttribute::Int(1))]`.
    pub attributes: Vec<(&'static str, OnnxAttribute)>,
}

/// The value of an ONNX node attribute.
#[derive(Clone, Debug, PartialEq)]
pub enum OnnxAttribute {
    /// One integer (`axis`).
    Int(i64),
    /// A list of integers (`kernel_shape`, `strides`, `perm`).
    Ints(Vec<i64>),
    /// A string (`auto_pad`).
    Text(&'static str),
}

impl OnnxOp {
    /// An operator without weights or attributes.
    pub fn new(op_type: &'static str) -> Self {
        OnnxOp { op_type, weights: Vec::new(), constants: Vec::new(), attributes: Vec::new() }
    }

    /// The operator with one more attribute.
    pub fn attribute(mut self, name: &'static str, value: OnnxAttribute) -> Self {
        self.attributes.push((name, value));
        self
    }

    /// `Transpose(perm)`: channels-last images to ONNX's channels-first (`[0, 3, 1, 2]`) and back
    /// (`[0, 2, 3, 1]`), around the operators that want `(N, C, H, W)`.
    pub fn transpose(perm: [i64; 4]) -> Self {
        OnnxOp::new("Transpose").attribute("perm", OnnxAttribute::Ints(perm.to_vec()))
    }

    /// `op` on channels-last images: `Transpose` to channels-first, `op`, `Transpose` back.
    pub fn channels_first(op: OnnxOp) -> Vec<OnnxOp> {
        vec![OnnxOp::transpose([0, 3, 1, 2]), op, OnnxOp::transpose([0, 2, 3, 1])]
    }
}

/// The protocol every layer implements (see the module documentation).
pub trait Layer: LayerBase + Send + Sync + std::fmt::Debug {
    /// The Keras class name, e.g. "Dense" (also the key of [`REGISTRY`]).
    fn class_name(&self) -> &'static str;
    /// The input shape the layer was declared with (without the batch dimension), if any.
    fn declared_input_shape(&self) -> Option<&[usize]> {
        None
    }
    /// The output shape (without the batch dimension) for inputs of `input_shape`, or an error
    /// saying why the layer cannot take them. No side effects.
    fn output_shape(&self, input_shape: &[usize]) -> Result<Vec<usize>>;
    /// The names and shapes of the weights the layer creates for `input_shape`, in Keras order.
    /// No side effects: a saved file is checked against this before anything is allocated.
    fn weight_shapes(&self, input_shape: &[usize]) -> Result<Vec<(&'static str, Vec<usize>)>> {
        self.output_shape(input_shape)?;
        Ok(Vec::new())
    }
    /// Creates the weights for inputs of `input_shape`. Building again with the same shape keeps
    /// them.
    fn build(&mut self, input_shape: &[usize], rng: &mut StdRng) -> Result<()> {
        let _ = (input_shape, rng);
        Ok(())
    }
    /// Whether [`Layer::forward`] draws random numbers in training (Dropout's masks): the model
    /// then gives the layer a generator of its own, seeded when it is built.
    fn randomness(&self) -> Randomness {
        Randomness::Deterministic
    }
    /// The activation the model applies to this layer's output (linear for most layers).
    fn activation(&self) -> Activation {
        Activation::Linear
    }
    /// Whether [`Layer::forward`] applies [`Layer::activation`] itself, and [`Layer::backward`]
    /// its derivative, fused into the layer's own passes (a convolution's relu, applied to each
    /// block of outputs while it is in cache). The model then leaves the activation out.
    fn fuses_activation(&self) -> bool {
        false
    }
    /// The forward pass on a batch (batch first), before [`Layer::activation`] unless the layer
    /// [fuses it](Layer::fuses_activation). In training
    /// ([`Context::is_training`]) the returned cache holds what [`Layer::backward`] needs.
    fn forward(&self, x: Tensor, ctx: &mut Context<'_>) -> Result<(Tensor, Cache)>;
    /// The backward pass: takes the cache of a training-mode forward pass and `∂L/∂output`
    /// (after the activation's own backward), stores `∂L/∂weights` in [`Layer::params_mut`], and
    /// returns `∂L/∂input` when `need_input_grad` (the first layer's is never needed).
    fn backward(&mut self, cache: Cache, grad: Tensor, need_input_grad: bool) -> Result<Option<Tensor>>;
    /// A penalty added to the loss (an L2 kernel regulariser's `λ·Σw²`); its gradient is added by
    /// [`Layer::backward`].
    fn regularization_loss(&self) -> f32 {
        0.0
    }
    /// Every weight in Keras order, each saying whether it trains ([`Param::trainable`]).
    fn params(&self) -> &[Param] {
        &[]
    }
    /// Every weight, mutable (for optimizers and `set_weights`).
    fn params_mut(&mut self) -> &mut [Param] {
        &mut []
    }
    /// The number of weights, trainable or not (the summary's "Param #").
    fn count_params(&self) -> usize {
        self.params().iter().map(|p| p.value.len()).sum()
    }
    /// The ONNX operators the layer exports as, in order, before its [`Layer::activation`] (which
    /// the export adds itself). By default the layer has no export: an error that says so.
    fn onnx_ops(&self) -> Result<Vec<OnnxOp>> {
        Err(Error::Unsupported(format!("the ONNX export does not cover {} layers", self.class_name())))
    }
}

/// What every layer gets for free from `#[derive(Clone, Serialize, Deserialize)]`: copying and
/// its configuration as JSON.
pub trait LayerBase {
    /// A copy of the layer, weights included.
    fn clone_box(&self) -> Box<dyn Layer>;
    /// The layer's configuration (its settings, not its weights), as a saved model stores it.
    fn config(&self) -> serde_json::Value;
}

impl<T: Layer + Clone + Serialize + 'static> LayerBase for T {
    fn clone_box(&self) -> Box<dyn Layer> {
        Box::new(self.clone())
    }
    fn config(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }
}

impl Clone for Box<dyn Layer> {
    fn clone(&self) -> Self {
        self.clone_box()
    }
}

/// A rebuilder of one layer class from its configuration.
type FromConfig = fn(serde_json::Value) -> Result<Box<dyn Layer>>;

/// Every layer class a saved model can hold: its Keras name and how to rebuild it.
pub const REGISTRY: &[(&str, FromConfig)] = &[
    ("Flatten", from_config::<Flatten>),
    ("Dense", from_config::<Dense>),
    ("Activation", from_config::<ActivationLayer>),
    ("Dropout", from_config::<Dropout>),
    ("Reshape", from_config::<Reshape>),
    ("Rescaling", from_config::<Rescaling>),
    ("Conv2D", from_config::<Conv2D>),
    ("MaxPooling2D", from_config::<Pooling2D>),
    ("AveragePooling2D", from_config::<Pooling2D>),
    ("GlobalAveragePooling2D", from_config::<GlobalPooling2D>),
    ("GlobalMaxPooling2D", from_config::<GlobalPooling2D>),
    ("BatchNormalization", from_config::<BatchNormalization>),
];

fn from_config<L: Layer + DeserializeOwned + 'static>(config: serde_json::Value) -> Result<Box<dyn Layer>> {
    let layer: L = serde_json::from_value(config).map_err(|e| Error::InvalidArgument(format!("layer config: {e}")))?;
    Ok(Box::new(layer))
}

/// Builds a fresh (unbuilt) layer of class `class_name` from its configuration.
pub fn layer_from_config(class_name: &str, config: serde_json::Value) -> Result<Box<dyn Layer>> {
    let (_, make) = REGISTRY.iter().find(|(name, _)| *name == class_name).ok_or_else(|| {
        let known: Vec<&str> = REGISTRY.iter().map(|(n, _)| *n).collect();
        Error::InvalidArgument(format!("unknown layer class {class_name:?} (known: {})", known.join(", ")))
    })?;
    make(config)
}

/// `(None, 32, 32, 3)`, as Keras prints a shape with its batch dimension.
pub(crate) fn shape_string(shape: &[usize]) -> String {
    let dims: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
    format!("(None, {})", dims.join(", "))
}

/// Views a tensor as a batch of rows (batch × features), erroring if it is not 2-D.
pub(crate) fn as_matrix(x: Tensor, layer: &str) -> Result<ndarray::Array2<f32>> {
    let shape = x.shape().to_vec();
    x.into_dimensionality::<ndarray::Ix2>()
        .map_err(|_| Error::Shape(format!("layer {layer} expects a 2-D input (batch, features), got shape {shape:?}")))
}

/// Checks that a flat layer gets flat inputs: `(None, features)` with `features > 0`.
pub(crate) fn flat_features(input_shape: &[usize], class_name: &str) -> Result<usize> {
    match *input_shape {
        [n] if n > 0 => Ok(n),
        [_] => Err(Error::Shape(format!("{class_name} got inputs with 0 features"))),
        _ => Err(Error::Shape(format!(
            "{class_name} expects flat inputs (None, features), got {}: add a Flatten layer first",
            shape_string(input_shape)
        ))),
    }
}

/// For a layer's own tests: builds `layer` for samples of `shape[1..]` and checks its input
/// gradient at a batch `x` of `shape` (distinct values, shuffled) against central finite differences of
/// `Σ r ⊙ layer(x)` for a random `r` (the layer's training-mode output before its activation).
#[cfg(test)]
pub(crate) fn check_input_gradient(layer: &mut dyn Layer, shape: &[usize], seed: u64) {
    use rand::seq::SliceRandom;
    use rand::Rng;
    let mut rng = crate::seeded_rng(seed);
    layer.build(&shape[1..], &mut rng).unwrap();
    // Distinct values 0.05 apart, shuffled: no two inputs within the step 2h of each other, so a
    // max never changes hands under a perturbation.
    let len: usize = shape.iter().product();
    let mut values: Vec<f32> = (0..len).map(|i| (i as f32 - len as f32 / 2.0) * 0.05).collect();
    values.shuffle(&mut rng);
    let x = Tensor::from_shape_vec(shape.to_vec(), values).unwrap();
    let (y, cache) = layer.forward(x.clone(), &mut Context::training_deterministic()).unwrap();
    let r = Tensor::from_shape_simple_fn(y.raw_dim(), || rng.random_range(-1.0f32..1.0));
    let dx = layer.backward(cache, r.clone(), true).unwrap().unwrap();
    assert_eq!(dx.shape(), x.shape());
    let layer: &dyn Layer = layer;
    let project = |x: Tensor| -> f64 {
        let (y, _) = layer.forward(x, &mut Context::training_deterministic()).unwrap();
        y.iter().zip(&r).map(|(&a, &b)| f64::from(a) * f64::from(b)).sum()
    };
    let h = 1e-2f32;
    for (i, (index, &got)) in dx.indexed_iter().enumerate() {
        let (mut plus, mut minus) = (x.clone(), x.clone());
        plus[&index] += h;
        minus[&index] -= h;
        let want = (project(plus) - project(minus)) / (2.0 * f64::from(h));
        let diff = (f64::from(got) - want).abs();
        assert!(diff <= 1e-3 + 1e-2 * want.abs(), "{}: ∂x[{i}] = {got}, finite differences {want}", layer.class_name());
    }
}
