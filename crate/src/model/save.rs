//! Saving and loading: the whole model (architecture and weights) or the weights alone.
//!
//! The file is `SNACKML\0`, a little-endian `u64` header length, a JSON header (format version,
//! layer configurations, weight names and shapes), the weights as little-endian `f32`, and a
//! CRC-32 of everything before it. Files are written atomically (see [`crate::fsutil`]), and a
//! damaged, truncated or foreign file is refused with a message saying why.

use super::Sequential;
use crate::layers::LayerConfig;
use crate::{Error, Result, Tensor};
use serde::{Deserialize, Serialize};
use std::path::Path;

const MAGIC: &[u8; 8] = b"SNACKML\0";
/// The file format this version writes and reads.
pub const FORMAT_VERSION: u32 = 1;
/// Headers above this size are refused (a damaged length field must not allocate gigabytes).
const MAX_HEADER: u64 = 16 << 20;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Kind {
    Model,
    Weights,
}

#[derive(Debug, Serialize, Deserialize)]
struct WeightEntry {
    layer: String,
    name: String,
    shape: Vec<usize>,
}

#[derive(Debug, Serialize, Deserialize)]
struct Header {
    format: String,
    version: u32,
    kind: Kind,
    name: String,
    input_shape: Option<Vec<usize>>,
    layers: Vec<LayerConfig>,
    weights: Vec<WeightEntry>,
}

impl Sequential {
    fn to_bytes(&self, kind: Kind) -> Result<Vec<u8>> {
        if self.input_shape.is_none() {
            return Err(Error::NotBuilt("cannot save a model that is not built yet".into()));
        }
        let mut weights = Vec::new();
        let mut data = Vec::new();
        for layer in &self.layers {
            for p in layer.params() {
                weights.push(WeightEntry {
                    layer: layer.name().into(),
                    name: p.name.into(),
                    shape: p.value.shape().to_vec(),
                });
                data.extend(p.value.iter().flat_map(|v| v.to_le_bytes()));
            }
        }
        let header = Header {
            format: "snackml".into(),
            version: FORMAT_VERSION,
            kind,
            name: self.name.clone(),
            input_shape: self.input_shape.clone(),
            layers: self.layers.iter().map(|l| l.config()).collect(),
            weights,
        };
        let json = serde_json::to_vec(&header).expect("header serialises");
        let mut out = Vec::with_capacity(MAGIC.len() + 8 + json.len() + data.len() + 4);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&(json.len() as u64).to_le_bytes());
        out.extend_from_slice(&json);
        out.extend_from_slice(&data);
        let crc = crc32fast::hash(&out);
        out.extend_from_slice(&crc.to_le_bytes());
        Ok(out)
    }

    /// Saves architecture and weights to `path` (atomically: a crash leaves the old file or the new one).
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        crate::fsutil::atomic_write(path, &self.to_bytes(Kind::Model)?).map_err(|e| Error::path(path, e))
    }

    /// Saves the weights alone (atomically).
    pub fn save_weights(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        crate::fsutil::atomic_write(path, &self.to_bytes(Kind::Weights)?).map_err(|e| Error::path(path, e))
    }

    /// Loads a model saved with [`Sequential::save`]. The model comes back uncompiled, as in
    /// Keras with `compile=False`: compile it before training or evaluating.
    pub fn load(path: impl AsRef<Path>) -> Result<Sequential> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|e| Error::path(path, e))?;
        Self::from_bytes(&bytes).map_err(|m| Error::ModelFile { path: path.into(), message: m })
    }

    /// Loads weights saved with [`Sequential::save_weights`] (or [`Sequential::save`]) into this
    /// model, which must have the same layers and shapes.
    pub fn load_weights(&mut self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|e| Error::path(path, e))?;
        let err = |m: String| Error::ModelFile { path: path.into(), message: m };
        let (header, weights) = parse(&bytes).map_err(err)?;
        let want: Vec<Vec<usize>> =
            self.layers.iter().flat_map(|l| l.params().iter().map(|p| p.value.shape().to_vec())).collect();
        let got: Vec<Vec<usize>> = header.weights.iter().map(|w| w.shape.clone()).collect();
        if want != got {
            return Err(err(format!(
                "the file holds weights of shapes {got:?} (layers {:?}) but this model's weights have shapes {want:?}",
                header.layers.iter().map(layer_name).collect::<Vec<_>>()
            )));
        }
        self.set_weights(weights)
    }

    /// Reads a model from the bytes of a saved file (for loading from memory, and fuzzing).
    /// Any damage gives an `Err` with the reason, never a panic.
    pub fn from_bytes(bytes: &[u8]) -> Result<Sequential, String> {
        let (header, weights) = parse(bytes)?;
        if header.kind != Kind::Model {
            return Err("this file holds weights only: build the model, then call load_weights".into());
        }
        check_layers_fit(&header)?;
        let mut model = Sequential::with_seed(0);
        model.name = header.name.clone();
        for config in &header.layers {
            model.add_boxed(config.to_layer().map_err(|e| e.to_string())?).map_err(|e| e.to_string())?;
        }
        let Some(shape) = &header.input_shape else {
            return Err("the file has no input shape".into());
        };
        if shape.is_empty() || shape.contains(&0) || shape.iter().try_fold(1usize, |a, &d| a.checked_mul(d)).is_none() {
            return Err(format!("the file's input shape {shape:?} is not valid"));
        }
        if model.input_shape.is_none() {
            model.build(shape).map_err(|e| e.to_string())?;
        }
        model.set_weights(weights).map_err(|e| format!("weights do not fit the architecture: {e}"))?;
        Ok(model)
    }
}

/// Checks, before any layer is created, that the layers of the header would create exactly the
/// weight shapes the file lists (and holds: `parse` has read them). Building a layer allocates its
/// weights, so without this a damaged header with a valid checksum could ask a 1 kB file for
/// gigabytes. Shapes the layers would refuse are left for them to refuse.
fn check_layers_fit(header: &Header) -> Result<(), String> {
    let declared = header.layers.first().and_then(|c| match c {
        LayerConfig::Flatten { input_shape, .. } | LayerConfig::Dense { input_shape, .. } => input_shape.clone(),
        LayerConfig::Activation { .. } => None,
    });
    let Some(mut shape) = declared.or_else(|| header.input_shape.clone()) else { return Ok(()) };
    let mut need = Vec::new();
    for config in &header.layers {
        match config {
            LayerConfig::Flatten { .. } => {
                let size = shape.iter().try_fold(1usize, |a, &d| a.checked_mul(d));
                shape = vec![size.ok_or_else(|| format!("the input shape {shape:?} is too large"))?];
            }
            LayerConfig::Dense { units, .. } => {
                let &[fan_in] = shape.as_slice() else { return Ok(()) };
                need.push(vec![fan_in, *units]);
                need.push(vec![*units]);
                shape = vec![*units];
            }
            LayerConfig::Activation { .. } => {}
        }
    }
    let have: Vec<Vec<usize>> = header.weights.iter().map(|w| w.shape.clone()).collect();
    if need != have {
        return Err(format!(
            "weights do not fit the architecture: its layers need weights of shapes {need:?}, the file holds {have:?}"
        ));
    }
    Ok(())
}

fn layer_name(c: &LayerConfig) -> String {
    match c {
        LayerConfig::Flatten { name, .. } | LayerConfig::Dense { name, .. } | LayerConfig::Activation { name, .. } => {
            name.clone()
        }
    }
}

/// Checks magic, version, lengths and checksum; returns the header and the weight tensors.
fn parse(bytes: &[u8]) -> Result<(Header, Vec<Tensor>), String> {
    if bytes.len() < MAGIC.len() + 8 + 4 || &bytes[..MAGIC.len()] != MAGIC {
        return Err("not a snackml model file (wrong magic bytes or too short)".into());
    }
    let (body, crc) = bytes.split_at(bytes.len() - 4);
    let crc = u32::from_le_bytes(crc.try_into().expect("4 bytes"));
    let header_len = u64::from_le_bytes(body[8..16].try_into().expect("8 bytes"));
    if header_len > MAX_HEADER || header_len as usize > body.len() - 16 {
        return Err("the file is truncated or damaged (header length out of range)".into());
    }
    let json = &body[16..16 + header_len as usize];
    // Read the version before anything else, so a file from another version says so.
    #[derive(Deserialize)]
    struct Version {
        format: String,
        version: u32,
    }
    let v: Version = serde_json::from_slice(json).map_err(|e| format!("the header is damaged: {e}"))?;
    if v.format != "snackml" {
        return Err(format!("unknown format {:?}", v.format));
    }
    if v.version != FORMAT_VERSION {
        return Err(format!("the file has format version {}, this snackml reads version {FORMAT_VERSION}", v.version));
    }
    if crc32fast::hash(body) != crc {
        return Err("checksum mismatch: the file is truncated or damaged".into());
    }
    let header: Header = serde_json::from_slice(json).map_err(|e| format!("the header is damaged: {e}"))?;
    let mut data = &body[16 + header_len as usize..];
    let mut weights = Vec::with_capacity(header.weights.len());
    for w in &header.weights {
        let n = w.shape.iter().try_fold(1usize, |a, &d| a.checked_mul(d)).ok_or("a weight shape overflows")?;
        let len = n.checked_mul(4).ok_or("a weight shape overflows")?;
        if len > data.len() {
            return Err(format!("the file is truncated: {} of layer {} is missing", w.name, w.layer));
        }
        let (chunk, rest) = data.split_at(len);
        data = rest;
        let values: Vec<f32> =
            chunk.chunks_exact(4).map(|c| f32::from_le_bytes(c.try_into().expect("4 bytes"))).collect();
        weights.push(Tensor::from_shape_vec(ndarray::IxDyn(&w.shape), values).map_err(|e| e.to_string())?);
    }
    if !data.is_empty() {
        return Err(format!("{} unexpected bytes after the weights", data.len()));
    }
    Ok((header, weights))
}
