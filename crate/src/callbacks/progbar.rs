//! Keras-style progress output for `fit`, `evaluate` and `predict`:
//!
//! ```text
//! Epoch 1/5
//! 76/76 [==============================] - 2s 26ms/step - loss: 3.2150 - accuracy: 0.1050 - val_loss: 3.2654 - val_accuracy: 0.1162
//! ```
//!
//! The bar is the crate's one progress bar (the downloader draws it too): in a terminal it
//! redraws in place with `\r`; where standard output is not a terminal (a Jupyter notebook under
//! evcxr shows output a whole line at a time) it prints whole lines only: the final line of each
//! epoch, plus one line every 10 seconds for a long epoch.

use super::{BatchLogs, Callback, Logs, PredictBatch, RunInfo};
use crate::model::Sequential;
use crate::progress_bar::{ProgressBar, Stream, Style};
use crate::Result;

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

/// Formats ` - name: value` pairs.
pub(crate) fn format_metrics(metrics: &[(&str, f32)]) -> String {
    metrics.iter().map(|(k, v)| format!(" - {k}: {v:.4}")).collect()
}

/// The shared bar over `steps` batches on standard output, at this verbosity.
fn new_bar(steps: usize, verbose: Verbose) -> ProgressBar {
    let style = match verbose {
        Verbose::Silent => Style::Silent,
        Verbose::ProgressBar => Style::Auto,
        Verbose::OneLine => Style::FinalLine,
    };
    ProgressBar::new(Some(steps as u64), style, Stream::Stdout)
}

/// The callback that prints Keras's progress lines: `Epoch 1/5`, then the bar and the metrics.
pub struct ProgbarLogger {
    verbose: Verbose,
    epochs: usize,
    steps: usize,
    bar: Option<ProgressBar>,
    /// Inside `fit`: its validation passes draw no bar of their own (their results end the
    /// epoch's line), as in Keras.
    in_fit: bool,
}

impl ProgbarLogger {
    /// Progress lines at this verbosity.
    pub fn new(verbose: Verbose) -> Self {
        ProgbarLogger { verbose, epochs: 0, steps: 0, bar: None, in_fit: false }
    }

    /// Ends the bar under way, if any, with `metrics` on its final line.
    fn finish(&mut self, metrics: &str) {
        if let Some(mut bar) = self.bar.take() {
            bar.finish(self.steps as u64, metrics);
        }
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
        self.in_fit = true;
        Ok(())
    }
    fn on_epoch_begin(&mut self, epoch: usize, _model: &mut Sequential) -> Result<()> {
        if self.verbose != Verbose::Silent {
            println!("Epoch {}/{}", epoch + 1, self.epochs);
        }
        self.bar = Some(new_bar(self.steps, self.verbose));
        Ok(())
    }
    fn on_batch_end(&mut self, logs: &BatchLogs, _model: &mut Sequential) -> Result<()> {
        if let Some(bar) = &mut self.bar {
            bar.update(logs.batch as u64 + 1, &format_metrics(&pairs(&logs.running)));
        }
        Ok(())
    }
    fn on_epoch_end(&mut self, _epoch: usize, logs: &Logs, _model: &mut Sequential) -> Result<()> {
        self.finish(&format_metrics(&pairs(logs)));
        Ok(())
    }
    fn on_train_end(&mut self, logs: &Logs, _model: &mut Sequential) -> Result<()> {
        self.in_fit = false;
        self.finish(&format_metrics(&pairs(logs)));
        Ok(())
    }
    fn on_test_begin(&mut self, info: &RunInfo) -> Result<()> {
        if !self.in_fit {
            self.steps = info.steps;
            self.bar = Some(new_bar(info.steps, self.verbose));
        }
        Ok(())
    }
    fn on_test_batch_end(&mut self, logs: &BatchLogs) -> Result<()> {
        if !self.in_fit {
            if let Some(bar) = &mut self.bar {
                bar.update(logs.batch as u64 + 1, &format_metrics(&pairs(&logs.running)));
            }
        }
        Ok(())
    }
    fn on_test_end(&mut self, logs: &Logs) -> Result<()> {
        if !self.in_fit {
            self.finish(&format_metrics(&pairs(logs)));
        }
        Ok(())
    }
    fn on_predict_begin(&mut self, info: &RunInfo) -> Result<()> {
        self.steps = info.steps;
        self.bar = Some(new_bar(info.steps, self.verbose));
        Ok(())
    }
    fn on_predict_batch_end(&mut self, batch: PredictBatch) -> Result<()> {
        if let Some(bar) = &mut self.bar {
            bar.update(batch.batch as u64 + 1, "");
        }
        Ok(())
    }
    fn on_predict_end(&mut self) -> Result<()> {
        self.finish("");
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_like_keras() {
        assert_eq!(format_metrics(&[("loss", 3.215), ("accuracy", 0.105)]), " - loss: 3.2150 - accuracy: 0.1050");
        assert_eq!(new_bar(76, Verbose::OneLine).style(), Style::FinalLine);
        assert_eq!(new_bar(76, Verbose::Silent).style(), Style::Silent);
    }
}
