//! The archive unpacked into the dataset's folder: the images of its `train/`, `val/` and
//! `test/` class folders wherever they sit in it (`data/` in the real one), the dataset's files
//! beside them, the credits fetched beside those, then the counts and classes verified, all in a
//! working folder that becomes `data/snacks/` only when everything is there.

use super::transfer::Transfer;
use super::DownloadOptions;
use crate::data::datasets::{write_marker, DatasetMarker, MarkerKind, SPLITS};
use crate::fsutil::{write_dir_atomically, Existing};
use crate::{Error, Result};
use std::collections::BTreeSet;
use std::fs::{self, File};
use std::io::BufReader;
use std::path::{Path, PathBuf};

/// Unpacks the images of `archive` beside `out`, fetches the credits into the same folder
/// (through `transfer`, from the archive's folder), checks them against `options`, writes the
/// marker and renames the folder to `out` (see [`write_dir_atomically`]). On any failure nothing
/// is left beside `out`.
pub(super) fn unpack_and_verify(
    archive: &Path,
    out: &Path,
    options: &DownloadOptions,
    transfer: &mut Transfer,
) -> Result<DatasetMarker> {
    write_dir_atomically(out, Existing::MustBeEmpty, |work| {
        let (counts, classes) = unpack(archive, work)?;
        verify(&counts, &classes, options)?;
        if let Some(name) = &options.credits {
            let credits = work.join(name);
            transfer.fetch_small(name, &credits)?;
            check_credits(&credits, name)?;
        }
        let marker = DatasetMarker {
            kind: MarkerKind::Real,
            source: options.url(),
            version: 1,
            classes: classes[0].iter().cloned().collect(),
            counts,
            drawn: None,
        };
        write_marker(work, &marker)?;
        Ok(marker)
    })
}

/// Copies every image under a `train/`, `val/` or `test/` folder of the archive to
/// `dest/SPLIT/CLASS/FILE`, and the files beside those folders (the dataset's `credits.csv`,
/// `README.txt`, annotations) to `dest/FILE`. Returns the images per split and the class names
/// per split.
fn unpack(archive: &Path, dest: &Path) -> Result<([usize; 3], [BTreeSet<String>; 3])> {
    let corrupt = |e: &dyn std::fmt::Display| {
        Error::Download(format!("the downloaded file is not a valid zip archive (it has been deleted): {e}"))
    };
    let file = File::open(archive).map_err(|e| Error::path(archive, format!("cannot open: {e}")))?;
    let mut zip = zip::ZipArchive::new(BufReader::new(file)).map_err(|e| corrupt(&e))?;
    // The folder that holds the splits: where the first image's `SPLIT/CLASS/FILE` starts.
    let root: Option<PathBuf> = zip
        .file_names()
        .map(Path::new)
        .find(|p| image_place(p).is_some())
        .and_then(|p| p.ancestors().nth(3).map(Path::to_path_buf));
    let mut counts = [0usize; 3];
    let mut classes: [BTreeSet<String>; 3] = Default::default();
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).map_err(|e| corrupt(&e))?;
        if entry.is_dir() {
            continue;
        }
        let Some(name) = entry.enclosed_name() else {
            return Err(Error::Download(format!("the archive holds an unsafe path: {}", entry.name())));
        };
        let target = if let Some((split, class, file_name)) = image_place(&name) {
            let folder = dest.join(SPLITS[split]).join(&class);
            fs::create_dir_all(&folder).map_err(|e| Error::path(&folder, format!("cannot create: {e}")))?;
            counts[split] += 1;
            classes[split].insert(class);
            folder.join(file_name)
        } else if root.is_some() && name.parent() == root.as_deref() && !is_hidden(&name) {
            dest.join(name.file_name().unwrap_or_default())
        } else {
            continue;
        };
        let mut out = File::create(&target).map_err(|e| Error::path(&target, format!("cannot create: {e}")))?;
        std::io::copy(&mut entry, &mut out).map_err(|e| corrupt(&format!("{}: {e}", name.display())))?;
    }
    Ok((counts, classes))
}

/// True for macOS extras and hidden files: a part of the path starts with `__MACOSX` or `.`.
fn is_hidden(path: &Path) -> bool {
    path.components().any(|c| {
        let part = c.as_os_str().to_string_lossy();
        part.starts_with("__MACOSX") || part.starts_with('.')
    })
}

/// Where an archive entry goes: (split index, class, file name) for `…/train/apple/x.jpg`,
/// None for anything that is not an image in a split's class folder (credits, macOS extras).
fn image_place(path: &Path) -> Option<(usize, String, String)> {
    let parts: Vec<String> = path.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
    if parts.len() < 3 || is_hidden(path) {
        return None;
    }
    let (file, class, split) = (&parts[parts.len() - 1], &parts[parts.len() - 2], &parts[parts.len() - 3]);
    let split = match split.as_str() {
        "train" => 0,
        "val" | "validation" => 1,
        "test" => 2,
        _ => return None,
    };
    let extension = Path::new(file).extension()?.to_string_lossy().to_ascii_lowercase();
    matches!(extension.as_str(), "jpg" | "jpeg" | "png").then(|| (split, class.clone(), file.clone()))
}

/// Checks the unpacked counts and class folders against what was expected.
fn verify(counts: &[usize; 3], classes: &[BTreeSet<String>; 3], options: &DownloadOptions) -> Result<()> {
    if counts.iter().all(|&n| n == 0) {
        return Err(Error::Download("the archive holds no images in train/, val/ or test/ class folders".into()));
    }
    for (s, split) in SPLITS.iter().enumerate() {
        if classes[s].len() != options.expected_classes {
            return Err(Error::Download(format!(
                "{split}/ has {} class folders, expected {}",
                classes[s].len(),
                options.expected_classes
            )));
        }
        if classes[s] != classes[0] {
            return Err(Error::Download(format!("{split}/ has other class folders than train/")));
        }
    }
    if *counts != options.expected_counts {
        let [a, b, c] = options.expected_counts;
        return Err(Error::Download(format!(
            "the archive holds {} / {} / {} train / val / test images, expected {a} / {b} / {c}",
            counts[0], counts[1], counts[2]
        )));
    }
    Ok(())
}

/// Refuses a credits file that is not the dataset's: its header must name the `ImageID`,
/// `Author` and `License` columns that notebook 3's credit line reads.
fn check_credits(path: &Path, name: &str) -> Result<()> {
    let text = fs::read(path).map_err(|e| Error::path(path, format!("cannot read: {e}")))?;
    let header = text.split(|&b| b == b'\n').next().unwrap_or_default();
    let header = String::from_utf8_lossy(header);
    let columns: Vec<&str> = header.trim_end().split(',').map(|c| c.trim().trim_matches('"')).collect();
    let missing: Vec<&str> = ["ImageID", "Author", "License"].into_iter().filter(|c| !columns.contains(c)).collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(Error::Download(format!("{name} is not the dataset's credits: no {} column", missing.join(", "))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_are_found_under_any_prefix_and_junk_is_skipped() {
        let place = |p: &str| image_place(Path::new(p));
        assert_eq!(place("train/apple/a.jpg"), Some((0, "apple".into(), "a.jpg".into())));
        assert_eq!(place("images/val/hot dog/b.JPG"), Some((1, "hot dog".into(), "b.JPG".into())));
        assert_eq!(place("snacks/test/ice cream/c.jpeg"), Some((2, "ice cream".into(), "c.jpeg".into())));
        assert_eq!(place("__MACOSX/train/apple/._a.jpg"), None);
        assert_eq!(place("__MACOSX/data/train/apple/._a.jpg"), None);
        assert_eq!(place("train/apple/.DS_Store"), None);
        assert_eq!(place("credits.csv"), None);
        assert_eq!(place("train/apple/notes.txt"), None);
        assert_eq!(place("train/a.jpg"), None);
    }

    #[test]
    fn credits_need_the_columns_the_credit_line_reads() {
        let dir = std::env::temp_dir().join(format!("snackml-credits-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let file = dir.join("credits.csv");
        fs::write(&file, ",class_name,ImageID,License,Author,Title\n0,Salad,0035,by/2.0,E,T\n").unwrap();
        assert!(check_credits(&file, "credits.csv").is_ok());
        fs::write(&file, "<html>Not found</html>\n").unwrap();
        let err = check_credits(&file, "credits.csv").unwrap_err().to_string();
        assert!(err.contains("no ImageID, Author, License column"), "{err}");
        fs::remove_dir_all(&dir).unwrap();
    }
}
