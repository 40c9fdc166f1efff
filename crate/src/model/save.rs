//! Saving and loading: the whole model (architecture and weights) or the weights alone.
//!
//! A saved file is a [safetensors](https://huggingface.co/docs/safetensors) file: the weights as
//! little-endian `f32` tensors named by their path in the model (`dense/kernel`, `dense/bias`,
//! …, Keras's orientation: a kernel is `(inputs, units)`), and in its metadata, under the one
//! key `snackml`, a JSON header: the format version, what the file holds, the model's
//! configuration (name, input shape, and each layer's class, name and settings) and the weights
//! in Keras order, and a CRC-32 of that header and of the weight bytes, so that any damage is
//! found (safetensors itself has no checksum). One key, so the same model always gives the
//! same bytes. numpy, PyTorch and the Hugging Face tools read the weights as they are:
//!
//! ```python
//! from safetensors.numpy import load_file
//! weights = load_file("logreg.snackml")          # {"dense/kernel": array (3072, 20), ...}
//! ```
//!
//! Files are written atomically (a crash leaves the old file or the new one, never half of
//! one). Loading checks the configuration against the weights through the layers' own shape
//! rules before anything is allocated, and a damaged, truncated or foreign file is refused with
//! a message saying why.

use super::Sequential;
use crate::layers::{layer_from_config, Layer};
use crate::{Error, Result, Tensor};
use safetensors::tensor::{Dtype, SafeTensors, TensorView};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The file format this version writes and reads (the first, before safetensors, was 1).
pub const FORMAT_VERSION: u32 = 2;
/// The magic bytes of the format-1 files earlier versions wrote.
const OLD_MAGIC: &[u8; 8] = b"SNACKML\0";

/// What a file holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Kind {
    Model,
    Weights,
}

/// One layer in the saved configuration.
#[derive(Debug, Serialize, Deserialize)]
struct LayerEntry {
    class_name: String,
    name: String,
    config: serde_json::Value,
}

/// The header kept in the file's metadata.
#[derive(Debug, Serialize, Deserialize)]
struct Header {
    format: String,
    version: u32,
    kind: Kind,
    config: ModelConfig,
    weights: Vec<String>,
    /// CRC-32 of this header (as JSON with sorted keys and `crc32 = 0`), then of each weight in
    /// order: its dimensions (little-endian `u64`s) and its bytes.
    crc32: u32,
}

impl Header {
    /// The checksum described at [`Header::crc32`].
    fn checksum(&mut self, weights: &[(&[usize], &[u8])]) -> Result<u32, String> {
        let kept = std::mem::replace(&mut self.crc32, 0);
        let json = serde_json::to_value(&*self).and_then(|v| serde_json::to_vec(&v)).map_err(|e| e.to_string());
        self.crc32 = kept;
        let mut hasher = crc32fast::Hasher::new();
        hasher.update(&json?);
        for (shape, data) in weights {
            shape.iter().for_each(|&d| hasher.update(&(d as u64).to_le_bytes()));
            hasher.update(data);
        }
        Ok(hasher.finalize())
    }
}

/// The saved configuration: what rebuilds the model without its weights.
#[derive(Debug, Serialize, Deserialize)]
struct ModelConfig {
    name: String,
    input_shape: Vec<usize>,
    layers: Vec<LayerEntry>,
}

impl Sequential {
    /// The weight keys (`layer/param`) and tensors, in Keras order.
    fn named_weights(&self) -> Vec<(String, &Tensor)> {
        self.layers
            .iter()
            .flat_map(|l| l.params().iter().map(move |p| (format!("{}/{}", l.name(), p.name), &p.value)))
            .collect()
    }

    fn to_bytes(&self, kind: Kind) -> Result<Vec<u8>> {
        let input_shape = self
            .input_shape
            .clone()
            .ok_or_else(|| Error::NotBuilt("cannot save a model that is not built yet".into()))?;
        let config = ModelConfig {
            name: self.name.clone(),
            input_shape,
            layers: self
                .layers
                .iter()
                .map(|l| LayerEntry {
                    class_name: l.class_name().into(),
                    name: l.name().into(),
                    config: l.layer().config(),
                })
                .collect(),
        };
        let named = self.named_weights();
        let bytes: Vec<Vec<u8>> = named.iter().map(|(_, t)| t.iter().flat_map(|v| v.to_le_bytes()).collect()).collect();
        let mut views = Vec::with_capacity(named.len());
        for ((key, t), data) in named.iter().zip(&bytes) {
            let view = TensorView::new(Dtype::F32, t.shape().to_vec(), data)
                .map_err(|e| Error::InvalidArgument(format!("weight {key}: {e}")))?;
            views.push((key.clone(), view));
        }
        let mut header = Header {
            format: "snackml".into(),
            version: FORMAT_VERSION,
            kind,
            config,
            weights: named.iter().map(|(k, _)| k.clone()).collect(),
            crc32: 0,
        };
        let slices: Vec<(&[usize], &[u8])> =
            named.iter().zip(&bytes).map(|((_, t), b)| (t.shape(), b.as_slice())).collect();
        header.crc32 = header.checksum(&slices).map_err(Error::InvalidArgument)?;
        let json = serde_json::to_string(&header).map_err(|e| Error::InvalidArgument(e.to_string()))?;
        // The map type is safetensors' own (hashbrown's: the crate is compiled without `std`).
        let metadata = [("snackml".to_string(), json)].into_iter().collect();
        safetensors::tensor::serialize(views, Some(metadata))
            .map_err(|e| Error::InvalidArgument(format!("cannot write the weights: {e}")))
    }

    /// Saves architecture and weights to `path` (atomically: a crash leaves the old file or the new one).
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        write_atomically(path.as_ref(), &self.to_bytes(Kind::Model)?)
    }

    /// Saves the weights alone (atomically), with the configuration they fit.
    pub fn save_weights(&self, path: impl AsRef<Path>) -> Result<()> {
        write_atomically(path.as_ref(), &self.to_bytes(Kind::Weights)?)
    }

    /// Loads a model saved with [`Sequential::save`]. The model comes back uncompiled, as in
    /// Keras with `compile=False`: compile it before training or evaluating.
    pub fn load(path: impl AsRef<Path>) -> Result<Sequential> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|e| Error::path(path, e))?;
        model_from_bytes(&bytes).map_err(|m| Error::ModelFile { path: path.into(), message: m })
    }

    /// Loads weights saved with [`Sequential::save_weights`] (or [`Sequential::save`]) into this
    /// model, which must have the same layers and shapes.
    pub fn load_weights(&mut self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|e| Error::path(path, e))?;
        let err = |m: String| Error::ModelFile { path: path.into(), message: m };
        let file = parse(&bytes).map_err(err)?;
        let want: Vec<(String, Vec<usize>)> =
            self.named_weights().into_iter().map(|(k, t)| (k, t.shape().to_vec())).collect();
        let got: Vec<(String, Vec<usize>)> =
            file.weights.iter().map(|(k, t)| (k.clone(), t.shape().to_vec())).collect();
        if want != got {
            return Err(err(format!(
                "the file holds weights of shapes {got:?} but this model's weights have shapes {want:?}"
            )));
        }
        self.set_weights(file.weights.into_iter().map(|(_, t)| t).collect())
    }

    /// Reads a model from the bytes of a saved file (for loading from memory, and fuzzing).
    /// Any damage gives an `Err` with the reason, never a panic.
    pub fn from_bytes(bytes: &[u8]) -> Result<Sequential> {
        model_from_bytes(bytes).map_err(|m| Error::ModelFile { path: "(bytes in memory)".into(), message: m })
    }
}

/// Writes a saved file's bytes to `path` atomically (a crash leaves the old file or the new one).
pub(super) fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    crate::fsutil::atomic_write(path, bytes).map_err(|e| Error::path(path, e))
}

/// A parsed file: what it holds, its configuration and its weights in order.
struct Parsed {
    kind: Kind,
    config: ModelConfig,
    weights: Vec<(String, Tensor)>,
}

fn model_from_bytes(bytes: &[u8]) -> Result<Sequential, String> {
    let file = parse(bytes)?;
    if file.kind != Kind::Model {
        return Err("this file holds weights only: build the model, then call load_weights".into());
    }
    let config = &file.config;
    let layers: Vec<Box<dyn Layer>> = config
        .layers
        .iter()
        .map(|l| layer_from_config(&l.class_name, l.config.clone()).map_err(|e| format!("layer {}: {e}", l.name)))
        .collect::<Result<_, _>>()?;
    check_weights_fit(config, &layers, &file.weights)?;
    let mut model = Sequential::with_seed(0);
    model.name = config.name.clone();
    for (entry, layer) in config.layers.iter().zip(layers) {
        model.add_named(entry.name.clone(), layer).map_err(|e| e.to_string())?;
    }
    if model.input_shape.is_none() {
        model.build(&config.input_shape).map_err(|e| e.to_string())?;
    }
    model.set_weights(file.weights.into_iter().map(|(_, t)| t).collect()).map_err(|e| e.to_string())?;
    Ok(model)
}

/// Checks, through the layers' own shape rules and before any weight is allocated, that the
/// layers would create exactly the weights the file holds (and so are no larger than the file).
fn check_weights_fit(config: &ModelConfig, layers: &[Box<dyn Layer>], have: &[(String, Tensor)]) -> Result<(), String> {
    let mut shape = layers
        .first()
        .and_then(|l| l.declared_input_shape().map(<[usize]>::to_vec))
        .unwrap_or_else(|| config.input_shape.clone());
    if shape != config.input_shape {
        return Err(format!("the first layer declares input shape {shape:?}, the file says {:?}", config.input_shape));
    }
    let mut need = Vec::new();
    for (entry, layer) in config.layers.iter().zip(layers) {
        for (param, s) in layer.weight_shapes(&shape).map_err(|e| format!("layer {}: {e}", entry.name))? {
            need.push((format!("{}/{param}", entry.name), s));
        }
        shape = layer.output_shape(&shape).map_err(|e| format!("layer {}: {e}", entry.name))?;
    }
    let have: Vec<(String, Vec<usize>)> = have.iter().map(|(k, t)| (k.clone(), t.shape().to_vec())).collect();
    if need != have {
        return Err(format!("weights do not fit the architecture: its layers need {need:?}, the file holds {have:?}"));
    }
    Ok(())
}

/// Checks the container, the metadata and every tensor; returns them.
fn parse(bytes: &[u8]) -> Result<Parsed, String> {
    if bytes.starts_with(OLD_MAGIC) {
        return Err("this file has snackml's first format (version 1), which this version no longer reads: \
                    load it with snackml 0.1 and save it again, or retrain"
            .into());
    }
    let (_, metadata) = SafeTensors::read_metadata(bytes)
        .map_err(|e| format!("not a snackml model file, or one truncated or damaged (as safetensors: {e})"))?;
    let json = metadata
        .metadata()
        .as_ref()
        .and_then(|m| m.get("snackml"))
        .ok_or("not a snackml model file (a safetensors file without snackml's header)")?;
    // Read the version before anything else, so a file from another version says so.
    #[derive(Deserialize)]
    struct Version {
        format: String,
        version: u32,
    }
    let v: Version = serde_json::from_str(json).map_err(|e| format!("the header is damaged: {e}"))?;
    if v.format != "snackml" {
        return Err(format!("unknown format {:?}", v.format));
    }
    if v.version != FORMAT_VERSION {
        return Err(format!("the file has format version {}, this snackml reads version {FORMAT_VERSION}", v.version));
    }
    let mut header: Header = serde_json::from_str(json).map_err(|e| format!("the header is damaged: {e}"))?;
    let tensors = SafeTensors::deserialize(bytes).map_err(|e| format!("the file is truncated or damaged: {e}"))?;
    if tensors.len() != header.weights.len() {
        return Err(format!("the file lists {} weights but holds {}", header.weights.len(), tensors.len()));
    }
    let mut views = Vec::with_capacity(header.weights.len());
    for key in &header.weights {
        let view = tensors.tensor(key).map_err(|e| format!("weight {key}: {e}"))?;
        if view.dtype() != Dtype::F32 {
            return Err(format!("weight {key} is {:?}, not F32", view.dtype()));
        }
        views.push(view);
    }
    let data: Vec<(&[usize], &[u8])> = views.iter().map(|v| (v.shape(), v.data())).collect();
    if header.checksum(&data)? != header.crc32 {
        return Err("checksum mismatch: the file is truncated or damaged".into());
    }
    let mut weights = Vec::with_capacity(views.len());
    for (key, view) in header.weights.iter().zip(views) {
        let key = key.clone();
        let values: Vec<f32> =
            view.data().chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
        let t =
            Tensor::from_shape_vec(ndarray::IxDyn(view.shape()), values).map_err(|e| format!("weight {key}: {e}"))?;
        weights.push((key, t));
    }
    Ok(Parsed { kind: header.kind, config: header.config, weights })
}
