//! ONNX export (feature `onnx`): a trained model as a standard ONNX file, which onnxruntime,
//! OpenCV, Netron and the other ONNX tools run or show without Rust.
//!
//! ```text
//! input    (N, H, W, 3) float32                  N is dynamic (the dimension named "N")
//!   │ Flatten(axis = 1)                          (N, H·W·3)   NHWC order, as the crate's Flatten
//!   │ Gemm(x, dense/kernel, dense/bias)          (N, 500)     z = x·W₁ + b₁, W₁ (H·W·3, 500)
//!   │ Relu                                       (N, 500)     h = max(0, z)
//!   │ Gemm(h, dense_1/kernel, dense_1/bias)      (N, 20)      z = h·W₂ + b₂, W₂ (500, 20)
//!   │ Softmax(axis = -1)                         (N, 20)      pⱼ = e^(zⱼ) / Σₖ e^(zₖ), each row
//! output   (N, K) float32                        K classes: the probabilities `predict` gives
//! ```
//!
//! That is the chapter's 500-unit network; logistic regression is the same without the first
//! Dense and its Relu. The layers with nodes (see `graph.rs`): `Flatten`, `Dense` (a `Gemm`,
//! then its activation), `Activation` (`Relu`, `Sigmoid`, `Softmax`, or an `Identity` for
//! linear), `Dropout` (an `Identity`: ONNX runs inference, where Dropout does nothing), and the
//! convnet's: `Conv2D`, `MaxPooling2D`, `AveragePooling2D`, the global poolings (channels-first
//! operators between two `Transpose`s) and `BatchNormalization` (folded into `Mul` and `Add`).
//! `Reshape` and `Rescaling` have none yet: exporting them is an error naming the layer. The
//! weights are initializers named as in the safetensors file (`dense/kernel`, Keras's orientation
//! `(inputs, units)`; a Conv2D's kernel as ONNX wants it, `(filters, in, h, w)`), float32. The file targets ONNX opset 17 (IR version
//! 8, ONNX 1.12's): onnx 1.23's checker and onnxruntime 1.32 accept it (scripts/test_python_interop.py).
//!
//! The graph's input is `input` with the model's input shape after the batch dimension, its
//! output `output`; the model's name is the graph's name. The metadata (`metadata_props`)
//! holds the class names, when given ([`OnnxOptions::class_names`]), as a JSON list under
//! `class_names` (`class_names[j]` is the class of output column `j`), and any other pair
//! given with [`OnnxOptions::metadata`].
//!
//! ## What the input must be
//!
//! Exactly what the model was trained on. For the chapter's models: RGB photos resized to the
//! model's `H × W` with the generator's filter ([`ResizeFilter::Triangle`] unless
//! `FlowOptions::filter` chose [`ResizeFilter::Nearest`]; PIL's `BILINEAR` is the same triangle
//! filter, up to JPEG decoding differences), as `(N, H, W, 3)` float32 in NHWC order (rows, then
//! columns, then the three channels), scaled by [`normalize_pixels`]: `x / 127.5 − 1`, so 0 ↦ −1
//! and 255 ↦ 1. The model does not know its preprocessing: pass it to
//! [`OnnxOptions::metadata`] to write it into the file.
//!
//! ## Running it in Python
//!
//! ```python
//! import json, numpy as np, onnxruntime as ort
//! from PIL import Image  # pip install onnxruntime pillow
//!
//! session = ort.InferenceSession("snacks.onnx")
//! class_names = json.loads(session.get_modelmeta().custom_metadata_map["class_names"])
//! _, height, width, _ = session.get_inputs()[0].shape            # ["N", 32, 32, 3]
//! img = Image.open("apple.jpg").convert("RGB").resize((width, height), Image.BILINEAR)
//! x = np.asarray(img, dtype=np.float32)[None] / 127.5 - 1.0      # normalize_pixels, (1, H, W, 3)
//! (probs,) = session.run(["output"], {"input": x})               # (1, 20), rows sum to 1
//! best = probs[0].argmax()
//! print(class_names[best], probs[0, best])
//! ```
//!
//! `scripts/test_python_interop.py` checks this: onnxruntime's probabilities equal `predict`'s
//! within 1e-5 for batches of 1 and N, and `onnx.checker` accepts the file.
//!
//! The file is written atomically, as every save of the crate. A model that is not built, or
//! that holds a layer the export does not cover, is an `Err`, and nothing is written.
//!
//! [`ResizeFilter::Triangle`]: crate::data::image::ResizeFilter::Triangle
//! [`ResizeFilter::Nearest`]: crate::data::image::ResizeFilter::Nearest
//! [`normalize_pixels`]: crate::data::image::normalize_pixels

mod graph;
mod proto;

use super::Sequential;
use crate::{Error, Result};
use prost::Message;
use proto::{DimensionValue, GraphProto, ModelProto, OperatorSetIdProto, StringStringEntryProto, ValueInfoProto};
use std::collections::BTreeMap;
use std::path::Path;

/// The name of the graph's input.
pub const INPUT: &str = "input";
/// The name of the graph's output.
pub const OUTPUT: &str = "output";
/// The ONNX operator set the file targets (`ai.onnx`, version 17).
pub const OPSET: i64 = 17;
/// The ONNX IR version of that operator set.
const IR_VERSION: i64 = 8;
/// The name of the dynamic batch dimension.
const BATCH: &str = "N";
/// The metadata key of the class names.
pub const CLASS_NAMES_KEY: &str = "class_names";

/// What goes into an exported file besides the model: the class names and other metadata.
///
/// ```
/// use snackml::model::OnnxOptions;
/// let names = ["apple", "banana"];
/// let options = OnnxOptions::new().class_names(&names).metadata("preprocessing", "x / 127.5 - 1");
/// ```
#[derive(Clone, Debug, Default)]
pub struct OnnxOptions {
    class_names: Option<Vec<String>>,
    metadata: BTreeMap<String, String>,
}

impl OnnxOptions {
    /// No class names, no metadata.
    pub fn new() -> Self {
        Self::default()
    }

    /// The name of each class in output order, such as a `DirectoryIterator`'s
    /// `index_to_class()`; written as a JSON list under `class_names`. Their number must be the
    /// model's number of outputs.
    pub fn class_names<S: AsRef<str>>(mut self, names: &[S]) -> Self {
        self.class_names = Some(names.iter().map(|n| n.as_ref().to_string()).collect());
        self
    }

    /// Adds a metadata pair (a later value for the same key replaces the earlier one). The key
    /// `class_names` is [`OnnxOptions::class_names`]'s.
    pub fn metadata(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.metadata.insert(key.into(), value.into());
        self
    }

    /// The metadata pairs, class names first, checked against the model's `output_shape`.
    fn metadata_props(&self, output_shape: &[usize]) -> Result<Vec<StringStringEntryProto>> {
        let mut props = Vec::new();
        if let Some(names) = &self.class_names {
            if output_shape != [names.len()] {
                return Err(Error::InvalidArgument(format!(
                    "{} class names for a model whose outputs have shape {output_shape:?}",
                    names.len()
                )));
            }
            if self.metadata.contains_key(CLASS_NAMES_KEY) {
                return Err(Error::InvalidArgument(format!(
                    "metadata key {CLASS_NAMES_KEY:?} given twice: with class_names and with metadata"
                )));
            }
            let value = serde_json::to_string(names).map_err(|e| Error::InvalidArgument(e.to_string()))?;
            props.push(StringStringEntryProto { key: CLASS_NAMES_KEY.into(), value });
        }
        props.extend(self.metadata.iter().map(|(k, v)| StringStringEntryProto { key: k.clone(), value: v.clone() }));
        Ok(props)
    }
}

impl Sequential {
    /// Writes the model as an ONNX file (atomically), without class names; see the
    /// [module documentation](crate::model::onnx) for the graph and what its input must be.
    pub fn save_onnx(&self, path: impl AsRef<Path>) -> Result<()> {
        self.save_onnx_with(path, &OnnxOptions::new())
    }

    /// Writes the model as an ONNX file (atomically) with the class names and metadata of
    /// `options`:
    ///
    /// ```
    /// use snackml::prelude::*;
    /// use snackml::model::OnnxOptions;
    /// let mut model = Sequential::with_seed(0);
    /// model.add(Flatten::with_input_shape(&[8, 8, 3]))?;
    /// model.add(Dense::new(2).activation(Activation::Softmax))?;
    /// let dir = tempfile::tempdir()?;
    /// model.save_onnx_with(dir.path().join("snacks.onnx"), &OnnxOptions::new().class_names(&["apple", "banana"]))?;
    /// # Ok::<(), snackml::Error>(())
    /// ```
    pub fn save_onnx_with(&self, path: impl AsRef<Path>, options: &OnnxOptions) -> Result<()> {
        super::save::write_atomically(path.as_ref(), &self.to_onnx(options)?)
    }

    /// The bytes of the ONNX file [`Sequential::save_onnx_with`] writes (the same model and
    /// options give the same bytes).
    pub fn to_onnx(&self, options: &OnnxOptions) -> Result<Vec<u8>> {
        let not_built = || {
            Error::NotBuilt(
                "cannot export a model that is not built yet: give the first layer an input shape, or call model.build"
                    .into(),
            )
        };
        let input_shape = self.input_shape().ok_or_else(not_built)?;
        let output_shape = self.output_shape().ok_or_else(|| {
            Error::NotBuilt("cannot export a model without layers: add some with model.add(...)".into())
        })?;
        let metadata_props = options.metadata_props(output_shape)?;
        let nodes = graph::layer_nodes(&self.layers, INPUT, OUTPUT)?;
        // Shapes are at most isize::MAX elements (the layers check it), so each side fits an i64.
        let batch = |shape: &[usize]| {
            let mut dims = vec![DimensionValue::DimParam(BATCH.into())];
            dims.extend(shape.iter().map(|&d| DimensionValue::DimValue(d as i64)));
            dims
        };
        let graph = GraphProto {
            node: nodes.nodes,
            name: self.name.clone(),
            initializer: nodes.initializers,
            doc_string: String::new(),
            input: vec![ValueInfoProto::float_tensor(INPUT, batch(input_shape), "a batch of inputs, batch first")],
            output: vec![ValueInfoProto::float_tensor(OUTPUT, batch(output_shape), "the model's output, as predict")],
        };
        let model = ModelProto {
            ir_version: IR_VERSION,
            producer_name: "snackml".into(),
            producer_version: env!("CARGO_PKG_VERSION").into(),
            doc_string: format!("The snackml Sequential model {:?} ({} weights).", self.name, self.count_params()),
            graph: Some(graph),
            opset_import: vec![OperatorSetIdProto { domain: String::new(), version: OPSET }],
            metadata_props,
        };
        if model.encoded_len() > i32::MAX as usize {
            return Err(Error::Unsupported("ONNX files hold at most 2 GiB (protobuf's limit)".into()));
        }
        Ok(model.encode_to_vec())
    }
}

#[cfg(test)]
mod tests;
