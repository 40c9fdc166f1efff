//! Where the pixels come from: every image decoded once and kept in memory (cached), or each
//! batch decoded when asked for while the next one is decoded in the background (streaming).
//! Files that cannot be decoded are reported once and dropped.

use super::super::image::{decode_bytes, probe_bytes, ResizeFilter};
use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{channel, Receiver};
use std::sync::Arc;

/// The absolute paths and how to decode them, shared with background decoding.
pub(super) struct ImageFiles {
    pub(super) paths: Vec<PathBuf>,
    pub(super) height: u32,
    pub(super) width: u32,
    pub(super) filter: ResizeFilter,
}

/// One decoded image (`H × W × 3` bytes) or why it failed.
type Decoded = Result<Vec<u8>, String>;

/// Where the pixels come from.
pub(super) enum Store {
    /// Every image decoded once, in file order.
    Cached(Vec<Vec<u8>>),
    /// Decoded batch by batch, with the next batch prepared in the background.
    Streaming { dropped: Vec<bool>, prefetch: Option<Prefetch> },
}

impl Clone for Store {
    /// The same pixels (a copy of the cache), or the same streaming state without the batch
    /// being prefetched (the copy decodes its own).
    fn clone(&self) -> Self {
        match self {
            Store::Cached(pixels) => Store::Cached(pixels.clone()),
            Store::Streaming { dropped, .. } => Store::Streaming { dropped: dropped.clone(), prefetch: None },
        }
    }
}

/// A batch being decoded in the background.
pub(super) struct Prefetch {
    index: usize,
    result: Receiver<Vec<(usize, Decoded)>>,
}

impl Store {
    /// Decodes every image of `images` (when `cache`) or checks every header, in parallel, and
    /// drops from `images` the files that fail, each reported on stderr. Returns the store and
    /// the indices, among the files given, of those kept.
    pub(super) fn open(images: &mut ImageFiles, cache: bool) -> (Store, Vec<usize>) {
        let outcomes: Vec<Decoded> = if cache {
            images.paths.par_iter().map(|p| images.decode(p)).collect()
        } else {
            images.paths.par_iter().map(|p| probe_file(p).map(|_| Vec::new())).collect()
        };
        let mut kept = Vec::new();
        let mut pixels = Vec::new();
        for (i, outcome) in outcomes.into_iter().enumerate() {
            match outcome {
                Ok(px) => {
                    kept.push(i);
                    pixels.push(px);
                }
                Err(reason) => report_skipped(&images.paths[i], &reason),
            }
        }
        images.paths = kept.iter().map(|&i| images.paths[i].clone()).collect();
        let store = if cache {
            Store::Cached(pixels)
        } else {
            Store::Streaming { dropped: vec![false; kept.len()], prefetch: None }
        };
        (store, kept)
    }

    /// The pixels of batch `index`, samples `ids` (streaming mode): taken from the background if
    /// they were prefetched, else decoded now; then batch `next` (index and samples) is started
    /// in the background. Returns the samples that decoded and their pixels.
    pub(super) fn streamed(
        &mut self,
        images: &Arc<ImageFiles>,
        index: usize,
        ids: &[usize],
        next: Option<(usize, &[usize])>,
    ) -> (Vec<usize>, Vec<Vec<u8>>) {
        let Store::Streaming { dropped, prefetch } = self else {
            return (Vec::new(), Vec::new());
        };
        let ready = match prefetch.take() {
            Some(p) if p.index == index => p.result.recv().ok(),
            _ => None,
        };
        let decoded = ready.unwrap_or_else(|| images.decode_all(&wanted(dropped, ids)));
        if let Some((next, next_ids)) = next {
            self.start_prefetch(images, next, next_ids);
        }
        self.keep_decoded(images, decoded)
    }

    /// Starts decoding batch `index`, samples `ids`, in the background (streaming mode).
    pub(super) fn start_prefetch(&mut self, images: &Arc<ImageFiles>, index: usize, ids: &[usize]) {
        let Store::Streaming { dropped, prefetch } = self else { return };
        let ids = wanted(dropped, ids);
        let images = Arc::clone(images);
        let (sender, result) = channel();
        rayon::spawn(move || {
            // The receiver may be gone (a different batch was asked for): nothing to do then.
            let _ = sender.send(images.decode_all(&ids));
        });
        *prefetch = Some(Prefetch { index, result });
    }

    /// Reports and drops the images that failed; returns the ids and pixels of the others.
    fn keep_decoded(&mut self, images: &ImageFiles, decoded: Vec<(usize, Decoded)>) -> (Vec<usize>, Vec<Vec<u8>>) {
        let mut ids = Vec::with_capacity(decoded.len());
        let mut pixels = Vec::with_capacity(decoded.len());
        for (i, outcome) in decoded {
            match outcome {
                Ok(px) => {
                    ids.push(i);
                    pixels.push(px);
                }
                Err(reason) => {
                    if let Store::Streaming { dropped, .. } = self {
                        if !std::mem::replace(&mut dropped[i], true) {
                            report_skipped(&images.paths[i], &reason);
                        }
                    }
                }
            }
        }
        (ids, pixels)
    }
}

/// The samples of `ids` not dropped yet.
fn wanted(dropped: &[bool], ids: &[usize]) -> Vec<usize> {
    ids.iter().copied().filter(|&i| !dropped[i]).collect()
}

impl ImageFiles {
    /// Reads and decodes one file to `H × W × 3` bytes.
    fn decode(&self, path: &Path) -> Decoded {
        let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
        decode_bytes(&bytes, Some((self.height, self.width)), self.filter).map(|img| img.into_raw())
    }

    /// Decodes image `index`.
    pub(super) fn decode_one(&self, index: usize) -> Decoded {
        self.decode(&self.paths[index])
    }

    /// Decodes the images `ids` in parallel.
    fn decode_all(&self, ids: &[usize]) -> Vec<(usize, Decoded)> {
        ids.par_iter().map(|&i| (i, self.decode(&self.paths[i]))).collect()
    }
}

/// Reads a file and checks its image header (format, size).
fn probe_file(path: &Path) -> Result<(u32, u32), String> {
    let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
    probe_bytes(&bytes)
}

/// Says on stderr that an image is skipped, and why.
pub(super) fn report_skipped(path: &Path, reason: &str) {
    eprintln!("Skipping {}: {reason}", crate::data::shown_path(path));
}
