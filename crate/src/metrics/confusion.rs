//! The confusion matrix (scikit-learn's `confusion_matrix`) and the pairs of classes it mixes up
//! most.

use crate::{Error, Result};
use ndarray::Array2;

/// Checks that `y_true` and `y_pred` have the same length and every label is below `num_classes`.
pub(crate) fn check_labels(y_true: &[usize], y_pred: &[usize], num_classes: usize) -> Result<()> {
    if y_true.len() != y_pred.len() {
        return Err(Error::Shape(format!("{} true labels but {} predictions", y_true.len(), y_pred.len())));
    }
    if let Some(&bad) = y_true.iter().chain(y_pred).find(|&&l| l >= num_classes) {
        return Err(Error::InvalidArgument(format!("label {bad} is not below the number of classes, {num_classes}")));
    }
    Ok(())
}

/// `C[t][p]` = the number of samples of true class `t` predicted as `p`, for classes
/// `0..num_classes` (rows true, columns predicted, as scikit-learn).
///
/// ```
/// let c = snackml::metrics::confusion_matrix(&[0, 0, 1, 2], &[0, 1, 1, 1], 3)?;
/// assert_eq!(c, ndarray::array![[1, 1, 0], [0, 1, 0], [0, 1, 0]]);
/// # Ok::<(), snackml::Error>(())
/// ```
pub fn confusion_matrix(y_true: &[usize], y_pred: &[usize], num_classes: usize) -> Result<Array2<usize>> {
    check_labels(y_true, y_pred, num_classes)?;
    let mut counts = Array2::zeros((num_classes, num_classes));
    for (&t, &p) in y_true.iter().zip(y_pred) {
        counts[[t, p]] += 1;
    }
    Ok(counts)
}

/// Two classes the model mixes up: `a → b` happened `a_as_b` times and `b → a` `b_as_a` times.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConfusedPair {
    /// One class (the one more often mistaken for the other).
    pub a: usize,
    /// The other class.
    pub b: usize,
    /// Samples of class `a` predicted as `b`: `C[a][b]`.
    pub a_as_b: usize,
    /// Samples of class `b` predicted as `a`: `C[b][a]`.
    pub b_as_a: usize,
}

impl ConfusedPair {
    /// Both directions together, `C[a][b] + C[b][a]`.
    pub fn total(&self) -> usize {
        self.a_as_b + self.b_as_a
    }
}

/// The `n` unordered pairs of distinct classes with the most mistakes between them,
/// `C[a][b] + C[b][a]`, largest first (ties by class index); pairs never confused are left out.
pub fn most_confused_pairs(confusion: &Array2<usize>, n: usize) -> Vec<ConfusedPair> {
    let k = confusion.nrows().min(confusion.ncols());
    let mut pairs = Vec::new();
    for i in 0..k {
        for j in i + 1..k {
            let (ij, ji) = (confusion[[i, j]], confusion[[j, i]]);
            if ij + ji > 0 {
                let (a, b, a_as_b, b_as_a) = if ij >= ji { (i, j, ij, ji) } else { (j, i, ji, ij) };
                pairs.push(ConfusedPair { a, b, a_as_b, b_as_a });
            }
        }
    }
    pairs.sort_by(|x, y| {
        y.total().cmp(&x.total()).then((x.a.min(x.b), x.a.max(x.b)).cmp(&(y.a.min(y.b), y.a.max(y.b))))
    });
    pairs.truncate(n);
    pairs
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn pairs_add_both_directions() {
        let c = array![[5, 3, 0], [1, 4, 0], [0, 2, 6]];
        let pairs = most_confused_pairs(&c, 5);
        assert_eq!(
            pairs,
            vec![ConfusedPair { a: 0, b: 1, a_as_b: 3, b_as_a: 1 }, ConfusedPair { a: 2, b: 1, a_as_b: 2, b_as_a: 0 }]
        );
        assert_eq!(most_confused_pairs(&c, 1).len(), 1);
        assert!(most_confused_pairs(&Array2::zeros((0, 0)), 3).is_empty());
    }

    #[test]
    fn bad_labels_are_errors() {
        assert!(confusion_matrix(&[0, 1], &[0], 2).is_err());
        assert!(confusion_matrix(&[0, 2], &[0, 1], 2).is_err());
        assert_eq!(confusion_matrix(&[], &[], 0).unwrap().dim(), (0, 0));
    }
}
