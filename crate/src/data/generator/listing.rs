//! Finding the images: the class folders of a directory and the image files in each, sorted as
//! Keras sorts them, and the check that several splits have the same classes.

use super::store::report_skipped;
use super::DirectoryIterator;
use crate::{Error, Result};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The file extensions `flow_from_directory` reads (compared case-insensitively), as Keras.
pub const IMAGE_EXTENSIONS: [&str; 7] = ["png", "jpg", "jpeg", "bmp", "ppm", "tif", "tiff"];

/// The error for a folder where no image could be used.
pub(super) fn no_images_error(dir: &Path, candidates: usize) -> Error {
    if candidates == 0 {
        let extensions = IMAGE_EXTENSIONS.join(", ");
        Error::path(dir, format!("no images found in the class folders (expected files ending in {extensions})"))
    } else {
        Error::path(dir, format!("none of the {candidates} image files could be decoded (see the messages above)"))
    }
}

/// A relative path with `/` separators, as Keras's filenames.
pub(super) fn slash_path(path: &Path) -> String {
    path.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/")
}

/// The class folders of a directory and the image files in them.
pub(super) struct Listing {
    /// Class names, sorted.
    pub(super) classes: Vec<String>,
    /// Image paths relative to the directory, with their class index, sorted within each class.
    pub(super) files: Vec<(PathBuf, usize)>,
}

/// Lists `dir/<class>/...` as Keras does: classes are the sorted subfolder names (hidden folders,
/// such as `.ipynb_checkpoints`, are skipped); each class's images are found recursively and sorted.
pub(super) fn list_directory(dir: &Path) -> Result<Listing> {
    if !dir.exists() {
        return Err(Error::path(dir, "directory not found"));
    }
    if !dir.is_dir() {
        return Err(Error::path(dir, "not a directory (flow_from_directory expects dir/<class>/<image>)"));
    }
    let mut classes = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| Error::path(dir, e))? {
        let entry = entry.map_err(|e| Error::path(dir, e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if entry.path().is_dir() && !name.starts_with('.') {
            classes.push(name);
        }
    }
    if classes.is_empty() {
        return Err(Error::path(dir, "no class subfolders (flow_from_directory expects dir/<class>/<image>)"));
    }
    classes.sort();
    let mut files = Vec::new();
    for (label, class) in classes.iter().enumerate() {
        let mut found = Vec::new();
        collect_images(dir, Path::new(class), &mut found);
        found.sort_by(|a, b| (a.parent(), a.file_name()).cmp(&(b.parent(), b.file_name())));
        files.extend(found.into_iter().map(|rel| (rel, label)));
    }
    Ok(Listing { classes, files })
}

/// Adds the image files under `root/rel` (recursively, not following folder links) to `found`,
/// as paths relative to `root`. An unreadable folder is reported and skipped.
fn collect_images(root: &Path, rel: &Path, found: &mut Vec<PathBuf>) {
    let entries = match std::fs::read_dir(root.join(rel)) {
        Ok(entries) => entries,
        Err(e) => return report_skipped(&root.join(rel), &e.to_string()),
    };
    for entry in entries.flatten() {
        let path = rel.join(entry.file_name());
        let Ok(kind) = entry.file_type() else { continue };
        if kind.is_dir() {
            collect_images(root, &path, found);
        } else if has_image_extension(&path) && (kind.is_file() || root.join(&path).is_file()) {
            found.push(path);
        }
    }
}

/// True for the extensions in [`IMAGE_EXTENSIONS`], in any case.
pub(crate) fn has_image_extension(path: &Path) -> bool {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    IMAGE_EXTENSIONS.contains(&ext.as_str())
}

/// Checks that the splits (for example train, validation and test) have the same classes, which
/// the chapter assumes: a class missing from one split would shift every class index after it.
/// The error names each missing class, the splits that have it and the splits that lack it.
pub fn check_same_classes(splits: &[(&str, &DirectoryIterator)]) -> Result<()> {
    let all: BTreeSet<&String> = splits.iter().flat_map(|(_, it)| it.class_indices.keys()).collect();
    let names = |has: bool, class: &String| -> Vec<&str> {
        splits.iter().filter(|(_, it)| it.class_indices.contains_key(class) == has).map(|(name, _)| *name).collect()
    };
    let problems: Vec<String> = all
        .into_iter()
        .filter(|class| !names(false, class).is_empty())
        .map(|class| {
            format!(
                "class \"{class}\" is in {} but missing from {}",
                names(true, class).join(", "),
                names(false, class).join(", ")
            )
        })
        .collect();
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Error::InvalidArgument(format!("the splits do not have the same classes: {}", problems.join("; "))))
    }
}
