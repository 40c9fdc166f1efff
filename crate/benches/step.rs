//! One training step of the chapter's models, against the machine's matrix-multiply peak and
//! against Keras's `train_on_batch` measured back to back on the same machine.
//!
//! `cargo bench -p snackml --bench step` prints, for batch 64 of 32×32×3 inputs:
//! - the GEMM peak our matrix product reaches on large square matrices (all cores);
//! - one `train_on_batch` of logistic regression (3072→20) and of the two-layer network
//!   (3072→500→20), as a median over many steps, in ms and GFLOP/s;
//! - if `KERAS_PYTHON` names a Python with tensorflow-cpu and tf-keras, the same steps in Keras
//!   (`bench/keras_step.py`), and the ratios.
//!
//! Medians, because these machines are shared and noisy.

use snackml::math::matmul;
use snackml::prelude::*;
use std::time::Instant;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

/// Median seconds of `f` over `runs` runs after `warm` warm-up runs.
fn time(warm: usize, runs: usize, mut f: impl FnMut()) -> f64 {
    for _ in 0..warm {
        f();
    }
    median(
        (0..runs)
            .map(|_| {
                let t = Instant::now();
                f();
                t.elapsed().as_secs_f64()
            })
            .collect(),
    )
}

fn gemm_peak() -> f64 {
    let mut best = 0.0f64;
    for n in [1024usize, 2048] {
        let a = ndarray::Array2::from_shape_fn((n, n), |(i, j)| ((i * 7 + j * 3) % 11) as f32 * 0.1);
        let b = ndarray::Array2::from_shape_fn((n, n), |(i, j)| ((i * 5 + j) % 13) as f32 * 0.1);
        let s = time(2, 7, || {
            std::hint::black_box(matmul(a.view(), b.view()).expect("shapes fit"));
        });
        let gf = 2.0 * (n * n * n) as f64 / s / 1e9;
        println!("gemm {n}x{n}x{n}: {:.1} ms, {gf:.1} GFLOP/s", s * 1e3);
        best = best.max(gf);
    }
    best
}

/// Multiply-adds of one step: forward x·W for each Dense, backward xᵀ·∂z for each, and ∂z·Wᵀ for all
/// but the first (its input gradient is never needed).
fn step_flops(sizes: &[usize], batch: usize) -> f64 {
    let mut flops = 0.0;
    for (i, w) in sizes.windows(2).enumerate() {
        let mm = 2.0 * (batch * w[0] * w[1]) as f64;
        flops += if i == 0 { 2.0 * mm } else { 3.0 * mm };
    }
    flops
}

fn step(hidden: Option<usize>) -> Result<(f64, f64)> {
    let batch = 64;
    let mut model = Sequential::with_seed(1);
    model.add(Flatten::with_input_shape(&[32, 32, 3]))?;
    let mut sizes = vec![3072];
    if let Some(h) = hidden {
        model.add(Dense::new(h).activation(Activation::Relu))?;
        sizes.push(h);
    }
    model.add(Dense::new(20))?;
    model.add(ActivationLayer::softmax())?;
    sizes.push(20);
    model.compile(Loss::CategoricalCrossentropy, Adam::new(1e-3), &[Metric::Accuracy])?;
    let x = ndarray::Array4::from_shape_fn((batch, 32, 32, 3), |(b, i, j, c)| {
        (((b * 31 + i * 7 + j * 3 + c) % 17) as f32) / 8.5 - 1.0
    })
    .into_dyn();
    let y = snackml::math::one_hot(&(0..batch).map(|i| i % 20).collect::<Vec<_>>(), 20)?;
    let s = time(20, 200, || {
        model.train_on_batch(&x, &y).expect("step");
    });
    Ok((s, step_flops(&sizes, batch) / s / 1e9))
}

/// Runs `bench/keras_step.py` with `KERAS_PYTHON` and returns its (logreg ms, mlp ms).
fn keras() -> Option<(f64, f64)> {
    let python = std::env::var("KERAS_PYTHON").ok()?;
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../bench/keras_step.py");
    let out = std::process::Command::new(python).arg(script).output().ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let v: serde_json::Value = serde_json::from_str(text.lines().last()?).ok()?;
    Some((v["logreg_ms"].as_f64()?, v["mlp500_ms"].as_f64()?))
}

/// Where the two-layer step's time goes: its two big matrix products and the Adam update.
fn breakdown() {
    use snackml::layers::Param;
    use snackml::optimizers::{Optimizer, ParamRef};
    let x = ndarray::Array2::from_shape_fn((64, 3072), |(i, j)| ((i * 7 + j * 3) % 11) as f32 * 0.1);
    let w = ndarray::Array2::from_shape_fn((3072, 500), |(i, j)| ((i * 5 + j) % 13) as f32 * 0.01);
    let dz = ndarray::Array2::from_shape_fn((64, 500), |(i, j)| ((i + j) % 7) as f32 * 0.01);
    let fwd = time(10, 100, || {
        std::hint::black_box(matmul(x.view(), w.view()).expect("shapes fit"));
    });
    let dw = time(10, 100, || {
        std::hint::black_box(matmul(x.t(), dz.view()).expect("shapes fit"));
    });
    let mut params =
        [Param::new("kernel", w.clone().into_dyn()), Param::new("bias", ndarray::Array1::zeros(500).into_dyn())];
    params[0].grad.fill(1e-3);
    let mut adam = Adam::new(1e-3);
    let opt = time(10, 100, || {
        let mut refs: Vec<ParamRef<'_>> =
            params.iter_mut().map(|p| ParamRef { key: p.name.to_string(), param: p }).collect();
        adam.apply(&mut refs).expect("same shapes every step");
    });
    let gf = |s: f64| 2.0 * 64.0 * 3072.0 * 500.0 / s / 1e9;
    println!(
        "  of which: x·W {:.3} ms ({:.0} GFLOP/s), xᵀ·∂z {:.3} ms ({:.0} GFLOP/s), Adam on 1.5M weights {:.3} ms",
        fwd * 1e3,
        gf(fwd),
        dw * 1e3,
        gf(dw),
        opt * 1e3
    );
}

fn main() -> Result<()> {
    println!("threads: {}", rayon::current_num_threads());
    let peak = gemm_peak();
    let (lr_s, lr_gf) = step(None)?;
    let (mlp_s, mlp_gf) = step(Some(500))?;
    println!("train_on_batch logreg 64x3072->20:      {:.3} ms ({lr_gf:.1} GFLOP/s)", lr_s * 1e3);
    println!(
        "train_on_batch mlp 64x3072->500->20:    {:.3} ms ({mlp_gf:.1} GFLOP/s, {:.0}% of the measured GEMM peak {peak:.1})",
        mlp_s * 1e3,
        100.0 * mlp_gf / peak
    );
    breakdown();
    match keras() {
        Some((k_lr, k_mlp)) => {
            println!("keras train_on_batch logreg: {k_lr:.3} ms  -> snackml is {:.1}x faster", k_lr / (lr_s * 1e3));
            println!("keras train_on_batch mlp:    {k_mlp:.3} ms  -> snackml is {:.1}x faster", k_mlp / (mlp_s * 1e3));
        }
        None => println!("(set KERAS_PYTHON to a python with tensorflow-cpu and tf-keras to compare with Keras)"),
    }
    Ok(())
}
