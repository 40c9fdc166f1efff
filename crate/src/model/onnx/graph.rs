//! From the model's layers to ONNX nodes and initializers, one layer at a time: each layer says
//! which operators it exports as ([`Layer::onnx_ops`](crate::layers::Layer::onnx_ops)); this
//! file wires them by name and adds the activations. Today:
//!
//! Images stay channels-last between layers, as in the crate (so a `Flatten` after convolutions
//! keeps Keras's order); the operators that want channels-first are wrapped in `Transpose`s.
//!
//! | layer | nodes (then the layer's activation) | initializers |
//! | --- | --- | --- |
//! | `Flatten` | `Flatten(axis = 1)` | |
//! | `Dense` | `Gemm(x, kernel, bias)`: `x·W + b` | `NAME/kernel` `(in, units)`, `NAME/bias` `(units)` |
//! | `Dropout` | `Identity` (inference) | |
//! | `Activation` | (its activation alone) | |
//! | `Conv2D` | `Transpose` to `(N, C, H, W)`, `Conv(x, kernel, bias)` (`kernel_shape`, `strides`, `auto_pad` `VALID` or `SAME_UPPER`), `Transpose` back | `NAME/kernel` `(filters, in, h, w)`, `NAME/bias` |
//! | `MaxPooling2D`, `AveragePooling2D` | `Transpose`, `MaxPool` / `AveragePool` (`count_include_pad = 0`), `Transpose` | |
//! | `GlobalAveragePooling2D`, `GlobalMaxPooling2D` | `Transpose`, `GlobalAveragePool` / `GlobalMaxPool`, `Flatten(axis = 1)` | |
//! | `BatchNormalization` | `Mul(x, scale)`, `Add(·, shift)` over the last axis (inference, folded) | `NAME/scale` `γ/√(var + ε)`, `NAME/shift` `β − mean·scale` |
//!
//! and the activation, the model's or a Dense's: `Relu`, `Sigmoid`, `Softmax(axis = -1)` (over
//! each row, as the crate's), nothing for linear (an `Identity` when the layer would otherwise
//! have no node). A layer's last node writes the value `NAME/output` (the model's last layer:
//! the graph output); the nodes before it in the same layer write `NAME/OP_J`, J its place in the layer (`dense/Gemm_0`).
//! Initializers have the names the safetensors file gives the weights. Layer names are unique
//! in a model and every name written here is a layer name, `/` and a word without `/`, so no
//! two values share a name, nor with the graph's input and output (names without `/`).

use super::proto::{AttributeProto, NodeProto, TensorProto, FLOAT};
use crate::activations::Activation;
use crate::layers::{OnnxAttribute, OnnxOp};
use crate::model::NamedLayer;
use crate::{Error, Result, Tensor};

/// The nodes and initializers of a model's layers, reading `input` and writing `output`.
#[derive(Debug, Default)]
pub struct Nodes {
    pub nodes: Vec<NodeProto>,
    pub initializers: Vec<TensorProto>,
}

/// The nodes of every layer in order, the first reading `input`, the last writing `output`.
/// Errors for a layer the export does not cover, or a Dense layer without its weights.
pub fn layer_nodes(layers: &[NamedLayer], input: &str, output: &str) -> Result<Nodes> {
    let mut out = Nodes::default();
    let mut value = input.to_string();
    for (i, layer) in layers.iter().enumerate() {
        let name = layer.name();
        let mut ops = layer.layer().onnx_ops().map_err(|e| e.in_layer(name))?;
        ops.extend(activation_op(layer.layer().activation()));
        if ops.is_empty() {
            ops.push(OnnxOp::new("Identity"));
        }
        let last_layer = i + 1 == layers.len();
        let count = ops.len();
        for (j, op) in ops.into_iter().enumerate() {
            let written = match (j + 1 == count, last_layer) {
                (true, true) => output.to_string(),
                (true, false) => format!("{name}/output"),
                (false, _) => format!("{name}/{}_{j}", op.op_type),
            };
            let mut inputs = vec![std::mem::replace(&mut value, written.clone())];
            for weight in &op.weights {
                let param = layer.params().iter().find(|p| p.name == *weight).ok_or_else(|| {
                    Error::NotBuilt(format!("layer {name} has no {weight} yet: build the model before exporting it"))
                })?;
                let key = format!("{name}/{weight}");
                out.initializers.push(initializer(&key, &param.value));
                inputs.push(key);
            }
            for (constant, value) in &op.constants {
                let key = format!("{name}/{constant}");
                out.initializers.push(initializer(&key, value));
                inputs.push(key);
            }
            out.nodes.push(NodeProto {
                input: inputs,
                output: vec![written.clone()],
                name: format!("{name}/{}_{j}", op.op_type),
                op_type: op.op_type.into(),
                attribute: op.attributes.iter().map(|(k, v)| attribute(k, v)).collect(),
            });
        }
    }
    Ok(out)
}

/// The node of an activation (none for linear).
fn activation_op(activation: Activation) -> Option<OnnxOp> {
    match activation {
        Activation::Linear => None,
        Activation::Relu => Some(OnnxOp::new("Relu")),
        Activation::Sigmoid => Some(OnnxOp::new("Sigmoid")),
        Activation::Softmax => Some(OnnxOp::new("Softmax").attribute("axis", OnnxAttribute::Int(-1))),
    }
}

/// An attribute as the protocol spells it.
fn attribute(name: &str, value: &OnnxAttribute) -> AttributeProto {
    match value {
        OnnxAttribute::Int(i) => AttributeProto::int(name, *i),
        OnnxAttribute::Ints(v) => AttributeProto::ints(name, v),
        OnnxAttribute::Text(t) => AttributeProto::string(name, t),
    }
}

/// A float32 initializer holding `t` (row-major, little-endian).
fn initializer(name: &str, t: &Tensor) -> TensorProto {
    TensorProto {
        dims: t.shape().iter().map(|&d| d as i64).collect(),
        data_type: FLOAT,
        name: name.into(),
        raw_data: t.iter().flat_map(|v| v.to_le_bytes()).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layers::{ActivationLayer, Dense, Dropout, Flatten};
    use crate::model::Sequential;

    fn ops(nodes: &Nodes) -> Vec<(&str, Vec<&str>, &str)> {
        nodes
            .nodes
            .iter()
            .map(|n| (n.op_type.as_str(), n.input.iter().map(String::as_str).collect(), n.output[0].as_str()))
            .collect()
    }

    #[test]
    fn each_layer_becomes_its_nodes_chained_by_name() {
        let mut m = Sequential::with_seed(1);
        m.add(Flatten::with_input_shape(&[2, 2, 3])).unwrap();
        m.add(Dense::new(5).activation(Activation::Relu)).unwrap();
        m.add(Dropout::new(0.5)).unwrap();
        m.add(Dense::new(3)).unwrap();
        m.add(ActivationLayer::softmax()).unwrap();
        let nodes = layer_nodes(m.layers(), "in", "out").unwrap();
        assert_eq!(
            ops(&nodes),
            [
                ("Flatten", vec!["in"], "flatten/output"),
                ("Gemm", vec!["flatten/output", "dense/kernel", "dense/bias"], "dense/Gemm_0"),
                ("Relu", vec!["dense/Gemm_0"], "dense/output"),
                ("Identity", vec!["dense/output"], "dropout/output"),
                ("Gemm", vec!["dropout/output", "dense_1/kernel", "dense_1/bias"], "dense_1/output"),
                ("Softmax", vec!["dense_1/output"], "out"),
            ]
        );
        let softmax = &nodes.nodes[5].attribute[0];
        assert_eq!((softmax.name.as_str(), softmax.i), ("axis", Some(-1)));
        let kernel = &nodes.initializers[0];
        assert_eq!(
            (kernel.name.as_str(), kernel.dims.as_slice(), kernel.data_type),
            ("dense/kernel", &[12i64, 5][..], 1)
        );
        let w = m.layers()[1].kernel().unwrap();
        assert_eq!(kernel.raw_data[4..8], w[[0, 1]].to_le_bytes(), "row-major: the second value is W[0, 1]");
        assert_eq!(kernel.raw_data.len(), 12 * 5 * 4);
    }

    #[test]
    fn a_conv_kernel_is_written_filters_first_and_batch_norm_folded() {
        use crate::layers::{BatchNormalization, Conv2D};
        let mut m = Sequential::with_seed(1);
        m.add(Conv2D::new(2, 3).input_shape(&[5, 5, 3])).unwrap();
        m.add(BatchNormalization::new()).unwrap();
        let nodes = layer_nodes(m.layers(), "in", "out").unwrap();
        let types: Vec<&str> = nodes.nodes.iter().map(|n| n.op_type.as_str()).collect();
        assert_eq!(types, ["Transpose", "Conv", "Transpose", "Mul", "Add"]);
        let kernel = &nodes.initializers[0];
        assert_eq!((kernel.name.as_str(), kernel.dims.as_slice()), ("conv2d/kernel", &[2i64, 3, 3, 3][..]));
        let hwio = &m.layers()[0].params()[0].value;
        let at = |i: usize| f32::from_le_bytes(kernel.raw_data[4 * i..4 * i + 4].try_into().unwrap());
        // OIHW: the second value is (o 0, i 0, h 0, w 1); filter 1 starts after 3·3·3 values.
        assert_eq!((at(1), at(27)), (hwio[[0, 1, 0, 0]], hwio[[0, 0, 0, 1]]));
        let conv = &nodes.nodes[1].attribute;
        let names: Vec<&str> = conv.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["kernel_shape", "strides", "auto_pad"]);
        assert_eq!((conv[0].ints.as_slice(), conv[2].s.as_deref()), (&[3i64, 3][..], Some(&b"VALID"[..])));
        // Fresh statistics (mean 0, variance 1): scale γ/√(1 + ε), shift β.
        let scale = f32::from_le_bytes(nodes.initializers[2].raw_data[..4].try_into().unwrap());
        assert!((scale - 1.0 / (1.0f32 + 1e-3).sqrt()).abs() < 1e-7, "{scale}");
    }

    #[test]
    fn a_linear_activation_layer_is_an_identity() {
        let mut m = Sequential::with_seed(1);
        m.add(Dense::new(2).input_shape(&[3]).activation(Activation::Sigmoid)).unwrap();
        m.add(ActivationLayer::new(Activation::Linear)).unwrap();
        let nodes = layer_nodes(m.layers(), "in", "out").unwrap();
        assert_eq!(
            ops(&nodes),
            [
                ("Gemm", vec!["in", "dense/kernel", "dense/bias"], "dense/Gemm_0"),
                ("Sigmoid", vec!["dense/Gemm_0"], "dense/output"),
                ("Identity", vec!["dense/output"], "out"),
            ]
        );
    }
}
