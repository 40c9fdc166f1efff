//! The convolutional chapter's layers against Keras itself (issue #23), at
//! `|a − b| ≤ 1e-6 + 1e-5·|b|`: `Conv2D`'s forward pass and the gradients of its input and
//! weights for each case of `conv2d.json` (valid and same padding, strides 1 and 2, kernels 1, 3
//! and 5, linear and relu); max and average pooling (`pooling.json`) and global pooling
//! (`global_pooling.json`), forward and input gradient.

use snackml::activations::Activation;
use snackml::layers::{
    AveragePooling2D, Cache, Context, Conv2D, GlobalAveragePooling2D, GlobalMaxPooling2D, Layer, MaxPooling2D, Padding,
};

mod keras;
use keras::*;

#[test]
fn conv2d_forward_and_gradients_match_keras() {
    let f = load("conv2d.json");
    let cases = f["cases"].as_array().expect("cases");
    assert_eq!(cases.len(), 6);
    for (i, case) in cases.iter().enumerate() {
        let x = tensor(&case["x"]);
        let padding = match case["padding"].as_str() {
            Some("same") => Padding::Same,
            _ => Padding::Valid,
        };
        let activation = Activation::from_name(case["activation"].as_str().unwrap_or("linear")).unwrap();
        let kernel = number(&case["kernel_size"]) as usize;
        let mut conv = Conv2D::new(number(&case["filters"]) as usize, kernel)
            .strides(number(&case["strides"]) as usize)
            .padding(padding)
            .activation(activation);
        conv.build(&x.shape()[1..], &mut snackml::seeded_rng(0)).unwrap();
        for (p, w) in conv.params_mut().iter_mut().zip(tensors(&case["weights"])) {
            assert_eq!(p.value.shape(), w.shape(), "case {i}: {}", p.name);
            p.value = w;
        }
        let what = format!("case {i} ({kernel}x{kernel}, {padding:?}, {activation})");
        let (z, cache): (_, Cache) = conv.forward(x.clone(), &mut Context::training_deterministic()).unwrap();
        let y = activation.forward(z);
        let mut c = Checker::default();
        c.all_close(&format!("{what} y"), &y, &tensor(&case["y"]));
        let dz = activation.backward(&y, tensor(&case["upstream"])).unwrap();
        let dx = conv.backward(cache, dz, true).unwrap().unwrap();
        c.all_close(&format!("{what} dx"), &dx, &tensor(&case["dx"]));
        for (p, want) in conv.params().iter().zip(tensors(&case["dweights"])) {
            c.all_close(&format!("{what} d{}", p.name), &p.grad, &want);
        }
        c.report(&what);
        if kernel == 3 && number(&case["strides"]) == 1.0 {
            check_through_winograd(&what, conv, activation, case);
        }
    }
}

/// A 3 × 3, stride-1 case again with a fourth input channel of zeros (and zero weights for it):
/// the same numbers, now through Winograd's products (used from 4 channels up).
fn check_through_winograd(what: &str, mut conv: Conv2D, activation: Activation, case: &serde_json::Value) {
    use ndarray::{concatenate, s, Axis};
    let pad = |t: ndarray::ArrayD<f32>, axis: usize| {
        let mut shape = t.shape().to_vec();
        shape[axis] = 1;
        concatenate(Axis(axis), &[t.view(), ndarray::ArrayD::zeros(shape).view()]).unwrap()
    };
    let x = pad(tensor(&case["x"]), 3);
    let mut weights = tensors(&case["weights"]);
    weights[0] = pad(weights[0].clone(), 2);
    conv.build(&x.shape()[1..], &mut snackml::seeded_rng(0)).unwrap();
    for (p, w) in conv.params_mut().iter_mut().zip(weights) {
        p.value = w;
    }
    let what = format!("{what} through Winograd");
    let (z, cache) = conv.forward(x, &mut Context::training_deterministic()).unwrap();
    let y = activation.forward(z);
    let mut c = Checker::default();
    c.all_close(&format!("{what} y"), &y, &tensor(&case["y"]));
    let dz = activation.backward(&y, tensor(&case["upstream"])).unwrap();
    let dx = conv.backward(cache, dz, true).unwrap().unwrap();
    c.all_close(&format!("{what} dx"), &dx.slice(s![.., .., .., ..3]).to_owned().into_dyn(), &tensor(&case["dx"]));
    let dweights = tensors(&case["dweights"]);
    let dkernel = conv.params()[0].grad.slice(s![.., .., ..3, ..]).to_owned().into_dyn();
    c.all_close(&format!("{what} dkernel"), &dkernel, &dweights[0]);
    c.all_close(&format!("{what} dbias"), &conv.params()[1].grad, &dweights[1]);
    c.report(&what);
}

/// Forward `y` and input gradient `dx` of a weightless layer against a fixture case.
fn check_weightless(what: &str, layer: &mut dyn Layer, case: &serde_json::Value) {
    let x = tensor(&case["x"]);
    layer.build(&x.shape()[1..], &mut snackml::seeded_rng(0)).unwrap();
    let (y, cache) = layer.forward(x, &mut Context::training_deterministic()).unwrap();
    let mut c = Checker::default();
    c.all_close(&format!("{what} y"), &y, &tensor(&case["y"]));
    let dx = layer.backward(cache, tensor(&case["upstream"]), true).unwrap().unwrap();
    c.all_close(&format!("{what} dx"), &dx, &tensor(&case["dx"]));
    c.report(what);
}

#[test]
fn pooling_matches_keras() {
    let f = load("pooling.json");
    let cases = f["cases"].as_array().expect("cases");
    assert_eq!(cases.len(), 5);
    for (i, case) in cases.iter().enumerate() {
        let size = number(&case["pool_size"]) as usize;
        let padding = if case["padding"] == "same" { Padding::Same } else { Padding::Valid };
        let make = if case["layer"] == "MaxPooling2D" { MaxPooling2D::new } else { AveragePooling2D::new };
        let mut layer = make(size).strides(number(&case["strides"]) as usize).padding(padding);
        let what = format!("case {i} ({} {size}, {padding:?})", case["layer"]);
        check_weightless(&what, &mut layer, case);
    }
}

#[test]
fn global_pooling_matches_keras() {
    let f = load("global_pooling.json");
    for case in f["cases"].as_array().expect("cases") {
        let mut layer = if case["layer"] == "GlobalMaxPooling2D" {
            GlobalMaxPooling2D::new()
        } else {
            GlobalAveragePooling2D::new()
        };
        check_weightless(&case["layer"].to_string(), &mut layer, case);
    }
}

/// A convolution in a model: images of any rank flow through the step, relu applied to the
/// feature maps, and training lowers the loss.
#[test]
fn a_small_convnet_trains_in_a_sequential() {
    use ndarray::{ArrayD, IxDyn};
    use snackml::data::ArrayData;
    use snackml::prelude::*;
    let x = ArrayD::from_shape_fn(IxDyn(&[32, 6, 6, 2]), |i| {
        // class 0: bright on the left half, class 1: on the right half
        let bright = if i[0] % 2 == 0 { i[2] < 3 } else { i[2] >= 3 };
        if bright {
            1.0
        } else {
            0.1 * ((i[1] + i[3]) % 3) as f32
        }
    });
    let y = snackml::math::one_hot(&(0..32).map(|i| i % 2).collect::<Vec<_>>(), 2).unwrap();
    let mut m = Sequential::with_seed(3);
    m.set_verbose(Verbose::Silent);
    m.add(Conv2D::new(4, 3).padding(Padding::Same).activation(Activation::Relu).input_shape(&[6, 6, 2])).unwrap();
    m.add(Flatten::new()).unwrap();
    m.add(Dense::new(2).activation(Activation::Softmax)).unwrap();
    let table = m.summary().unwrap().to_string();
    assert!(table.contains("conv2d (Conv2D)") && table.contains("(None, 6, 6, 4)") && table.contains("76"), "{table}");
    m.compile(Loss::CategoricalCrossentropy, Adam::new(1e-2), &[Metric::Accuracy]).unwrap();
    let h = m.fit(&mut ArrayData::new(x, Some(y), 8).unwrap(), None, 10).unwrap();
    let loss = h.values("loss").unwrap();
    assert!(loss[9] < 0.5 * loss[0], "the loss should fall: {loss:?}");
    assert_eq!(h.last("accuracy").unwrap(), 1.0);
}

/// The book's convnet (chapter 7), as the crate builds it.
fn chapter7_model(size: usize) -> snackml::model::Sequential {
    snackml::model::chapter7_convnet(size, 20, 1).unwrap()
}

#[test]
fn the_books_convnet_has_keras_summary_at_every_size() {
    let f = load("chapter7_summary.json");
    for size in [224usize, 64, 32] {
        let want = &f["sizes"][size.to_string()];
        let m = chapter7_model(size);
        assert_eq!(m.count_params() as f64, number(&want["total_params"]), "{size} px");
        let layers = want["layers"].as_array().unwrap();
        assert_eq!(m.layers().len(), layers.len());
        for (ours, keras) in m.layers().iter().zip(layers) {
            let name = keras["name"].as_str().unwrap();
            let base = name.rsplit_once('_').filter(|(_, n)| n.parse::<u32>().is_ok()).map_or(name, |(b, _)| b);
            assert_eq!(
                ours.name().rsplit_once('_').filter(|(_, n)| n.parse::<u32>().is_ok()).map_or(ours.name(), |(b, _)| b),
                base
            );
            let shape: Vec<usize> =
                keras["output_shape"].as_array().unwrap()[1..].iter().map(|d| d.as_u64().unwrap() as usize).collect();
            assert_eq!(ours.output_shape(), Some(shape.as_slice()), "{size} px, {name}");
            assert_eq!(ours.count_params() as f64, number(&keras["params"]), "{size} px, {name}");
        }
    }
    let table = chapter7_model(64).summary().unwrap().to_string();
    assert!(table.contains("Total params: 1177396"), "{table}");
}

#[test]
fn batch_normalization_matches_keras_in_training_and_inference() {
    use snackml::layers::BatchNormalization;
    let f = load("batchnorm.json");
    assert_eq!(f["moving_variance_uses"], "bessel");
    let t = &f["training"];
    let x = tensor(&t["x"]);
    let mut bn =
        BatchNormalization::new().momentum(number(&f["momentum"]) as f32).epsilon(number(&f["epsilon"]) as f32);
    bn.build(&x.shape()[1..], &mut snackml::seeded_rng(0)).unwrap();
    let [gamma, beta] = <[_; 2]>::try_from(tensors(&t["weights"])).unwrap();
    for (p, v) in bn.params_mut().iter_mut().zip([
        gamma,
        beta,
        tensor(&f["moving_mean_before"]),
        tensor(&f["moving_variance_before"]),
    ]) {
        p.value = v;
    }
    let mut c = Checker::default();
    let (y, cache) = bn.forward(x, &mut Context::training_deterministic()).unwrap();
    c.all_close("training y", &y, &tensor(&t["y"]));
    let dx = bn.backward(cache, tensor(&t["upstream"]), true).unwrap().unwrap();
    c.all_close("dx", &dx, &tensor(&t["dx"]));
    for (p, want) in bn.params().iter().zip(tensors(&t["dweights"])) {
        c.all_close(&format!("d{}", p.name), &p.grad, &want);
    }
    c.all_close("moving_mean after", &bn.params()[2].value, &tensor(&f["moving_mean_after"]));
    c.all_close("moving_variance after", &bn.params()[3].value, &tensor(&f["moving_variance_after"]));
    let (y, _) = bn.forward(tensor(&f["inference"]["x"]), &mut Context::inference()).unwrap();
    c.all_close("inference y", &y, &tensor(&f["inference"]["y"]));
    c.report("BatchNormalization");
}

#[test]
fn a_convnet_with_batch_normalization_trains_as_keras() {
    use snackml::layers::{ActivationLayer, BatchNormalization};
    use snackml::prelude::*;
    let f = load("convnet.json");
    let mut m = Sequential::with_seed(1);
    m.set_verbose(Verbose::Silent);
    let conv = |filters| Conv2D::new(filters, 3).padding(Padding::Same).activation(Activation::Relu);
    m.add(conv(4).input_shape(&[12, 12, 3])).unwrap();
    m.add(conv(4)).unwrap();
    m.add(MaxPooling2D::new(2)).unwrap();
    m.add(conv(8)).unwrap();
    m.add(BatchNormalization::new()).unwrap();
    m.add(GlobalAveragePooling2D::new()).unwrap();
    m.add(Dense::new(5)).unwrap();
    m.add(ActivationLayer::softmax()).unwrap();
    m.set_weights(tensors(&f["initial_weights"])).unwrap();
    m.compile(Loss::CategoricalCrossentropy, Adam::new(number(&f["learning_rate"]) as f32), &[Metric::Accuracy])
        .unwrap();
    let mut c = Checker::default();
    for (i, step) in f["train_on_batch"].as_array().unwrap().iter().enumerate() {
        let logs = m.train_on_batch(&tensor(&step["x"]), &matrix(&step["y"])).unwrap();
        c.close(&format!("step {i} loss"), logs.value("loss").unwrap() as f64, number(&step["loss"]));
        c.close(&format!("step {i} accuracy"), logs.value("accuracy").unwrap() as f64, number(&step["acc"]));
        for (k, (got, want)) in m.get_weights().iter().zip(tensors(&step["weights_after"])).enumerate() {
            c.all_close(&format!("step {i} weight {k}"), got, &want);
        }
    }
    let probs = m.predict(&tensor(&f["predict"]["x"])).unwrap();
    c.all_close("predict", &probs.into_dyn(), &tensor(&f["predict"]["probs"]));
    c.report("convnet, 4 Adam steps and predict");
}

/// A trained convnet with BatchNormalization comes back from save → load with every weight (the
/// moving statistics included) and the same predictions; its summary counts the moving
/// statistics as non-trainable, as Keras's does.
#[test]
fn a_convnet_survives_save_and_load() {
    use snackml::layers::BatchNormalization;
    use snackml::prelude::*;
    let mut m = Sequential::with_seed(4);
    m.set_verbose(Verbose::Silent);
    m.add(Conv2D::new(4, 3).padding(Padding::Same).activation(Activation::Relu).input_shape(&[8, 8, 3])).unwrap();
    m.add(BatchNormalization::new()).unwrap();
    m.add(MaxPooling2D::new(2)).unwrap();
    m.add(GlobalAveragePooling2D::new()).unwrap();
    m.add(Dense::new(3).activation(Activation::Softmax)).unwrap();
    m.compile(Loss::CategoricalCrossentropy, Adam::new(1e-2), &[Metric::Accuracy]).unwrap();
    let x =
        Tensor::from_shape_fn(vec![6, 8, 8, 3], |i| ((i[0] * 7 + i[1] * 5 + i[2] * 3 + i[3]) % 13) as f32 / 6.0 - 1.0);
    let y = snackml::math::one_hot(&[0, 1, 2, 0, 1, 2], 3).unwrap();
    for _ in 0..3 {
        m.train_on_batch(&x, &y).unwrap();
    }
    let table = m.summary().unwrap().to_string();
    assert!(table.contains("Non-trainable params: 8 (32.00 Byte)"), "{table}");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("convnet.snackml");
    m.save(&path).unwrap();
    let loaded = Sequential::load(&path).unwrap();
    assert_eq!(loaded.get_weights(), m.get_weights());
    assert_ne!(m.get_weights()[4], Tensor::zeros(vec![4]), "the moving mean moved in training");
    assert_eq!(loaded.predict(&x).unwrap(), m.predict(&x).unwrap());
    assert_eq!(loaded.summary().unwrap(), m.summary().unwrap());
}
