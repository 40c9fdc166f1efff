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
//! assert!(initial_loss_check(3.01, 20).ok);
//! assert!(!initial_loss_check(9.5, 20).ok);
//! println!("{}", initial_loss_check(3.01, 20)); // check: untrained loss 3.0100, expected about ...
//! ```

/// The verdict of [`initial_loss_check`]; `Display` prints it as one line.
#[derive(Clone, Debug, PartialEq)]
pub struct LossCheck {
    /// Whether the loss is where an untrained model's should be.
    pub ok: bool,
    /// The one-line report (or warning).
    pub message: String,
}

impl std::fmt::Display for LossCheck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let label = if self.ok { "check" } else { "WARNING" };
        write!(f, "{label}: {}", self.message)
    }
}

impl LossCheck {
    /// Shows the verdict as a notebook cell's value (evcxr).
    pub fn evcxr_display(&self) {
        println!("{self}");
    }
}

/// Compares an untrained model's loss with `ln K`: ok when it is within 25% of it.
pub fn initial_loss_check(loss: f32, classes: usize) -> LossCheck {
    let expected = (classes.max(1) as f32).ln();
    let report = format!("untrained loss {loss:.4}, expected about ln({classes}) = {expected:.4}");
    if loss.is_finite() && (loss - expected).abs() <= 0.25 * expected.max(1e-3) {
        LossCheck { ok: true, message: format!("{report}: the model starts out guessing, as it should") }
    } else {
        LossCheck {
            ok: false,
            message: format!(
                "{report}: far off. Check the labels (one-hot, {classes} columns), the pixel scaling and the initial weights"
            ),
        }
    }
}
