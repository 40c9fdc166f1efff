//! The chapter's sanity checks, automated.
//!
//! - An untrained classifier that guesses uniformly over `K` classes has a cross-entropy loss of
//!   `−log(1/K) = ln K` (ln 20 ≈ 2.9957) and an accuracy of about `1/K`. A first loss far from that
//!   means something is off: labels, preprocessing or initialisation.
//! - Validation accuracy that stops improving while training accuracy still rises means the model
//!   is overfitting (see [`History::overfitting_warning`](super::History::overfitting_warning)).
//!
//! ```
//! use snackml::model::initial_loss_check;
//! assert!(initial_loss_check(3.01, 20).is_ok());
//! assert!(initial_loss_check(9.5, 20).is_err());
//! ```

/// Compares an untrained model's loss with `ln K`. `Ok` with a one-line report when it is within
/// 25% of it, `Err` with a warning otherwise.
pub fn initial_loss_check(loss: f32, classes: usize) -> Result<String, String> {
    let expected = (classes.max(1) as f32).ln();
    let report = format!("untrained loss {loss:.4}, expected about ln({classes}) = {expected:.4}");
    if loss.is_finite() && (loss - expected).abs() <= 0.25 * expected.max(1e-3) {
        Ok(format!("{report}: the model starts out guessing, as it should"))
    } else {
        Err(format!(
            "{report}: far off. Check the labels (one-hot, {classes} columns), the pixel scaling and the initial weights"
        ))
    }
}
