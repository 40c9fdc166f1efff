//! The numbers of `bench/beyond.md` (issue #13): on a snacks-layout folder, at 32 × 32 and
//! 64 × 64,
//!
//! - the first decode of `train/` and `val/` (creating the cached flows);
//! - a learning-rate sweep of logistic regression (Flatten → Dense(20) → softmax, Adam, batch 64,
//!   pixels `x / 127.5 − 1`): 7 rates from 1e-4 to 1e-1 × 10 epochs, validation after each, once
//!   with the copies one after another and once all at once;
//! - one augmented epoch of the cached training flow (rotation 40, shifts 0.2, shear 0.2, zoom
//!   0.2, horizontal flip, fill nearest), in images per second, beside the same epoch without
//!   augmentation.
//!
//! usage: `cargo run --release -p snackml --example beyond -- [DATA_DIR] [RUNS] [SIZES]` (default
//! `../shared/datasets/snacks`, 3 runs, sizes `32,64`). Prints one JSON line per measurement,
//! then medians. A fourth argument `augmentation` skips the sweeps.

use snackml::data::augment::FillMode;
use snackml::data::generator::{DirectoryIterator, FlowOptions, ImageDataGenerator};
use snackml::data::image::normalize_pixels;
use snackml::data::Sequence;
use snackml::model::{log_spaced, SweepOptions, SweepParallelism};
use snackml::prelude::*;
use std::path::Path;
use std::time::Instant;

fn flow(datagen: &ImageDataGenerator, dir: &Path, size: u32, shuffle: bool) -> snackml::Result<DirectoryIterator> {
    let options = FlowOptions::new().target_size(size, size).batch_size(64).shuffle(shuffle).seed(1).verbose(false);
    datagen.flow_from_directory(dir, options)
}

fn logreg(size: usize, classes: usize) -> snackml::Result<Sequential> {
    let mut model = Sequential::with_seed(1);
    model.add(Flatten::with_input_shape(&[size, size, 3]))?;
    model.add(Dense::new(classes))?;
    model.add(ActivationLayer::softmax())?;
    model.compile(Loss::CategoricalCrossentropy, Adam::new(1e-3), &[Metric::Accuracy])?;
    Ok(model)
}

/// Seconds to read every batch of one epoch of `data` (then its end of epoch).
fn epoch_seconds(data: &mut dyn Sequence) -> snackml::Result<f64> {
    let start = Instant::now();
    for i in 0..data.len() {
        std::hint::black_box(data.get(i)?);
    }
    data.on_epoch_end();
    Ok(start.elapsed().as_secs_f64())
}

const SWEEPS: [(&str, SweepParallelism); 2] =
    [("sequential", SweepParallelism::Sequential), ("models", SweepParallelism::Models)];

fn median(values: &[f64]) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

fn main() -> snackml::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let data = Path::new(args.get(1).map_or("../shared/datasets/snacks", String::as_str)).to_path_buf();
    let runs: usize = args.get(2).and_then(|r| r.parse().ok()).unwrap_or(3);
    println!("{{\"threads\": {}, \"data\": {:?}, \"runs\": {runs}}}", rayon::current_num_threads(), data);
    let sizes: Vec<u32> =
        args.get(3).map_or("32,64", String::as_str).split(',').filter_map(|s| s.parse().ok()).collect();
    // A fourth argument `augmentation` times the augmented epochs only.
    let only_augmentation = args.get(4).is_some_and(|a| a == "augmentation");
    let rates = log_spaced(1e-4, 1e-1, 7);
    let mut summary = Vec::new();
    for size in sizes {
        let plain = ImageDataGenerator::new().preprocessing_function(normalize_pixels);
        let start = Instant::now();
        let mut train = flow(&plain, &data.join("train"), size, true)?;
        let mut val = flow(&plain, &data.join("val"), size, false)?;
        let decode = start.elapsed().as_secs_f64();
        println!(
            "{{\"size\": {size}, \"first_decode_s\": {decode:.3}, \"train\": {}, \"val\": {}}}",
            train.samples(),
            val.samples()
        );
        let model = logreg(size as usize, train.num_classes())?;
        let sweeps = if only_augmentation { &[][..] } else { &SWEEPS[..] };
        for &(name, parallelism) in sweeps {
            let mut seconds = Vec::new();
            for run in 0..runs {
                let options = SweepOptions::epochs(10).parallelism(parallelism);
                let sweep = model.learning_rate_sweep(&rates, &mut train, &mut val, options)?;
                let best = sweep.best().map(|r| (r.learning_rate, r.best_epoch()));
                println!(
                    "{{\"size\": {size}, \"sweep\": \"{name}\", \"run\": {}, \"seconds\": {:.3}, \"best\": \"{:?}\"}}",
                    run + 1,
                    sweep.seconds,
                    best
                );
                seconds.push(sweep.seconds);
            }
            summary.push(format!("size {size}: sweep 7 rates x 10 epochs ({name}): median {:.2} s", median(&seconds)));
        }
        let augmented = ImageDataGenerator::new()
            .rotation_range(40.0)
            .width_shift_range(0.2)
            .height_shift_range(0.2)
            .shear_range(0.2)
            .zoom_range(0.2f32)
            .horizontal_flip(true)
            .fill_mode(FillMode::Nearest)
            .preprocessing_function(normalize_pixels);
        let mut aug_train = flow(&augmented, &data.join("train"), size, true)?;
        for (name, data) in [("augmented", &mut aug_train), ("plain", &mut train)] {
            let n = data.samples() as f64;
            let mut rates = Vec::new();
            for run in 0..runs {
                let s = epoch_seconds(data)?;
                println!("{{\"size\": {size}, \"epoch\": \"{name}\", \"run\": {}, \"seconds\": {s:.3}, \"images_per_s\": {:.0}}}", run + 1, n / s);
                rates.push(n / s);
            }
            summary
                .push(format!("size {size}: {name} epoch of the cached flow: median {:.0} images/s", median(&rates)));
        }
    }
    for line in summary {
        println!("{line}");
    }
    Ok(())
}
