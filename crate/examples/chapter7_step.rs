//! One training step of the book's convnet (chapter 7), timed as `keras_ch7.py --steps-only`
//! times Keras's: a random batch of 64 images in [−1, 1) with random one-hot labels over 20
//! classes, 3 warm-up steps, then the median of 10 `train_on_batch` calls. Prints the same JSON
//! line (`{"phase": "step", "size": S, "batch": 64, "params": 1177396, "seconds": …}`), plus the
//! step's GFLOP/s (forward FLOPs × 3 × batch).
//!
//! `cargo run --release -p snackml --example chapter7_step -- --size 64`

use rand::Rng;
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
