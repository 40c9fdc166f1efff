//! Helpers shared by the integration tests.

use std::path::{Path, PathBuf};

/// The shared food10 photos (`../shared/datasets/food10-256`), or `None` with a skip message.
pub fn food10() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/datasets/food10-256");
    if dir.is_dir() {
        Some(dir)
    } else {
        println!("skipped: {} is absent", dir.display());
        None
    }
}
