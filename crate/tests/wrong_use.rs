//! Wrong use gives a clear error, never a panic or a silently wrong result: model files from
//! another format version or another architecture, crafted headers that ask for impossible
//! layers, bad settings (NaN learning rate, batch size 0, target size 0), data folders without
//! classes, splits with different classes. Also the fuzzers' committed regression inputs
//! (crate/fuzz/regressions/), and a property test that the generator serves every sample exactly
//! once per epoch in streaming mode, whatever the order the batches are asked for.
//!
//! What tests/model.rs and tests/generator.rs already check (truncated and bit-flipped model
//! files, a weights file of another architecture, bad learning rates, the error variants of
//! batch size 0 and target size 0, one missing class) is not repeated here.

use image::{DynamicImage, GrayImage, ImageFormat, Luma};
use proptest::prelude::*;
use snackml::data::generator::{check_same_classes, ClassMode, FlowOptions, ImageDataGenerator};
use snackml::data::image::{decode_image, load_img, probe_image, ResizeFilter};
use snackml::data::{Labels, Sequence};
use snackml::prelude::*;
use std::path::Path;
use std::time::{Duration, Instant};

/// A saved file taken apart: the safetensors header (tensor table), snackml's header from its
/// metadata, and the weight bytes.
fn split_file(bytes: &[u8]) -> (serde_json::Value, serde_json::Value, Vec<u8>) {
    let len = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    let header: serde_json::Value = serde_json::from_slice(&bytes[8..8 + len]).unwrap();
    let ours = serde_json::from_str(header["__metadata__"]["snackml"].as_str().unwrap()).unwrap();
    (header, ours, bytes[8 + len..].to_vec())
}

/// A file laid out as `save` writes it, with this tensor table, snackml header and weight bytes,
/// and a correct checksum (as `save` computes it: the header with `crc32 = 0`, then each weight's
/// dimensions and bytes), so that what is tested is the check behind it.
fn model_file(header: &serde_json::Value, ours: &serde_json::Value, data: &[u8]) -> Vec<u8> {
    let mut header = header.clone();
    let mut ours = ours.clone();
    ours["crc32"] = 0.into();
    let mut hasher = crc32fast::Hasher::new();
    hasher.update(&serde_json::to_vec(&ours).unwrap());
    for key in ours["weights"].as_array().unwrap() {
        let entry = &header[key.as_str().unwrap()];
        for d in entry["shape"].as_array().unwrap() {
            hasher.update(&d.as_u64().unwrap().to_le_bytes());
        }
        let range: Vec<usize> =
            entry["data_offsets"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap() as usize).collect();
        hasher.update(&data[range[0]..range[1]]);
    }
    ours["crc32"] = hasher.finalize().into();
    header["__metadata__"]["snackml"] = ours.to_string().into();
    let json = serde_json::to_vec(&header).unwrap();
    let mut out = (json.len() as u64).to_le_bytes().to_vec();
    out.extend_from_slice(&json);
    out.extend_from_slice(data);
    out
}

fn logreg(seed: u64) -> Sequential {
    let mut m = Sequential::with_seed(seed);
    m.add(Flatten::with_input_shape(&[4, 4, 3])).unwrap();
    m.add(Dense::new(5)).unwrap();
    m.add(ActivationLayer::softmax()).unwrap();
    m
}

fn mlp(seed: u64) -> Sequential {
    let mut m = Sequential::with_seed(seed);
    m.add(Flatten::with_input_shape(&[4, 4, 3])).unwrap();
    m.add(Dense::new(7).activation(Activation::Relu)).unwrap();
    m.add(Dense::new(5)).unwrap();
    m.add(ActivationLayer::softmax()).unwrap();
    m
}

/// The bytes `model.save` writes.
fn saved_bytes(model: &Sequential) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.snackml");
    model.save(&path).unwrap();
    std::fs::read(path).unwrap()
}

/// A file from another version of the format, otherwise valid, is refused saying which version
/// it is and which this snackml reads, by `load` and by `load_weights`; so is a file of the
/// first format (before safetensors) and a foreign one.
#[test]
fn a_file_from_another_format_version_says_which_version() {
    let bytes = saved_bytes(&logreg(1));
    let (header, mut ours, data) = split_file(&bytes);
    Sequential::from_bytes(&model_file(&header, &ours, &data)).expect("the crafted layout is the saved layout");
    let dir = tempfile::tempdir().unwrap();
    for version in [3, 0, 99] {
        ours["version"] = version.into();
        let path = dir.path().join(format!("v{version}.snackml"));
        std::fs::write(&path, model_file(&header, &ours, &data)).unwrap();
        let err = Sequential::load(&path).unwrap_err();
        assert!(matches!(err, Error::ModelFile { .. }), "{err}");
        let msg = err.to_string();
        assert!(
            msg.contains(&format!("format version {version}")) && msg.contains("reads version 2"),
            "version {version}: {msg}"
        );
        assert!(msg.contains(&format!("v{version}.snackml")), "the message names the file: {msg}");
        let mut m = logreg(2);
        let before = m.get_weights();
        let msg = m.load_weights(&path).unwrap_err().to_string();
        assert!(msg.contains(&format!("format version {version}")), "{msg}");
        assert_eq!(m.get_weights(), before, "a refused file left the weights alone");
    }
    ours["version"] = 2.into();
    ours["format"] = "keras".into();
    let msg = Sequential::from_bytes(&model_file(&header, &ours, &data)).unwrap_err().to_string();
    assert!(msg.contains("unknown format \"keras\""), "{msg}");
    let first_format = [b"SNACKML\0".as_slice(), &[0u8; 40]].concat();
    let msg = Sequential::from_bytes(&first_format).unwrap_err().to_string();
    assert!(msg.contains("first format") && msg.contains("save it again"), "{msg}");
    let msg = Sequential::from_bytes(b"PK\x03\x04 a zip, not a model").unwrap_err().to_string();
    assert!(msg.contains("not a snackml model file"), "{msg}");
}

/// A whole-model file (not only a weights file) of another architecture given to `load_weights`
/// is refused, naming both sets of weights; the model keeps its weights.
#[test]
fn a_model_file_of_another_architecture_into_load_weights() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("logreg.snackml");
    logreg(3).save(&path).unwrap();
    let mut other = mlp(4);
    let before = other.get_weights();
    let err = other.load_weights(&path).unwrap_err();
    assert!(matches!(err, Error::ModelFile { .. }), "{err}");
    let msg = err.to_string();
    for part in
        ["logreg.snackml", "\"dense/kernel\", [48, 5]", "\"dense/kernel\", [48, 7]", "\"dense_1/kernel\", [7, 5]"]
    {
        assert!(msg.contains(part), "{part:?} missing from: {msg}");
    }
    assert_eq!(other.get_weights(), before);
    // and the other way round: a bigger file into a smaller model
    mlp(5).save(&path).unwrap();
    let msg = logreg(6).load_weights(&path).unwrap_err().to_string();
    assert!(msg.contains("[48, 7]") && msg.contains("[48, 5]"), "{msg}");
}

/// Files that ask for layers no file could hold: shapes whose size overflows, a layer bigger
/// than the weights in the file, zero units, weights that do not fit, unknown classes. Each is
/// an `Err` with a reason, at once (nothing is allocated for the asked size).
#[test]
fn crafted_headers_asking_for_impossible_layers_are_refused() {
    let (header, ours, data) = split_file(&saved_bytes(&logreg(7)));
    let big = 1usize << 40;
    type Change = Box<dyn Fn(&mut serde_json::Value, &mut serde_json::Value)>;
    let cases: Vec<(&str, Change, &str)> = vec![
        (
            "a Flatten shape whose size overflows",
            Box::new(move |c, _| {
                c["config"]["layers"][0]["config"]["input_shape"] = serde_json::json!([big, big, 3]);
                c["config"]["input_shape"] = serde_json::json!([big, big, 3]);
            }),
            "",
        ),
        (
            "a model input shape whose size overflows",
            Box::new(move |c, _| {
                c["config"]["layers"][0]["config"]["input_shape"] = serde_json::Value::Null;
                c["config"]["input_shape"] = serde_json::json!([big, big, 3]);
            }),
            "",
        ),
        (
            "a Dense layer of 2^40 units",
            Box::new(move |c, _| c["config"]["layers"][1]["config"]["units"] = big.into()),
            "",
        ),
        (
            "a Dense layer of 30,000 × 30,000 weights (3.6 GB) in a 1 kB file",
            Box::new(|c, _| {
                c["config"]["layers"][0]["config"]["input_shape"] = serde_json::json!([30000]);
                c["config"]["input_shape"] = serde_json::json!([30000]);
                c["config"]["layers"][1]["config"]["units"] = 30000.into();
            }),
            "weights do not fit",
        ),
        (
            "a Dense layer of 0 units",
            Box::new(|c, _| c["config"]["layers"][1]["config"]["units"] = 0.into()),
            "at least 1 unit",
        ),
        (
            "weights listed with other shapes",
            Box::new(|_, h| h["dense/kernel"]["shape"] = serde_json::json!([5, 48])),
            "weights do not fit",
        ),
        (
            "an unknown layer class",
            Box::new(|c, _| c["config"]["layers"][2]["class_name"] = "LSTM".into()),
            "unknown layer class \"LSTM\"",
        ),
        (
            "an unknown activation",
            Box::new(|c, _| c["config"]["layers"][2]["config"]["activation"] = "gelu".into()),
            "layer config",
        ),
        ("an empty input shape", Box::new(|c, _| c["config"]["input_shape"] = serde_json::json!([])), ""),
        ("a weights-only kind", Box::new(|c, _| c["kind"] = "weights".into()), "load_weights"),
        (
            "a weight the list does not name",
            Box::new(|c, _| c["weights"] = serde_json::json!(["dense/kernel"])),
            "lists 1",
        ),
    ];
    for (what, change, expect) in cases {
        let (mut o, mut h) = (ours.clone(), header.clone());
        change(&mut o, &mut h);
        let started = Instant::now();
        let outcome = std::panic::catch_unwind(|| Sequential::from_bytes(&model_file(&h, &o, &data)).map(|_| ()));
        let msg = match outcome {
            Ok(Err(e)) => e.to_string(),
            Ok(Ok(())) => panic!("{what}: accepted"),
            Err(_) => panic!("{what}: from_bytes panicked"),
        };
        assert!(msg.contains(expect), "{what}: {msg}");
        assert!(started.elapsed() < Duration::from_secs(2), "{what}: took {:?}", started.elapsed());
    }
}

/// The learning-rate message says what is wrong and shows the value.
#[test]
fn a_nan_learning_rate_is_named_in_the_message() {
    let mut m = logreg(8);
    let msg = m.compile(Loss::CategoricalCrossentropy, Adam::new(f32::NAN), &[]).unwrap_err().to_string();
    assert!(msg.contains("learning rate") && msg.contains("NaN"), "{msg}");
    let msg = m.compile(Loss::CategoricalCrossentropy, SGD::new(-0.5), &[]).unwrap_err().to_string();
    assert!(msg.contains("learning rate") && msg.contains("-0.5"), "{msg}");
}

fn png(value: u8) -> Vec<u8> {
    let mut out = Vec::new();
    DynamicImage::ImageLuma8(GrayImage::from_pixel(4, 4, Luma([value])))
        .write_to(&mut std::io::Cursor::new(&mut out), ImageFormat::Png)
        .unwrap();
    out
}

fn write(dir: &Path, rel: &str, bytes: &[u8]) {
    let path = dir.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

fn quiet() -> FlowOptions {
    FlowOptions::new().verbose(false)
}

/// Batch size 0 and a zero side of the target size: the messages name the setting and the value,
/// in the generator, in `ArrayData`, in `load_img` and in `decode_image`.
#[test]
fn zero_batch_size_and_zero_target_size_messages() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a/1.png", &png(9));
    let gen = ImageDataGenerator::new();
    let msg = gen.flow_from_directory(dir.path(), quiet().batch_size(0)).unwrap_err().to_string();
    assert!(msg.contains("batch_size must be at least 1"), "{msg}");
    for (h, w) in [(0, 32), (32, 0), (0, 0)] {
        let msg = gen.flow_from_directory(dir.path(), quiet().target_size(h, w)).unwrap_err().to_string();
        assert!(msg.contains(&format!("target_size ({h}, {w})")) && msg.contains("at least 1"), "{msg}");
        let msg = load_img(dir.path().join("a/1.png"), Some((h, w))).unwrap_err().to_string();
        assert!(msg.contains(&format!("target_size ({h}, {w})")), "{msg}");
        let msg = decode_image(&png(9), Some((h, w)), ResizeFilter::Nearest).unwrap_err().to_string();
        assert!(msg.contains("zero side"), "{msg}");
    }
    let x = Tensor::zeros(ndarray::IxDyn(&[3, 2]));
    let msg = ArrayData::new(x, None, 0).unwrap_err().to_string();
    assert!(msg.contains("batch_size must be at least 1"), "{msg}");
}

/// Folders without usable classes: only hidden folders (`.ipynb_checkpoints`), or class folders
/// that are empty or hold no image files, each say what was expected.
#[test]
fn data_folders_without_classes_or_images() {
    let gen = ImageDataGenerator::new();
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join(".ipynb_checkpoints")).unwrap();
    write(dir.path(), ".ipynb_checkpoints/x.png", &png(1));
    let msg = gen.flow_from_directory(dir.path(), quiet()).unwrap_err().to_string();
    assert!(msg.contains("no class subfolders") && msg.contains("dir/<class>/<image>"), "{msg}");

    std::fs::create_dir(dir.path().join("apple")).unwrap();
    std::fs::create_dir(dir.path().join("banana")).unwrap();
    write(dir.path(), "banana/notes.txt", b"not an image");
    let msg = gen.flow_from_directory(dir.path(), quiet()).unwrap_err().to_string();
    assert!(msg.contains("no images found") && msg.contains("png, jpg"), "{msg}");
    assert!(msg.contains(&dir.path().display().to_string()), "the message names the folder: {msg}");
}

/// Splits whose class sets differ each way: every missing class is named with where it is and
/// where it is missing.
#[test]
fn splits_with_different_classes_name_each_missing_class() {
    let root = tempfile::tempdir().unwrap();
    for rel in ["train/apple/1.png", "train/banana/1.png", "val/apple/1.png", "val/cherry/1.png", "test/apple/1.png"] {
        write(root.path(), rel, &png(5));
    }
    let open = |split: &str| ImageDataGenerator::new().flow_from_directory(root.path().join(split), quiet()).unwrap();
    let (train, val, test) = (open("train"), open("val"), open("test"));
    let msg = check_same_classes(&[("train", &train), ("val", &val)]).unwrap_err().to_string();
    assert!(msg.contains("\"banana\" is in train but missing from val"), "{msg}");
    assert!(msg.contains("\"cherry\" is in val but missing from train"), "{msg}");
    let msg = check_same_classes(&[("train", &train), ("val", &val), ("test", &test)]).unwrap_err().to_string();
    assert!(msg.contains("\"banana\" is in train but missing from val, test"), "{msg}");
    assert!(msg.contains("\"cherry\" is in val but missing from train, test"), "{msg}");
    assert!(!msg.contains("\"apple\""), "apple is everywhere: {msg}");
    check_same_classes(&[("test", &test)]).unwrap();
}

/// Every input the fuzzers found a fault with (crate/fuzz/regressions/<target>/) now gives an
/// `Ok` or an `Err`, without a panic, quickly, and an image that decodes also probes.
#[test]
fn fuzz_regressions_are_handled() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions");
    let mut count = 0;
    for target in ["decode_image", "model_bytes"] {
        let Ok(entries) = std::fs::read_dir(root.join(target)) else { continue };
        for entry in entries {
            let path = entry.unwrap().path();
            let bytes = std::fs::read(&path).unwrap();
            let started = Instant::now();
            let outcome = std::panic::catch_unwind(|| match target {
                "decode_image" => {
                    let probed = probe_image(&bytes);
                    for filter in [ResizeFilter::Triangle, ResizeFilter::Nearest] {
                        if let Ok(img) = decode_image(&bytes, Some((32, 32)), filter) {
                            assert_eq!(img.dimensions(), (32, 32));
                            // (streaming mode keeps what probes, cached mode what decodes)
                            assert!(probed.is_ok(), "{}: {filter:?} decodes, probe says {probed:?}", path.display());
                        }
                    }
                }
                _ => {
                    let mut fixed = bytes.clone();
                    fixed.extend_from_slice(&crc32fast::hash(&bytes).to_le_bytes());
                    for input in [&bytes, &fixed] {
                        if let Ok(m) = Sequential::from_bytes(input) {
                            let mut dims = vec![1];
                            dims.extend_from_slice(m.input_shape().unwrap());
                            if dims.iter().product::<usize>() <= 1 << 20 {
                                let _ = m.predict(&Tensor::zeros(ndarray::IxDyn(&dims)));
                            }
                        }
                    }
                }
            });
            assert!(outcome.is_ok(), "{} panics", path.display());
            assert!(started.elapsed() < Duration::from_secs(5), "{} took {:?}", path.display(), started.elapsed());
            count += 1;
        }
    }
    eprintln!("{count} fuzz regression inputs checked");
}

/// A JPEG whose header announces more than `MAX_PIXELS` is refused from its header with every
/// filter and without a target (fuzzing found that the full-size decoder, used for `Nearest`,
/// allocated 3 GB for one before: tests/images.rs checks the Triangle path).
#[test]
fn a_jpeg_bomb_is_refused_from_its_header_with_every_filter() {
    let mut bomb = Vec::new();
    DynamicImage::ImageRgb8(image::RgbImage::from_pixel(16, 16, image::Rgb([1, 2, 3])))
        .write_to(&mut std::io::Cursor::new(&mut bomb), ImageFormat::Jpeg)
        .unwrap();
    let sof = bomb.windows(2).position(|w| w == [0xFF, 0xC0]).expect("a baseline SOF0 marker");
    // 15000 × 15000 = 225 megapixels (675 MB of RGB), over the 64-megapixel limit
    bomb[sof + 5..sof + 7].copy_from_slice(&15000u16.to_be_bytes());
    bomb[sof + 7..sof + 9].copy_from_slice(&15000u16.to_be_bytes());
    for (target, filter) in [
        (Some((32, 32)), ResizeFilter::Nearest),
        (None, ResizeFilter::Nearest),
        (None, ResizeFilter::Triangle),
        (Some((32, 32)), ResizeFilter::Triangle),
        (Some((10000, 10000)), ResizeFilter::Triangle),
    ] {
        let started = Instant::now();
        let reason = decode_image(&bomb, target, filter).unwrap_err().to_string();
        assert!(reason.contains("15000×15000") && reason.contains("limit"), "{target:?} {filter:?}: {reason}");
        assert!(started.elapsed() < Duration::from_millis(500), "{target:?} {filter:?} decoded before refusing");
    }
}

/// A folder of `n` numbered one-pixel-value images (sample `i` has every pixel `3i`), in 3 classes.
fn numbered(n: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for i in 0..n {
        write(dir.path(), &format!("c{}/{i:03}.png", i % 3), &png((3 * i) as u8));
    }
    dir
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Streaming mode (cache budget 0, batches decoded on demand with the next prefetched) and
    /// cached mode serve every sample exactly once per epoch, with its own label, whatever N, the
    /// batch size, shuffling, and the order in which the batches of an epoch are asked for
    /// (in order, or a random permutation that defeats the prefetch). tests/generator.rs checks
    /// cached mode with batches in order.
    #[test]
    fn every_sample_once_per_epoch_in_any_batch_order(
        n in 1usize..40,
        batch in 1usize..48,
        shuffle: bool,
        streaming: bool,
        seed: u64,
        visit_seed: u64,
    ) {
        let dir = numbered(n);
        let budget = if streaming { 0 } else { 1 << 20 };
        let options = quiet()
            .target_size(2, 2)
            .batch_size(batch)
            .class_mode(ClassMode::Sparse)
            .shuffle(shuffle)
            .seed(seed)
            .cache_budget(budget);
        let mut it = ImageDataGenerator::new().flow_from_directory(dir.path(), options).unwrap();
        prop_assert_eq!(it.is_cached(), !streaming);
        prop_assert_eq!(it.len(), n.div_ceil(batch));
        let mut visit_rng = snackml::seeded_rng(visit_seed);
        for epoch in 0..3 {
            let mut visit: Vec<usize> = (0..it.len()).collect();
            if epoch > 0 {
                use rand::seq::SliceRandom;
                visit.shuffle(&mut visit_rng);
            }
            let mut seen = Vec::new();
            for &b in &visit {
                let batch = it.get(b).unwrap();
                let want = (n - b * it.batch_size()).min(it.batch_size());
                prop_assert_eq!(batch.len(), want);
                let Labels::Sparse(labels) = &batch.y else { panic!("sparse labels expected") };
                for (j, &label) in labels.iter().enumerate() {
                    let number = (batch.x[[j, 0, 0, 0]] / 3.0).round() as usize;
                    prop_assert_eq!(number % 3, label);
                    seen.push(number);
                }
            }
            seen.sort();
            prop_assert_eq!(seen, (0..n).collect::<Vec<_>>(), "epoch {}", epoch);
            it.on_epoch_end();
        }
    }
}

/// A model changed after `fit` (rebuilt for another input size, or grown by a layer) trains on
/// with a clear error or fresh optimizer state for what is new, never a panic.
#[test]
fn a_model_changed_after_fit_gets_a_clear_error_or_fresh_state() {
    let x = |side: usize| Tensor::from_elem(vec![8, side, side, 3], 0.5);
    let y = ndarray::Array2::from_shape_fn((8, 20), |(i, j)| if j == i { 1.0 } else { 0.0 });

    // Rebuilt for 8×8 photos after training on 4×4 ones: Adam's moments no longer fit the kernel.
    let mut m = Sequential::with_seed(3);
    m.set_verbose(Verbose::Silent);
    m.add(Flatten::new()).unwrap();
    m.add(Dense::new(20).activation(Activation::Softmax)).unwrap();
    m.build(&[4, 4, 3]).unwrap();
    m.compile(Loss::CategoricalCrossentropy, Adam::new(1e-3), &[Metric::Accuracy]).unwrap();
    m.train_on_batch(&x(4), &y).unwrap();
    m.build(&[8, 8, 3]).unwrap();
    let err = m.train_on_batch(&x(8), &y).unwrap_err().to_string();
    assert!(err.contains("optimizer's state") && err.contains("[48, 20]") && err.contains("[192, 20]"), "{err}");
    // Compiling again gives fresh state, as in Keras: training goes on.
    m.compile(Loss::CategoricalCrossentropy, Adam::new(1e-3), &[Metric::Accuracy]).unwrap();
    let loss = m.train_on_batch(&x(8), &y).unwrap().value("loss").unwrap();
    assert!(loss.is_finite());

    // Grown by a layer after training: the old weights keep their state, the new ones start fresh.
    let mut m = Sequential::with_seed(3);
    m.set_verbose(Verbose::Silent);
    m.add(Flatten::with_input_shape(&[4, 4, 3])).unwrap();
    m.add(Dense::new(20).activation(Activation::Relu)).unwrap();
    m.compile(Loss::CategoricalCrossentropy, Adam::new(1e-3), &[Metric::Accuracy]).unwrap();
    m.train_on_batch(&x(4), &y).unwrap();
    m.add(Dense::new(20).activation(Activation::Softmax)).unwrap();
    let loss = m.train_on_batch(&x(4), &y).unwrap().value("loss").unwrap();
    assert!(loss.is_finite());
}

/// Resizing to a zero side gives an empty image with either filter, never a panic.
#[test]
fn resizing_to_a_zero_side_gives_an_empty_image() {
    use snackml::data::image::resize;
    let img = image::RgbImage::from_pixel(7, 5, image::Rgb([10, 20, 30]));
    for filter in [ResizeFilter::Nearest, ResizeFilter::Triangle] {
        for (h, w) in [(0, 4), (4, 0), (0, 0)] {
            let out = resize(img.clone(), h, w, filter);
            assert_eq!(out.dimensions(), (w, h), "{filter:?} to {h}×{w}");
        }
        assert_eq!(resize(image::RgbImage::new(0, 0), 3, 2, filter).dimensions(), (2, 3));
    }
}

/// Empty validation data is an error that says so (Keras would report `val_loss` 0.0, a number
/// nobody measured), before any epoch runs.
#[test]
fn empty_validation_data_is_an_error_not_a_zero_loss() {
    let mut m = logreg(3);
    m.compile(Loss::CategoricalCrossentropy, Adam::new(1e-3), &[Metric::Accuracy]).unwrap();
    let x = Tensor::zeros(ndarray::IxDyn(&[4, 4, 4, 3]));
    let mut y = ndarray::Array2::zeros((4, 5));
    y.column_mut(0).fill(1.0);
    let mut train = ArrayData::new(x, Some(y), 2).unwrap();
    let mut empty =
        ArrayData::new(Tensor::zeros(ndarray::IxDyn(&[0, 4, 4, 3])), Some(ndarray::Array2::zeros((0, 5))), 2).unwrap();
    let before = m.get_weights();
    let msg = m.fit(&mut train, &mut empty, 1).unwrap_err().to_string();
    assert!(msg.contains("validation data has no batches"), "{msg}");
    assert_eq!(m.get_weights(), before, "it trained before refusing");
}

/// Sizes no machine can hold are errors, not an abort or an overflow.
#[test]
fn impossible_sizes_are_errors() {
    let msg = snackml::math::one_hot(&[0], usize::MAX).unwrap_err().to_string();
    assert!(msg.contains("too large"), "{msg}");
    let order = snackml::data::BatchOrder::new(10, 4, None).unwrap();
    assert!(order.batch(usize::MAX).is_empty());
    assert!(order.checked_batch(usize::MAX).is_err());
}
