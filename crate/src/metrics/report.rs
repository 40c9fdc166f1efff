//! scikit-learn's `classification_report`: precision, recall, F1 and support for every class,
//! then accuracy, the macro average and the support-weighted average.
//!
//! From the confusion matrix `C` (rows true, columns predicted), for class `i`:
//!
//! ```text
//! tp = C[i][i]    fp = Σ_t C[t][i] − tp    fn = Σ_p C[i][p] − tp    support = Σ_p C[i][p]
//! precision = tp / (tp + fp)    recall = tp / (tp + fn)    F1 = 2·tp / (2·tp + fp + fn)
//! ```
//!
//! each 0 when its denominator is 0 (scikit-learn's `zero_division` default, without the
//! warning). `accuracy = Σ_i tp_i / N`; the macro average is the plain mean over the classes,
//! the weighted average `Σ_i support_i · score_i / N`.
//!
//! ```
//! use snackml::metrics::classification_report;
//! let names = ["cat", "dog", "fox"];
//! let report = classification_report(&[0, 0, 1, 1, 2], &[0, 1, 1, 1, 0], &names)?;
//! assert_eq!(report.classes[1].precision, 2.0 / 3.0);
//! assert_eq!(report.accuracy, 0.6);
//! println!("{report}"); // the table as scikit-learn prints it (`{report:.4}` for 4 digits)
//! # Ok::<(), snackml::Error>(())
//! ```

use super::confusion::confusion_matrix;
use crate::{Error, Result};
use std::fmt;

/// One row of the report.
#[derive(Clone, Debug, PartialEq)]
pub struct ClassScores {
    /// The class name (or `"macro avg"`, `"weighted avg"`).
    pub name: String,
    /// `tp / (tp + fp)`.
    pub precision: f64,
    /// `tp / (tp + fn)`.
    pub recall: f64,
    /// `2·tp / (2·tp + fp + fn)`.
    pub f1_score: f64,
    /// The number of samples of the class (of all classes, for the averages).
    pub support: usize,
}

/// Per-class scores and their summaries (scikit-learn's `classification_report`).
#[derive(Clone, Debug, PartialEq)]
pub struct ClassificationReport {
    /// One row per class, in class order.
    pub classes: Vec<ClassScores>,
    /// The fraction of samples predicted right.
    pub accuracy: f64,
    /// The unweighted mean over the classes.
    pub macro_avg: ClassScores,
    /// The mean over the classes weighted by their support.
    pub weighted_avg: ClassScores,
}

/// `a / b`, or 0 when `b` is 0.
fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

/// The classification report of `y_true` against `y_pred`. Classes are `0..target_names.len()`
/// (`0..=max label`, named by number, when no names are given), each listed even when it has no
/// samples. Errors for lists of different lengths and labels without a name.
pub fn classification_report<S: AsRef<str>>(
    y_true: &[usize],
    y_pred: &[usize],
    target_names: &[S],
) -> Result<ClassificationReport> {
    let n = if target_names.is_empty() {
        y_true.iter().chain(y_pred).max().map_or(0, |m| m + 1)
    } else {
        target_names.len()
    };
    let c = confusion_matrix(y_true, y_pred, n)?;
    if y_true.is_empty() {
        return Err(Error::InvalidArgument("classification_report needs at least one sample".into()));
    }
    let name = |i: usize| target_names.get(i).map_or_else(|| i.to_string(), |s| s.as_ref().to_string());
    let classes: Vec<ClassScores> = (0..n)
        .map(|i| {
            let tp = c[[i, i]];
            let predicted: usize = c.column(i).sum();
            let support: usize = c.row(i).sum();
            let (fp, fn_) = (predicted - tp, support - tp);
            ClassScores {
                name: name(i),
                precision: ratio(tp, predicted),
                recall: ratio(tp, support),
                f1_score: ratio(2 * tp, 2 * tp + fp + fn_),
                support,
            }
        })
        .collect();
    let total = y_true.len();
    let correct: usize = (0..n).map(|i| c[[i, i]]).sum();
    let average = |label: &str, weight: &dyn Fn(&ClassScores) -> f64, norm: f64| ClassScores {
        name: label.to_string(),
        precision: classes.iter().map(|s| weight(s) * s.precision).sum::<f64>() / norm,
        recall: classes.iter().map(|s| weight(s) * s.recall).sum::<f64>() / norm,
        f1_score: classes.iter().map(|s| weight(s) * s.f1_score).sum::<f64>() / norm,
        support: total,
    };
    let macro_avg = average("macro avg", &|_| 1.0, n as f64);
    let weighted_avg = average("weighted avg", &|s| s.support as f64, total as f64);
    Ok(ClassificationReport { classes, accuracy: correct as f64 / total as f64, macro_avg, weighted_avg })
}

impl fmt::Display for ClassificationReport {
    /// The text table exactly as scikit-learn prints it, with 2 digits (`{:.4}` for 4).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let digits = f.precision().unwrap_or(2);
        let longest = self.classes.iter().map(|s| s.name.chars().count()).max().unwrap_or(0);
        let width = longest.max("weighted avg".len()).max(digits);
        writeln!(f, "{:>width$}  {:>9} {:>9} {:>9} {:>9}", "", "precision", "recall", "f1-score", "support")?;
        writeln!(f)?;
        let row = |f: &mut fmt::Formatter<'_>, s: &ClassScores| {
            writeln!(
                f,
                "{:>width$}  {:>9.digits$} {:>9.digits$} {:>9.digits$} {:>9}",
                s.name, s.precision, s.recall, s.f1_score, s.support
            )
        };
        for s in &self.classes {
            row(f, s)?;
        }
        writeln!(f)?;
        writeln!(
            f,
            "{:>width$}  {:>9} {:>9} {:>9.digits$} {:>9}",
            "accuracy", "", "", self.accuracy, self.weighted_avg.support
        )?;
        row(f, &self.macro_avg)?;
        row(f, &self.weighted_avg)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A hand-worked example (scikit-learn's docstring example).
    ///
    /// ```text
    /// y_true = 0 1 2 2 2     C = | 1 0 0 |   class 0: tp 1 fp 1 fn 0 → P ½  R 1  F1 ⅔
    /// y_pred = 0 0 2 2 1         | 1 0 0 |   class 1: tp 0 fp 1 fn 1 → P 0  R 0  F1 0
    ///                            | 0 1 2 |   class 2: tp 2 fp 0 fn 1 → P 1  R ⅔  F1 ⅘
    /// ```
    #[test]
    fn numbers_of_a_hand_worked_confusion_matrix() {
        let r = classification_report(&[0, 1, 2, 2, 2], &[0, 0, 2, 2, 1], &["class 0", "class 1", "class 2"]).unwrap();
        let got: Vec<(f64, f64, f64, usize)> =
            r.classes.iter().map(|s| (s.precision, s.recall, s.f1_score, s.support)).collect();
        assert_eq!(got, vec![(0.5, 1.0, 2.0 / 3.0, 1), (0.0, 0.0, 0.0, 1), (1.0, 2.0 / 3.0, 0.8, 3)]);
        assert_eq!(r.accuracy, 0.6);
        assert!((r.macro_avg.precision - 0.5).abs() < 1e-12);
        assert!((r.macro_avg.recall - 5.0 / 9.0).abs() < 1e-12);
        assert!((r.macro_avg.f1_score - (2.0 / 3.0 + 0.8) / 3.0).abs() < 1e-12);
        assert!((r.weighted_avg.precision - 0.7).abs() < 1e-12); // (0.5 + 0 + 3) / 5
        assert!((r.weighted_avg.recall - 0.6).abs() < 1e-12);
        assert!((r.weighted_avg.f1_score - (2.0 / 3.0 + 2.4) / 5.0).abs() < 1e-12);
        assert_eq!(r.weighted_avg.support, 5);
        // scikit-learn's printout, character for character.
        let want = "              precision    recall  f1-score   support

     class 0       0.50      1.00      0.67         1
     class 1       0.00      0.00      0.00         1
     class 2       1.00      0.67      0.80         3

    accuracy                           0.60         5
   macro avg       0.50      0.56      0.49         5
weighted avg       0.70      0.60      0.61         5
";
        assert_eq!(r.to_string(), want);
    }

    #[test]
    fn classes_without_samples_and_bad_input() {
        let r = classification_report(&[0, 0], &[0, 0], &["a", "b"]).unwrap();
        assert_eq!((r.classes[1].precision, r.classes[1].recall, r.classes[1].support), (0.0, 0.0, 0));
        assert_eq!(r.macro_avg.recall, 0.5);
        let numbered = classification_report::<&str>(&[0, 2], &[2, 2], &[]).unwrap();
        assert_eq!(numbered.classes.len(), 3);
        assert_eq!(numbered.classes[2].name, "2");
        assert!(classification_report(&[0, 3], &[0, 0], &["a", "b"]).is_err());
        assert!(classification_report::<&str>(&[], &[], &[]).is_err());
        assert!(classification_report(&[0], &[0, 1], &["a", "b"]).is_err());
        assert!(format!("{:.4}", r).contains("1.0000"));
    }
}
