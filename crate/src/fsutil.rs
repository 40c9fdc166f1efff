//! Writing files so that a crash never leaves a half-written file where a good one was.

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

/// A temporary path beside `path` (same folder, so the final rename is atomic).
pub fn temp_path_for(path: &Path) -> PathBuf {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "file".into());
    path.with_file_name(format!(".{name}.tmp-{}", std::process::id()))
}

/// Writes `bytes` to `path` atomically: into a temporary file beside it, flushed to disk, then
/// renamed over `path`. A crash at any point leaves either the old file or the new one (and
/// perhaps a temporary file, which the next write to `path` removes).
pub fn atomic_write(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = temp_path_for(path);
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "file".into());
    remove_stale(parent_of(path), &format!(".{name}.tmp-"));
    let result = (|| {
        let mut f = File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        drop(f);
        fs::rename(&tmp, path)?;
        sync_parent(path);
        Ok(())
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Removes the files and folders in `dir` named `{prefix}{pid}` whose process `pid` has ended:
/// what a process killed in the middle of [`atomic_write`] (or of unpacking) left behind. Best
/// effort, and only where running processes can be told (Linux's `/proc`): entries of running
/// processes, of this process and with other names are left alone.
pub fn remove_stale(dir: &Path, prefix: &str) {
    let proc = Path::new("/proc");
    if !proc.join("self").exists() {
        return;
    }
    let Ok(entries) = fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(|n| n.strip_prefix(prefix)).and_then(|p| p.parse::<u32>().ok()) else {
            continue;
        };
        if pid == std::process::id() || proc.join(pid.to_string()).exists() {
            continue;
        }
        let path = entry.path();
        let _ = if entry.file_type().is_ok_and(|t| t.is_dir()) {
            fs::remove_dir_all(&path)
        } else {
            fs::remove_file(&path)
        };
    }
}

/// The folder holding `path` (`.` for a bare name).
fn parent_of(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// Flushes a folder entry to disk (so a rename inside it survives a power cut). Best effort.
pub fn sync_parent(path: &Path) {
    if let Ok(dir) = File::open(parent_of(path)) {
        let _ = dir.sync_all();
    }
}
