//! Any bytes as a saved model: `Sequential::from_bytes` must return Ok or Err, never panic or
//! allocate without bound; a model it returns must predict on a zero batch of its input shape
//! (Ok or Err, no panic) and give the same bytes back when saved and loaded again.
//!
//! The CRC-32 at the end of the file refuses almost every random change before the header is
//! parsed, and the header length field refuses every change of the header's length. So each
//! input is tried three ways: as it is; with a correct checksum appended (the input plays
//! everything before the checksum); and, split at its first 0xFF byte (which JSON text never
//! holds), as header JSON and weight bytes laid out with the right length and checksum. The last
//! two let the fuzzer reach the header, the layer configurations and the weights.
#![no_main]

use libfuzzer_sys::fuzz_target;
use snackml::model::Sequential;
use snackml::ndarray::IxDyn;
use snackml::Tensor;

/// Inputs larger than this (in elements) are not predicted on: a 14-byte shape can ask for
/// gigabytes, which is the caller's choice, not a fault of the loader.
const MAX_PREDICT_ELEMENTS: usize = 1 << 20;

fn check(bytes: &[u8]) {
    let Ok(mut model) = Sequential::from_bytes(bytes) else { return };
    let shape = model.input_shape().expect("a loaded model is built").to_vec();
    let per_input: usize = shape.iter().product();
    assert!(per_input > 0, "a loaded model has an empty input shape {shape:?}");
    if per_input.saturating_mul(2) <= MAX_PREDICT_ELEMENTS {
        let mut dims = vec![2];
        dims.extend_from_slice(&shape);
        let _ = model.predict(&Tensor::zeros(IxDyn(&dims)));
    }
    let _ = model.summary();
    // What loads saves, and loads again to the same weights.
    // (in /dev/shm when there is one: the save syncs to disk, which is slow on a real disk)
    let shm = std::path::Path::new("/dev/shm");
    let base = if shm.is_dir() { shm.to_path_buf() } else { std::env::temp_dir() };
    let dir = base.join(format!("snackml-fuzz-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let path = dir.join("model.snackml");
    model.save(&path).expect("a loaded model saves");
    let again = Sequential::load(&path).expect("a saved model loads");
    let same = |a: &[Tensor], b: &[Tensor]| {
        a.len() == b.len()
            && a.iter()
                .zip(b)
                .all(|(x, y)| x.shape() == y.shape() && x.iter().zip(y).all(|(p, q)| p.to_bits() == q.to_bits()))
    };
    assert!(same(&again.get_weights(), &model.get_weights()), "save/load changed the weights");
}

fuzz_target!(|data: &[u8]| {
    check(data);
    let mut fixed = data.to_vec();
    fixed.extend_from_slice(&crc32fast::hash(data).to_le_bytes());
    check(&fixed);
    let (json, weights) = match data.iter().position(|&b| b == 0xFF) {
        Some(at) => (&data[..at], &data[at + 1..]),
        None => (data, &[][..]),
    };
    let mut laid_out = b"SNACKML\0".to_vec();
    laid_out.extend_from_slice(&(json.len() as u64).to_le_bytes());
    laid_out.extend_from_slice(json);
    laid_out.extend_from_slice(weights);
    laid_out.extend_from_slice(&crc32fast::hash(&laid_out).to_le_bytes());
    check(&laid_out);
});
