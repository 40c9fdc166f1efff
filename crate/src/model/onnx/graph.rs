//! From the model's layers to ONNX nodes and initializers, one layer at a time.
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
use crate::model::NamedLayer;
use crate::{Error, Result, Tensor};

/// The layer classes the export covers.
pub const COVERED: [&str; 4] = ["Flatten", "Dense", "Activation", "Dropout"];

/// The nodes and initializers of a model's layers, reading `input` and writing `output`.
#[derive(Debug, Default)]
pub struct Nodes {
    pub nodes: Vec<NodeProto>,
    pub initializers: Vec<TensorProto>,
}

/// One operator still to be wired: its type, the inputs after the running value, its attributes.
struct Op {
    op_type: &'static str,
    extra_inputs: Vec<String>,
    attributes: Vec<AttributeProto>,
}

impl Op {
    fn new(op_type: &'static str) -> Self {
        Op { op_type, extra_inputs: Vec::new(), attributes: Vec::new() }
    }
}

/// The nodes of every layer in order, the first reading `input`, the last writing `output`.
/// Errors for a layer the export does not cover, or a Dense layer without its weights.
pub fn layer_nodes(layers: &[NamedLayer], input: &str, output: &str) -> Result<Nodes> {
    let mut out = Nodes::default();
    let mut value = input.to_string();
    for (i, layer) in layers.iter().enumerate() {
        let name = layer.name();
        let mut ops = match layer.class_name() {
            "Flatten" => vec![Op { attributes: vec![AttributeProto::int("axis", 1)], ..Op::new("Flatten") }],
            "Dense" => {
                let (kernel, bias) = dense_weights(layer)?;
                out.initializers.push(initializer(&format!("{name}/kernel"), kernel));
                out.initializers.push(initializer(&format!("{name}/bias"), bias));
                vec![Op { extra_inputs: vec![format!("{name}/kernel"), format!("{name}/bias")], ..Op::new("Gemm") }]
            }
            "Dropout" => vec![Op::new("Identity")],
            "Activation" => Vec::new(),
            other => {
                return Err(Error::Unsupported(format!(
                    "ONNX export covers the layers {}; layer {name} is a {other}",
                    COVERED.join(", ")
                )))
            }
        };
        ops.extend(activation_op(layer.layer().activation()));
        if ops.is_empty() {
            ops.push(Op::new("Identity"));
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
            inputs.extend(op.extra_inputs);
            out.nodes.push(NodeProto {
                input: inputs,
                output: vec![written.clone()],
                name: format!("{name}/{}", op.op_type),
                op_type: op.op_type.into(),
                attribute: op.attributes,
            });
        }
    }
    Ok(out)
}

/// The node of an activation (none for linear).
fn activation_op(activation: Activation) -> Option<Op> {
    match activation {
        Activation::Linear => None,
        Activation::Relu => Some(Op::new("Relu")),
        Activation::Sigmoid => Some(Op::new("Sigmoid")),
        Activation::Softmax => Some(Op { attributes: vec![AttributeProto::int("axis", -1)], ..Op::new("Softmax") }),
    }
}

/// A Dense layer's kernel `(in, units)` and bias `(units)`, checked.
fn dense_weights(layer: &NamedLayer) -> Result<(&Tensor, &Tensor)> {
    let find = |param: &str| layer.params().iter().find(|p| p.name == param).map(|p| &p.value);
    let (Some(kernel), Some(bias)) = (find("kernel"), find("bias")) else {
        return Err(Error::NotBuilt(format!("layer {} has no kernel and bias yet", layer.name())));
    };
    if kernel.ndim() != 2 || bias.shape() != [kernel.shape()[1]] {
        return Err(Error::Shape(format!(
            "layer {}: a Dense kernel (in, units) and bias (units) were expected, got {:?} and {:?}",
            layer.name(),
            kernel.shape(),
            bias.shape()
        )));
    }
    Ok((kernel, bias))
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
