//! Paths as a notebook shows them, and the photos of one class.
//!
//! A notebook's output is committed and read on other machines, so it never shows where this
//! machine keeps things: [`shown_path`] writes a path relative to the current folder (the
//! notebook's), as `../data/snacks/train/cake`, and only falls back to the full path when the two
//! share nothing but the root.

use super::generator::has_image_extension;
use crate::{Error, Result};
use std::path::{Component, Path, PathBuf};

/// `path` relative to the current folder (`../data/synth`), or as given when that is not possible.
///
/// ```
/// let here = std::env::current_dir().unwrap();
/// assert_eq!(snackml::data::shown_path(here.join("data/snacks")), "data/snacks");
/// assert_eq!(snackml::data::shown_path(here.parent().unwrap().join("x")), "../x");
/// ```
pub fn shown_path(path: impl AsRef<Path>) -> String {
    let path = path.as_ref();
    let relative = std::env::current_dir().ok().and_then(|cwd| relative_to(path, &cwd));
    slashed(relative.as_deref().unwrap_or(path))
}

/// `path` relative to `base`, both made absolute (and symbolic links resolved when they exist);
/// `None` when they share nothing below the root.
fn relative_to(path: &Path, base: &Path) -> Option<PathBuf> {
    let absolute = |p: &Path| p.canonicalize().ok().or_else(|| std::path::absolute(p).ok());
    let (path, base) = (absolute(path)?, absolute(base)?);
    let (p, b): (Vec<Component>, Vec<Component>) = (path.components().collect(), base.components().collect());
    let common = p.iter().zip(&b).take_while(|(x, y)| x == y).count();
    if common <= 1 && b.len() > 1 {
        return None;
    }
    let mut out: PathBuf = b[common..].iter().map(|_| Component::ParentDir).collect();
    out.extend(&p[common..]);
    Some(if out.as_os_str().is_empty() { PathBuf::from(".") } else { out })
}

/// A path with `/` between its parts, on every system (`/tmp/x` stays `/tmp/x`).
fn slashed(path: &Path) -> String {
    let mut out = String::new();
    for c in path.components() {
        if !out.is_empty() && !out.ends_with(['/', '\\']) && c != Component::RootDir {
            out.push('/');
        }
        out.push_str(&c.as_os_str().to_string_lossy());
    }
    out
}

/// The image files of one class folder, `split_dir/<class>/`, sorted by name as
/// `flow_from_directory` lists them: `class_images(data.join("train"), "cake")?[0]` is the first
/// cake photo.
pub fn class_images(split_dir: impl AsRef<Path>, class: &str) -> Result<Vec<PathBuf>> {
    let dir = split_dir.as_ref().join(class);
    let entries = std::fs::read_dir(&dir).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => Error::path(&dir, "no such class folder"),
        _ => Error::path(&dir, e),
    })?;
    let mut files: Vec<PathBuf> =
        entries.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.is_file() && has_image_extension(p)).collect();
    if files.is_empty() {
        return Err(Error::path(&dir, "no images in this class folder"));
    }
    files.sort();
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_shown_relative_to_the_current_folder() {
        let base = Path::new("/repo/notebooks");
        assert_eq!(relative_to(Path::new("/repo/data/snacks"), base), Some(PathBuf::from("../data/snacks")));
        assert_eq!(relative_to(Path::new("/repo/notebooks/a.png"), base), Some(PathBuf::from("a.png")));
        assert_eq!(relative_to(Path::new("/repo/notebooks"), base), Some(PathBuf::from(".")));
        assert_eq!(relative_to(Path::new("/other/x"), base), None, "nothing shared but the root");
        assert_eq!(slashed(Path::new("../data/snacks")), "../data/snacks");
        assert_eq!(slashed(Path::new("/other/x")), "/other/x", "the root is not doubled");
    }

    #[test]
    fn class_images_are_sorted_and_missing_classes_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let cake = dir.path().join("cake");
        std::fs::create_dir(&cake).unwrap();
        for name in ["b.jpg", "a.JPG", "notes.txt"] {
            std::fs::write(cake.join(name), b"x").unwrap();
        }
        let files = class_images(dir.path(), "cake").unwrap();
        assert_eq!(files, vec![cake.join("a.JPG"), cake.join("b.jpg")]);
        let err = class_images(dir.path(), "pie").unwrap_err().to_string();
        assert!(err.contains("no such class folder"), "{err}");
        std::fs::create_dir(dir.path().join("empty")).unwrap();
        assert!(class_images(dir.path(), "empty").unwrap_err().to_string().contains("no images"));
    }
}
