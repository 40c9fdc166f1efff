//! The `Sequential` API: every user mistake is an `Err` with a useful message (never a panic),
//! training behaves as in Keras (continues across `fit`s, reproducible with a seed, stops on a
//! NaN loss without damaging the weights), and saved models come back identical.

use ndarray::{Array2, ArrayD, IxDyn};
use rand::{Rng, SeedableRng};
use snackml::data::ArrayData;
use snackml::layers::Param;
use snackml::optimizers::ParamRef;
use snackml::prelude::*;

fn rng(seed: u64) -> rand::rngs::StdRng {
    rand::rngs::StdRng::seed_from_u64(seed)
}

/// Three well separated 2-D blobs, `n` samples per class, with one-hot labels (in class order).
fn blobs(n: usize, seed: u64) -> (ArrayD<f32>, Array2<f32>) {
    let centres = [(2.0f32, 0.0f32), (-1.0, 1.7), (-1.0, -1.7)];
    let mut g = rng(seed);
    let mut x = Array2::zeros((3 * n, 2));
    let mut labels = Vec::new();
    for i in 0..3 * n {
        let c = i % 3;
        x[[i, 0]] = centres[c].0 + g.random_range(-0.6..0.6);
        x[[i, 1]] = centres[c].1 + g.random_range(-0.6..0.6);
        labels.push(c);
    }
    (x.into_dyn(), snackml::math::one_hot(&labels, 3).unwrap())
}

/// A softmax classifier of 2-D points: Dense(8, relu) → Dense(3) → softmax.
fn blob_model(seed: u64) -> Sequential {
    let mut m = Sequential::with_seed(seed);
    m.set_verbose(Verbose::Silent);
    m.add(Dense::new(8).activation(Activation::Relu).input_shape(&[2])).unwrap();
    m.add(Dense::new(3)).unwrap();
    m.add(ActivationLayer::softmax()).unwrap();
    m
}

/// The fixture-sized image model: Flatten(4,4,3) → [Dense(7, relu)] → Dense(5) → softmax.
fn image_model(hidden: bool, seed: u64) -> Sequential {
    let mut m = Sequential::with_seed(seed);
    m.set_verbose(Verbose::Silent);
    m.add(Flatten::with_input_shape(&[4, 4, 3])).unwrap();
    if hidden {
        m.add(Dense::new(7).activation(Activation::Relu)).unwrap();
    }
    m.add(Dense::new(5)).unwrap();
    m.add(ActivationLayer::softmax()).unwrap();
    m
}

fn images(n: usize, seed: u64) -> ArrayD<f32> {
    let mut g = rng(seed);
    ArrayD::from_shape_simple_fn(IxDyn(&[n, 4, 4, 3]), || g.random_range(-1.0..1.0))
}

fn labels(n: usize, k: usize, seed: u64) -> Array2<f32> {
    let mut g = rng(seed);
    let ids: Vec<usize> = (0..n).map(|_| g.random_range(0..k)).collect();
    snackml::math::one_hot(&ids, k).unwrap()
}

fn compiled(mut m: Sequential) -> Sequential {
    m.compile(Loss::CategoricalCrossentropy, Adam::new(1e-2), &[Metric::Accuracy]).unwrap();
    m
}

/// History without the wall-clock times (which differ from run to run).
fn without_times(h: &History) -> History {
    History { seconds: Vec::new(), ..h.clone() }
}

// ---------------------------------------------------------------- user mistakes

/// Inputs of the wrong shape are refused, and the message shows what was expected and what came.
#[test]
fn input_shape_mismatch_names_both_shapes() {
    let m = image_model(false, 0);
    let x = ArrayD::<f32>::zeros(IxDyn(&[2, 4, 4, 1]));
    let msg = m.predict(&x).unwrap_err().to_string();
    assert!(msg.contains("(None, 4, 4, 3)"), "{msg}");
    assert!(msg.contains("[2, 4, 4, 1]"), "{msg}");
    let mut m = compiled(m);
    let err = m.train_on_batch(&x, &labels(2, 5, 0)).unwrap_err();
    assert!(matches!(err, Error::Shape(_)), "{err}");
}

/// A single 3-D image given to predict gets a hint to add the batch axis with expand_dims.
#[test]
fn predict_on_a_single_image_hints_expand_dims() {
    let m = image_model(false, 0);
    let x = ArrayD::<f32>::zeros(IxDyn(&[4, 4, 3]));
    let err = m.predict(&x).unwrap_err();
    assert!(matches!(err, Error::Shape(_)), "{err}");
    assert!(err.to_string().contains("expand_dims"), "{err}");
    // with the batch axis it works
    let x = x.insert_axis(ndarray::Axis(0));
    assert_eq!(m.predict(&x).unwrap().dim(), (1, 5));
}

/// fit, evaluate and train_on_batch before compile are errors that say to compile.
#[test]
fn training_before_compile_is_an_error() {
    let mut m = image_model(false, 0);
    let (x, y) = (images(4, 1), labels(4, 5, 2));
    let mut data = ArrayData::new(x.clone(), Some(y.clone()), 2).unwrap();
    for err in [
        m.fit(&mut data, None, 1).unwrap_err(),
        m.evaluate(&mut data).unwrap_err(),
        m.train_on_batch(&x, &y).unwrap_err(),
        m.set_learning_rate(0.1).unwrap_err(),
    ] {
        assert!(matches!(err, Error::NotCompiled(_)), "{err}");
        assert!(err.to_string().contains("compile"), "{err}");
    }
}

/// Labels whose width is not the number of output units are refused (fit, evaluate,
/// train_on_batch), naming both numbers.
#[test]
fn label_width_must_match_output_units() {
    let mut m = compiled(image_model(false, 0));
    let (x, y) = (images(4, 1), labels(4, 3, 2));
    let w = m.get_weights();
    let msg = m.train_on_batch(&x, &y).unwrap_err().to_string();
    assert!(msg.contains('3') && msg.contains('5'), "{msg}");
    let mut data = ArrayData::new(x, Some(y), 2).unwrap();
    assert!(matches!(m.fit(&mut data, None, 1).unwrap_err(), Error::Shape(_)));
    assert!(matches!(m.evaluate(&mut data).unwrap_err(), Error::Shape(_)));
    assert_eq!(m.get_weights(), w, "a refused batch must not change the weights");
}

/// Learning rates of 0, below 0, NaN or infinity are refused by compile and set_learning_rate
/// (and a refused change leaves the rate as it was).
#[test]
fn bad_learning_rates_are_refused() {
    let mut m = image_model(false, 0);
    for lr in [0.0, -0.1, f32::NAN, f32::INFINITY] {
        let err = m.compile(Loss::CategoricalCrossentropy, SGD::new(lr), &[]).unwrap_err();
        assert!(matches!(err, Error::InvalidArgument(_)), "lr {lr}: {err}");
        assert!(m.compile(Loss::CategoricalCrossentropy, Adam::new(lr), &[]).is_err(), "Adam lr {lr}");
    }
    assert_eq!(m.learning_rate(), None, "a refused compile leaves the model uncompiled");
    m.compile(Loss::CategoricalCrossentropy, Adam::new(1e-3), &[]).unwrap();
    for lr in [0.0, -1.0, f32::NAN] {
        let err = m.set_learning_rate(lr).unwrap_err();
        assert!(err.to_string().contains("learning rate"), "{err}");
        assert_eq!(m.learning_rate(), Some(1e-3));
    }
}

/// A NaN in a batch stops fit with NonFiniteLoss naming the epoch and batch, and the weights are
/// those from just before that batch (the same as after the good batches alone).
#[test]
fn nan_loss_stops_fit_and_keeps_the_weights() {
    for hidden in [false, true] {
        let (mut x, y) = (images(6, 3), labels(6, 5, 4));
        x[[3, 0, 0, 0]] = f32::NAN; // in the second batch of 2
        let mut m = compiled(image_model(hidden, 5));
        let mut data = ArrayData::new(x.clone(), Some(y.clone()), 2).unwrap();

        // the same model trained on the first batch only
        let mut twin = compiled(image_model(hidden, 5));
        let first = x.slice_axis(ndarray::Axis(0), (0..2).into()).to_owned();
        twin.train_on_batch(&first, &y.slice(ndarray::s![0..2, ..]).to_owned()).unwrap();

        let err = m.fit(&mut data, None, 3).unwrap_err();
        match err {
            Error::NonFiniteLoss { epoch, batch, value } => {
                assert_eq!((epoch, batch), (1, 2), "hidden={hidden}");
                assert!(!value.is_finite());
            }
            other => panic!("hidden={hidden}: expected NonFiniteLoss, got {other}"),
        }
        assert_eq!(m.get_weights(), twin.get_weights(), "hidden={hidden}: weights changed by the bad batch");
        assert!(m.get_weights().iter().all(|w| w.iter().all(|v| v.is_finite())));
    }
}

/// A model without layers cannot predict, train, summarise or be saved: errors, not panics.
#[test]
fn empty_model_is_an_error() {
    let mut m = Sequential::with_seed(0);
    m.set_verbose(Verbose::Silent);
    let x = images(2, 0);
    assert!(matches!(m.predict(&x).unwrap_err(), Error::NotBuilt(_)));
    assert!(m.summary().is_err());
    m.compile(Loss::CategoricalCrossentropy, SGD::new(0.1), &[]).unwrap();
    let mut data = ArrayData::new(x.clone(), Some(labels(2, 5, 0)), 2).unwrap();
    assert!(m.fit(&mut data, None, 1).is_err());
    assert!(m.evaluate(&mut data).is_err());
    assert!(m.train_on_batch(&x, &labels(2, 5, 0)).is_err());
    let dir = tempfile::tempdir().unwrap();
    assert!(m.save(dir.path().join("empty.snackml")).is_err());
}

/// Two layers may not share a name; automatic names never clash.
#[test]
fn duplicate_layer_names_are_refused() {
    let mut m = Sequential::with_seed(0);
    m.add_named("hidden", Box::new(Dense::new(3).input_shape(&[2]))).unwrap();
    let msg = m.add_named("hidden", Box::new(Dense::new(3))).unwrap_err().to_string();
    assert!(msg.contains("hidden"), "{msg}");
    assert_eq!(m.layers().len(), 1);
    m.add(Dense::new(3)).unwrap();
    m.add(Dense::new(3)).unwrap();
    let names: Vec<&str> = m.layers().iter().map(|l| l.name()).collect();
    assert_eq!(names, ["hidden", "dense", "dense_1"]);
}

// ---------------------------------------------------------------- training

/// fit learns a separable problem, and a second fit continues where the first stopped: it is
/// exactly one longer fit (weights, optimizer state and shuffling all carry on).
#[test]
fn fit_learns_and_continues() {
    let (x, y) = blobs(40, 1);
    let mut m = compiled(blob_model(7));
    let mut data = ArrayData::new(x.clone(), Some(y.clone()), 16).unwrap().shuffle(3);
    let h1 = m.fit(&mut data, None, 5).unwrap();
    let h2 = m.fit(&mut data, None, 5).unwrap();
    let (l1, l2) = (h1.values("loss").unwrap(), h2.values("loss").unwrap());
    assert!(l1.windows(2).all(|w| w[1] < w[0]), "loss should fall: {l1:?}");
    assert!(l2[0] < l1[4], "the second fit must continue, not restart: {l1:?} then {l2:?}");
    assert!(l2[4] < l2[0]);
    let r = m.evaluate(&mut ArrayData::new(x.clone(), Some(y.clone()), 32).unwrap()).unwrap();
    let (loss, acc) = (r.value("loss").unwrap(), r.value("accuracy").unwrap());
    assert!(acc >= 0.95, "accuracy {acc}, loss {loss}");

    let mut once = compiled(blob_model(7));
    let mut data = ArrayData::new(x, Some(y), 16).unwrap().shuffle(3);
    let h = once.fit(&mut data, None, 10).unwrap();
    assert_eq!(once.get_weights(), m.get_weights(), "fit(5) + fit(5) must equal fit(10)");
    let mut joined = h1.clone();
    joined.extend(&h2);
    assert_eq!(without_times(&joined), without_times(&h));
}

/// The learning rate can be changed between fits, and the change takes effect.
#[test]
fn learning_rate_can_change_between_fits() {
    let (x, y) = blobs(20, 2);
    let mut a = blob_model(3);
    let mut b = blob_model(3);
    a.compile(Loss::CategoricalCrossentropy, SGD::new(0.1), &[Metric::Accuracy]).unwrap();
    b.compile(Loss::CategoricalCrossentropy, SGD::new(0.1), &[Metric::Accuracy]).unwrap();
    let data = ArrayData::new(x, Some(y), 15).unwrap();
    a.fit(&mut data.clone(), None, 2).unwrap();
    b.fit(&mut data.clone(), None, 2).unwrap();
    assert_eq!(a.get_weights(), b.get_weights());
    b.set_learning_rate(1e-4).unwrap();
    assert_eq!(b.learning_rate(), Some(1e-4));
    let before = b.get_weights();
    a.fit(&mut data.clone(), None, 1).unwrap();
    b.fit(&mut data.clone(), None, 1).unwrap();
    let moved = |m: &Sequential| -> f32 {
        m.get_weights().iter().zip(&before).map(|(w, b)| (w - b).mapv(f32::abs).sum()).sum()
    };
    let (da, db) = (moved(&a), moved(&b));
    assert!(db > 0.0 && db * 100.0 < da * 1.5, "plain SGD steps scale with the rate: moved {da} at 0.1, {db} at 1e-4");
}

/// The same seed gives the same initial weights, the same training run and the same History;
/// another seed gives other weights.
#[test]
fn same_seed_same_run() {
    let (x, y) = blobs(20, 4);
    let run = |seed: u64| {
        let mut m = compiled(blob_model(seed));
        let w0 = m.get_weights();
        let mut data = ArrayData::new(x.clone(), Some(y.clone()), 8).unwrap().shuffle(1);
        let h = m.fit(&mut data, &mut ArrayData::new(x.clone(), Some(y.clone()), 32).unwrap(), 3).unwrap();
        (w0, m.get_weights(), without_times(&h))
    };
    let (a, b, c) = (run(11), run(11), run(12));
    assert_eq!(a, b);
    assert_ne!(a.0, c.0);
    assert_eq!(a.2.values("val_loss").unwrap().len(), 3);
}

/// SGD with momentum follows Keras's update v ← μv − ηg, w ← w + v, checked by hand over two steps.
#[test]
fn sgd_momentum_two_steps_by_hand() {
    let mut p = Param::new("w", ndarray::arr1(&[1.0f32, -2.0]).into_dyn());
    let mut sgd = SGD::new(0.1).momentum(0.9);
    p.grad = ndarray::arr1(&[2.0f32, -1.0]).into_dyn();
    sgd.apply(&mut [ParamRef { key: "dense/kernel".into(), param: &mut p }]).unwrap();
    // v = −0.1·[2, −1] = [−0.2, 0.1]; w = [0.8, −1.9]
    assert!((p.value[[0]] - 0.8).abs() < 1e-6 && (p.value[[1]] + 1.9).abs() < 1e-6, "{}", p.value);
    p.grad = ndarray::arr1(&[1.0f32, 0.5]).into_dyn();
    sgd.apply(&mut [ParamRef { key: "dense/kernel".into(), param: &mut p }]).unwrap();
    // v = 0.9·[−0.2, 0.1] − 0.1·[1, 0.5] = [−0.28, 0.04]; w = [0.52, −1.86]
    assert!((p.value[[0]] - 0.52).abs() < 1e-6 && (p.value[[1]] + 1.86).abs() < 1e-6, "{}", p.value);

    // and inside a model: w₂ = w₀ − η·g₁ + (μ·(−η·g₁) − η·g₂), with the gradients it computed
    let mut m = image_model(true, 1);
    m.compile(Loss::CategoricalCrossentropy, SGD::new(0.05).momentum(0.9), &[]).unwrap();
    let grads = |m: &Sequential| -> Vec<ArrayD<f32>> {
        m.layers().iter().flat_map(|l| l.params().iter().map(|p| p.grad.clone())).collect()
    };
    let w0 = m.get_weights();
    m.train_on_batch(&images(4, 1), &labels(4, 5, 1)).unwrap();
    let g1 = grads(&m);
    m.train_on_batch(&images(4, 2), &labels(4, 5, 2)).unwrap();
    let g2 = grads(&m);
    for (((w2, w0), g1), g2) in m.get_weights().iter().zip(&w0).zip(&g1).zip(&g2) {
        let v1 = g1 * -0.05f32;
        let want = w0 + &v1 + &(&v1 * 0.9f32 - g2 * 0.05f32);
        assert!(w2.iter().zip(&want).all(|(a, b)| (a - b).abs() < 1e-6));
    }
}

/// evaluate averages over samples, not batches: with batches of 2, 2 and 1 the last sample
/// counts once, not as much as a whole batch.
#[test]
fn evaluate_weights_batches_by_samples() {
    let m = compiled(image_model(true, 8));
    let (x, y) = (images(5, 8), labels(5, 5, 9));
    let probs = m.predict(&x).unwrap();
    let per_sample = Loss::CategoricalCrossentropy.per_sample(&y, &probs).unwrap();
    let want_loss = per_sample.mean().unwrap();
    let batch_means = (per_sample.slice(ndarray::s![0..2]).mean().unwrap()
        + per_sample.slice(ndarray::s![2..4]).mean().unwrap()
        + per_sample[4])
        / 3.0;
    assert!((want_loss - batch_means).abs() > 1e-3, "the example must tell the two means apart");
    let correct = snackml::metrics::categorical_correct(&y, &probs).unwrap() as f32;

    let r = m.evaluate(&mut ArrayData::new(x, Some(y), 2).unwrap()).unwrap();
    let (loss, acc) = (r.value("loss").unwrap(), r.value("accuracy").unwrap());
    assert!((loss - want_loss).abs() < 1e-5, "evaluate gives {loss}, the sample mean is {want_loss}");
    assert!((acc - correct / 5.0).abs() < 1e-6, "accuracy {acc}, want {}", correct / 5.0);
}

// ---------------------------------------------------------------- saving and loading

fn trained_model() -> (Sequential, ArrayD<f32>) {
    let mut m = compiled(image_model(true, 21));
    let x = images(8, 22);
    let mut data = ArrayData::new(x.clone(), Some(labels(8, 5, 23)), 4).unwrap();
    m.fit(&mut data, None, 2).unwrap();
    (m, x)
}

/// save → load gives the same architecture, weights and predictions (bit for bit), and
/// save_weights → load_weights does the same into a freshly built model.
#[test]
fn save_and_load_round_trip() {
    let (m, x) = trained_model();
    let want = m.predict(&x).unwrap();
    let dir = tempfile::tempdir().unwrap();

    let path = dir.path().join("model.snackml");
    m.save(&path).unwrap();
    let loaded = Sequential::load(&path).unwrap();
    assert_eq!(loaded.predict(&x).unwrap(), want);
    assert_eq!(loaded.get_weights(), m.get_weights());
    assert_eq!(loaded.summary().unwrap().to_string(), m.summary().unwrap().to_string());
    assert!(matches!(
        loaded.evaluate(&mut ArrayData::new(x.clone(), Some(labels(8, 5, 0)), 4).unwrap()),
        Err(Error::NotCompiled(_))
    ));

    let wpath = dir.path().join("model.weights");
    m.save_weights(&wpath).unwrap();
    let mut fresh = image_model(true, 999);
    assert_ne!(fresh.predict(&x).unwrap(), want);
    fresh.load_weights(&wpath).unwrap();
    assert_eq!(fresh.predict(&x).unwrap(), want);
    // a whole-model file also carries weights
    let mut fresh = image_model(true, 998);
    fresh.load_weights(&path).unwrap();
    assert_eq!(fresh.predict(&x).unwrap(), want);
}

/// Damaged files are refused with a reason: truncated anywhere, any single byte flipped,
/// a weights-only file given to load, a missing file.
#[test]
fn damaged_files_are_refused() {
    let (m, _) = trained_model();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.snackml");
    m.save(&path).unwrap();
    let bytes = std::fs::read(&path).unwrap();

    let bad = dir.path().join("bad.snackml");
    std::fs::write(&bad, &bytes[..bytes.len() - 10]).unwrap();
    let err = Sequential::load(&bad).unwrap_err();
    assert!(matches!(err, Error::ModelFile { .. }), "{err}");
    let msg = err.to_string();
    assert!(msg.contains("bad.snackml") && (msg.contains("truncated") || msg.contains("damaged")), "{msg}");

    // every truncation and every flipped byte is an error, never a panic or a silently different model
    for len in 0..bytes.len() {
        assert!(Sequential::from_bytes(&bytes[..len]).is_err(), "truncated to {len} bytes was accepted");
    }
    for i in 0..bytes.len() {
        let mut b = bytes.clone();
        b[i] ^= 0x10;
        assert!(Sequential::from_bytes(&b).is_err(), "flipping byte {i} was not detected");
    }
    let mut b = bytes.clone();
    let last_weight = b.len() - 5;
    b[last_weight] ^= 1;
    std::fs::write(&bad, &b).unwrap();
    let msg = Sequential::load(&bad).unwrap_err().to_string();
    assert!(msg.contains("checksum"), "{msg}");

    let wpath = dir.path().join("only.weights");
    m.save_weights(&wpath).unwrap();
    let msg = Sequential::load(&wpath).unwrap_err().to_string();
    assert!(msg.contains("load_weights"), "{msg}");

    let err = Sequential::load(dir.path().join("missing.snackml")).unwrap_err();
    assert!(err.to_string().contains("missing.snackml"), "{err}");
}

/// Weights of another architecture are refused by load_weights, saying which shapes differ,
/// and the model keeps its own weights.
#[test]
fn weights_of_another_architecture_are_refused() {
    let (m, _) = trained_model();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mlp.weights");
    m.save_weights(&path).unwrap();
    let mut other = image_model(false, 0);
    let before = other.get_weights();
    let err = other.load_weights(&path).unwrap_err();
    assert!(matches!(err, Error::ModelFile { .. }), "{err}");
    let msg = err.to_string();
    assert!(msg.contains("shapes") && msg.contains("[48, 7]") && msg.contains("[48, 5]"), "{msg}");
    assert_eq!(other.get_weights(), before);
}

/// Saving over an existing file replaces it whole and leaves no temporary file behind.
#[test]
fn saving_over_a_file_is_atomic() {
    let (mut m, x) = trained_model();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.snackml");
    std::fs::write(&path, b"an older file").unwrap();
    m.save(&path).unwrap();
    let mut data = ArrayData::new(x.clone(), Some(labels(8, 5, 30)), 4).unwrap();
    m.fit(&mut data, None, 1).unwrap();
    m.save(&path).unwrap();
    let names: Vec<String> =
        std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert_eq!(names, ["model.snackml"], "leftover files after saving");
    assert_eq!(Sequential::load(&path).unwrap().predict(&x).unwrap(), m.predict(&x).unwrap());
}

/// Training in the background, stopped from elsewhere: the model comes back with the weights of
/// the last finished epoch (its validation loss is the last one recorded) and evaluates.
#[test]
fn a_background_fit_stops_and_keeps_the_last_finished_epoch() {
    let mut rng = snackml::seeded_rng(4);
    let x = Tensor::from_shape_simple_fn(vec![256, 8, 8, 3], || rng.random::<f32>());
    let y = ndarray::Array2::from_shape_fn((256, 4), |(i, j)| if j == i % 4 { 1.0 } else { 0.0 });
    let mut model = Sequential::with_seed(9);
    model.add(Flatten::with_input_shape(&[8, 8, 3])).unwrap();
    model.add(Dense::new(32).activation(Activation::Relu)).unwrap();
    model.add(Dense::new(4).activation(Activation::Softmax)).unwrap();
    model.compile(Loss::CategoricalCrossentropy, Adam::new(1e-3), &[Metric::Accuracy]).unwrap();
    let train = ArrayData::new(x.clone(), Some(y.clone()), 32).unwrap().shuffle(1);
    let val = ArrayData::new(x, Some(y), 64).unwrap();
    let job = model.fit_in_background(train, Some(val), 100_000).unwrap();
    job.wait_for_epochs(3);
    assert!(!job.is_finished());
    assert!(job.history().len() >= 3);
    assert!(job.to_html().as_str().contains("training in the background"));
    let mut done = job.stop().unwrap();
    done.outcome.as_ref().unwrap();
    let epochs = done.history.len();
    assert!((3..100_000).contains(&epochs), "{epochs} epochs");
    let last = done.history.last("val_loss").unwrap();
    let mut val = done.validation.take().unwrap();
    let now = done.model.evaluate_with(&mut val, Verbose::Silent).unwrap().value("loss").unwrap();
    assert!((now - last).abs() < 1e-6, "evaluates to {now}, the last finished epoch had {last}");
    // And it trains on from there.
    let more = done.model.fit_with(&mut done.train, None, FitOptions::epochs(1).verbose(Verbose::Silent)).unwrap();
    assert_eq!(more.len(), 1);
}

/// A model that is not compiled cannot start in the background, and says why.
#[test]
fn a_background_fit_needs_a_compiled_model() {
    let mut model = Sequential::with_seed(1);
    model.add(Flatten::with_input_shape(&[2, 2, 3])).unwrap();
    model.add(Dense::new(2)).unwrap();
    let data = ArrayData::new(Tensor::zeros(vec![4, 2, 2, 3]), None, 2).unwrap();
    let err = model.fit_in_background(data, None::<ArrayData>, 1).err().unwrap().to_string();
    assert!(err.contains("compile"), "{err}");
}
