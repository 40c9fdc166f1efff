//! The learning-rate sweep on small random data: each run is what `fit` on a copy with that
//! rate gives, the parallel and sequential sweeps agree, a diverging rate is marked and the
//! others go on, and the model swept is left as it was.

use ndarray::{Array2, ArrayD};
use rand::Rng;
use snackml::data::ArrayData;
use snackml::model::{log_spaced, History, SweepOptions, SweepParallelism};
use snackml::prelude::*;

fn data(seed: u64) -> (ArrayD<f32>, Array2<f32>) {
    let mut rng = snackml::seeded_rng(seed);
    let x = Array2::from_shape_fn((48, 6), |_| rng.random::<f32>() * 2.0 - 1.0);
    let labels: Vec<usize> =
        x.rows().into_iter().map(|r| usize::from(r[0] + r[1] > 0.0) + usize::from(r[2] > 0.5)).collect();
    (x.into_dyn(), snackml::math::one_hot(&labels, 3).unwrap())
}

fn model() -> Sequential {
    let mut m = Sequential::with_seed(4);
    m.add(Dense::new(8).input_shape(&[6]).activation(snackml::activations::Activation::Relu)).unwrap();
    m.add(Dropout::new(0.2)).unwrap();
    m.add(Dense::new(3)).unwrap();
    m.add(ActivationLayer::softmax()).unwrap();
    m.compile(Loss::CategoricalCrossentropy, Adam::new(1e-3), &[Metric::Accuracy]).unwrap();
    m.set_verbose(Verbose::Silent);
    m
}

fn flows() -> (ArrayData, ArrayData) {
    let (x, y) = data(1);
    let (xv, yv) = data(2);
    (ArrayData::new(x, Some(y), 10).unwrap().shuffle(7), ArrayData::new(xv, Some(yv), 16).unwrap())
}

fn without_times(h: &History) -> History {
    History { seconds: Vec::new(), ..h.clone() }
}

#[test]
fn each_run_is_fit_on_a_copy_with_that_rate() {
    let base = model();
    let before = base.get_weights();
    let rates = log_spaced(1e-3, 1e-1, 3);
    let (mut train, mut val) = flows();
    let sweep = base.learning_rate_sweep(&rates, &mut train, &mut val, SweepOptions::epochs(4)).unwrap();
    assert_eq!(base.get_weights(), before, "the swept model is unchanged");
    for (run, &rate) in sweep.runs.iter().zip(&rates) {
        let mut copy = base.clone();
        copy.set_learning_rate(rate).unwrap();
        let (mut train, mut val) = flows();
        let h = copy.fit(&mut train, &mut val, 4).unwrap();
        assert_eq!(run.learning_rate, rate);
        assert_eq!(without_times(&run.history), without_times(&h), "rate {rate}");
        assert!(run.diverged.is_none());
    }
    assert_ne!(sweep.runs[0].history.get("val_loss"), sweep.runs[2].history.get("val_loss"));
    assert!(sweep.best().is_some());
}

#[test]
fn parallel_and_sequential_sweeps_agree() {
    let rates = [1e-3, 1e-2, 3e-2];
    let run = |parallelism| {
        let (mut train, mut val) = flows();
        let options = SweepOptions::epochs(3).parallelism(parallelism);
        let sweep = model().learning_rate_sweep(&rates, &mut train, &mut val, options).unwrap();
        sweep.runs.iter().map(|r| without_times(&r.history)).collect::<Vec<_>>()
    };
    assert_eq!(run(SweepParallelism::Sequential), run(SweepParallelism::Models));
}

#[test]
fn a_diverging_rate_is_marked_and_the_others_go_on() {
    let mut m = model();
    m.compile(Loss::CategoricalCrossentropy, SGD::new(0.01), &[Metric::Accuracy]).unwrap();
    let (mut train, _) = flows();
    let sweep = m.learning_rate_sweep(&[1e-2, 1e38], &mut train, None, SweepOptions::epochs(3)).unwrap();
    assert_eq!(sweep.runs[0].history.len(), 3);
    assert!(sweep.runs[0].diverged.is_none());
    let diverged = sweep.runs[1].diverged.as_deref().expect("1e38 diverges");
    assert!(diverged.contains("the loss became"), "{diverged}");
    assert!(sweep.runs[1].history.len() < 3);
    assert_eq!(sweep.best().unwrap().learning_rate, 1e-2);
    assert!(!snackml::display::plot_sweep(&sweep).is_error());
}

#[test]
fn wrong_use_is_an_error() {
    let (mut train, _) = flows();
    let mut uncompiled = Sequential::with_seed(1);
    uncompiled.add(Dense::new(3).input_shape(&[6])).unwrap();
    assert!(uncompiled.learning_rate_sweep(&[1e-3], &mut train, None, SweepOptions::epochs(1)).is_err());
    assert!(model().learning_rate_sweep(&[], &mut train, None, SweepOptions::epochs(1)).is_err());
    assert!(model().learning_rate_sweep(&[-1.0], &mut train, None, SweepOptions::epochs(1)).is_err());
    assert!(model().learning_rate_sweep(&[f32::NAN], &mut train, None, SweepOptions::epochs(1)).is_err());
}
