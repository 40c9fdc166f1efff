//! From the model's layers to ONNX nodes and initializers, one layer at a time: each layer says
//! which operators it exports as ([`Layer::onnx_ops`](crate::layers::Layer::onnx_ops)); this
//! file wires them by name and adds the activations. Today:
//!
//! | layer | nodes (then the layer's activation) | initializers |
//! | --- | --- | --- |
//! | `Flatten` | `Flatten(axis = 1)` | |
//! | `Dense` | `Gemm(x, kernel, bias)`: `x·W + b` | `NAME/kernel` `(in, units)`, `NAME/bias` `(units)` |
//! | `Dropout` | `Identity` (inference) | |
//! | `Activation` | (its activation alone) | |
//!
//! and the activation, the model's or a Dense's: `Relu`, `Sigmoid`, `Softmax(axis = -1)` (over
//! each row, as the crate's), nothing for linear (an `Identity` when the layer would otherwise
//! have no node). A layer's last node writes the value `NAME/output` (the model's last layer:
//! the graph output); the nodes before it in the same layer write `NAME/OP` (`dense/Gemm`).
//! Initializers have the names the safetensors file gives the weights. Layer names are unique
//! in a model and every name written here is a layer name, `/` and a word without `/`, so no
//! two values share a name, nor with the graph's input and output (names without `/`).

use super::proto::{AttributeProto, NodeProto, TensorProto, FLOAT};
use crate::activations::Activation;
use crate::layers::OnnxOp;
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
                (false, _) => format!("{name}/{}", op.op_type),
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
            out.nodes.push(NodeProto {
                input: inputs,
                output: vec![written.clone()],
                name: format!("{name}/{}", op.op_type),
                op_type: op.op_type.into(),
                attribute: op.attributes.iter().map(|&(k, v)| AttributeProto::int(k, v)).collect(),
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
        Activation::Softmax => Some(OnnxOp { attributes: vec![("axis", -1)], ..OnnxOp::new("Softmax") }),
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
                ("Gemm", vec!["flatten/output", "dense/kernel", "dense/bias"], "dense/Gemm"),
                ("Relu", vec!["dense/Gemm"], "dense/output"),
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
    fn a_linear_activation_layer_is_an_identity() {
        let mut m = Sequential::with_seed(1);
        m.add(Dense::new(2).input_shape(&[3]).activation(Activation::Sigmoid)).unwrap();
        m.add(ActivationLayer::new(Activation::Linear)).unwrap();
        let nodes = layer_nodes(m.layers(), "in", "out").unwrap();
        assert_eq!(
            ops(&nodes),
            [
                ("Gemm", vec!["in", "dense/kernel", "dense/bias"], "dense/Gemm"),
                ("Sigmoid", vec!["dense/Gemm"], "dense/output"),
                ("Identity", vec!["dense/output"], "out"),
            ]
        );
    }
}
