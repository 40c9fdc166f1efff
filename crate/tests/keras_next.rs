//! The pieces the next chapters reach for, checked against Keras itself: Dropout, the L2 kernel
//! regulariser, RMSprop, and the decisions of EarlyStopping and ReduceLROnPlateau.
//!
//! Fixtures: `tests/fixtures/keras/{dropout,l2,rmsprop,callbacks}.json` (tf_keras's numbers; each
//! file's "about" says what it holds).

use ndarray::{Array1, Array2, ArrayD};
use serde_json::Value;
use snackml::callbacks::{Callback, EarlyStopping, Logs, ReduceLROnPlateau, RunInfo, RunKind};
use snackml::data::ArrayData;
use snackml::layers::{Context, Dropout, Layer};
use snackml::prelude::*;
use snackml::regularizers::L2;

mod keras;
use keras::*;

/// Flatten(4,4,3) → Dense(hidden, relu) → [Dropout(0.5)] → Dense(5) → softmax, Keras's weights.
fn model_4x4x3(hidden: usize, dropout: bool, l2: Option<f32>, weights: &Value) -> Sequential {
    let mut model = Sequential::with_seed(1);
    model.set_verbose(Verbose::Silent);
    model.add(Flatten::with_input_shape(&[4, 4, 3])).unwrap();
    if hidden > 0 {
        let mut dense = Dense::new(hidden).activation(Activation::Relu);
        if let Some(l2) = l2 {
            dense = dense.kernel_regularizer(L2::new(l2));
        }
        model.add(dense).unwrap();
    }
    if dropout {
        model.add(Dropout::new(0.5).seed(7)).unwrap();
    }
    model.add(Dense::new(5)).unwrap();
    model.add(ActivationLayer::softmax()).unwrap();
    model.set_weights(tensors(weights)).unwrap();
    model
}

/// Each `train_on_batch` step's loss (before the update) and the weights after it, as Keras has them.
fn check_steps(name: &str, model: &mut Sequential, steps: &Value) {
    let (mut c_loss, mut c_w) = (Checker::default(), Checker::default());
    for (i, s) in steps.as_array().unwrap().iter().enumerate() {
        let r = model.train_on_batch(&tensor(&s["x"]), &matrix(&s["y"])).unwrap();
        let (loss, acc) = (r.value("loss").unwrap(), r.value("accuracy").unwrap());
        c_loss.close(&format!("step {i} loss"), loss as f64, number(&s["loss"]));
        assert!((acc as f64 - number(&s["acc"])).abs() < 1e-6, "step {i} accuracy: got {acc}, Keras has {}", s["acc"]);
        for (j, (g, w)) in model.get_weights().iter().zip(&tensors(&s["weights_after"])).enumerate() {
            c_w.all_close(&format!("step {i} weight {j}"), g, w);
        }
    }
    c_loss.report(&format!("{name} losses"));
    c_w.report(&format!("{name} weights after each step"));
}

/// `predict` with a Dropout layer is Keras's `predict()`: Dropout is the identity in inference.
#[test]
fn dropout_is_the_identity_in_inference_as_in_keras() {
    let f = load("dropout.json");
    let mut model = model_4x4x3(7, true, None, &f["weights"]);
    let x = tensor(&f["x"]);
    let mut c = Checker::default();
    let probs = model.predict(&x).unwrap();
    c.all_close("inference probs", &probs.clone().into_dyn(), &tensor(&f["inference_probs"]));
    c.report("dropout inference probs");

    // evaluate (the test step) runs in inference mode too: its loss is the loss of those
    // probabilities, every time; a training step sees dropped units and another loss.
    let y = Array2::from_shape_fn((6, 5), |(i, j)| if j == i % 5 { 1.0 } else { 0.0 });
    let want = Loss::CategoricalCrossentropy.per_sample(&y, &probs).unwrap().mean().unwrap();
    model.compile(Loss::CategoricalCrossentropy, SGD::new(0.0001), &[Metric::Accuracy]).unwrap();
    for _ in 0..2 {
        let mut data = ArrayData::new(x.clone(), Some(y.clone()), 6).unwrap();
        let loss = model.evaluate(&mut data).unwrap().value("loss").unwrap();
        assert!((loss - want).abs() < 1e-6, "evaluate's loss {loss} is not the inference loss {want}");
    }
    let train_loss = model.train_on_batch(&x, &y).unwrap().value("loss").unwrap();
    assert!((train_loss - want).abs() > 1e-4, "the training step's loss {train_loss} shows no dropout");
}

/// In training, Dropout(0.25) keeps each unit with probability 0.75, scaled by 1 / 0.75.
#[test]
fn dropout_in_training_scales_the_kept_units_as_keras() {
    let f = load("dropout.json");
    let rate = number(&f["rate"]) as f32;
    let values: Vec<f32> = tensor(&f["train_values"]).iter().copied().collect();
    let mut d = Dropout::new(rate).seed(3);
    d.build(&[10], &mut snackml::seeded_rng(0)).unwrap();
    let (y, _) = d.forward(ArrayD::ones(vec![2000, 10]), &mut Context::training(&mut snackml::seeded_rng(3))).unwrap();
    let mut c = Checker::default();
    for &v in y.iter() {
        let nearest = if v == 0.0 { values[0] } else { values[1] };
        c.close("a dropped or scaled unit", v as f64, nearest as f64);
    }
    c.report("dropout training values");
    let kept = y.iter().filter(|&&v| v != 0.0).count() as f64 / y.len() as f64;
    // 20,000 Bernoulli(0.75) draws: the standard deviation of the fraction is 0.003.
    assert!((kept - 0.75).abs() < 0.015, "kept {kept} (Keras kept {})", f["train_kept_fraction"]);
    let mean = y.mean().unwrap();
    assert!((mean - 1.0).abs() < 0.02, "the expected output is the input: mean {mean}");
}

/// Dense(7, kernel_regularizer=l2(0.01)): the loss Keras reports is the cross-entropy plus
/// 0.01·Σ kernel², the gradients are of that sum, and four Adam steps land where Keras's do.
#[test]
fn l2_regularised_training_matches_keras() {
    let f = load("l2.json");
    let l2 = number(&f["l2"]) as f32;
    let mut model = model_4x4x3(7, false, Some(l2), &f["initial_weights"]);
    let lr = number(&f["learning_rate"]) as f32;
    model.compile(Loss::CategoricalCrossentropy, Adam::new(lr), &[Metric::Accuracy]).unwrap();
    let first = &f["first"];
    let (x, y) = (tensor(&first["x"]), matrix(&first["y"]));

    let mut c = Checker::default();
    let probs = model.predict(&x).unwrap();
    c.all_close("probs", &probs.clone().into_dyn(), &tensor(&first["probs"]));
    let data_loss = Loss::CategoricalCrossentropy.per_sample(&y, &probs).unwrap().mean().unwrap();
    c.close("data loss", data_loss as f64, number(&first["data_loss"]));
    let regularization: f32 = model.layers().iter().map(|l| l.layer().regularization_loss()).sum();
    c.close("regularisation", regularization as f64, number(&first["regularization"]));

    // The first step's loss is the total, and the gradients it leaves are those of the total.
    let mut steps = f["train_on_batch"].clone();
    let step0 = steps.as_array_mut().unwrap().remove(0);
    let loss = model.train_on_batch(&tensor(&step0["x"]), &matrix(&step0["y"])).unwrap().value("loss").unwrap();
    c.close("total loss", loss as f64, number(&first["total_loss"]));
    let grads: Vec<ArrayD<f32>> =
        model.layers().iter().flat_map(|l| l.params().iter().map(|p| p.grad.clone())).collect();
    for (j, (g, w)) in grads.iter().zip(&tensors(&first["grads"])).enumerate() {
        c.all_close(&format!("grad {j}"), g, w);
    }
    for (j, (g, w)) in model.get_weights().iter().zip(&tensors(&step0["weights_after"])).enumerate() {
        c.all_close(&format!("step 0 weight {j}"), g, w);
    }
    c.report("l2 first step");
    check_steps("l2 (steps 1–3)", &mut model, &steps);
}

/// RMSprop(1e-2, rho 0.9, epsilon 1e-7): four steps of logistic regression as Keras takes them.
#[test]
fn rmsprop_matches_keras() {
    let f = load("rmsprop.json");
    let mut model = model_4x4x3(0, false, None, &f["initial_weights"]);
    let opt = RMSprop::new(number(&f["learning_rate"]) as f32)
        .rho(number(&f["rho"]) as f32)
        .epsilon(number(&f["epsilon"]) as f32);
    model.compile(Loss::CategoricalCrossentropy, opt, &[Metric::Accuracy]).unwrap();
    check_steps("rmsprop", &mut model, &f["train_on_batch"]);
}

/// A callback as a fixture case's name describes it (the fixture's configs are empty).
fn callback_for(case: &str) -> Box<dyn Callback> {
    match case {
        "early_stopping_patience2" => Box::new(EarlyStopping::new("val_loss").patience(2)),
        "early_stopping_patience2_min_delta0.05" => {
            Box::new(EarlyStopping::new("val_loss").patience(2).min_delta(0.05))
        }
        "early_stopping_patience3_restore" => {
            Box::new(EarlyStopping::new("val_loss").patience(3).restore_best_weights(true))
        }
        "early_stopping_acc_patience2_restore" => {
            Box::new(EarlyStopping::new("val_accuracy").patience(2).restore_best_weights(true))
        }
        // The trace's learning rate stops halving at 1e-4: Keras's min_lr.
        "reduce_lr_factor0.5_patience1" => {
            Box::new(ReduceLROnPlateau::new("val_loss").factor(0.5).patience(1).min_lr(1e-4))
        }
        "reduce_lr_factor0.1_patience2_cooldown1" => {
            Box::new(ReduceLROnPlateau::new("val_loss").factor(0.1).patience(2).cooldown(1))
        }
        other => panic!("a callbacks.json case this test does not know: {other}"),
    }
}

/// A model whose weights say which epoch they are from (every weight = the epoch number).
fn epoch_marked_model() -> Sequential {
    let mut model = Sequential::with_seed(1);
    model.add(Flatten::with_input_shape(&[1])).unwrap();
    model.add(Dense::new(1)).unwrap();
    model.compile(Loss::CategoricalCrossentropy, SGD::new(1e-3), &[]).unwrap();
    model
}

fn mark(model: &mut Sequential, epoch: usize) {
    let weights = model.get_weights().into_iter().map(|w| w.mapv(|_| epoch as f32)).collect();
    model.set_weights(weights).unwrap();
}

/// Driven with the fixture's epoch logs, each callback stops, restores and lowers the learning
/// rate at the epochs Keras's does.
#[test]
fn early_stopping_and_reduce_lr_decide_as_keras() {
    let f = load("callbacks.json");
    let val_loss = Array1::from(tensor(&f["val_loss"]).iter().copied().collect::<Vec<_>>());
    let val_acc = Array1::from(tensor(&f["val_accuracy"]).iter().copied().collect::<Vec<_>>());
    let cases = f["cases"].as_object().unwrap();
    assert_eq!(cases.len(), 6);
    for (case, want) in cases {
        let mut cb = callback_for(case);
        let mut model = epoch_marked_model();
        let epochs = val_loss.len();
        cb.on_train_begin(&RunInfo { kind: RunKind::Fit, epochs, steps: 1 }, &mut model).unwrap();
        let trace = want["trace"].as_array().unwrap();
        let mut logs = Logs::new();
        let mut ran = 0;
        for epoch in 0..epochs {
            cb.on_epoch_begin(epoch, &mut model).unwrap();
            mark(&mut model, epoch);
            logs = Logs::new();
            logs.set("val_loss", val_loss[epoch]);
            logs.set("val_accuracy", val_acc[epoch]);
            cb.on_epoch_end(epoch, &logs, &mut model).unwrap();
            let t = &trace[epoch];
            assert_eq!(t["epoch"].as_u64(), Some(epoch as u64));
            let lr = model.learning_rate().unwrap() as f64;
            assert!(
                (lr - number(&t["lr"])).abs() <= 1e-9 + 1e-6 * lr,
                "{case}, epoch {epoch}: lr {lr}, Keras {}",
                t["lr"]
            );
            assert_eq!(model.stop_training(), t["stop"].as_bool().unwrap(), "{case}, epoch {epoch}: stop?");
            ran += 1;
            if model.stop_training() {
                break;
            }
        }
        assert_eq!(ran, trace.len(), "{case}: epochs run");
        cb.on_train_end(&logs, &mut model).unwrap();
        let held = model.get_weights()[0][[0, 0]];
        assert_eq!(held as f64, number(&want["weights_epoch_after_train"]), "{case}: weights held after training");
        eprintln!("{case}: {ran} epochs, weights of epoch {held}, lr {:?}", model.learning_rate());
    }
}

/// The same EarlyStopping inside a real `fit`: training stops, `History` has the epochs run, and
/// with `restore_best_weights` the model evaluates as it did at its best epoch.
#[test]
fn early_stopping_in_fit_restores_the_best_epoch() {
    let mut rng = snackml::seeded_rng(5);
    use rand::Rng;
    let x = ArrayD::from_shape_simple_fn(vec![40, 4, 4, 3], || rng.random::<f32>());
    let y = Array2::from_shape_fn((40, 5), |(i, j)| if j == i % 5 { 1.0 } else { 0.0 });
    let (vx, vy) = (
        ArrayD::from_shape_simple_fn(vec![20, 4, 4, 3], || rng.random::<f32>()),
        y.slice(ndarray::s![..20, ..]).to_owned(),
    );
    let mut model = Sequential::with_seed(2);
    model.set_verbose(Verbose::Silent);
    model.add(Flatten::with_input_shape(&[4, 4, 3])).unwrap();
    model.add(Dense::new(5).activation(Activation::Softmax)).unwrap();
    // A large rate on random labels: validation loss climbs after the first epochs.
    model.compile(Loss::CategoricalCrossentropy, Adam::new(0.05), &[Metric::Accuracy]).unwrap();
    let mut stop = EarlyStopping::new("val_loss").patience(2).restore_best_weights(true);
    let mut train = ArrayData::new(x, Some(y), 8).unwrap();
    let mut val = ArrayData::new(vx, Some(vy), 20).unwrap();
    let history = model.fit_with(&mut train, &mut val, FitOptions::epochs(50).callback(&mut stop)).unwrap();
    let losses = history.values("val_loss").unwrap().to_vec();
    let (best_epoch, best) = stop.best().unwrap();
    assert!(stop.stopped_epoch().is_some(), "random labels with lr 0.05 should stop early: {losses:?}");
    assert_eq!(losses.len(), stop.stopped_epoch().unwrap() + 1);
    assert_eq!(best, losses.iter().cloned().fold(f32::INFINITY, f32::min), "{losses:?}");
    assert_eq!(losses[best_epoch], best);
    let now = model.evaluate(&mut val).unwrap().value("loss").unwrap();
    assert!((now - best).abs() < 1e-5, "restored weights evaluate to {now}, the best epoch had {best}");
    // The verdict says the same, from the callback's own numbers.
    let (b, s) = (best_epoch + 1, stop.stopped_epoch().unwrap() + 1);
    let verdict = stop.verdict().0;
    let expected = format!(
        "val_loss was best at epoch {b} ({best:.4}); epochs {}–{s} did not improve on it (patience 2), so training \
         stopped after epoch {s}, and the model holds epoch {b}'s weights.",
        b + 1
    );
    assert_eq!(verdict, expected);
}
