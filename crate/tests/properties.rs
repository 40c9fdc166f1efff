//! Properties that must hold for any input, checked on many random cases with proptest:
//! softmax and the losses never produce NaN or infinity for finite numbers, and any small model
//! survives save → load unchanged.

use ndarray::{Array2, ArrayD, Dimension, IxDyn};
use proptest::prelude::*;
use snackml::activations::Activation;
use snackml::layers::{ActivationLayer, Dense, Flatten};
use snackml::losses;
use snackml::model::Sequential;

/// Any finite f32, from subnormals to ±f32::MAX, mixed with ordinary values.
fn finite_f32() -> impl Strategy<Value = f32> + Clone {
    prop_oneof![
        -10.0f32..10.0,
        prop::num::f32::NORMAL | prop::num::f32::SUBNORMAL | prop::num::f32::ZERO,
        Just(f32::MAX),
        Just(-f32::MAX),
        Just(1000.0f32),
        Just(-1000.0f32),
    ]
}

/// A batch of 1–5 rows of 1–8 values drawn from `values`.
fn matrix(values: impl Strategy<Value = f32> + Clone) -> impl Strategy<Value = Array2<f32>> {
    (1usize..6, 1usize..9).prop_flat_map(move |(n, k)| {
        prop::collection::vec(values.clone(), n * k).prop_map(move |v| Array2::from_shape_vec((n, k), v).unwrap())
    })
}

/// One-hot labels for a batch shaped like `z`, from arbitrary class picks.
fn labels_for(z: &Array2<f32>, picks: &[usize]) -> Array2<f32> {
    let ids: Vec<usize> = (0..z.nrows()).map(|i| picks[i % picks.len()] % z.ncols()).collect();
    snackml::math::one_hot(&ids, z.ncols()).unwrap()
}

fn activation() -> impl Strategy<Value = Activation> {
    prop_oneof![Just(Activation::Linear), Just(Activation::Relu), Just(Activation::Sigmoid), Just(Activation::Softmax)]
}

proptest! {
    /// Softmax rows are probabilities (finite, in [0, 1], summing to 1) for any finite logits.
    #[test]
    fn softmax_rows_sum_to_one(z in matrix(finite_f32())) {
        let p = snackml::math::softmax(&z);
        for row in p.rows() {
            prop_assert!(row.iter().all(|v| v.is_finite() && (0.0..=1.0).contains(v)), "{row}");
            let s: f32 = row.sum();
            prop_assert!((s - 1.0).abs() < 1e-5, "row sums to {s}: {row}");
        }
        // the Activation and the in-place version agree with it
        prop_assert_eq!(Activation::Softmax.forward(z.clone()), p);
    }

    /// Sigmoid is finite and in [0, 1] for any finite input.
    #[test]
    fn sigmoid_is_bounded(z in matrix(finite_f32())) {
        let p = Activation::Sigmoid.forward(z);
        prop_assert!(p.iter().all(|v| v.is_finite() && (0.0..=1.0).contains(v)));
    }

    /// The clipped categorical cross-entropy of softmax outputs, and its gradient, are finite,
    /// never negative and never above −ln(1e-7) for any finite logits.
    #[test]
    fn crossentropy_of_softmax_is_finite(z in matrix(finite_f32()), picks in prop::collection::vec(0usize..100, 1..6)) {
        let y = labels_for(&z, &picks);
        let p = snackml::math::softmax(&z);
        let l = losses::categorical_crossentropy(&y, &p).unwrap();
        let cap = -losses::EPSILON.ln() + 1e-4;
        prop_assert!(l.iter().all(|v| v.is_finite() && *v >= 0.0 && *v <= cap), "{l}");
        prop_assert!(losses::categorical_crossentropy_grad(&y, &p).unwrap().iter().all(|v| v.is_finite()));
    }

    /// Cross-entropy from logits (what the model uses after a softmax) and its gradient are finite
    /// and never negative for logits up to ±1e30 (beyond, log-sum-exp − z itself overflows f32).
    #[test]
    fn crossentropy_from_logits_is_finite(z in matrix(-1e30f32..1e30), picks in prop::collection::vec(0usize..100, 1..6)) {
        let y = labels_for(&z, &picks);
        let (l, g) = losses::categorical_crossentropy_from_logits(&y, z.view()).unwrap();
        prop_assert!(l.iter().all(|v| v.is_finite() && *v >= 0.0), "{l}");
        prop_assert!(g.iter().all(|v| v.is_finite()), "{g}");
    }

    /// Binary cross-entropy and its gradient are finite for any probabilities in [0, 1].
    #[test]
    fn binary_crossentropy_is_finite(p in matrix(0.0f32..=1.0), picks in prop::collection::vec(0usize..2, 1..40)) {
        let y = Array2::from_shape_fn(p.dim(), |(i, j)| picks[(i * p.ncols() + j) % picks.len()] as f32);
        let (mean, grad) = losses::Loss::BinaryCrossentropy.mean_and_grad(&y, &p).unwrap();
        prop_assert!(mean.is_finite() && mean >= 0.0);
        prop_assert!(grad.iter().all(|v| v.is_finite()));
    }
}

/// One layer of a random architecture (after the Flatten).
#[derive(Clone, Debug)]
enum LayerSpec {
    Dense(usize, Activation),
    Activation(Activation),
}

fn layer_spec() -> impl Strategy<Value = LayerSpec> {
    prop_oneof![
        3 => (1usize..7, activation()).prop_map(|(u, a)| LayerSpec::Dense(u, a)),
        1 => activation().prop_map(LayerSpec::Activation),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Any small model (random input shape, depth, units and activations) comes back from
    /// save → load with the same weights and bit-identical predictions.
    #[test]
    fn save_load_predict_identical(
        shape in prop::collection::vec(1usize..5, 1..4),
        specs in prop::collection::vec(layer_spec(), 1..5),
        seed in any::<u64>(),
    ) {
        let mut model = Sequential::with_seed(seed);
        model.add(Flatten::with_input_shape(&shape)).unwrap();
        for s in &specs {
            match *s {
                LayerSpec::Dense(u, a) => model.add(Dense::new(u).activation(a)).unwrap(),
                LayerSpec::Activation(a) => model.add(ActivationLayer::new(a)).unwrap(),
            };
        }
        let mut full = vec![3];
        full.extend(&shape);
        let x = ArrayD::from_shape_fn(IxDyn(&full), |i| {
            let k: usize = i.slice().iter().enumerate().map(|(d, &v)| (d + 1) * 7 * v).sum();
            ((k % 11) as f32 - 5.0) / 3.0
        });
        let want = model.predict(&x).unwrap();

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.snackml");
        model.save(&path).unwrap();
        let loaded = Sequential::load(&path).unwrap();
        prop_assert_eq!(loaded.get_weights(), model.get_weights());
        prop_assert_eq!(loaded.predict(&x).unwrap(), want);
        prop_assert_eq!(loaded.summary().unwrap(), model.summary().unwrap());
    }
}

/// A matrix of 0–4 rows and 0–4 columns (empty ones included), values in [0, 1].
fn any_matrix() -> impl Strategy<Value = Array2<f32>> {
    (0usize..5, 0usize..5).prop_flat_map(|(n, k)| {
        prop::collection::vec(0.0f32..=1.0, n * k).prop_map(move |v| Array2::from_shape_vec((n, k), v).unwrap())
    })
}

/// A tensor of rank 0–4, each dimension 0–3.
fn any_tensor() -> impl Strategy<Value = ArrayD<f32>> {
    prop::collection::vec(0usize..4, 0..5).prop_flat_map(|shape| {
        let len: usize = shape.iter().product();
        prop::collection::vec(-3.0f32..3.0, len).prop_map(move |v| ArrayD::from_shape_vec(IxDyn(&shape), v).unwrap())
    })
}

/// Whether two matrices have the same shape (what every pairwise function requires).
fn same(a: &Array2<f32>, b: &Array2<f32>) -> bool {
    a.dim() == b.dim()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    /// Every public loss, metric and regulariser, called with labels and predictions of any two
    /// shapes (empty ones included), returns an error exactly when the shapes differ, and never
    /// panics (issue #24).
    #[test]
    fn losses_and_metrics_take_any_shapes_without_panicking(y in any_matrix(), p in any_matrix(), k in 0usize..6) {
        use snackml::losses::Loss;
        use snackml::metrics::{self, Metric, MetricsContainer};
        let fits = same(&y, &p);
        for loss in [Loss::CategoricalCrossentropy, Loss::BinaryCrossentropy] {
            prop_assert_eq!(loss.per_sample(&y, &p).is_ok(), fits);
            prop_assert_eq!(loss.mean_and_grad(&y, &p).is_ok(), fits);
            prop_assert_eq!(loss.per_sample_and_grad(&y, &p).is_ok(), fits);
        }
        prop_assert_eq!(losses::categorical_crossentropy(&y, &p).is_ok(), fits);
        prop_assert_eq!(losses::categorical_crossentropy_grad(&y, &p).is_ok(), fits);
        prop_assert_eq!(losses::categorical_crossentropy_from_logits(&y, p.view()).is_ok(), fits);
        prop_assert_eq!(losses::binary_crossentropy(&y, &p).is_ok(), fits);
        prop_assert_eq!(losses::binary_crossentropy_grad(&y, &p).is_ok(), fits);
        prop_assert_eq!(metrics::categorical_correct(&y, &p).is_ok(), fits);
        prop_assert_eq!(metrics::categorical_accuracy(&y, &p).is_ok(), fits);
        prop_assert_eq!(metrics::binary_accuracy(&y, &p).is_ok(), fits);
        prop_assert_eq!(metrics::top_k::top_k_correct(&y, &p, k).is_ok(), fits);
        prop_assert_eq!(metrics::top_k_categorical_accuracy(&y, &p, k).is_ok(), fits);
        for row in p.rows() {
            let _ = metrics::in_top_k(row, k, k);
        }
        let all = [Metric::Accuracy, Metric::top_k(k.max(1)), Metric::Precision, Metric::Recall];
        for loss in [Loss::CategoricalCrossentropy, Loss::BinaryCrossentropy] {
            let mut c = MetricsContainer::new(&all, loss).unwrap();
            prop_assert_eq!(c.update(1.0, y.view(), p.view()).is_ok(), fits);
            prop_assert!(c.logs("").get("loss").is_some());
        }
        prop_assert_eq!(Metric::top_k(k).state(Loss::CategoricalCrossentropy).is_ok(), k > 0);

        let labels: Vec<usize> = y.iter().map(|&v| (v * 5.0) as usize).collect();
        let predicted: Vec<usize> = p.iter().map(|&v| (v * 5.0) as usize).collect();
        if let Ok(c) = metrics::confusion_matrix(&labels, &predicted, k) {
            let _ = metrics::most_confused_pairs(&c, k);
        }
        let _ = metrics::classification_report::<&str>(&labels, &predicted, &[]);
        let _ = metrics::most_confident_mistakes(&p, &labels, k);

        let l2 = snackml::regularizers::L2::new(0.01);
        let (w, mut g) = (y.clone().into_dyn(), p.clone().into_dyn());
        prop_assert!(l2.penalty(&w).is_finite());
        prop_assert_eq!(l2.add_grad(&w, &mut g).is_ok(), fits);
    }

    /// Every activation takes a tensor of any rank and shape forward, and its backward pass errs
    /// exactly when the gradient's shape is not the output's.
    #[test]
    fn activations_take_any_rank_without_panicking(z in any_tensor(), g in any_tensor(), a in activation()) {
        let y = a.forward(z.clone());
        prop_assert_eq!(y.shape(), z.shape());
        prop_assert_eq!(a.backward(&y, g.clone()).is_ok(), g.shape() == y.shape());
        prop_assert!(a.backward(&y, y.clone()).is_ok());
        let _ = snackml::math::softmax(&z);
    }
}
