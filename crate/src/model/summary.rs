//! `summary()`: the Keras table of layers, output shapes and parameter counts.
//!
//! ```text
//! Model: "sequential"
//! _________________________________________________________________
//!  Layer (type)                Output Shape              Param #
//! =================================================================
//!  flatten (Flatten)           (None, 3072)              0
//!
//!  dense (Dense)               (None, 20)                61460
//! ...
//! ```

use super::Sequential;
use crate::layers::shape_string;
use crate::{Error, Result};
use std::fmt;

/// A model summary; `Display` prints the Keras table, and a notebook shows it as the cell's value.
#[derive(Clone, Debug, PartialEq)]
pub struct Summary {
    /// The model's name.
    pub name: String,
    /// One row per layer: "name (Type)", output shape such as "(None, 20)", parameter count.
    pub rows: Vec<(String, String, usize)>,
    /// Total parameters, trainable or not.
    pub total_params: usize,
    /// The parameters the optimizer moves.
    pub trainable_params: usize,
}

impl Sequential {
    /// The Keras-style summary table. Fails if the model is not built yet (no input shape).
    pub fn summary(&self) -> Result<Summary> {
        if self.layers.is_empty() || self.input_shape.is_none() {
            return Err(Error::NotBuilt(
                "summary needs the input shape: give the first layer one (Flatten::with_input_shape) or call build"
                    .into(),
            ));
        }
        let rows = self
            .layers
            .iter()
            .map(|l| {
                let shape = l.output_shape().map_or("?".into(), shape_string);
                (format!("{} ({})", l.name(), l.class_name()), shape, l.count_params())
            })
            .collect();
        Ok(Summary {
            name: self.name.clone(),
            rows,
            total_params: self.count_params(),
            trainable_params: self.count_trainable_params(),
        })
    }
}

/// Keras's `readable_memory_size`: `240.08 KB`.
fn readable_size(bytes: f64) -> String {
    let units = ["Byte", "KB", "MB", "GB", "TB"];
    let mut size = bytes;
    let mut unit = 0;
    while size >= 1024.0 && unit < units.len() - 1 {
        size /= 1024.0;
        unit += 1;
    }
    format!("{size:.2} {}", units[unit])
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const WIDTH: usize = 65;
        let row = |a: &str, b: &str, c: &str| format!(" {a:<27} {b:<25} {c:<10}");
        writeln!(f, "Model: \"{}\"", self.name)?;
        writeln!(f, "{}", "_".repeat(WIDTH))?;
        writeln!(f, "{}", row("Layer (type)", "Output Shape", "Param #"))?;
        writeln!(f, "{}", "=".repeat(WIDTH))?;
        for (i, (name, shape, params)) in self.rows.iter().enumerate() {
            writeln!(f, "{}", row(name, shape, &params.to_string()))?;
            if i + 1 < self.rows.len() {
                writeln!(f, "{}", " ".repeat(WIDTH))?;
            }
        }
        writeln!(f, "{}", "=".repeat(WIDTH))?;
        let frozen = self.total_params.saturating_sub(self.trainable_params);
        let line = |label: &str, n: usize| format!("{label}: {n} ({})", readable_size(n as f64 * 4.0));
        writeln!(f, "{}", line("Total params", self.total_params))?;
        writeln!(f, "{}", line("Trainable params", self.trainable_params))?;
        writeln!(f, "{}", line("Non-trainable params", frozen))?;
        write!(f, "{}", "_".repeat(WIDTH))
    }
}

impl Summary {
    /// Shows the table as a notebook cell's value (evcxr).
    pub fn evcxr_display(&self) {
        println!("{self}");
    }
}

#[cfg(test)]
mod tests {
    use super::readable_size;

    #[test]
    fn sizes_like_keras() {
        assert_eq!(readable_size(61_460.0 * 4.0), "240.08 KB");
        assert_eq!(readable_size(1_546_520.0 * 4.0), "5.90 MB");
        assert_eq!(readable_size(0.0), "0.00 Byte");
    }
}
