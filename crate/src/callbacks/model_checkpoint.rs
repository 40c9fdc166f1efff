//! `ModelCheckpoint`: saves the model (or its weights) after every epoch, or only when the
//! monitored quantity improves (Keras's `ModelCheckpoint`). Every save is atomic, so a run
//! stopped mid-save leaves the previous checkpoint whole.
//!
//! The path may name the epoch (from 1, as Keras formats it) and any logged value:
//! `"checkpoints/model-{epoch:02}-{val_loss:.3}.snackml"`.
//!
//! ```no_run
//! use snackml::callbacks::ModelCheckpoint;
//! let best = ModelCheckpoint::new("best.snackml").monitor("val_accuracy").save_best_only(true);
//! ```

use super::monitor::Monitor;
use super::{Callback, Logs, MonitorMode, RunInfo};
use crate::model::Sequential;
use crate::{Error, Result};
use std::path::PathBuf;

/// Saves the model during training.
#[derive(Clone, Debug)]
pub struct ModelCheckpoint {
    path: String,
    monitor: Monitor,
    save_best_only: bool,
    save_weights_only: bool,
    verbose: bool,
    saved: Vec<PathBuf>,
}

impl ModelCheckpoint {
    /// Saves to `path` after every epoch (Keras's defaults: monitor `val_loss`, not only the best).
    pub fn new(path: &str) -> Self {
        ModelCheckpoint {
            path: path.to_string(),
            monitor: Monitor::new("val_loss", 0.0),
            save_best_only: false,
            save_weights_only: false,
            verbose: false,
            saved: Vec::new(),
        }
    }
    /// The quantity that decides what "best" is.
    pub fn monitor(mut self, monitor: &str) -> Self {
        self.monitor.name = monitor.to_string();
        self
    }
    /// Whether lower or higher is better.
    pub fn mode(mut self, mode: MonitorMode) -> Self {
        self.monitor.mode = mode;
        self
    }
    /// Save only when the monitored quantity improves.
    pub fn save_best_only(mut self, only: bool) -> Self {
        self.save_best_only = only;
        self
    }
    /// Save the weights alone (`load_weights` reads them) instead of the whole model.
    pub fn save_weights_only(mut self, only: bool) -> Self {
        self.save_weights_only = only;
        self
    }
    /// Whether to print a line for every save.
    pub fn verbose(mut self, verbose: bool) -> Self {
        self.verbose = verbose;
        self
    }
    /// The files written so far, in order.
    pub fn saved(&self) -> &[PathBuf] {
        &self.saved
    }
}

/// Fills `{epoch}`, `{epoch:02}` and `{name}`, `{name:.3}` placeholders from the epoch and logs.
fn format_path(template: &str, epoch: usize, logs: &Logs) -> Result<String> {
    let mut out = String::new();
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let end = rest[start..].find('}').map(|e| start + e).ok_or_else(|| {
            Error::InvalidArgument(format!("checkpoint path {template:?} has a '{{' without its '}}'"))
        })?;
        let field = &rest[start + 1..end];
        let (name, spec) = field.split_once(':').unwrap_or((field, ""));
        let spec = spec.trim_end_matches(['d', 'f']);
        if name == "epoch" {
            let width: usize = spec.trim_start_matches('0').parse().unwrap_or(0);
            out.push_str(&format!("{:0width$}", epoch + 1));
        } else {
            let v = logs.get(name).ok_or_else(|| {
                Error::InvalidArgument(format!("checkpoint path {template:?} names {name:?}, which is not logged"))
            })?;
            match spec.strip_prefix('.').and_then(|p| p.parse::<usize>().ok()) {
                Some(precision) => out.push_str(&format!("{v:.precision$}")),
                None => out.push_str(&v.to_string()),
            }
        }
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

impl Callback for ModelCheckpoint {
    fn on_train_begin(&mut self, _info: &RunInfo, _model: &mut Sequential) -> Result<()> {
        self.monitor.start()
    }
    fn on_epoch_end(&mut self, epoch: usize, logs: &Logs, model: &mut Sequential) -> Result<()> {
        if self.save_best_only {
            let Some(current) = self.monitor.current(logs) else {
                println!("Can save best model only with {} available, skipping.", self.monitor.name);
                return Ok(());
            };
            if !self.monitor.improves(current) {
                return Ok(());
            }
            if self.verbose {
                let before = self.monitor.best.map_or("inf".to_string(), |b| format!("{b:.5}"));
                let name = &self.monitor.name;
                println!("Epoch {}: {name} improved from {before} to {current:.5}, saving model", epoch + 1);
            }
            self.monitor.improve(current);
        }
        let path = PathBuf::from(format_path(&self.path, epoch, logs)?);
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| Error::path(dir, e))?;
        }
        if self.save_weights_only {
            model.save_weights(&path)?;
        } else {
            model.save(&path)?;
        }
        if self.verbose && !self.save_best_only {
            println!("Epoch {}: saving model to {}", epoch + 1, path.display());
        }
        self.saved.push(path);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_formatted_like_keras() {
        let mut logs = Logs::new();
        logs.set("val_loss", 1.23456);
        assert_eq!(format_path("m-{epoch:02d}-{val_loss:.2f}.snackml", 4, &logs).unwrap(), "m-05-1.23.snackml");
        assert_eq!(format_path("m{epoch}.snackml", 0, &logs).unwrap(), "m1.snackml");
        assert!(format_path("m{loss}.snackml", 0, &logs).is_err());
        assert!(format_path("m{epoch.snackml", 0, &logs).is_err());
    }
}
