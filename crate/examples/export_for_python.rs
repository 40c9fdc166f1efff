//! Builds the chapter's two models and two small convnets, trains them a few steps, and writes what
//! `scripts/test_python_interop.py` checks from Python: for each model the crate's own file
//! (`NAME.snackml`, safetensors) and the ONNX export (`NAME.onnx`), and `predictions.json` with
//! a batch of inputs and `predict`'s probabilities for it, the class names, and the time and
//! size of each export.
//!
//! `cargo run -p snackml --features onnx --example export_for_python -- OUTDIR`
//!
//! The photos are the real snacks (`../shared/datasets/snacks` beside the repository, 20
//! classes) at 32 × 32 when they are there: 8 training batches of 32 from `train`, the input batch
//! 48 photos of `test`. Otherwise the inputs are a seeded random batch; the output says which.

use snackml::data::generator::{FlowOptions, ImageDataGenerator};
use snackml::data::image::normalize_pixels;
use snackml::data::Sequence;
use snackml::model::OnnxOptions;
use snackml::prelude::*;
use snackml::rand::Rng;
use std::path::{Path, PathBuf};
use std::time::Instant;

const SIDE: u32 = 32;
const CLASSES: usize = 20;
const TRAIN_STEPS: usize = 8;
const BATCH: usize = 32;
const TEST_SAMPLES: usize = 48;

/// Training batches, the input batch, the class names and where they came from.
struct Data {
    train: Vec<(Tensor, ndarray::Array2<f32>)>,
    x: Tensor,
    class_names: Vec<String>,
    source: String,
}

/// The real photos: a few shuffled training batches, and the first test photos in a shuffled order.
fn photos(snacks: &Path) -> Result<Data> {
    let datagen = ImageDataGenerator::new().preprocessing_function(normalize_pixels);
    // Streaming (cache budget 0): only the batches asked for are decoded.
    let options = FlowOptions::new().target_size(SIDE, SIDE).cache_budget(0).verbose(false).seed(7);
    let mut train = datagen.flow_from_directory(snacks.join("train"), options.clone().batch_size(BATCH))?;
    let mut test = datagen.flow_from_directory(snacks.join("test"), options.batch_size(TEST_SAMPLES))?;
    let batches: Result<Vec<_>> = (0..TRAIN_STEPS)
        .map(|i| train.get(i).and_then(|b| Ok((b.x.clone(), b.one_hot(train.num_classes())?))))
        .collect();
    Ok(Data {
        train: batches?,
        x: test.get(0)?.x,
        class_names: train.index_to_class(),
        source: format!(
            "snacks photos from {} ({} classes, {SIDE}x{SIDE}, triangle filter, normalize_pixels)",
            snacks.display(),
            train.num_classes()
        ),
    })
}

/// A seeded random batch in the range of `normalize_pixels`, with random labels.
fn random() -> Data {
    let mut rng = snackml::seeded_rng(11);
    let mut draw = |n: usize| {
        let x = Tensor::from_shape_simple_fn(ndarray::IxDyn(&[n, SIDE as usize, SIDE as usize, 3]), || {
            rng.random_range(-1.0..=1.0)
        });
        let mut y = ndarray::Array2::zeros((n, CLASSES));
        (0..n).for_each(|i| y[[i, (i * 7 + n) % CLASSES]] = 1.0);
        (x, y)
    };
    Data {
        train: (0..TRAIN_STEPS).map(|_| draw(BATCH)).collect(),
        x: draw(TEST_SAMPLES).0,
        class_names: (0..CLASSES).map(|i| format!("class_{i}")).collect(),
        source: "a seeded random batch (no snacks photos found)".into(),
    }
}

/// Logistic regression and the 500-unit network, as in the chapter.
fn models() -> Result<Vec<(&'static str, Sequential)>> {
    let input = [SIDE as usize, SIDE as usize, 3];
    let mut logreg = Sequential::with_seed(1);
    logreg.add(Flatten::with_input_shape(&input))?;
    logreg.add(Dense::new(CLASSES))?;
    logreg.add(ActivationLayer::softmax())?;
    let mut net = Sequential::with_seed(2);
    net.add(Flatten::with_input_shape(&input))?;
    net.add(Dense::new(500).activation(Activation::Relu))?;
    net.add(Dense::new(CLASSES))?;
    net.add(ActivationLayer::softmax())?;
    // Every layer the ONNX export covers for convnets: Conv2D (same and valid, strides 1 and 2),
    // BatchNormalization after a convolution and after a Dense layer (moving statistics moved by
    // the training steps), MaxPooling2D and AveragePooling2D (valid and same on an odd size), and
    // both global poolings.
    let mut convnet = Sequential::with_seed(3);
    convnet.add(Conv2D::new(8, 3).padding(Padding::Same).activation(Activation::Relu).input_shape(&input))?;
    convnet.add(BatchNormalization::new())?;
    convnet.add(MaxPooling2D::new(2))?;
    convnet.add(Conv2D::new(16, 3).strides(2).activation(Activation::Relu))?;
    convnet.add(AveragePooling2D::new(2).padding(Padding::Same))?;
    convnet.add(GlobalAveragePooling2D::new())?;
    convnet.add(Dense::new(CLASSES))?;
    convnet.add(ActivationLayer::softmax())?;
    let mut convnet_max = Sequential::with_seed(4);
    convnet_max.add(Conv2D::new(6, 5).strides(2).padding(Padding::Same).input_shape(&input))?;
    convnet_max.add(MaxPooling2D::new(3).strides(2).padding(Padding::Same))?;
    convnet_max.add(AveragePooling2D::new(2))?;
    convnet_max.add(GlobalMaxPooling2D::new())?;
    convnet_max.add(Dense::new(16).activation(Activation::Relu))?;
    convnet_max.add(BatchNormalization::new())?;
    convnet_max.add(Dense::new(CLASSES).activation(Activation::Softmax))?;
    Ok(vec![("logreg", logreg), ("net500", net), ("convnet", convnet), ("convnet_max", convnet_max)])
}

fn main() -> Result<()> {
    let out = std::env::args().nth(1).map(PathBuf::from).ok_or_else(|| {
        Error::InvalidArgument("usage: cargo run --features onnx --example export_for_python -- OUTDIR".into())
    })?;
    std::fs::create_dir_all(&out).map_err(|e| Error::path(&out, e))?;
    let snacks = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/datasets/snacks");
    let data = match snacks.canonicalize() {
        Ok(snacks) if snacks.join("train").is_dir() && snacks.join("test").is_dir() => photos(&snacks)?,
        _ => random(),
    };
    println!("inputs: {}", data.source);
    let options = OnnxOptions::new()
        .class_names(&data.class_names)
        .metadata("preprocessing", "RGB resized to 32x32 (triangle filter), then x / 127.5 - 1");
    let mut report = serde_json::Map::new();
    for (name, mut model) in models()? {
        model.set_name(name);
        model.compile(Loss::CategoricalCrossentropy, Adam::new(1e-3), &[Metric::Accuracy])?;
        let losses: Vec<f32> =
            data.train.iter().map(|(x, y)| model.train_on_batch(x, y)?.value("loss")).collect::<Result<_>>()?;
        let probabilities = model.predict(&data.x)?;
        let (onnx, weights) = (out.join(format!("{name}.onnx")), out.join(format!("{name}.snackml")));
        let start = Instant::now();
        model.save_onnx_with(&onnx, &options)?;
        let export_seconds = start.elapsed().as_secs_f64();
        model.save(&weights)?;
        let onnx_bytes = std::fs::metadata(&onnx).map_err(|e| Error::path(&onnx, e))?.len();
        println!(
            "{name}: {} weights, {} steps (batch loss {:.3} at the first, {:.3} at the last); {} bytes of ONNX written in {:.1} ms",
            model.count_params(),
            losses.len(),
            losses.first().unwrap_or(&f32::NAN),
            losses.last().unwrap_or(&f32::NAN),
            onnx_bytes,
            export_seconds * 1e3
        );
        let rows: Vec<Vec<f32>> = probabilities.rows().into_iter().map(|r| r.to_vec()).collect();
        report.insert(
            name.into(),
            serde_json::json!({
                "onnx": format!("{name}.onnx"),
                "safetensors": format!("{name}.snackml"),
                "probabilities": rows,
                "export_seconds": export_seconds,
                "onnx_bytes": onnx_bytes,
                "count_params": model.count_params(),
            }),
        );
    }
    let json = serde_json::json!({
        "source": data.source,
        "class_names": data.class_names,
        "x_shape": data.x.shape(),
        "x": data.x.iter().collect::<Vec<_>>(),
        "models": report,
    });
    let path = out.join("predictions.json");
    std::fs::write(&path, json.to_string()).map_err(|e| Error::path(&path, e))?;
    println!("wrote {}", out.display());
    Ok(())
}
