//! Fetching the real snacks dataset (feature `download`).
//!
//! The snacks photos (6,745 photos from Google Open Images, each under CC BY 2.0 with its author
//! and source URL in the dataset's `credits.csv`, collected by Matthijs Hollemans for the book
//! *Machine Learning by Tutorials*) live on the Hugging Face hub in the dataset repository
//! `Matthijs/snacks`: one zip archive, `images.zip` (about 110 MB, kept in Git LFS), and beside it
//! `credits.csv` (2.56 MB), `README.md` and the `datasets` loading script `snacks.py`. That script
//! reads the archive as `data/train`, `data/val` and `data/test`, one folder per class (named as
//! the classes, "hot dog" and "ice cream" with a space), and keeps only `.jpg` files, since the
//! archive also carries macOS extras (`__MACOSX/…/._*.jpg` stubs of 297 bytes). That is the
//! layout `flow_from_directory` reads, so the whole job is download, check, unpack, verify:
//!
//! 1. **download** `images.zip` from one pinned revision of the repository ([`SNACKS_REVISION`],
//!    not `main`, which can change under us) into `data/snacks.zip.partial`, with a progress bar in
//!    a terminal (whole lines otherwise; see [`ProgressStyle`]). The hub answers with a redirect to
//!    a signed URL on its CDN, carrying the file's size (`X-Linked-Size`) and SHA-256
//!    (`X-Linked-Etag`); the redirect is followed by hand, so those are read, and a hub that
//!    announces another file than the one expected is refused before a byte is fetched. An
//!    interrupted download is **resumed** with a `Range` request, and a dropped connection is
//!    retried a few times. A server that cannot be reached at all (connection refused, unknown
//!    host, no answer within [`DownloadOptions::connect_timeout`]) is not retried: the machine is
//!    offline, and the caller should hear so at once. A server that sends nothing for
//!    [`DownloadOptions::stall_timeout`] counts as a dropped connection; a slow one that keeps
//!    sending is never cut (no timeout bounds the whole transfer);
//! 2. **check** the whole file's size and SHA-256 against the expected ones ([`SNACKS_SHA256`]):
//!    a file that differs is deleted, with one line naming what differed;
//! 3. **unpack** the image files into a hidden working folder beside `data/snacks/`, wherever the
//!    `train/`, `val/` and `test/` folders sit inside the archive, with the dataset's own files
//!    beside them (`README.txt`, the annotations), and fetch `credits.csv` from the same revision
//!    into it (the archive does not hold it; notebook 3 names a photo's author from it);
//! 4. **verify** the class folders and the image counts (4,838 / 955 / 952 in 20 classes), write the
//!    [`MARKER`] file, and only then rename the folder to `data/snacks/` and delete the archive.
//!
//! A damaged or changed archive, missing credits or wrong counts are refused and leave nothing
//! behind (the next try starts over). The base URL, the checksum, the timeouts and the expected
//! counts are options, so tests can serve a small archive from a local server. Every error is one
//! line that says why: `no route to huggingface.co: connection refused`, `no answer from
//! huggingface.co within 5 s`, `huggingface.co answered HTTP 404`, `the download stalled after …
//! bytes: no data for 30 s`, `images.zip as downloaded has SHA-256 …, not the expected …`.

mod checksum;
mod transfer;
mod unpack;

use super::datasets::{read_marker, MarkerKind, MARKER, REAL_SNACKS_COUNTS};
use crate::fsutil::parent_of;
use crate::{Error, Result};
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The revision of `Matthijs/snacks` downloaded: the repository's head commit when this was
/// written. `main` has been edited on the hub since the book; a commit never changes.
pub const SNACKS_REVISION: &str = "575dff82356cede71dcf044da908aa7eab528c04";

/// Where the real dataset is downloaded from: the `resolve/<revision>` folder of the hub
/// repository, at [`SNACKS_REVISION`].
pub const SNACKS_BASE_URL: &str =
    "https://huggingface.co/datasets/Matthijs/snacks/resolve/575dff82356cede71dcf044da908aa7eab528c04";

/// The archive in that folder that holds the images.
pub const SNACKS_ARCHIVE: &str = "images.zip";

/// The SHA-256 of [`SNACKS_ARCHIVE`] at [`SNACKS_REVISION`] (its Git LFS object id, which the hub
/// also sends as `X-Linked-Etag`).
pub const SNACKS_SHA256: &str = "f1097f063670d1eae0f5c810338842c012e4f313eb6e40b6f719ebf4ffdac1fb";

/// The file beside the archive naming every photo's author, title and page.
pub const SNACKS_CREDITS: &str = "credits.csv";

/// The environment variable that replaces [`SNACKS_BASE_URL`]: a mirror, or a local server in tests.
pub const HUB_URL_ENV: &str = "SNACKML_HUB_URL";

/// The environment variable that, set to anything but empty or `0`, keeps `snackml get-snacks`
/// (the data step of `scripts/start.sh`) from trying the hub: the synthetic stand-in is used.
pub const NO_DOWNLOAD_ENV: &str = "SNACKML_NO_DOWNLOAD";

/// The folder URL to download from: [`HUB_URL_ENV`] when set and not empty, else [`SNACKS_BASE_URL`].
pub fn hub_base_url() -> String {
    std::env::var(HUB_URL_ENV).ok().filter(|v| !v.trim().is_empty()).unwrap_or_else(|| SNACKS_BASE_URL.into())
}

/// True when [`NO_DOWNLOAD_ENV`] says not to download.
pub fn download_disabled() -> bool {
    std::env::var_os(NO_DOWNLOAD_ENV).is_some_and(|v| !v.is_empty() && v != "0")
}

/// How progress is shown: the crate's Keras-style bar, counting megabytes and followed by the
/// transfer rate, `52.3/110.0 MB [=============>................] - ETA: 18s - 3.1 MB/s`, ending
/// with a final line that gives the time taken.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ProgressStyle {
    /// A bar when standard error is a terminal, plain lines otherwise.
    #[default]
    Auto,
    /// The bar redrawn in place on standard error.
    Bar,
    /// A whole line on standard output at every 10% (every 10 s when the size is unknown).
    Lines,
    /// Nothing.
    Silent,
}

/// Where to download from and what to expect.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DownloadOptions {
    /// The folder URL the archive is in (no trailing slash needed).
    pub base_url: String,
    /// The archive's file name in that folder.
    pub archive: String,
    /// The archive's SHA-256, as 64 hexadecimal digits; `None` checks none (a test's archive).
    pub sha256: Option<String>,
    /// The credits file fetched from the same folder into the dataset; `None` fetches none.
    pub credits: Option<String>,
    /// Images expected in train, val and test.
    pub expected_counts: [usize; 3],
    /// Class folders expected in each split.
    pub expected_classes: usize,
    /// How many times a dropped or failed transfer is resumed before giving up.
    pub retries: usize,
    /// How progress is shown.
    pub progress: ProgressStyle,
    /// How long resolving the host name, and then connecting (TCP and TLS), may each take before
    /// the server counts as unreachable (default 5 s).
    pub connect_timeout: Duration,
    /// How long the server may send nothing, while the response's headers or body are awaited,
    /// before the transfer counts as dropped (default 30 s). It bounds each silence, never the
    /// whole transfer: 110 MB at 1 MB/s takes two minutes and is not cut.
    pub stall_timeout: Duration,
}

impl Default for DownloadOptions {
    /// The real snacks dataset from the Hugging Face hub at [`SNACKS_REVISION`], checked against
    /// [`SNACKS_SHA256`], with its credits: 4,838 / 955 / 952 images, 20 classes.
    fn default() -> Self {
        DownloadOptions {
            base_url: SNACKS_BASE_URL.into(),
            archive: SNACKS_ARCHIVE.into(),
            sha256: Some(SNACKS_SHA256.into()),
            credits: Some(SNACKS_CREDITS.into()),
            expected_counts: REAL_SNACKS_COUNTS,
            expected_classes: 20,
            retries: 3,
            progress: ProgressStyle::Auto,
            connect_timeout: Duration::from_secs(5),
            stall_timeout: Duration::from_secs(30),
        }
    }
}

impl DownloadOptions {
    /// The archive's full URL.
    pub fn url(&self) -> String {
        self.file_url(&self.archive)
    }

    /// The URL of `name` in the archive's folder.
    pub fn file_url(&self, name: &str) -> String {
        format!("{}/{}", self.base_url.trim_end_matches('/'), name)
    }
}

/// What [`download_snacks`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DownloadSummary {
    /// The dataset folder.
    pub path: PathBuf,
    /// False when a complete, verified dataset was already there (nothing was fetched).
    pub downloaded: bool,
    /// Bytes of the archive fetched over the network by this call.
    pub bytes_fetched: u64,
    /// Bytes of an earlier partial download that were kept and resumed from.
    pub resumed_from: u64,
    /// Images per split (train, val, test).
    pub counts: [usize; 3],
    /// Class folders per split.
    pub classes: usize,
}

impl std::fmt::Display for DownloadSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let [train, val, test] = self.counts;
        let what = format!("{train} train, {val} val, {test} test images in {} classes", self.classes);
        if self.downloaded {
            write!(f, "Downloaded the snacks dataset to {} ({what})", self.path.display())
        } else {
            write!(f, "The snacks dataset is already complete at {} ({what})", self.path.display())
        }
    }
}

/// Downloads, checks, unpacks and verifies the snacks dataset into `out` (normally
/// `data/snacks`), or does nothing when a complete one is already there. See the module docs
/// for the steps.
pub fn download_snacks(out: &Path, options: &DownloadOptions) -> Result<DownloadSummary> {
    if let Some(sha) = &options.sha256 {
        checksum::check_hex(sha)?;
    }
    if let Some(marker) = read_marker(out).filter(|m| m.kind == MarkerKind::Real) {
        // A run stopped between moving the dataset into place and deleting the archive left it.
        let _ = fs::remove_file(partial_path(out));
        return Ok(DownloadSummary {
            path: out.to_path_buf(),
            downloaded: false,
            bytes_fetched: 0,
            resumed_from: 0,
            counts: marker.counts,
            classes: marker.classes.len(),
        });
    }
    check_out_folder(out)?;
    let parent = parent_of(out);
    fs::create_dir_all(parent).map_err(|e| Error::path(parent, format!("cannot create the folder: {e}")))?;
    let partial = partial_path(out);
    let mut transfer = transfer::Transfer::new(out, options);
    let (fetched, resumed_from) = transfer.fetch_with_retries()?;
    let checked = checksum::check_download(&partial, options, transfer.linked_size());
    let unpacked = checked.and_then(|()| unpack::unpack_and_verify(&partial, out, options, &mut transfer));
    // Whatever the outcome, the archive has served: a bad one must not be resumed from.
    let _ = fs::remove_file(&partial);
    let marker = unpacked?;
    Ok(DownloadSummary {
        path: out.to_path_buf(),
        downloaded: true,
        bytes_fetched: fetched,
        resumed_from,
        counts: marker.counts,
        classes: marker.classes.len(),
    })
}

/// The file the archive is downloaded into: `snacks.zip.partial` beside `out`.
pub fn partial_path(out: &Path) -> PathBuf {
    parent_of(out).join(format!("{}.zip.partial", file_name(out)))
}

/// Refuses an `out` that exists and is anything but an empty folder (it is not ours to replace).
fn check_out_folder(out: &Path) -> Result<()> {
    if !out.exists() {
        return Ok(());
    }
    let empty = out.is_dir() && fs::read_dir(out).map(|mut d| d.next().is_none()).unwrap_or(false);
    if empty {
        return Ok(());
    }
    Err(Error::path(
        out,
        format!("exists and is not a complete snacks download (no {MARKER}): remove it or choose another folder"),
    ))
}

/// The last part of `path`, as text.
fn file_name(path: &Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "snacks".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_is_the_pinned_revision_and_its_checksum() {
        let options = DownloadOptions::default();
        assert!(options.base_url.ends_with(&format!("/resolve/{SNACKS_REVISION}")));
        assert_eq!(options.url(), format!("{SNACKS_BASE_URL}/images.zip"));
        assert_eq!(options.file_url("credits.csv"), format!("{SNACKS_BASE_URL}/credits.csv"));
        assert_eq!(options.sha256.as_deref(), Some(SNACKS_SHA256));
        assert!(checksum::check_hex(SNACKS_SHA256).is_ok());
    }

    #[test]
    fn a_malformed_checksum_is_an_error_before_anything_is_asked() {
        let tmp = std::env::temp_dir().join("snackml-bad-sha");
        let options = DownloadOptions {
            base_url: "http://127.0.0.1:9".into(),
            sha256: Some("f1097f".into()),
            ..DownloadOptions::default()
        };
        let err = download_snacks(&tmp, &options).unwrap_err().to_string();
        assert!(err.contains("64 hexadecimal digits"), "{err}");
        assert!(!tmp.exists());
    }
}
