//! Reading Keras's fixtures (`tests/fixtures/keras/*.json`, computed by tf_keras; each file's
//! "about" says what it holds) and comparing with them: `|a − b| ≤ 1e-6 + 1e-5·|b|`, what two
//! float32 implementations of the same formulas can be expected to agree to.

#![allow(dead_code)]

use ndarray::{Array2, ArrayD, Dimension, Ix2, IxDyn};
use serde_json::Value;
use std::path::PathBuf;

pub const ABS_TOL: f64 = 1e-6;
pub const REL_TOL: f64 = 1e-5;

/// The fixtures, copied into the repository so that every clone tests against them.
pub fn fixture_dir() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/keras"))
}

/// The parsed fixture (a missing one fails the test: they are part of the repository).
pub fn load(name: &str) -> Value {
    let path = fixture_dir().join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("Keras fixture {}: {e}", path.display()));
    serde_json::from_str(&text).expect("fixture is valid JSON")
}

/// A nested JSON list of numbers as an f32 tensor of the same shape.
pub fn tensor(v: &Value) -> ArrayD<f32> {
    fn shape_of(v: &Value, shape: &mut Vec<usize>) {
        if let Value::Array(items) = v {
            shape.push(items.len());
            if let Some(first) = items.first() {
                shape_of(first, shape);
            }
        }
    }
    fn flatten(v: &Value, out: &mut Vec<f32>) {
        match v {
            Value::Array(items) => items.iter().for_each(|i| flatten(i, out)),
            Value::Number(n) => out.push(n.as_f64().expect("a number") as f32),
            other => panic!("not a number: {other}"),
        }
    }
    let mut shape = Vec::new();
    shape_of(v, &mut shape);
    let mut data = Vec::new();
    flatten(v, &mut data);
    ArrayD::from_shape_vec(IxDyn(&shape), data).expect("a rectangular nested list")
}

pub fn matrix(v: &Value) -> Array2<f32> {
    tensor(v).into_dimensionality::<Ix2>().expect("a 2-D list")
}

pub fn tensors(v: &Value) -> Vec<ArrayD<f32>> {
    v.as_array().expect("a list of tensors").iter().map(tensor).collect()
}

pub fn number(v: &Value) -> f64 {
    v.as_f64().expect("a number")
}

/// Tracks the largest relative error seen, and fails on the first value out of tolerance.
#[derive(Default)]
pub struct Checker {
    /// Largest relative error among values with |Keras| ≥ 1e-3 (smaller ones pass on ABS_TOL).
    max_rel: f64,
    max_abs: f64,
    /// Largest share of the tolerance any value used: how close the nearest one came to failing.
    max_share: f64,
    count: usize,
}

impl Checker {
    pub fn close(&mut self, what: &str, got: f64, want: f64) {
        assert!(got.is_finite(), "{what}: got {got}, want {want}");
        let diff = (got - want).abs();
        assert!(diff <= ABS_TOL + REL_TOL * want.abs(), "{what}: got {got}, Keras has {want} (diff {diff:e})");
        if want.abs() >= 1e-3 {
            self.max_rel = self.max_rel.max(diff / want.abs());
        }
        self.max_abs = self.max_abs.max(diff);
        self.max_share = self.max_share.max(diff / (ABS_TOL + REL_TOL * want.abs()));
        self.count += 1;
    }

    pub fn all_close(&mut self, what: &str, got: &ArrayD<f32>, want: &ArrayD<f32>) {
        assert_eq!(got.shape(), want.shape(), "{what}: shapes differ");
        for ((idx, &g), &w) in got.indexed_iter().zip(want.iter()) {
            self.close(&format!("{what}{:?}", idx.slice()), g as f64, w as f64);
        }
    }

    pub fn report(&self, what: &str) {
        eprintln!(
            "{what}: {} values within tolerance (the nearest used {:.0}% of it), max relative error {:.3e} \
             (values ≥ 1e-3), max absolute error {:.3e}",
            self.count,
            100.0 * self.max_share,
            self.max_rel,
            self.max_abs
        );
    }
}
