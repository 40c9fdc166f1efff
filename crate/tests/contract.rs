//! The training loop's contract (issue #24): every compiled metric flows through the logs to the
//! history and `evaluate`; callbacks see the validation passes; weights that do not train are
//! counted, saved in `get_weights` and shown by `summary`, but never moved by the optimizer;
//! `predict` and `evaluate` need no `&mut` model.

use ndarray::{Array2, ArrayD, IxDyn};
use snackml::callbacks::{BatchLogs, Callback, Logs, RunInfo, RunKind};
use snackml::data::ArrayData;
use snackml::layers::{Cache, Context, Layer, Param};
use snackml::prelude::*;

/// 24 samples of 2 × 2 × 3 in 3 classes.
fn data(batch: usize) -> ArrayData {
    let x =
        ArrayD::from_shape_fn(IxDyn(&[24, 2, 2, 3]), |i| ((i[0] * 7 + i[1] * 3 + i[2] * 5 + i[3]) % 11) as f32 / 11.0);
    let y = snackml::math::one_hot(&(0..24).map(|i| i % 3).collect::<Vec<_>>(), 3).unwrap();
    ArrayData::new(x, Some(y), batch).unwrap()
}

fn model(metrics: &[Metric]) -> Sequential {
    let mut m = Sequential::with_seed(5);
    m.set_verbose(Verbose::Silent);
    m.add(Flatten::with_input_shape(&[2, 2, 3])).unwrap();
    m.add(Dense::new(3).activation(Activation::Softmax)).unwrap();
    m.compile(Loss::CategoricalCrossentropy, Adam::new(1e-2), metrics).unwrap();
    m
}

#[test]
fn every_compiled_metric_reaches_the_history_and_evaluate() {
    let mut m = model(&[Metric::Accuracy, Metric::Precision, Metric::Recall]);
    let h = m.fit(&mut data(8), &mut data(8), 2).unwrap();
    let names: Vec<&str> = h.names().collect();
    assert_eq!(
        names,
        ["loss", "accuracy", "precision", "recall", "val_loss", "val_accuracy", "val_precision", "val_recall"]
    );
    assert!(names.iter().all(|n| h.values(n).unwrap().len() == 2));
    let result = evaluate(&m);
    assert_eq!(result.names().collect::<Vec<_>>(), ["loss", "accuracy", "precision", "recall"]);
    // the validation pass of the last epoch and evaluate on the same data agree
    for name in ["loss", "accuracy", "precision", "recall"] {
        let (a, b) = (result.value(name).unwrap(), h.last(&format!("val_{name}")).unwrap());
        assert!((a - b).abs() < 1e-6, "{name}: evaluate {a}, last val_{name} {b}");
    }
    assert!(result.value("top_k_categorical_accuracy").is_err());
}

/// `evaluate` and `predict` through a shared reference.
fn evaluate(m: &Sequential) -> Logs {
    assert_eq!(m.predict(&ArrayD::zeros(IxDyn(&[5, 2, 2, 3]))).unwrap().dim(), (5, 3));
    m.evaluate(&mut data(8)).unwrap()
}

/// Counts the test hooks and keeps the last test logs.
#[derive(Default)]
struct SeesValidation {
    begins: usize,
    batches: usize,
    ends: Vec<Logs>,
    epoch_logs: Vec<Logs>,
}

impl Callback for SeesValidation {
    fn on_test_begin(&mut self, info: &RunInfo) -> snackml::Result<()> {
        assert_eq!((info.kind, info.steps), (RunKind::Fit, 3));
        self.begins += 1;
        Ok(())
    }
    fn on_test_batch_end(&mut self, logs: &BatchLogs) -> snackml::Result<()> {
        assert_eq!(logs.samples, 8);
        self.batches += 1;
        Ok(())
    }
    fn on_test_end(&mut self, logs: &Logs) -> snackml::Result<()> {
        self.ends.push(logs.clone());
        Ok(())
    }
    fn on_epoch_end(&mut self, _epoch: usize, logs: &Logs, _model: &mut Sequential) -> snackml::Result<()> {
        self.epoch_logs.push(logs.clone());
        Ok(())
    }
}

#[test]
fn callbacks_see_every_validation_pass() {
    let mut m = model(&[Metric::Accuracy]);
    let mut seen = SeesValidation::default();
    m.fit_with(&mut data(6), &mut data(8), FitOptions::epochs(2).callback(&mut seen)).unwrap();
    assert_eq!((seen.begins, seen.batches, seen.ends.len()), (2, 6, 2));
    for (test, epoch) in seen.ends.iter().zip(&seen.epoch_logs) {
        assert_eq!(test.get("loss"), epoch.get("val_loss"));
        assert_eq!(test.get("accuracy"), epoch.get("val_accuracy"));
    }
}

/// `y = w·x` elementwise with a trainable `w`, and a non-trainable count of the batches seen in
/// training (a stand-in for BatchNormalization's moving statistics).
#[derive(Clone, Debug, serde::Serialize)]
struct ScaleAndCount {
    #[serde(skip)]
    params: Vec<Param>,
}

impl Layer for ScaleAndCount {
    fn class_name(&self) -> &'static str {
        "ScaleAndCount"
    }
    fn output_shape(&self, input_shape: &[usize]) -> snackml::Result<Vec<usize>> {
        Ok(input_shape.to_vec())
    }
    fn forward(&self, x: Tensor, ctx: &mut Context<'_>) -> snackml::Result<(Tensor, Cache)> {
        let y = &x * &self.params[0].value;
        Ok((y, if ctx.is_training() { Cache::new(vec![x]) } else { Cache::empty() }))
    }
    fn backward(&mut self, mut cache: Cache, grad: Tensor, need: bool) -> snackml::Result<Option<Tensor>> {
        let x = cache.take(0, "ScaleAndCount")?;
        self.params[0].grad = (&grad * &x).sum_axis(ndarray::Axis(0));
        self.params[1].value[[0]] += 1.0;
        Ok(need.then(|| &grad * &self.params[0].value))
    }
    fn params(&self) -> &[Param] {
        &self.params
    }
    fn params_mut(&mut self) -> &mut [Param] {
        &mut self.params
    }
}

#[test]
fn weights_that_do_not_train_are_counted_shown_and_left_to_their_layer() {
    let mut m = Sequential::with_seed(1);
    m.set_verbose(Verbose::Silent);
    m.add(Dense::new(4).input_shape(&[3])).unwrap();
    let scale = Param::new("scale", ArrayD::ones(IxDyn(&[4])));
    let count = Param::non_trainable("batches_seen", ArrayD::zeros(IxDyn(&[1])));
    m.add(ScaleAndCount { params: vec![scale, count] }).unwrap();
    m.add(ActivationLayer::softmax()).unwrap();
    m.compile(Loss::CategoricalCrossentropy, SGD::new(0.1), &[Metric::Accuracy]).unwrap();
    assert_eq!((m.count_params(), m.count_trainable_params()), (3 * 4 + 4 + 4 + 1, 3 * 4 + 4 + 4));
    let table = m.summary().unwrap().to_string();
    assert!(table.contains("Total params: 21 (84.00 Byte)"), "{table}");
    assert!(table.contains("Trainable params: 20 (80.00 Byte)"), "{table}");
    assert!(table.contains("Non-trainable params: 1 (4.00 Byte)"), "{table}");

    let x = ArrayD::from_shape_fn(IxDyn(&[4, 3]), |i| (i[0] + i[1]) as f32 / 4.0);
    let y: Array2<f32> = snackml::math::one_hot(&[0, 1, 2, 3], 4).unwrap();
    for _ in 0..3 {
        m.train_on_batch(&x, &y).unwrap();
    }
    let w = m.get_weights();
    assert_eq!(w.len(), 4, "kernel, bias, scale and the count");
    assert_eq!(w[3][[0]], 3.0, "the layer counted its 3 batches; the optimizer did not move the count");
    assert!(w[2].iter().any(|&s| s != 1.0), "the trainable scale moved");
}
