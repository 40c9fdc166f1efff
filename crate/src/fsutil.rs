//! Writing files and folders so that a crash never leaves a half-written one where a good one was.
//!
//! Both routines work the same way: write beside the destination under a hidden name that carries
//! this process's id, flush to disk, then rename into place (a rename within one folder is atomic).
//! A crash at any point leaves either the old file or folder or the new one, plus perhaps a hidden
//! leftover, which the next write to the same destination removes once its process has ended.
//!
//! - [`atomic_write`]: one file (saved models, marker files);
//! - [`write_dir_atomically`]: one folder filled by a closure (the synthetic dataset, the
//!   unpacked real snacks).

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

/// A temporary path beside `path` (same folder, so the final rename is atomic).
fn temp_path_for(path: &Path) -> PathBuf {
    path.with_file_name(format!(".{}.tmp-{}", file_name(path), std::process::id()))
}

/// Writes `bytes` to `path` atomically: into a temporary file beside it, flushed to disk, then
/// renamed over `path`. A crash at any point leaves either the old file or the new one (and
/// perhaps a temporary file, which the next write to `path` removes).
pub fn atomic_write(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = temp_path_for(path);
    remove_stale(parent_of(path), &format!(".{}.tmp-", file_name(path)));
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

#[cfg(any(feature = "synth", feature = "download"))]
pub use folder::{write_dir_atomically, Existing};

/// Folders written atomically: only the dataset writers (features `synth` and `download`) make any.
#[cfg(any(feature = "synth", feature = "download"))]
mod folder {
    use super::*;
    use crate::{Error, Result};

    /// What [`write_dir_atomically`] may do with a folder already at the destination.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    // The downloader uses the first variant, the synthetic writer the second.
    #[cfg_attr(not(all(feature = "synth", feature = "download")), allow(dead_code))]
    pub enum Existing {
        /// Only an empty folder may be there (it is replaced); anything else is an error, checked
        /// before `fill` runs.
        MustBeEmpty,
        /// Whatever folder is there is replaced: set aside under a hidden name, then deleted once the
        /// new folder is in place.
        Replace,
    }

    /// The hidden working folders beside a destination: `.NAME.KIND-PID`. `partial` is the folder
    /// being filled, `old` a replaced folder not yet deleted; `unpack` is the name earlier versions
    /// of the downloader used, still cleaned up.
    pub(super) const WORK_KINDS: [&str; 3] = ["partial", "old", "unpack"];

    /// Makes the folder `dest` atomically: `fill` writes its contents into a hidden folder beside
    /// `dest` (`.NAME.partial-PID`, created empty), every file and folder in it is flushed to disk,
    /// and only then is it renamed to `dest`. Whatever `fill` returns is passed back.
    ///
    /// Before starting, the working folders of earlier runs that were killed are deleted (when their
    /// process has ended). If `fill` or the rename fails, the working folder is deleted and `dest` is
    /// as it was. `existing` says what may be at `dest` already.
    pub fn write_dir_atomically<T>(
        dest: &Path,
        existing: Existing,
        fill: impl FnOnce(&Path) -> Result<T>,
    ) -> Result<T> {
        let replace = match (existing, fs::metadata(dest)) {
            (_, Err(_)) => false,
            (_, Ok(meta)) if !meta.is_dir() => return Err(Error::path(dest, "exists and is not a folder")),
            (Existing::MustBeEmpty, Ok(_)) if !is_empty_dir(dest) => {
                return Err(Error::path(dest, "exists and is not empty: remove it or choose another folder"))
            }
            (Existing::MustBeEmpty, Ok(_)) => false,
            (Existing::Replace, Ok(_)) => !is_empty_dir(dest),
        };
        let parent = parent_of(dest);
        fs::create_dir_all(parent).map_err(|e| Error::path(parent, format!("cannot create the folder: {e}")))?;
        for kind in WORK_KINDS {
            remove_stale(parent, &work_prefix(dest, kind));
        }
        let work = work_dir(dest, "partial");
        if work.exists() {
            fs::remove_dir_all(&work)
                .map_err(|e| Error::path(&work, format!("cannot remove an old working folder: {e}")))?;
        }
        fs::create_dir(&work).map_err(|e| Error::path(&work, format!("cannot create the working folder: {e}")))?;
        let result = fill(&work).and_then(|value| {
            sync_tree(&work).map_err(|e| Error::path(&work, format!("cannot flush to disk: {e}")))?;
            move_into_place(&work, dest, replace)?;
            Ok(value)
        });
        if result.is_err() {
            let _ = fs::remove_dir_all(&work);
        }
        result
    }

    /// Renames the finished folder `work` to `dest`, setting a folder already there aside first when
    /// `replace` (and deleting it after), or removing the empty folder there.
    fn move_into_place(work: &Path, dest: &Path, replace: bool) -> Result<()> {
        let old = work_dir(dest, "old");
        if replace {
            fs::rename(dest, &old).map_err(|e| Error::path(dest, format!("cannot move the old folder aside: {e}")))?;
        } else if dest.is_dir() {
            fs::remove_dir(dest).map_err(|e| Error::path(dest, format!("cannot replace the empty folder: {e}")))?;
        }
        if let Err(e) = fs::rename(work, dest) {
            if replace && !dest.exists() {
                let _ = fs::rename(&old, dest); // put the old folder back
            }
            return Err(Error::path(dest, format!("cannot move the finished folder into place: {e}")));
        }
        sync_parent(dest);
        if replace {
            let _ = fs::remove_dir_all(&old);
        }
        Ok(())
    }

    /// Flushes every file and folder under `dir` (and `dir` itself) to disk, files in parallel.
    fn sync_tree(dir: &Path) -> std::io::Result<()> {
        use rayon::prelude::*;
        let mut files = Vec::new();
        let mut dirs = vec![dir.to_path_buf()];
        let mut next = 0;
        while let Some(d) = dirs.get(next).cloned() {
            next += 1;
            for entry in fs::read_dir(&d)? {
                let entry = entry?;
                if entry.file_type()?.is_dir() {
                    dirs.push(entry.path());
                } else {
                    files.push(entry.path());
                }
            }
        }
        files.par_iter().try_for_each(|f| File::open(f)?.sync_all())?;
        // Folders last, deepest first, so that each entry is on disk before the entry naming it.
        dirs.iter().rev().try_for_each(|d| File::open(d)?.sync_all())
    }

    /// `.NAME.KIND-`: the start of the working folders of `dest`.
    fn work_prefix(dest: &Path, kind: &str) -> String {
        format!(".{}.{kind}-", file_name(dest))
    }

    /// This process's working folder of the given kind beside `dest`.
    fn work_dir(dest: &Path, kind: &str) -> PathBuf {
        parent_of(dest).join(format!("{}{}", work_prefix(dest, kind), std::process::id()))
    }

    /// True for a folder with nothing in it (false when it cannot be read).
    fn is_empty_dir(dir: &Path) -> bool {
        fs::read_dir(dir).is_ok_and(|mut entries| entries.next().is_none())
    }
}

/// Removes the files and folders in `dir` named `{prefix}{pid}` whose process `pid` has ended:
/// what a process killed in the middle of [`atomic_write`] or [`write_dir_atomically`] left
/// behind. Best effort, and only where running processes can be told (Linux's `/proc`): entries
/// of running processes, of this process and with other names are left alone.
fn remove_stale(dir: &Path, prefix: &str) {
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
pub fn parent_of(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// The last part of `path`, as text (`file` when there is none).
fn file_name(path: &Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "file".into())
}

/// Flushes a folder entry to disk (so a rename inside it survives a power cut). Best effort.
fn sync_parent(path: &Path) {
    if let Ok(dir) = File::open(parent_of(path)) {
        let _ = dir.sync_all();
    }
}

#[cfg(all(test, any(feature = "synth", feature = "download")))]
mod tests {
    use super::folder::WORK_KINDS;
    use super::*;
    use crate::{Error, Result};

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> =
            fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        names.sort();
        names
    }

    #[test]
    fn a_folder_appears_whole_or_not_at_all() {
        let tmp = tempfile::tempdir().unwrap();
        let dest = tmp.path().join("data");
        let n = write_dir_atomically(&dest, Existing::MustBeEmpty, |work| {
            assert!(!dest.exists(), "the destination appeared before it was complete");
            fs::create_dir(work.join("a"))?;
            fs::write(work.join("a/x"), b"1")?;
            Ok(7)
        })
        .unwrap();
        assert_eq!(n, 7);
        assert_eq!(fs::read(dest.join("a/x")).unwrap(), b"1");
        assert_eq!(names(tmp.path()), ["data"]);

        let failed: Result<()> = write_dir_atomically(&tmp.path().join("other"), Existing::Replace, |work| {
            fs::write(work.join("x"), b"1")?;
            Err(Error::InvalidArgument("stop".into()))
        });
        assert!(failed.is_err());
        assert_eq!(names(tmp.path()), ["data"], "a failed fill left something behind");
    }

    #[test]
    fn what_is_already_there_is_replaced_or_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let dest = tmp.path().join("data");
        fs::create_dir(&dest).unwrap();
        write_dir_atomically(&dest, Existing::MustBeEmpty, |w| Ok(fs::write(w.join("one"), b"1")?)).unwrap();
        let err = write_dir_atomically(&dest, Existing::MustBeEmpty, |_| Ok(())).unwrap_err().to_string();
        assert!(err.contains("not empty"), "{err}");
        write_dir_atomically(&dest, Existing::Replace, |w| Ok(fs::write(w.join("two"), b"2")?)).unwrap();
        assert_eq!(names(&dest), ["two"]);
        assert_eq!(names(tmp.path()), ["data"]);
        fs::write(tmp.path().join("file"), b"").unwrap();
        assert!(write_dir_atomically(&tmp.path().join("file"), Existing::Replace, |_| Ok(())).is_err());
    }

    #[test]
    fn leftovers_of_ended_processes_are_removed() {
        let tmp = tempfile::tempdir().unwrap();
        let dest = tmp.path().join("data");
        // 4,000,000,000 is above Linux's largest process id: that process cannot be running.
        for kind in WORK_KINDS {
            fs::create_dir(tmp.path().join(format!(".data.{kind}-4000000000"))).unwrap();
        }
        fs::create_dir(tmp.path().join(".other.partial-4000000000")).unwrap();
        write_dir_atomically(&dest, Existing::MustBeEmpty, |_| Ok(())).unwrap();
        if Path::new("/proc/self").exists() {
            assert_eq!(names(tmp.path()), [".other.partial-4000000000", "data"]);
        }
    }
}
