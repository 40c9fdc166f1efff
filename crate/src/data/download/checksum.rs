//! Is the downloaded archive the one expected? Its size against the hub's `X-Linked-Size`, and
//! its SHA-256 against the pinned one, before a byte of it is unpacked.

use super::DownloadOptions;
use crate::{Error, Result};
use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::Read;
use std::path::Path;

/// Refuses a checksum that is not 64 hexadecimal digits (a typo would otherwise refuse every
/// download after fetching it whole).
pub(super) fn check_hex(sha256: &str) -> Result<()> {
    if sha256.len() == 64 && sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(())
    } else {
        Err(Error::Download(format!("the expected SHA-256 {sha256:?} is not 64 hexadecimal digits")))
    }
}

/// The SHA-256 the hub announces for a file kept in Git LFS: its `X-Linked-Etag` header,
/// `"f1097f…"` (quoted, maybe weak: `W/"…"`), when that is 64 hexadecimal digits; `None` for
/// anything else (an ordinary ETag is not a checksum).
pub(super) fn linked_sha256(etag: &str) -> Option<String> {
    let value = etag.trim().trim_start_matches("W/").trim_matches('"');
    check_hex(value).is_ok().then(|| value.to_ascii_lowercase())
}

/// Refuses a hub that announces another archive than the expected one, before it is fetched.
pub(super) fn check_announced(announced: &str, host: &str, options: &DownloadOptions) -> Result<()> {
    match &options.sha256 {
        Some(want) if !announced.eq_ignore_ascii_case(want) => Err(Error::Download(format!(
            "{host} serves {} with SHA-256 {announced} (its X-Linked-Etag), not the expected {}: nothing was \
             downloaded",
            options.archive,
            want.to_ascii_lowercase()
        ))),
        _ => Ok(()),
    }
}

/// Checks the whole downloaded file: its size against `linked_size` (the hub's `X-Linked-Size`)
/// and its SHA-256 against `options.sha256`. The error says what differed; the caller deletes
/// the file.
pub(super) fn check_download(file: &Path, options: &DownloadOptions, linked_size: Option<u64>) -> Result<()> {
    let name = &options.archive;
    let size = std::fs::metadata(file).map_err(|e| Error::path(file, format!("cannot read: {e}")))?.len();
    if let Some(linked) = linked_size.filter(|&linked| linked != size) {
        return Err(Error::Download(format!(
            "{name} as downloaded is {size} bytes, not the {linked} bytes of its X-Linked-Size (deleted, nothing \
             unpacked)"
        )));
    }
    let Some(want) = &options.sha256 else { return Ok(()) };
    let got = sha256_of(file)?;
    if !got.eq_ignore_ascii_case(want) {
        return Err(Error::Download(format!(
            "{name} as downloaded has SHA-256 {got}, not the expected {} (deleted, nothing unpacked)",
            want.to_ascii_lowercase()
        )));
    }
    Ok(())
}

/// The SHA-256 of a file's bytes, as 64 lowercase hexadecimal digits.
pub(super) fn sha256_of(path: &Path) -> Result<String> {
    let mut file = File::open(path).map_err(|e| Error::path(path, format!("cannot open: {e}")))?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buffer).map_err(|e| Error::path(path, format!("cannot read: {e}")))?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
    }
    Ok(hasher.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sha256_of_a_known_text() {
        let dir = std::env::temp_dir().join(format!("snackml-sha-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("abc");
        std::fs::write(&file, b"abc").unwrap();
        // FIPS 180-2, appendix B.1.
        assert_eq!(sha256_of(&file).unwrap(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn linked_etags_are_read_as_checksums_only_when_they_are_one() {
        let sha = "f1097f063670d1eae0f5c810338842c012e4f313eb6e40b6f719ebf4ffdac1fb";
        assert_eq!(linked_sha256(&format!("\"{sha}\"")).as_deref(), Some(sha));
        assert_eq!(linked_sha256(&format!("W/\"{}\"", sha.to_uppercase())).as_deref(), Some(sha));
        assert_eq!(linked_sha256("\"5d41402abc4b2a76b9719d911017c592\""), None);
        assert!(check_hex("xyz").is_err());
    }
}
