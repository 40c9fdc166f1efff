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
pub fn per_step(seconds: f64) -> String {
    if seconds >= 1.0 {
        format!("{seconds:.0}s/step")
    } else if seconds >= 1e-3 {
        format!("{:.0}ms/step", seconds * 1e3)
    } else {
        format!("{:.0}us/step", seconds * 1e6)
    }
}

/// Formats ` - name: value` pairs.
pub fn format_metrics(metrics: &[(&str, f32)]) -> String {
    metrics.iter().map(|(k, v)| format!(" - {k}: {v:.4}")).collect()
}

/// A progress bar over `total` steps.
pub struct Progress {
    total: usize,
    verbose: Verbose,
    terminal: bool,
    start: Instant,
    last_draw: Instant,
    out: std::io::Stdout,
}

impl Progress {
    /// Starts a bar (and remembers whether standard output is a terminal).
    pub fn new(total: usize, verbose: Verbose) -> Self {
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
    pub fn update(&mut self, done: usize, metrics: &[(&str, f32)]) {
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
    pub fn finish(&mut self, metrics: &[(&str, f32)]) {
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
