//! `CSVLogger`: writes every epoch's logs as one row of a CSV file (Keras's `CSVLogger`):
//! a header `epoch,accuracy,loss,val_accuracy,val_loss` (the names sorted, as Keras does), then
//! one row per epoch (counted from 0), flushed as it is written so an interrupted run keeps its
//! rows. With `append`, an existing file is continued without a second header.
//!
//! ```no_run
//! use snackml::callbacks::CSVLogger;
//! let log = CSVLogger::new("training.csv").append(true);
//! ```

use super::{Callback, Logs, RunInfo};
use crate::model::Sequential;
use crate::{Error, Result};
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Streams epoch results to a CSV file.
#[derive(Debug)]
pub struct CSVLogger {
    path: PathBuf,
    separator: char,
    append: bool,
    file: Option<File>,
    keys: Option<Vec<String>>,
}

impl CSVLogger {
    /// Writes to `path` (replacing it unless [`CSVLogger::append`]).
    pub fn new(path: impl AsRef<Path>) -> Self {
        CSVLogger { path: path.as_ref().to_path_buf(), separator: ',', append: false, file: None, keys: None }
    }
    /// The column separator (`,` by default).
    pub fn separator(mut self, separator: char) -> Self {
        self.separator = separator;
        self
    }
    /// Continue an existing file instead of replacing it.
    pub fn append(mut self, append: bool) -> Self {
        self.append = append;
        self
    }
}

impl Callback for CSVLogger {
    fn on_train_begin(&mut self, _info: &RunInfo, _model: &mut Sequential) -> Result<()> {
        let continuing = self.append && std::fs::metadata(&self.path).is_ok_and(|m| m.len() > 0);
        let file = std::fs::OpenOptions::new()
            .create(true)
            .write(true)
            .append(self.append)
            .truncate(!self.append)
            .open(&self.path)
            .map_err(|e| Error::path(&self.path, e))?;
        self.file = Some(file);
        self.keys = continuing.then(Vec::new);
        Ok(())
    }
    fn on_epoch_end(&mut self, epoch: usize, logs: &Logs, _model: &mut Sequential) -> Result<()> {
        let Some(file) = &mut self.file else { return Ok(()) };
        let sep = self.separator.to_string();
        let mut out = String::new();
        if self.keys.is_none() {
            let mut keys: Vec<String> = logs.iter().map(|(k, _)| k.to_string()).collect();
            keys.sort();
            out.push_str(&format!("epoch{sep}{}\n", keys.join(&sep)));
            self.keys = Some(keys);
        }
        let keys = self.keys.as_ref().map_or(&[][..], |k| k.as_slice());
        let values: Vec<String> = if keys.is_empty() {
            let mut pairs: Vec<(&str, f32)> = logs.iter().collect();
            pairs.sort_by(|a, b| a.0.cmp(b.0));
            pairs.iter().map(|(_, v)| v.to_string()).collect()
        } else {
            keys.iter().map(|k| logs.get(k).map_or("NA".to_string(), |v| v.to_string())).collect()
        };
        out.push_str(&format!("{epoch}{sep}{}\n", values.join(&sep)));
        file.write_all(out.as_bytes()).and_then(|_| file.flush()).map_err(|e| Error::path(&self.path, e))
    }
    fn on_train_end(&mut self, _logs: &Logs, _model: &mut Sequential) -> Result<()> {
        if let Some(file) = self.file.take() {
            file.sync_all().map_err(|e| Error::path(&self.path, e))?;
        }
        Ok(())
    }
}
