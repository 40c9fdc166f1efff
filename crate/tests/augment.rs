//! Augmentation against Keras itself (`tests/fixtures/keras/augment.json`: Keras's legacy
//! `apply_affine_transform`, `apply_channel_shift` and `apply_brightness_shift`, which are Keras 2's
//! code, on a 9 × 9 × 3 image), and the augmented training flow: a new transformation every
//! epoch from the cached pixels, reproducible with a seed, nothing changed when it is off.

use ndarray::{Array3, Ix3};
use serde_json::Value;
use snackml::data::augment::{Augmentation, FillMode, TransformParams};
use snackml::data::generator::{FlowOptions, ImageDataGenerator};
use snackml::data::Sequence;

mod keras;
use keras::*;

fn image3(v: &Value) -> Array3<f32> {
    tensor(v).into_dimensionality::<Ix3>().expect("an (H, W, C) image")
}

fn number(v: &Value, key: &str, default: f64) -> f64 {
    v.get(key).and_then(Value::as_f64).unwrap_or(default)
}

/// The largest difference between two images of the same shape.
fn max_diff(a: &Array3<f32>, b: &Array3<f32>) -> f32 {
    assert_eq!(a.shape(), b.shape());
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f32::max)
}

#[test]
fn affine_transforms_match_keras_for_every_fill_mode_and_order() {
    let fixture = load("augment.json");
    let image = image3(&fixture["image"]);
    let cases = fixture["affine"].as_array().expect("cases");
    assert!(cases.len() >= 20);
    for case in cases {
        let p = &case["params"];
        let params = TransformParams {
            theta: number(p, "theta", 0.0),
            tx: number(p, "tx", 0.0),
            ty: number(p, "ty", 0.0),
            shear: number(p, "shear", 0.0),
            zx: number(p, "zx", 1.0),
            zy: number(p, "zy", 1.0),
            ..TransformParams::identity()
        };
        let aug = Augmentation {
            fill_mode: case["fill_mode"].as_str().unwrap().parse::<FillMode>().unwrap(),
            cval: number(case, "cval", 0.0),
            interpolation_order: case["order"].as_u64().unwrap() as usize,
            ..Augmentation::default()
        };
        let ours = aug.apply_transform(&image, &params).unwrap();
        let diff = max_diff(&ours, &image3(&case["output"]));
        assert!(
            diff <= 1e-4,
            "{} {} order {}: differs from Keras by {diff}",
            case["name"],
            case["fill_mode"],
            case["order"]
        );
    }
}

#[test]
fn channel_shift_and_brightness_match_keras() {
    let fixture = load("augment.json");
    let image = image3(&fixture["image"]);
    let aug = Augmentation::default();
    for case in fixture["channel_shift"].as_array().unwrap() {
        let params =
            TransformParams { channel_shift_intensity: case["intensity"].as_f64(), ..TransformParams::identity() };
        let diff = max_diff(&aug.apply_transform(&image, &params).unwrap(), &image3(&case["output"]));
        assert!(diff <= 1e-4, "channel shift {}: {diff}", case["intensity"]);
    }
    for case in fixture["brightness"].as_array().unwrap() {
        let x = if case["input"] == "signed" { image.mapv(|v| v / 127.5 - 1.0) } else { image.clone() };
        let params = TransformParams { brightness: case["brightness"].as_f64(), ..TransformParams::identity() };
        let diff = max_diff(&aug.apply_transform(&x, &params).unwrap(), &image3(&case["output"]));
        assert!(diff <= 1e-4, "brightness {} on {}: {diff}", case["brightness"], case["input"]);
    }
}

/// A folder of `n` 12 × 12 gradient PNGs in two classes.
fn folder(n: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for class in ["a", "b"] {
        std::fs::create_dir(dir.path().join(class)).unwrap();
        for i in 0..n {
            let img =
                image::RgbImage::from_fn(12, 12, |x, y| image::Rgb([(x * 20) as u8, (y * 20) as u8, (i * 40) as u8]));
            img.save(dir.path().join(class).join(format!("{i}.png"))).unwrap();
        }
    }
    dir
}

fn options() -> FlowOptions {
    FlowOptions::new().target_size(12, 12).batch_size(4).seed(3).verbose(false)
}

fn epochs(datagen: &ImageDataGenerator, dir: &std::path::Path, n: usize) -> Vec<Vec<ndarray::ArrayD<f32>>> {
    let mut flow = datagen.flow_from_directory(dir, options()).unwrap();
    (0..n)
        .map(|_| {
            let batches = (0..flow.len()).map(|i| flow.get(i).unwrap().x).collect();
            flow.on_epoch_end();
            batches
        })
        .collect()
}

#[test]
fn the_augmented_flow_changes_every_epoch_and_is_reproducible() {
    let dir = folder(3);
    let datagen = ImageDataGenerator::new()
        .rotation_range(40.0)
        .width_shift_range(0.2)
        .height_shift_range(0.2)
        .shear_range(0.2)
        .zoom_range(0.2f32)
        .horizontal_flip(true);
    let run = epochs(&datagen, dir.path(), 2);
    assert_eq!(run, epochs(&datagen, dir.path(), 2), "the same seed gives the same epochs");
    assert_ne!(run[0], run[1], "each epoch draws new transformations");
    // A batch asked for twice in one epoch is the same.
    let mut flow = datagen.flow_from_directory(dir.path(), options()).unwrap();
    assert!(flow.is_cached());
    assert_eq!(flow.get(1).unwrap().x, flow.get(1).unwrap().x);
    // Augmentation happens before rescale, as in Keras: the same pixels, scaled.
    let mut scaled = datagen.clone().rescale(0.5).flow_from_directory(dir.path(), options()).unwrap();
    assert_eq!(scaled.get(0).unwrap().x, flow.get(0).unwrap().x.mapv(|v| v * 0.5));
}

#[test]
fn without_augmentation_the_batches_are_the_decoded_pixels() {
    let dir = folder(2);
    let plain = epochs(&ImageDataGenerator::new(), dir.path(), 2);
    let zero = ImageDataGenerator::new().rotation_range(0.0).zoom_range(0.0f32).fill_mode(FillMode::Wrap);
    assert_eq!(plain, epochs(&zero, dir.path(), 2));
    let flow = ImageDataGenerator::new().flow_from_directory(dir.path(), options()).unwrap();
    let first = flow.batch_indices(0)[0];
    assert_eq!(plain[0][0].index_axis(ndarray::Axis(0), 0), flow.image(first).unwrap().into_dyn());
    assert!(flow.image(99).is_err());
}

#[test]
fn invalid_settings_are_errors_from_flow_from_directory() {
    let dir = folder(1);
    let bad = [
        ImageDataGenerator::new().brightness_range(&[0.5]),
        ImageDataGenerator::new().zoom_range(&[0.5f32, 1.0, 1.5][..]),
        ImageDataGenerator::new().rotation_range(f32::NAN),
        ImageDataGenerator::new().interpolation_order(2),
    ];
    for datagen in bad {
        assert!(datagen.flow_from_directory(dir.path(), options()).is_err(), "{datagen:?}");
        assert!(datagen.augmented_variants(&Array3::zeros((4, 4, 3)), 2, 0).is_err());
    }
    let good = ImageDataGenerator::new().brightness_range(&[0.5, 1.5]).vertical_flip(true);
    let variants = good.augmented_variants(&Array3::from_elem((4, 4, 3), 100.0), 3, 0).unwrap();
    assert_eq!(variants.len(), 3);
    assert!(variants.iter().all(|v| v.iter().all(|&p| (50.0..=150.0).contains(&p))));
}
