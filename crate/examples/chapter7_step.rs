//! One training step of the book's convnet (chapter 7), timed as `keras_ch7.py --steps-only`
//! times Keras's: a random batch of 64 images in [−1, 1) with random one-hot labels over 20
//! classes, 3 warm-up steps, then the median of 10 `train_on_batch` calls. Prints the same JSON
//! line (`{"phase": "step", "size": S, "batch": 64, "params": 1177396, "seconds": …}`), plus the
//! step's GFLOP/s (forward FLOPs × 3 × batch).
//!
//! `cargo run --release -p snackml --example chapter7_step -- --size 64`
//!
//! With `--layers`, prints instead where a step goes: each layer's forward and backward time.

use rand::Rng;
use snackml::layers::Context;
use snackml::prelude::*;
use std::time::Instant;

fn main() -> snackml::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str, default: usize| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let (size, batch, steps) = (arg("--size", 64), arg("--batch-size", 64), arg("--steps", 10));
    let mut model = snackml::model::chapter7_convnet(size, 20, 0)?;
    model.set_verbose(Verbose::Silent);
    model.compile(Loss::CategoricalCrossentropy, Adam::new(1e-3), &[Metric::Accuracy])?;
    let mut rng = snackml::seeded_rng(0);
    let x = Tensor::from_shape_simple_fn(vec![batch, size, size, 3], || rng.random_range(-1.0f32..1.0));
    if args.iter().any(|a| a == "--layers") {
        return layer_times(&mut model, &x, steps);
    }
    let labels: Vec<usize> = (0..batch).map(|_| rng.random_range(0..20)).collect();
    let y = snackml::math::one_hot(&labels, 20)?;
    for _ in 0..3 {
        model.train_on_batch(&x, &y)?;
    }
    let mut times: Vec<f64> = (0..steps)
        .map(|_| {
            let t = Instant::now();
            model.train_on_batch(&x, &y).map(|_| t.elapsed().as_secs_f64())
        })
        .collect::<snackml::Result<_>>()?;
    times.sort_by(f64::total_cmp);
    let median = times[times.len() / 2];
    let flops = snackml::model::forward_flops(&model) * 3.0 * batch as f64;
    println!(
        "{{\"phase\": \"step\", \"size\": {size}, \"batch\": {batch}, \"params\": {}, \"seconds\": {median}, \"min\": {}, \"max\": {}, \"gflop_per_s\": {:.1}}}",
        model.count_params(),
        times[0],
        times[times.len() - 1],
        flops / median / 1e9
    );
    Ok(())
}

/// `--layers`: the median time of each layer's forward pass (training mode, a fused activation
/// included) and backward pass over `steps` steps on `x`, after 2 warm-ups.
fn layer_times(model: &mut Sequential, x: &Tensor, steps: usize) -> snackml::Result<()> {
    let layers = model.layers_mut();
    let mut times = vec![(Vec::new(), Vec::new()); layers.len()];
    for step in 0..steps + 2 {
        let mut h = x.clone();
        let mut tape = Vec::new();
        for (i, node) in layers.iter_mut().enumerate() {
            let t = Instant::now();
            let (z, cache) = node.layer_mut().forward(h, &mut Context::training_deterministic())?;
            let fused = node.layer().fuses_activation();
            let y = if fused { z } else { node.layer().activation().forward(z) };
            let kept = if fused { None } else { Some(y.clone()) };
            if step >= 2 {
                times[i].0.push(t.elapsed().as_secs_f64());
            }
            tape.push((cache, kept));
            h = y;
        }
        let mut g = h.mapv(|v| v * 1e-3);
        for (i, (node, (cache, y))) in layers.iter_mut().zip(tape).enumerate().rev() {
            let t = Instant::now();
            if let Some(y) = y {
                g = node.layer().activation().backward(&y, g)?;
            }
            let next = node.layer_mut().backward(cache, g, i > 0)?;
            if step >= 2 {
                times[i].1.push(t.elapsed().as_secs_f64());
            }
            match next {
                Some(n) => g = n,
                None => break,
            }
        }
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v.get(v.len() / 2).copied().unwrap_or(0.0) * 1e3
    };
    let (mut f_total, mut b_total) = (0.0, 0.0);
    for (node, (f, b)) in layers.iter().zip(times.iter_mut()) {
        let (f, b) = (median(f), median(b));
        f_total += f;
        b_total += b;
        println!("{:<28} forward {f:7.1} ms  backward {b:7.1} ms", node.name());
    }
    println!("{:<28} forward {f_total:7.1} ms  backward {b_total:7.1} ms", "total");
    Ok(())
}
