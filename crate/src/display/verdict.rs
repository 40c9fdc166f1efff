//! Verdicts: what a run's own numbers say, as one sentence under its pictures, so that the text
//! around a cell never states a result the run did not produce. A re-run on other photos or
//! seeds rewrites the verdict with its numbers.
//!
//! - [`History::verdict`]: where validation loss was lowest, and whether training went on
//!   improving after it (overfitting), with the noise of the validation accuracy;
//! - [`LearningRateSweep::verdict`]: the best rate and epoch, the rates that overfit from the
//!   first epoch, those still improving, those that diverged;
//! - [`compare_accuracy`]: two accuracies and whether their difference is outside the noise
//!   ([`difference_margin`]);
//! - [`gap_table`]: two runs' training / validation gap, and whether it closed because
//!   validation rose or because training fell.

use super::html::{escape, Html};
use crate::callbacks::EarlyStopping;
use crate::metrics::{accuracy_margin, difference_margin};
use crate::model::{History, LearningRateSweep};
use std::fmt;

/// A sentence read from a run's numbers: shown as a paragraph in a notebook, or printed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verdict(pub String);

impl Verdict {
    /// The sentence as a paragraph, led by "Verdict:".
    pub fn to_html(&self) -> Html {
        Html::new(format!("<p><b>Verdict:</b> {}</p>", escape(&self.0)))
    }

    /// Shows the verdict as a notebook cell's result (evcxr).
    pub fn evcxr_display(&self) {
        self.to_html().evcxr_display();
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Verdict: {}", self.0)
    }
}

/// The index and value of the smallest finite value.
fn lowest(values: &[f32]) -> Option<(usize, f32)> {
    values.iter().copied().enumerate().filter(|(_, v)| v.is_finite()).min_by(|a, b| a.1.total_cmp(&b.1))
}

/// `"; one accuracy is ±0.023 on 955 images, 95%"`, or nothing when the count is unknown.
fn noise(p: f32, images: usize) -> String {
    let m = accuracy_margin(p, images);
    if m.is_finite() {
        format!("; one accuracy is ±{m:.3} on {images} images, 95%")
    } else {
        String::new()
    }
}

impl History {
    /// What the curves show, in words: how training loss moved, where validation loss was
    /// lowest and whether training loss kept falling while it rose after that (overfitting from
    /// the next epoch), then the accuracies, with the noise of the validation accuracy and the
    /// chance level when known.
    ///
    /// ```
    /// # use snackml::model::History;
    /// let h = History::from_columns(&[("loss", vec![3.0, 2.6, 2.3]), ("val_loss", vec![2.9, 2.8, 3.0])]);
    /// let v = h.verdict().0;
    /// assert!(v.contains("lowest at epoch 2 (2.8000)"), "{v}");
    /// assert!(v.contains("overfits from epoch 3"), "{v}");
    /// ```
    pub fn verdict(&self) -> Verdict {
        let (loss, val) = (self.column("loss"), self.column("val_loss"));
        let n = loss.len();
        if n == 0 {
            return Verdict("no epochs were recorded.".into());
        }
        let epoch = |i: usize| self.epoch.get(i).copied().unwrap_or(i + 1);
        let mut s = format!(
            "over {n} epoch{}, training loss went from {:.4} to {:.4}",
            if n == 1 { "" } else { "s" },
            loss[0],
            loss[n - 1]
        );
        if let (Some((k, best)), Some(&end)) = (lowest(val), val.last()) {
            s += &format!("; validation loss was lowest at epoch {} ({best:.4}) and ended at {end:.4}", epoch(k));
            let last = val.len() - 1;
            s += &if k == last {
                ": still falling at the last epoch, no sign of overfitting yet.".to_string()
            } else if loss.get(last).zip(loss.get(k)).is_some_and(|(a, b)| a < b) {
                format!(
                    ": after epoch {} training loss kept falling while validation loss rose, so the model overfits \
                     from epoch {}.",
                    epoch(k),
                    epoch(k + 1)
                )
            } else {
                format!(": after epoch {} neither loss improved.", epoch(k))
            };
        } else {
            s += ".";
        }
        let (acc, val_acc) = (self.column("accuracy"), self.column("val_accuracy"));
        if let (Some(a0), Some(a1)) = (acc.first(), acc.last()) {
            s += &format!(" Training accuracy went from {a0:.4} to {a1:.4}");
            if let (Some(&v0), Some(&v1)) = (val_acc.first(), val_acc.last()) {
                let (j, best) = val_acc
                    .iter()
                    .copied()
                    .enumerate()
                    .filter(|(_, v)| v.is_finite())
                    .max_by(|a, b| a.1.total_cmp(&b.1))
                    .unwrap_or((0, v0));
                s += &format!(
                    ", validation accuracy from {v0:.4} to {v1:.4} (best {best:.4}, at epoch {}{})",
                    epoch(j),
                    noise(v1, self.validation_samples),
                );
            }
            if let Some(chance) = self.chance("accuracy") {
                s += &format!("; a guess scores {chance:.3}");
            }
            s += ".";
        }
        Verdict(s)
    }
}

impl LearningRateSweep {
    /// What the sweep's table shows: the rate and epoch with the lowest validation loss (training
    /// loss without validation data), the rates whose best epoch was the first (they overfit
    /// from the start), those still improving at the last epoch, and those that diverged.
    ///
    /// ```
    /// # use snackml::model::{History, LearningRateSweep, SweepRun};
    /// let run = |lr, v: Vec<f32>| SweepRun {
    ///     learning_rate: lr,
    ///     history: History::from_columns(&[("loss", vec![1.0; v.len()]), ("val_loss", v)]),
    ///     diverged: None,
    /// };
    /// let sweep = LearningRateSweep { runs: vec![run(1e-4, vec![3.0, 2.9]), run(1e-2, vec![2.95, 3.1])], seconds: 1.0 };
    /// let v = sweep.verdict().0;
    /// assert!(v.starts_with("the lowest validation loss came from learning rate 1.0e-4, at epoch 2 of 2 (2.9000)"), "{v}");
    /// assert!(v.contains("best at epoch 1 (overfitting from the first epoch): 1.0e-2"), "{v}");
    /// ```
    pub fn verdict(&self) -> Verdict {
        let validated = self.runs.iter().any(|r| !r.history.column("val_loss").is_empty());
        let what = if validated { "validation" } else { "training" };
        let Some(best) = self.best() else {
            return Verdict(format!("no rate reached a finite {what} loss."));
        };
        let (epoch, loss) = best.best_epoch().unwrap_or((0, f32::NAN));
        let mut s = format!(
            "the lowest {what} loss came from learning rate {:.1e}, at epoch {epoch} of {} ({loss:.4})",
            best.learning_rate,
            best.history.len()
        );
        let list = |keep: &dyn Fn(&crate::model::SweepRun) -> bool| -> Vec<String> {
            self.runs.iter().filter(|r| keep(r)).map(|r| format!("{:.1e}", r.learning_rate)).collect()
        };
        let epochs = |r: &crate::model::SweepRun| r.history.epoch.clone();
        let at = |r: &crate::model::SweepRun, first: bool| {
            let e = epochs(r);
            let wanted = if first { e.first().copied() } else { e.last().copied() };
            r.diverged.is_none() && e.len() > 1 && r.best_epoch().map(|(b, _)| b) == wanted
        };
        let groups = [
            ("best at epoch 1 (overfitting from the first epoch)", list(&|r| at(r, true))),
            ("still improving at the last epoch", list(&|r| at(r, false))),
            ("diverged", list(&|r| r.diverged.is_some())),
        ];
        for (name, rates) in groups {
            if !rates.is_empty() {
                s += &format!("; {name}: {}", rates.join(", "));
            }
        }
        s += ".";
        Verdict(s)
    }
}

impl EarlyStopping {
    /// Why training ended where it did, after a `fit` with this callback: the epoch whose
    /// monitored value was best, the epochs after it that did not improve on it, and which
    /// weights the model now holds.
    ///
    /// ```
    /// # use snackml::prelude::*;
    /// let stop = EarlyStopping::new("val_loss").patience(3);
    /// assert!(stop.verdict().0.contains("has not run"));
    /// ```
    pub fn verdict(&self) -> Verdict {
        let Some((best, value)) = self.best() else {
            return Verdict(format!("EarlyStopping has not run, or {} was never logged.", self.monitor()));
        };
        let mut s = format!("{} was best at epoch {} ({value:.4})", self.monitor(), best + 1);
        s += &match self.stopped_epoch() {
            Some(stopped) => format!(
                "; epochs {}–{} did not improve on it (patience {}), so training stopped after epoch {}",
                best + 2,
                stopped + 1,
                self.patience_epochs(),
                stopped + 1
            ),
            None => "; training ran all its epochs".to_string(),
        };
        s += &if self.restores_best_weights() {
            format!(", and the model holds epoch {}'s weights.", best + 1)
        } else {
            ", and the model holds the last epoch's weights.".to_string()
        };
        Verdict(s)
    }
}

/// Two accuracies on the same number of images, and whether their difference is outside the
/// noise ([`difference_margin`], 95%).
///
/// ```
/// # use snackml::display::compare_accuracy;
/// let v = compare_accuracy(("with Dropout", 0.1565), ("without", 0.1523), 952).0;
/// assert!(v.contains("a difference of +0.0042, inside the noise (±0.032, 95%)"), "{v}");
/// assert!(compare_accuracy(("a", 0.40), ("b", 0.15), 952).0.contains("outside the noise"));
/// ```
pub fn compare_accuracy(a: (&str, f32), b: (&str, f32), images: usize) -> Verdict {
    let (d, m) = (a.1 - b.1, difference_margin(a.1, b.1, images));
    let mut s = format!("{} {:.4} against {} {:.4} on {images} images: a difference of {d:+.4}", a.0, a.1, b.0, b.1);
    s += &if !d.is_finite() {
        ": one of them is not a number, so they cannot be compared.".to_string()
    } else if !m.is_finite() {
        ", with no noise estimate (no images).".to_string()
    } else if d.abs() <= m {
        format!(", inside the noise (±{m:.3}, 95%): this run cannot tell them apart.")
    } else {
        format!(", outside the noise (±{m:.3}, 95%): {} is better here.", if d > 0.0 { a.0 } else { b.0 })
    };
    Verdict(s)
}

/// Two runs' last-epoch training and validation accuracy and their gap, in a table, and a verdict
/// on how the gap changed from the first run to the second: whether mostly because training
/// accuracy moved or because validation accuracy did, and whether the validation change is
/// outside the noise. A run without those accuracies gives a message.
///
/// ```
/// # use snackml::{display::gap_table, model::History};
/// let plain = History::from_columns(&[("accuracy", vec![0.84]), ("val_accuracy", vec![0.15])]);
/// let augmented = History::from_columns(&[("accuracy", vec![0.17]), ("val_accuracy", vec![0.17])]);
/// let html = gap_table(("as they are", &plain), ("augmented", &augmented));
/// assert!(html.as_str().contains("mostly because training accuracy fell"), "{}", html.as_str());
/// ```
pub fn gap_table(a: (&str, &History), b: (&str, &History)) -> Html {
    let last = |h: &History| Some((h.last("accuracy").ok()?, h.last("val_accuracy").ok()?));
    let (Some((ta, va)), Some((tb, vb))) = (last(a.1), last(b.1)) else {
        return Html::error("gap_table: both histories need accuracy and val_accuracy");
    };
    let rows: String = [(a.0, ta, va), (b.0, tb, vb)]
        .iter()
        .map(|(name, t, v)| {
            format!("<tr><td>{}</td><td>{t:.3}</td><td>{v:.3}</td><td>{:.3}</td></tr>", escape(name), t - v)
        })
        .collect();
    let table = format!(
        "<table cellpadding=\"4\"><tr><th></th><th>training accuracy</th><th>validation accuracy</th>\
         <th>gap</th></tr>{rows}</table>"
    );
    let (dt, dv) = (tb - ta, vb - va);
    let images = b.1.validation_samples.max(a.1.validation_samples);
    let m = difference_margin(va, vb, images);
    let closed = (tb - vb).abs() < (ta - va).abs();
    let cause = if dt.abs() >= dv.abs() {
        format!("training accuracy {}", if dt < 0.0 { "fell" } else { "rose" })
    } else {
        format!("validation accuracy {}", if dv > 0.0 { "rose" } else { "fell" })
    };
    let inside = if m.is_finite() {
        format!(", {} the noise (±{m:.3} on {images} images, 95%)", if dv.abs() <= m { "inside" } else { "outside" })
    } else {
        String::new()
    };
    let verdict = Verdict(format!(
        "from {} to {}, the gap {} from {:.3} to {:.3} mostly because {cause}: training accuracy moved by \
         {dt:+.3} and validation accuracy by {dv:+.3}{inside}.",
        a.0,
        b.0,
        if closed { "closed" } else { "widened" },
        ta - va,
        tb - vb,
    ));
    Html::new(table) + verdict.to_html()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::SweepRun;

    #[test]
    fn a_history_without_overfitting_says_so_and_gives_the_noise() {
        let mut h = History::from_columns(&[
            ("loss", vec![3.0, 2.8]),
            ("accuracy", vec![0.10, 0.15]),
            ("val_loss", vec![2.9, 2.85]),
            ("val_accuracy", vec![0.12, 0.15]),
        ]);
        h.validation_samples = 955;
        h.chance = vec![("accuracy".into(), 0.05)];
        let v = h.verdict().0;
        assert!(v.contains("still falling at the last epoch"), "{v}");
        assert!(v.contains("(best 0.1500, at epoch 2; one accuracy is ±0.023 on 955 images, 95%)"), "{v}");
        assert!(v.contains("a guess scores 0.050"), "{v}");
        assert_eq!(History::default().verdict().0, "no epochs were recorded.");
        let nan = History::from_columns(&[("loss", vec![f32::NAN]), ("val_loss", vec![f32::NAN])]);
        assert!(!nan.verdict().0.is_empty());
    }

    #[test]
    fn a_sweep_names_diverged_and_still_improving_rates() {
        let run = |lr, v: Vec<f32>, diverged: bool| SweepRun {
            learning_rate: lr,
            history: History::from_columns(&[("loss", vec![1.0; v.len()]), ("val_loss", v)]),
            diverged: diverged.then(|| "NaN".into()),
        };
        let sweep = LearningRateSweep {
            runs: vec![run(1e-4, vec![3.0, 2.9, 2.8], false), run(1e-1, vec![9.0], true)],
            seconds: 1.0,
        };
        let v = sweep.verdict().0;
        assert!(v.contains("still improving at the last epoch: 1.0e-4") && v.contains("diverged: 1.0e-1"), "{v}");
        let none = LearningRateSweep { runs: vec![run(1e-1, vec![f32::NAN], true)], seconds: 0.0 };
        assert!(none.verdict().0.starts_with("no rate"));
    }

    #[test]
    fn the_gap_verdict_names_validation_when_it_moved_most() {
        let a = History::from_columns(&[("accuracy", vec![0.5]), ("val_accuracy", vec![0.1])]);
        let b = History::from_columns(&[("accuracy", vec![0.5]), ("val_accuracy", vec![0.4])]);
        let s = gap_table(("a", &a), ("b", &b)).into_string();
        assert!(s.contains("closed from 0.400 to 0.100 mostly because validation accuracy rose"), "{s}");
        assert!(gap_table(("a", &a), ("none", &History::default())).is_error());
        assert!(compare_accuracy(("a", 0.5), ("b", 0.4), 0).0.contains("no noise estimate"));
        assert!(compare_accuracy(("a", f32::NAN), ("b", 0.4), 10).0.contains("cannot be compared"));
    }
}
