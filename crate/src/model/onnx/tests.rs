//! The export's tests: the file decoded again with prost and run by a small reference
//! interpreter of its six operators gives `predict`'s probabilities; names, shapes and metadata
//! are the documented ones; every refusal is an `Err` and writes nothing.

use super::proto::{DimensionValue, ModelProto, NodeProto, TensorProto};
use super::*;
use crate::activations::Activation;
use crate::layers::{ActivationLayer, Cache, Context, Dense, Dropout, Flatten, Layer};
use crate::{Tensor, Tensor as T};
use ndarray::{Array2, Axis, IxDyn};
use rand::Rng;
use serde::Serialize;
use std::collections::HashMap;

fn decode(bytes: &[u8]) -> ModelProto {
    ModelProto::decode(bytes).expect("the export decodes as a ModelProto")
}

/// The chapter's two models at a small image size: logistic regression and the 500-unit network
/// (here 7 units), with a Dropout and a sigmoid layer in the second so every op appears.
fn models() -> Vec<Sequential> {
    let mut logreg = Sequential::with_seed(3);
    logreg.add(Flatten::with_input_shape(&[4, 5, 3])).unwrap();
    logreg.add(Dense::new(6)).unwrap();
    logreg.add(ActivationLayer::softmax()).unwrap();
    let mut net = Sequential::with_seed(4);
    net.set_name("net");
    net.add(Flatten::with_input_shape(&[4, 5, 3])).unwrap();
    net.add(Dense::new(7).activation(Activation::Relu)).unwrap();
    net.add(Dropout::new(0.4)).unwrap();
    net.add(Dense::new(5)).unwrap();
    net.add(ActivationLayer::sigmoid()).unwrap();
    net.add(Dense::new(6).activation(Activation::Softmax)).unwrap();
    vec![logreg, net]
}

fn batch(n: usize, seed: u64) -> Tensor {
    let mut rng = crate::seeded_rng(seed);
    Tensor::from_shape_simple_fn(IxDyn(&[n, 4, 5, 3]), || rng.random_range(-1.0..1.0))
}

/// Runs the decoded graph on `x` by the ONNX definitions of its operators (opset 17).
fn run(model: &ModelProto, x: &Tensor) -> Array2<f32> {
    let graph = model.graph.as_ref().unwrap();
    let mut values: HashMap<String, Tensor> = graph.initializer.iter().map(|t| (t.name.clone(), tensor(t))).collect();
    values.insert(graph.input[0].name.clone(), x.clone());
    for node in &graph.node {
        let y = apply(node, &node.input.iter().map(|i| &values[i]).collect::<Vec<_>>());
        values.insert(node.output[0].clone(), y);
    }
    values.remove(&graph.output[0].name).unwrap().into_dimensionality().unwrap()
}

fn tensor(t: &TensorProto) -> Tensor {
    assert_eq!(t.data_type, proto::FLOAT);
    let data = t.raw_data.chunks_exact(4).map(|c| f32::from_le_bytes(c.try_into().unwrap())).collect();
    let dims: Vec<usize> = t.dims.iter().map(|&d| d as usize).collect();
    Tensor::from_shape_vec(IxDyn(&dims), data).unwrap()
}

fn attribute(node: &NodeProto, name: &str) -> Option<i64> {
    node.attribute.iter().find(|a| a.name == name).map(|a| a.i.unwrap())
}

fn apply(node: &NodeProto, inputs: &[&Tensor]) -> Tensor {
    let x = inputs[0];
    match node.op_type.as_str() {
        "Flatten" => {
            assert_eq!(attribute(node, "axis"), Some(1));
            let n = x.shape()[0];
            x.as_standard_layout().into_owned().into_shape_with_order(IxDyn(&[n, x.len() / n])).unwrap()
        }
        "Gemm" => {
            assert!(node.attribute.is_empty(), "alpha = beta = 1, no transposes");
            let a = x.view().into_dimensionality::<ndarray::Ix2>().unwrap();
            let b = inputs[1].view().into_dimensionality::<ndarray::Ix2>().unwrap();
            (a.dot(&b) + inputs[2]).into_dyn()
        }
        "Relu" => x.mapv(|v| v.max(0.0)),
        "Sigmoid" => x.mapv(|v| 1.0 / (1.0 + (-v).exp())),
        "Softmax" => {
            assert_eq!(attribute(node, "axis"), Some(-1));
            let mut y = x.clone();
            for mut row in y.lanes_mut(Axis(x.ndim() - 1)) {
                let m = row.fold(f32::NEG_INFINITY, |a, &b| a.max(b));
                row.mapv_inplace(|v| (v - m).exp());
                let s = row.sum();
                row /= s;
            }
            y
        }
        "Identity" => x.clone(),
        other => panic!("an operator the export should not write: {other}"),
    }
}

fn max_diff(a: &Array2<f32>, b: &Array2<f32>) -> f32 {
    assert_eq!(a.shape(), b.shape());
    a.iter().zip(b).map(|(a, b)| (a - b).abs()).fold(0.0, f32::max)
}

#[test]
fn the_exported_graph_computes_predict() {
    for mut model in models() {
        // Trained a little, so the weights are no longer their initial values.
        model.compile(crate::losses::Loss::CategoricalCrossentropy, crate::optimizers::Adam::new(0.05), &[]).unwrap();
        let mut y = Array2::zeros((8, 6));
        (0..8).for_each(|i| y[[i, i % 6]] = 1.0);
        for _ in 0..3 {
            model.train_on_batch(&batch(8, 1), &y).unwrap();
        }
        let onnx = decode(&model.to_onnx(&OnnxOptions::new()).unwrap());
        for n in [1, 5, 40] {
            let x = batch(n, 2);
            let want = model.predict(&x).unwrap();
            let got = run(&onnx, &x);
            assert!(max_diff(&got, &want) < 1e-6, "{} with a batch of {n}: {got} vs {want}", model.name());
        }
    }
}

#[test]
fn names_shapes_versions_and_metadata_are_the_documented_ones() {
    let model = &models()[1];
    let names = ["a", "b", "c", "d", "e", "f"];
    let options = OnnxOptions::new().class_names(&names).metadata("preprocessing", "x / 127.5 - 1");
    let onnx = decode(&model.to_onnx(&options).unwrap());
    assert_eq!((onnx.ir_version, onnx.producer_name.as_str()), (8, "snackml"));
    assert_eq!(onnx.opset_import.len(), 1);
    assert_eq!((onnx.opset_import[0].domain.as_str(), onnx.opset_import[0].version), ("", OPSET));
    let graph = onnx.graph.as_ref().unwrap();
    assert_eq!(graph.name, "net");
    let dims = |v: &proto::ValueInfoProto| -> Vec<DimensionValue> {
        let t = v.r#type.as_ref().unwrap().tensor_type.as_ref().unwrap();
        assert_eq!(t.elem_type, proto::FLOAT);
        t.shape.as_ref().unwrap().dim.iter().map(|d| d.value.clone().unwrap()).collect()
    };
    let (n, d) = (|| DimensionValue::DimParam("N".into()), DimensionValue::DimValue);
    assert_eq!((graph.input.len(), graph.input[0].name.as_str()), (1, INPUT));
    assert_eq!(dims(&graph.input[0]), [n(), d(4), d(5), d(3)]);
    assert_eq!((graph.output.len(), graph.output[0].name.as_str()), (1, OUTPUT));
    assert_eq!(dims(&graph.output[0]), [n(), d(6)]);
    let initializers: Vec<(&str, &[i64])> =
        graph.initializer.iter().map(|t| (t.name.as_str(), t.dims.as_slice())).collect();
    let want: Vec<(String, Vec<i64>)> = model
        .layers()
        .iter()
        .flat_map(|l| l.params().iter().map(move |p| (format!("{}/{}", l.name(), p.name), p.value.shape().to_vec())))
        .map(|(k, s)| (k, s.into_iter().map(|d| d as i64).collect()))
        .collect();
    let want: Vec<(&str, &[i64])> = want.iter().map(|(k, s)| (k.as_str(), s.as_slice())).collect();
    assert_eq!(initializers, want, "the weights, named as in the safetensors file");
    let props: Vec<(&str, &str)> = onnx.metadata_props.iter().map(|p| (p.key.as_str(), p.value.as_str())).collect();
    assert_eq!(props, [("class_names", r#"["a","b","c","d","e","f"]"#), ("preprocessing", "x / 127.5 - 1")]);
    assert_eq!(model.to_onnx(&options).unwrap(), model.to_onnx(&options).unwrap(), "the same bytes each time");
    assert!(decode(&model.to_onnx(&OnnxOptions::new()).unwrap()).metadata_props.is_empty());
}

/// A layer of the user's own, which the export does not know.
#[derive(Clone, Debug, Serialize)]
struct Double;

impl Layer for Double {
    fn class_name(&self) -> &'static str {
        "Double"
    }
    fn output_shape(&self, input_shape: &[usize]) -> Result<Vec<usize>> {
        Ok(input_shape.to_vec())
    }
    fn forward(&self, x: T, _ctx: &mut Context<'_>) -> Result<(T, Cache)> {
        Ok((x * 2.0, Cache::empty()))
    }
    fn backward(&mut self, _cache: Cache, grad: T, need_input_grad: bool) -> Result<Option<T>> {
        Ok(need_input_grad.then(|| grad * 2.0))
    }
}

#[test]
fn what_cannot_be_exported_is_an_error_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.onnx");
    let options = OnnxOptions::new();
    let save = |m: &Sequential, o: &OnnxOptions| m.save_onnx_with(&path, o).unwrap_err();

    let mut unbuilt = Sequential::with_seed(0);
    unbuilt.add(Dense::new(3)).unwrap();
    let err = save(&unbuilt, &options);
    assert!(matches!(err, Error::NotBuilt(_)) && err.to_string().contains("not built yet"), "{err}");
    let mut empty = Sequential::with_seed(0);
    empty.build(&[3]).unwrap();
    assert!(matches!(save(&empty, &options), Error::NotBuilt(_)));

    let mut custom = Sequential::with_seed(0);
    custom.add(Dense::new(3).input_shape(&[2])).unwrap();
    custom.add(Double).unwrap();
    let err = save(&custom, &options);
    assert!(matches!(err, Error::Unsupported(_)), "{err}");
    assert!(err.to_string().contains("layer double: the ONNX export does not cover Double layers"), "{err}");

    let model = &models()[0];
    let err = save(model, &OnnxOptions::new().class_names(&["apple", "banana"]));
    assert!(err.to_string().contains("2 class names for a model whose outputs have shape [6]"), "{err}");
    let six = ["a", "b", "c", "d", "e", "f"];
    let err = save(model, &OnnxOptions::new().class_names(&six).metadata("class_names", "[]"));
    assert!(err.to_string().contains("given twice"), "{err}");

    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "a refused export wrote something");
    let missing = dir.path().join("no/such/folder/m.onnx");
    assert!(matches!(model.save_onnx(&missing), Err(Error::Path { .. })));
}

#[test]
fn a_save_replaces_the_file_whole_and_a_failed_one_keeps_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.onnx");
    let [logreg, net] = <[Sequential; 2]>::try_from(models()).unwrap();
    logreg.save_onnx(&path).unwrap();
    net.save_onnx(&path).unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), net.to_onnx(&OnnxOptions::new()).unwrap());
    let mut unbuilt = Sequential::with_seed(0);
    unbuilt.add(Dense::new(3)).unwrap();
    assert!(unbuilt.save_onnx(&path).is_err());
    assert_eq!(std::fs::read(&path).unwrap(), net.to_onnx(&OnnxOptions::new()).unwrap(), "the old file is intact");
    let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(names, ["m.onnx"], "no temporary file is left");
}
