//! The most confident mistakes: the samples the model got wrong while most sure of itself,
//! the first ones to look at.

use crate::math::argmax_slice;
use crate::{Error, Result};
use ndarray::Array2;

/// One wrong prediction.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Mistake {
    /// The sample's index (its row in the predictions).
    pub index: usize,
    /// The true class.
    pub true_class: usize,
    /// The predicted class, `argmax p`.
    pub predicted: usize,
    /// The probability of the predicted class, `max p`.
    pub probability: f32,
    /// The probability the model gave the true class.
    pub true_probability: f32,
}

/// The `n` wrong predictions with the highest predicted probability (ties by index), from the
/// model's `probabilities` (one row per sample, e.g. `predict_sequence` on an unshuffled flow)
/// and the true classes. Errors when the lengths differ or a class is out of range.
pub fn most_confident_mistakes(probabilities: &Array2<f32>, y_true: &[usize], n: usize) -> Result<Vec<Mistake>> {
    if probabilities.nrows() != y_true.len() {
        return Err(Error::Shape(format!(
            "{} rows of predictions but {} true labels",
            probabilities.nrows(),
            y_true.len()
        )));
    }
    if let Some(&bad) = y_true.iter().find(|&&t| t >= probabilities.ncols()) {
        return Err(Error::InvalidArgument(format!(
            "label {bad} is not below the number of classes, {}",
            probabilities.ncols()
        )));
    }
    let mut mistakes: Vec<Mistake> = probabilities
        .rows()
        .into_iter()
        .zip(y_true)
        .enumerate()
        .filter_map(|(index, (p, &t))| {
            let predicted = argmax_slice(p.iter().copied());
            (predicted != t).then(|| Mistake {
                index,
                true_class: t,
                predicted,
                probability: p[predicted],
                true_probability: p[t],
            })
        })
        .collect();
    mistakes.sort_by(|a, b| b.probability.total_cmp(&a.probability).then(a.index.cmp(&b.index)));
    mistakes.truncate(n);
    Ok(mistakes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn the_surest_wrong_answers_come_first() {
        let p = array![[0.9f32, 0.1], [0.2, 0.8], [0.4, 0.6], [0.3, 0.7]];
        let m = most_confident_mistakes(&p, &[0, 0, 0, 1], 5).unwrap();
        assert_eq!(m.iter().map(|m| m.index).collect::<Vec<_>>(), vec![1, 2]);
        assert_eq!((m[0].true_class, m[0].predicted, m[0].probability, m[0].true_probability), (0, 1, 0.8, 0.2));
        assert_eq!(most_confident_mistakes(&p, &[0, 0, 0, 1], 1).unwrap().len(), 1);
        assert!(most_confident_mistakes(&p, &[0, 0], 1).is_err());
        assert!(most_confident_mistakes(&p, &[0, 0, 0, 2], 1).is_err());
    }
}
