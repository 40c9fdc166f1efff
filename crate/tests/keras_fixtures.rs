//! The numbers of the chapter's models checked against Keras itself.
//!
//! The fixtures in `tests/fixtures/keras/*.json` were computed by tf_keras; the comparison
//! helpers and their tolerance are in `keras/mod.rs`.

use ndarray::ArrayD;
use serde_json::Value;
use snackml::layers::Layer;
use snackml::prelude::*;

mod keras;
use keras::*;

/// The fixture's model: Flatten(4,4,3) → [Dense(hidden, relu)] → Dense(5) → softmax,
/// with Keras's initial weights, compiled with Adam(lr) and categorical cross-entropy.
fn keras_model(f: &Value) -> Sequential {
    let shape: Vec<usize> = f["input_shape"].as_array().unwrap().iter().map(|d| d.as_u64().unwrap() as usize).collect();
    let classes = f["classes"].as_u64().unwrap() as usize;
    let hidden = f["hidden"].as_u64().unwrap() as usize;
    let mut model = Sequential::with_seed(1);
    model.set_verbose(Verbose::Silent);
    model.add(Flatten::with_input_shape(&shape)).unwrap();
    if hidden > 0 {
        model.add(Dense::new(hidden).activation(Activation::Relu)).unwrap();
    }
    model.add(Dense::new(classes)).unwrap();
    model.add(ActivationLayer::softmax()).unwrap();
    model.set_weights(tensors(&f["initial_weights"])).unwrap();
    let lr = number(&f["learning_rate"]) as f32;
    model.compile(Loss::CategoricalCrossentropy, Adam::new(lr), &[Metric::Accuracy]).unwrap();
    model
}

/// The gradients the last backward pass stored, in Keras order.
fn stored_grads(model: &Sequential) -> Vec<ArrayD<f32>> {
    model.layers().iter().flat_map(|l| l.params().iter().map(|p| p.grad.clone())).collect()
}

/// Forward pass, loss, gradients and four Adam steps of one fixture model, all as Keras computed them.
fn check_against_keras(name: &str) {
    let f = load(&format!("{name}.json"));
    let mut model = keras_model(&f);
    let first = &f["first"];
    let x = tensor(&first["x"]);
    let y = matrix(&first["y"]);

    // Forward: the softmax probabilities.
    let mut c = Checker::default();
    let probs = model.predict(&x).unwrap();
    c.all_close("probs", &probs.into_dyn(), &tensor(&first["probs"]));
    c.report(&format!("{name} probs"));

    // Loss of each sample, and their mean, from the probabilities (no sample is near the clip).
    let mut c = Checker::default();
    let probs = model.predict(&x).unwrap();
    let per_sample = Loss::CategoricalCrossentropy.per_sample(&y, &probs).unwrap();
    c.all_close("per-sample loss", &per_sample.into_dyn(), &tensor(&first["per_sample_loss"]));
    c.report(&format!("{name} per-sample loss"));

    // The first train_on_batch: its loss (before the step) is the mean loss, and the gradients it
    // leaves in the parameters are Keras's gradients of that mean loss.
    let steps = f["train_on_batch"].as_array().unwrap();
    let mut c_loss = Checker::default();
    let mut c_grad = Checker::default();
    let mut c_w = Checker::default();
    for (i, s) in steps.iter().enumerate() {
        let r = model.train_on_batch(&tensor(&s["x"]), &matrix(&s["y"])).unwrap();
        let (loss, acc) = (r.value("loss").unwrap(), r.value("accuracy").unwrap());
        c_loss.close(&format!("step {i} loss"), loss as f64, number(&s["loss"]));
        assert!((acc as f64 - number(&s["acc"])).abs() < 1e-6, "step {i} accuracy: got {acc}, Keras has {}", s["acc"]);
        if i == 0 {
            c_loss.close("mean loss", loss as f64, number(&first["mean_loss"]));
            let want = tensors(&first["grads"]);
            let got = stored_grads(&model);
            assert_eq!(got.len(), want.len(), "number of weight tensors");
            for (j, (g, w)) in got.iter().zip(&want).enumerate() {
                c_grad.all_close(&format!("grad {j}"), g, w);
            }
        }
        let want = tensors(&s["weights_after"]);
        for (j, (g, w)) in model.get_weights().iter().zip(&want).enumerate() {
            c_w.all_close(&format!("step {i} weight {j}"), g, w);
        }
    }
    c_loss.report(&format!("{name} losses"));
    c_grad.report(&format!("{name} gradients"));
    c_w.report(&format!("{name} weights after Adam steps"));
}

/// Logistic regression (Flatten → Dense(5) → softmax) computes what Keras computes.
#[test]
fn logreg_matches_keras() {
    check_against_keras("logreg");
}

/// The MLP (Flatten → Dense(7, relu) → Dense(5) → softmax) computes what Keras computes.
#[test]
fn mlp_matches_keras() {
    check_against_keras("mlp");
}

/// Softmax, sigmoid and relu agree with TensorFlow, including at ±1000 (exact 0s and 1s, no NaN).
#[test]
fn activations_match_keras() {
    let f = load("activations.json");
    let z = matrix(&f["logits"]);
    let mut c = Checker::default();
    for (act, key) in [(Activation::Softmax, "softmax"), (Activation::Sigmoid, "sigmoid"), (Activation::Relu, "relu")] {
        let got = act.forward(z.clone());
        let want = matrix(&f[key]);
        c.all_close(key, &got.clone().into_dyn(), &want.clone().into_dyn());
        // where TensorFlow gives an exact 0 or 1 (the ±1000 logits), so do we
        for (&g, &w) in got.iter().zip(&want) {
            if w == 0.0 || w == 1.0 {
                assert_eq!(g, w, "{key}: TensorFlow gives exactly {w}");
            }
        }
    }
    let direct = snackml::math::softmax(&z);
    c.all_close("math::softmax", &direct.into_dyn(), &tensor(&f["softmax"]));
    c.report("activations");
}

/// One-hot encoding and the clipped categorical cross-entropy of softmax rows agree with Keras
/// (a probability of exactly 0 costs −ln(1e-7) ≈ 16.118, not infinity).
#[test]
fn onehot_and_clipped_crossentropy_match_keras() {
    let f = load("activations.json");
    let want_onehot = matrix(&f["onehot"]);
    let labels: Vec<usize> =
        want_onehot.rows().into_iter().map(|r| snackml::math::argmax_slice(r.iter().copied())).collect();
    assert_eq!(labels, vec![0, 2, 1, 1]);
    assert_eq!(snackml::math::one_hot(&labels, 3).unwrap(), want_onehot);

    let p = snackml::math::softmax(&matrix(&f["logits"]));
    let got = snackml::losses::categorical_crossentropy(&want_onehot, &p).unwrap();
    let mut c = Checker::default();
    c.all_close("crossentropy", &got.into_dyn(), &tensor(&f["crossentropy_of_softmax"]));
    c.report("clipped crossentropy");
}

/// Dense kernels start Glorot-uniform like Keras's: within ±√(6/(in+out)), filling that range,
/// centred on 0; biases start at 0.
#[test]
fn dense_initialisation_is_glorot_uniform() {
    let f = load("init.json");
    for (units, key) in [(20, "glorot_limit_3072_20"), (500, "glorot_limit_3072_500")] {
        let limit = number(&f[key]) as f32;
        let mut d = Dense::new(units);
        d.build(&[3072], &mut snackml::seeded_rng(units as u64)).unwrap();
        let kernel = &d.params()[0].value;
        let bias = &d.params()[1].value;
        assert_eq!(kernel.shape(), &[3072, units]);
        let max = kernel.iter().fold(0.0f32, |m, &w| m.max(w.abs()));
        assert!(max <= limit, "max |w| = {max} exceeds the Glorot limit {limit}");
        assert!(max >= 0.999 * limit, "max |w| = {max} is far below the Glorot limit {limit}");
        let n = kernel.len() as f64;
        let mean = kernel.iter().map(|&w| w as f64).sum::<f64>() / n;
        let var = kernel.iter().map(|&w| (w as f64 - mean).powi(2)).sum::<f64>() / n;
        // the mean of n uniform draws has standard deviation limit/√(3n); allow 6 of them
        assert!(mean.abs() < 6.0 * limit as f64 / (3.0 * n).sqrt(), "kernel mean {mean} is not ≈ 0");
        let want_var = (limit as f64).powi(2) / 3.0;
        assert!((var / want_var - 1.0).abs() < 0.03, "kernel variance {var}, uniform has {want_var}");
        assert!(bias.iter().all(|&b| b == 0.0), "bias must start at 0");
    }
}

/// The chapter's two models have Keras's parameter counts, and summary() shows them.
#[test]
fn chapter_models_have_keras_param_counts() {
    let f = load("init.json");
    for (hidden, key) in [(0, "params_logreg_32x32x3_20"), (500, "params_mlp500_32x32x3_20")] {
        let want = f[key].as_u64().unwrap() as usize;
        let mut model = Sequential::with_seed(0);
        model.add(Flatten::with_input_shape(&[32, 32, 3])).unwrap();
        if hidden > 0 {
            model.add(Dense::new(hidden).activation(Activation::Relu)).unwrap();
        }
        model.add(Dense::new(20)).unwrap();
        model.add(ActivationLayer::softmax()).unwrap();
        assert_eq!(model.count_params(), want);
        let summary = model.summary().unwrap();
        assert_eq!(summary.total_params, want);
        let text = summary.to_string();
        assert!(text.contains("(None, 3072)"), "summary lacks the flattened shape:\n{text}");
        assert!(text.contains(&format!("Total params: {want}")), "summary lacks the total:\n{text}");
        assert!(text.contains("(None, 20)"), "summary lacks the output shape:\n{text}");
    }
}
