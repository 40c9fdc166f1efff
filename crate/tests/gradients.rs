//! Finite-difference checks of every backward pass: the gradients each layer stores in its
//! parameters and returns for its input, each loss's gradient, and whole models end to end.
//!
//! The layers compute in f32, so the numeric gradients are central differences
//! `(f(w + h) − f(w − h)) / 2h` of an f64 objective built from the f32 outputs, with `h` large
//! enough that f32 rounding (≈1e-7) is small next to `2h`. Relu kinks are kept out of reach of
//! every perturbation.

use ndarray::{Array2, ArrayD, IxDyn};
use rand::{Rng, SeedableRng};
use snackml::activations::Activation;
use snackml::data::ArrayData;
use snackml::layers::{ActivationLayer, Cache, Context, Conv2D, Dense, Dropout, Flatten, Layer, Padding};
use snackml::losses::{self, Loss};
use snackml::prelude::{Metric, Sequential, Verbose, SGD};

type Rng64 = rand::rngs::StdRng;

fn rng(seed: u64) -> Rng64 {
    Rng64::seed_from_u64(seed)
}

fn uniform(shape: &[usize], lo: f32, hi: f32, rng: &mut Rng64) -> ArrayD<f32> {
    ArrayD::from_shape_simple_fn(IxDyn(shape), || rng.random_range(lo..hi))
}

/// Central differences of `f` with respect to every element of `at`.
fn numeric_grad(at: &ArrayD<f32>, h: f32, mut f: impl FnMut(&ArrayD<f32>) -> f64) -> ArrayD<f64> {
    let mut x = at.clone();
    let mut out = ArrayD::zeros(at.raw_dim());
    for i in 0..at.len() {
        let orig = at.as_slice().unwrap()[i];
        x.as_slice_mut().unwrap()[i] = orig + h;
        let plus = f(&x);
        x.as_slice_mut().unwrap()[i] = orig - h;
        let minus = f(&x);
        x.as_slice_mut().unwrap()[i] = orig;
        // divide by the step actually taken (orig ± h rounds in f32)
        let step = (orig + h) as f64 - (orig - h) as f64;
        out.as_slice_mut().unwrap()[i] = (plus - minus) / step;
    }
    out
}

/// Asserts `|analytic − numeric| ≤ atol + rtol·|numeric|` everywhere; returns the largest error.
fn assert_grad_close(what: &str, analytic: &ArrayD<f32>, numeric: &ArrayD<f64>, atol: f64, rtol: f64) -> f64 {
    assert_eq!(analytic.shape(), numeric.shape(), "{what}: gradient shape");
    let mut worst = 0.0f64;
    for (i, (&a, &n)) in analytic.iter().zip(numeric).enumerate() {
        let err = (a as f64 - n).abs();
        assert!(
            err <= atol + rtol * n.abs(),
            "{what}[{i}]: backward gives {a}, finite differences {n} (error {err:e})"
        );
        worst = worst.max(err);
    }
    assert!(numeric.iter().any(|v| v.abs() > 1e-3), "{what}: the numeric gradient is all ≈0, the check proves nothing");
    worst
}

/// `Σ r ⊙ y` in f64: a scalar objective whose gradient with respect to `y` is `r`.
fn project(y: &ArrayD<f32>, r: &ArrayD<f32>) -> f64 {
    y.iter().zip(r).map(|(&y, &r)| y as f64 * r as f64).sum()
}

const H: f32 = 1e-2;
const ATOL: f64 = 5e-4;
const RTOL: f64 = 5e-3;

/// The layer's forward pass followed by its activation, as the model runs it.
fn call(layer: &mut dyn Layer, x: &ArrayD<f32>, training: bool) -> (ArrayD<f32>, Cache) {
    let mut ctx = if training { Context::training_deterministic() } else { Context::inference() };
    let (z, cache) = layer.forward(x.clone(), &mut ctx).unwrap();
    (layer.activation().forward(z), cache)
}

/// Checks a layer's stored parameter gradients and returned input gradient at input `x`
/// (through its activation, as the model backpropagates it).
fn check_layer(what: &str, layer: &mut dyn Layer, x: &ArrayD<f32>, h: f32, seed: u64) {
    let (y, cache) = call(layer, x, true);
    let r = uniform(y.shape(), -1.0, 1.0, &mut rng(seed));
    let dz = match layer.activation() {
        Activation::Linear => r.clone(),
        act => act.backward(&y, r.clone()).unwrap(),
    };
    let dx = layer.backward(cache, dz, true).unwrap().expect("input gradient was asked for");

    // input gradient
    let num = numeric_grad(x, h, |x| project(&call(layer, x, false).0, &r));
    assert_grad_close(&format!("{what} ∂x"), &dx, &num, ATOL, RTOL);

    // parameter gradients
    let params: Vec<(ArrayD<f32>, ArrayD<f32>)> =
        layer.params().iter().map(|p| (p.value.clone(), p.grad.clone())).collect();
    for (k, (value, grad)) in params.iter().enumerate() {
        let num = numeric_grad(value, h, |v| {
            layer.params_mut()[k].value = v.clone();
            let out = project(&call(layer, x, false).0, &r);
            layer.params_mut()[k].value = value.clone();
            out
        });
        assert_grad_close(&format!("{what} ∂param{k}"), grad, &num, ATOL, RTOL);
    }
}

/// A Dense layer of `units` built for `fan_in` inputs, with weights large enough to matter.
fn dense(fan_in: usize, units: usize, act: Activation, seed: u64) -> Dense {
    let mut d = Dense::new(units).activation(act);
    let mut g = rng(seed);
    d.build(&[fan_in], &mut g).unwrap();
    d.set_weights(vec![uniform(&[fan_in, units], -0.8, 0.8, &mut g), uniform(&[units], -0.5, 0.5, &mut g)]).unwrap();
    d
}

/// Inputs for which no pre-activation of `d` is within `margin` of 0 (so relu is smooth there,
/// for every perturbation of size ≤ `margin` of an input, weight or bias when |x| ≤ 1).
fn inputs_away_from_kinks(d: &Dense, n: usize, margin: f32, seed: u64) -> ArrayD<f32> {
    let kernel = d.params()[0].value.clone().into_dimensionality::<ndarray::Ix2>().unwrap();
    let bias = d.params()[1].value.clone().into_dimensionality::<ndarray::Ix1>().unwrap();
    let mut g = rng(seed);
    for _ in 0..10_000 {
        let x = uniform(&[n, kernel.nrows()], -1.0, 1.0, &mut g);
        let z = x.clone().into_dimensionality::<ndarray::Ix2>().unwrap().dot(&kernel) + &bias;
        let active = z.iter().filter(|&&v| v > 0.0).count();
        if z.iter().all(|v| v.abs() > margin) && active > 0 && active < z.len() {
            return x;
        }
    }
    panic!("no input away from relu kinks found");
}

/// Dense stores ∂kernel = xᵀ·∂z, ∂bias = Σ∂z and returns ∂x = ∂z·Wᵀ, through each activation.
#[test]
fn dense_gradients_for_every_activation() {
    for (i, act) in
        [Activation::Linear, Activation::Relu, Activation::Sigmoid, Activation::Softmax].into_iter().enumerate()
    {
        let mut d = dense(6, 4, act, 10 + i as u64);
        let x = if act == Activation::Relu {
            // the perturbation step must not cross a kink: margin 3h covers |Δz| ≤ h·(1 + ...)
            inputs_away_from_kinks(&d, 5, 3.0 * H, 99)
        } else {
            uniform(&[5, 6], -1.0, 1.0, &mut rng(20 + i as u64))
        };
        check_layer(&format!("Dense({act})"), &mut d, &x, H, 30 + i as u64);
    }
}

/// Dropout in training: the backward pass multiplies by the same mask the forward pass drew
/// (checked against finite differences of a copy that draws that mask again), and in inference
/// it is the identity.
#[test]
fn dropout_gradient() {
    let mut d = Dropout::new(0.4).seed(3);
    d.build(&[6], &mut rng(0)).unwrap();
    let x = uniform(&[5, 6], -1.0, 1.0, &mut rng(1));
    let masks = rng(3);
    let (y, cache) = d.forward(x.clone(), &mut Context::training(&mut masks.clone())).unwrap();
    assert!(y.iter().any(|&v| v == 0.0) && y.iter().any(|&v| v != 0.0), "a 40% dropout drops some, keeps some");
    let r = uniform(&[5, 6], -1.0, 1.0, &mut rng(2));
    let dx = d.backward(cache, r.clone(), true).unwrap().unwrap();
    let num = numeric_grad(&x, H, |x| {
        project(&d.forward(x.clone(), &mut Context::training(&mut masks.clone())).unwrap().0, &r)
    });
    assert_grad_close("Dropout ∂x", &dx, &num, ATOL, RTOL);
    assert_eq!(d.forward(x.clone(), &mut Context::inference()).unwrap().0, x);
}

/// The Activation layer's backward pass, for each activation (relu away from its kink).
#[test]
fn activation_layer_gradients() {
    for (i, act) in
        [Activation::Linear, Activation::Relu, Activation::Sigmoid, Activation::Softmax].into_iter().enumerate()
    {
        let mut layer = ActivationLayer::new(act);
        layer.build(&[7], &mut rng(0)).unwrap();
        let mut x = uniform(&[4, 7], -3.0, 3.0, &mut rng(40 + i as u64));
        // keep every input at least 0.1 from relu's kink
        x.mapv_inplace(|v| if v.abs() < 0.1 { v.signum() * 0.1 + v } else { v });
        check_layer(&format!("Activation({act})"), &mut layer, &x, H, 50 + i as u64);
    }
}

/// Flatten's backward pass reshapes the gradient back to the image shape, in NHWC order.
#[test]
fn flatten_gradient() {
    let mut f = Flatten::with_input_shape(&[2, 3, 2]);
    f.build(&[2, 3, 2], &mut rng(0)).unwrap();
    let x = uniform(&[3, 2, 3, 2], -1.0, 1.0, &mut rng(1));
    check_layer("Flatten", &mut f, &x, H, 2);
}

fn probs_rows(n: usize, k: usize, seed: u64) -> Array2<f32> {
    // positive, not normalised (Keras divides by the row sum), comfortably inside the clip
    Array2::from_shape_simple_fn((n, k), {
        let mut g = rng(seed);
        move || g.random_range(0.05f32..1.0)
    })
}

fn one_hot_rows(n: usize, k: usize, seed: u64) -> Array2<f32> {
    let mut g = rng(seed);
    let labels: Vec<usize> = (0..n).map(|_| g.random_range(0..k)).collect();
    snackml::math::one_hot(&labels, k).unwrap()
}

fn mean_f64(v: ndarray::Array1<f32>) -> f64 {
    v.iter().map(|&x| x as f64).sum::<f64>() / v.len() as f64
}

/// Categorical cross-entropy from probabilities: the gradient of the batch mean, through the
/// division by the row sum, for one-hot and soft targets.
#[test]
fn categorical_crossentropy_gradient_from_probs() {
    let p = probs_rows(4, 5, 1);
    for y in [one_hot_rows(4, 5, 2), probs_rows(4, 5, 3)] {
        let (mean, grad) = Loss::CategoricalCrossentropy.mean_and_grad(&y, &p).unwrap();
        assert!((mean as f64 - mean_f64(losses::categorical_crossentropy(&y, &p).unwrap())).abs() < 1e-6);
        let num = numeric_grad(&p.clone().into_dyn(), 1e-3, |q| {
            mean_f64(losses::categorical_crossentropy(&y, &q.clone().into_dimensionality().unwrap()).unwrap())
        });
        assert_grad_close("CCE ∂p", &grad.into_dyn(), &num, ATOL, RTOL);
    }
}

/// Where a probability is clipped (below ε after normalising), its term is constant, so the
/// gradient through it is zero — and finite differences agree.
#[test]
fn categorical_crossentropy_gradient_is_zero_through_the_clip() {
    let p = ndarray::array![[1e-9f32, 0.5, 0.5], [0.2, 0.3, 0.5]];
    let y = ndarray::array![[1.0f32, 0.0, 0.0], [0.0, 1.0, 0.0]];
    let grad = losses::categorical_crossentropy_grad(&y, &p).unwrap();
    assert!(grad.row(0).iter().all(|&g| g == 0.0), "clipped row must have zero gradient: {grad}");
    let num = numeric_grad(&p.clone().into_dyn(), 1e-3, |q| {
        mean_f64(losses::categorical_crossentropy(&y, &q.clone().into_dimensionality().unwrap()).unwrap())
    });
    // the clipped entry itself: perturbing 1e-9 by ±1e-3 would leave the clip, so compare the rest
    let mut num = num;
    num[[0, 0]] = 0.0;
    assert_grad_close("clipped CCE ∂p", &grad.into_dyn(), &num, ATOL, RTOL);
    assert_eq!(losses::categorical_crossentropy(&y, &p).unwrap()[0], -(losses::EPSILON.ln()));
}

/// Categorical cross-entropy from logits: per-sample values equal the clipped formula on
/// softmax(z) away from the clip, and the gradient is (softmax(z)·Σy − y)/batch.
#[test]
fn categorical_crossentropy_gradient_from_logits() {
    let z = uniform(&[4, 5], -3.0, 3.0, &mut rng(7)).into_dimensionality::<ndarray::Ix2>().unwrap();
    for y in [one_hot_rows(4, 5, 8), probs_rows(4, 5, 9)] {
        let (per_sample, grad) = losses::categorical_crossentropy_from_logits(&y, z.view()).unwrap();
        if y.iter().all(|&v| v == 0.0 || v == 1.0) {
            let clipped = losses::categorical_crossentropy(&y, &snackml::math::softmax(&z)).unwrap();
            for (a, b) in per_sample.iter().zip(&clipped) {
                assert!((a - b).abs() < 1e-5, "from logits {a}, from probabilities {b}");
            }
        }
        let num = numeric_grad(&z.clone().into_dyn(), H, |q| {
            let q = q.clone().into_dimensionality::<ndarray::Ix2>().unwrap();
            mean_f64(losses::categorical_crossentropy_from_logits(&y, q.view()).unwrap().0)
        });
        assert_grad_close("CCE ∂logits", &grad.into_dyn(), &num, ATOL, RTOL);
    }
}

/// Binary cross-entropy: the gradient of the mean over samples and outputs.
#[test]
fn binary_crossentropy_gradient() {
    let p = uniform(&[4, 3], 0.05, 0.95, &mut rng(11)).into_dimensionality::<ndarray::Ix2>().unwrap();
    let y = uniform(&[4, 3], 0.0, 1.0, &mut rng(12)).mapv(|v| if v > 0.5 { 1.0 } else { 0.0 });
    let y = y.into_dimensionality::<ndarray::Ix2>().unwrap();
    let (mean, grad) = Loss::BinaryCrossentropy.mean_and_grad(&y, &p).unwrap();
    assert!((mean as f64 - mean_f64(losses::binary_crossentropy(&y, &p).unwrap())).abs() < 1e-6);
    let num = numeric_grad(&p.clone().into_dyn(), 1e-3, |q| {
        mean_f64(losses::binary_crossentropy(&y, &q.clone().into_dimensionality().unwrap()).unwrap())
    });
    assert_grad_close("BCE ∂p", &grad.into_dyn(), &num, ATOL, RTOL);
}

/// The mean loss of `model` on (x, y), computed by `evaluate` (one batch).
fn model_loss(model: &mut Sequential, x: &ArrayD<f32>, y: &Array2<f32>) -> f64 {
    let mut data = ArrayData::new(x.clone(), Some(y.clone()), x.shape()[0]).unwrap();
    model.evaluate(&mut data).unwrap().value("loss").unwrap() as f64
}

/// Whole models: the gradients `train_on_batch` leaves in the parameters equal finite
/// differences of the loss `evaluate` reports, at the weights before the step.
fn check_model(what: &str, mut model: Sequential, loss: Loss, x: ArrayD<f32>, y: Array2<f32>, h: f32) {
    model.set_verbose(Verbose::Silent);
    model.compile(loss, SGD::new(0.1), &[Metric::Accuracy]).unwrap();
    let w0 = model.get_weights();
    model.train_on_batch(&x, &y).unwrap();
    let grads: Vec<ArrayD<f32>> =
        model.layers().iter().flat_map(|l| l.params().iter().map(|p| p.grad.clone())).collect();
    assert_ne!(model.get_weights(), w0, "{what}: the step changed nothing");
    model.set_weights(w0.clone()).unwrap();
    assert_eq!(grads.len(), w0.len());
    for (k, grad) in grads.iter().enumerate() {
        let num = numeric_grad(&w0[k], h, |v| {
            let mut w = w0.clone();
            w[k] = v.clone();
            model.set_weights(w).unwrap();
            model_loss(&mut model, &x, &y)
        });
        // the loss is a batch mean of f32 values: allow for its rounding, ≈1e-7/2h
        assert_grad_close(&format!("{what} ∂weight{k}"), grad, &num, 2e-4, 1e-2);
    }
}

fn flat_model(layers: Vec<Box<dyn Layer>>, seed: u64) -> Sequential {
    let mut m = Sequential::with_seed(seed);
    m.add(Flatten::with_input_shape(&[2, 2, 3])).unwrap();
    for l in layers {
        m.add_boxed(l).unwrap();
    }
    m
}

/// Logistic regression (Flatten → Dense → softmax layer), loss from the logits.
#[test]
fn logreg_model_gradients() {
    let x = uniform(&[6, 2, 2, 3], -1.0, 1.0, &mut rng(60));
    let y = one_hot_rows(6, 4, 61);
    let m = flat_model(vec![Box::new(Dense::new(4)), Box::new(ActivationLayer::softmax())], 62);
    check_model("logreg", m, Loss::CategoricalCrossentropy, x.clone(), y.clone(), H);
    // the same with the softmax inside the Dense layer
    let m = flat_model(vec![Box::new(Dense::new(4).activation(Activation::Softmax))], 62);
    check_model("logreg (Dense softmax)", m, Loss::CategoricalCrossentropy, x, y, H);
}

/// The MLP (Flatten → Dense relu → Dense → softmax), with the inputs chosen so that no hidden
/// pre-activation is within reach of a relu kink for any perturbation.
#[test]
fn mlp_model_gradients() {
    let h = 1e-3;
    let y = one_hot_rows(6, 4, 71);
    let mut model = flat_model(
        vec![
            Box::new(Dense::new(5).activation(Activation::Relu)),
            Box::new(Dense::new(4)),
            Box::new(ActivationLayer::softmax()),
        ],
        72,
    );
    // find inputs whose hidden pre-activations are all ≥ 3h from 0 (|x| ≤ 1, so a step of h in a
    // first-layer weight or bias moves them by at most h)
    let hidden = {
        let mut d = Dense::new(5).activation(Activation::Relu);
        d.build(&[12], &mut rng(0)).unwrap();
        let w = model.get_weights();
        d.set_weights(vec![w[0].clone(), w[1].clone()]).unwrap();
        d
    };
    let x = inputs_away_from_kinks(&hidden, 6, 3.0 * h, 73).into_shape_with_order(IxDyn(&[6, 2, 2, 3])).unwrap();
    model.set_verbose(Verbose::Silent);
    check_model("mlp", model, Loss::CategoricalCrossentropy, x, y, h);
}

/// A multi-label model (Dense sigmoid outputs, binary cross-entropy), and categorical
/// cross-entropy on an output that is not a softmax (the clipped formula's gradient).
#[test]
fn sigmoid_output_model_gradients() {
    let x = uniform(&[5, 2, 2, 3], -1.0, 1.0, &mut rng(80));
    let y = uniform(&[5, 3], 0.0, 1.0, &mut rng(81)).mapv(|v| if v > 0.5 { 1.0f32 } else { 0.0 });
    let y = y.into_dimensionality::<ndarray::Ix2>().unwrap();
    let m = flat_model(vec![Box::new(Dense::new(3).activation(Activation::Sigmoid))], 82);
    check_model("sigmoid + BCE", m, Loss::BinaryCrossentropy, x.clone(), y, H);

    let y = one_hot_rows(5, 3, 83);
    let m = flat_model(vec![Box::new(Dense::new(3)), Box::new(ActivationLayer::sigmoid())], 84);
    check_model("sigmoid + CCE", m, Loss::CategoricalCrossentropy, x, y, H);
}

/// An L2 kernel regulariser: the loss `evaluate` reports includes `λ·Σw²`, and the kernel's
/// gradient includes `2λ·W`.
#[test]
fn l2_regularised_model_gradients() {
    let x = uniform(&[6, 2, 2, 3], -1.0, 1.0, &mut rng(90));
    let y = one_hot_rows(6, 4, 91);
    let m = flat_model(
        vec![
            Box::new(Dense::new(4).kernel_regularizer(snackml::regularizers::L2::new(0.05))),
            Box::new(ActivationLayer::softmax()),
        ],
        92,
    );
    check_model("logreg + L2", m, Loss::CategoricalCrossentropy, x, y, H);
}

/// Conv2D stores ∂kernel = colsᵀ·∂Y, ∂bias = Σ∂Y and returns ∂x = col2im(∂Y·Wᵀ), for valid and
/// same padding, strides 1 and 2, kernels 1, 2 and 3, linear and sigmoid (smooth: no kinks). The
/// 3 × 3, stride-1 cases with 4 or more channels run Winograd's products (odd sizes included).
#[test]
fn conv2d_gradients() {
    let cases = [
        (Conv2D::new(3, 3), [2, 5, 6, 2]),
        (Conv2D::new(3, 3).padding(Padding::Same), [2, 5, 7, 4]),
        (Conv2D::new(5, 3).activation(Activation::Sigmoid), [1, 7, 6, 6]),
        (Conv2D::new(2, 3).strides(2).padding(Padding::Same).activation(Activation::Sigmoid), [2, 7, 6, 3]),
        (Conv2D::new(4, 2).kernel_size_2d(2, 1).padding(Padding::Same), [1, 4, 5, 2]),
        (Conv2D::new(2, 1).use_bias(false), [2, 3, 3, 4]),
    ];
    for (i, (mut conv, shape)) in cases.into_iter().enumerate() {
        conv.build(&shape[1..], &mut rng(70 + i as u64)).unwrap();
        let x = uniform(&shape, -1.0, 1.0, &mut rng(80 + i as u64));
        check_layer(&format!("Conv2D case {i}"), &mut conv, &x, H, 90 + i as u64);
    }
}
