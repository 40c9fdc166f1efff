//! The convolutional chapter's layers against Keras itself (issue #23): `Conv2D`'s forward pass
//! and the gradients of its input and weights, for each case of `tests/fixtures/keras/conv2d.json`
//! (valid and same padding, strides 1 and 2, kernels 1, 3 and 5, linear and relu), at
//! `|a − b| ≤ 1e-6 + 1e-5·|b|`.

use snackml::activations::Activation;
use snackml::layers::{Cache, Context, Conv2D, Layer, Padding};

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
