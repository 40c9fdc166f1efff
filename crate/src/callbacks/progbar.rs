//! Keras-style progress output for `fit` and `evaluate`:
//!
//! ```text
//! Epoch 1/5
//! 76/76 [==============================] - 2s 26ms/step - loss: 3.2150 - accuracy: 0.1050 - val_loss: 3.2654 - val_accuracy: 0.1162
//! ```
//!
//! In a terminal the bar redraws in place with `\r`. Where standard output is not a terminal
//! (a Jupyter notebook under evcxr shows output a whole line at a time) it prints whole lines
//! only: the final line of each epoch, plus one line every 10 seconds for a long epoch.

use super::{BatchLogs, Callback, Logs, RunInfo, RunKind};
use crate::model::Sequential;
use crate::Result;
use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

/// How much `fit` and `evaluate` print (Keras's `verbose`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Verbose {
    /// `verbose=0`: nothing.
    Silent,
    /// `verbose=1`: a progress bar (whole lines when not in a terminal).
    #[default]
    ProgressBar,
    /// `verbose=2`: one line per epoch.
    OneLine,
}

/// Formats a duration per step as Keras does: `26ms/step`, `850us/step`, `2s/step`.
pub(crate) fn per_step(seconds: f64) -> String {
    if seconds >= 1.0 {
        format!("{seconds:.0}s/step")
    } else if seconds >= 1e-3 {
        format!("{:.0}ms/step", seconds * 1e3)
    } else {
        format!("{:.0}us/step", seconds * 1e6)
    }
}

/// Formats ` - name: value` pairs.
pub(crate) fn format_metrics(metrics: &[(&str, f32)]) -> String {
    metrics.iter().map(|(k, v)| format!(" - {k}: {v:.4}")).collect()
}

/// A progress bar over `total` steps.
pub(crate) struct Progress {
    total: usize,
    verbose: Verbose,
    terminal: bool,
    start: Instant,
    last_draw: Instant,
    out: std::io::Stdout,
}

impl Progress {
    /// Starts a bar (and remembers whether standard output is a terminal).
    pub(crate) fn new(total: usize, verbose: Verbose) -> Self {
        let now = Instant::now();
        let out = std::io::stdout();
        let terminal = out.is_terminal();
        Progress { total, verbose, terminal, start: now, last_draw: now, out }
    }

    fn bar(&self, done: usize) -> String {
        const WIDTH: usize = 30;
        let total = self.total.max(1);
        let width = WIDTH * done.min(total) / total;
        let mut bar = String::new();
        if width > 0 {
            bar.push_str(&"=".repeat(width - 1));
            bar.push(if done < total { '>' } else { '=' });
        }
        format!("{done}/{} [{bar:.<WIDTH$}]", self.total)
    }

    /// Reports that `done` steps are finished, with running metrics.
    pub(crate) fn update(&mut self, done: usize, metrics: &[(&str, f32)]) {
        if self.verbose != Verbose::ProgressBar || done >= self.total {
            return;
        }
        let now = Instant::now();
        let every = if self.terminal { Duration::from_millis(50) } else { Duration::from_secs(10) };
        if now - self.last_draw < every {
            return;
        }
        self.last_draw = now;
        let elapsed = (now - self.start).as_secs_f64();
        let eta = elapsed / done.max(1) as f64 * (self.total - done) as f64;
        let line = format!("{} - ETA: {eta:.0}s{}", self.bar(done), format_metrics(metrics));
        if self.terminal {
            let _ = write!(self.out, "\r{line}\x1b[K");
        } else {
            let _ = writeln!(self.out, "{line}");
        }
        let _ = self.out.flush();
    }

    /// Prints the final line for the whole run.
    pub(crate) fn finish(&mut self, metrics: &[(&str, f32)]) {
        if self.verbose == Verbose::Silent {
            return;
        }
        let elapsed = self.start.elapsed().as_secs_f64();
        let step = per_step(elapsed / self.total.max(1) as f64);
        let prefix =
            if self.verbose == Verbose::ProgressBar { format!("{} - ", self.bar(self.total)) } else { String::new() };
        let (cr, clear) =
            if self.terminal && self.verbose == Verbose::ProgressBar { ("\r", "\x1b[K") } else { ("", "") };
        let _ = writeln!(self.out, "{cr}{prefix}{elapsed:.0}s {step}{}{clear}", format_metrics(metrics));
        let _ = self.out.flush();
    }
}

/// The callback that prints Keras's progress lines: `Epoch 1/5`, then the bar and the metrics.
pub struct ProgbarLogger {
    verbose: Verbose,
    epochs: usize,
    steps: usize,
    bar: Option<Progress>,
}

impl ProgbarLogger {
    /// Progress lines at this verbosity.
    pub fn new(verbose: Verbose) -> Self {
        ProgbarLogger { verbose, epochs: 0, steps: 0, bar: None }
    }
}

impl std::fmt::Debug for ProgbarLogger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProgbarLogger").field("verbose", &self.verbose).finish()
    }
}

/// `(name, value)` pairs of a [`Logs`], for the bar.
fn pairs(logs: &Logs) -> Vec<(&str, f32)> {
    logs.iter().collect()
}

impl Callback for ProgbarLogger {
    fn on_train_begin(&mut self, info: &RunInfo, _model: &mut Sequential) -> Result<()> {
        self.epochs = info.epochs;
        self.steps = info.steps;
        if info.kind != RunKind::Fit {
            self.bar = Some(Progress::new(self.steps, self.verbose));
        }
        Ok(())
    }
    fn on_epoch_begin(&mut self, epoch: usize, _model: &mut Sequential) -> Result<()> {
        if self.verbose != Verbose::Silent {
            println!("Epoch {}/{}", epoch + 1, self.epochs);
        }
        self.bar = Some(Progress::new(self.steps, self.verbose));
        Ok(())
    }
    fn on_batch_end(&mut self, logs: &BatchLogs, _model: &mut Sequential) -> Result<()> {
        if let Some(bar) = &mut self.bar {
            bar.update(logs.batch + 1, &pairs(&logs.running));
        }
        Ok(())
    }
    fn on_epoch_end(&mut self, _epoch: usize, logs: &Logs, _model: &mut Sequential) -> Result<()> {
        if let Some(mut bar) = self.bar.take() {
            bar.finish(&pairs(logs));
        }
        Ok(())
    }
    fn on_train_end(&mut self, logs: &Logs, _model: &mut Sequential) -> Result<()> {
        if let Some(mut bar) = self.bar.take() {
            bar.finish(&pairs(logs));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_like_keras() {
        assert_eq!(per_step(0.026), "26ms/step");
        assert_eq!(per_step(0.00085), "850us/step");
        assert_eq!(format_metrics(&[("loss", 3.215)]), " - loss: 3.2150");
        let p = Progress::new(76, Verbose::Silent);
        assert_eq!(p.bar(76), "76/76 [==============================]");
        assert_eq!(p.bar(38), "38/76 [==============>...............]");
    }
}
