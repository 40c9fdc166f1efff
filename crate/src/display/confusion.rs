//! The confusion matrix as a heat map: rows are true classes, columns predicted ones, each cell
//! coloured by its count (white to blue) and labelled with it. Written as plain SVG (no plotters)
//! for full control of the rotated column labels.

use super::html::{escape, Html};
use super::images::class_name;
use crate::{Error, Result};
use std::fmt::Write;

/// More classes than this would make an unreadable picture.
const MAX_CLASSES: usize = 100;

/// Counts of (true, predicted) pairs: `counts[t][p]` ([`metrics::confusion_matrix`](crate::metrics::confusion_matrix)).
fn count_pairs(y_true: &[usize], y_pred: &[usize], n: usize) -> Result<Vec<Vec<usize>>> {
    let counts = crate::metrics::confusion_matrix(y_true, y_pred, n)?;
    Ok(counts.rows().into_iter().map(|row| row.to_vec()).collect())
}

/// The fill colour for a cell at `fraction` (0..=1) of the largest count: white to dark blue.
fn heat(fraction: f64) -> String {
    let f = fraction.clamp(0.0, 1.0);
    let mix = |white: f64, blue: f64| (white + (blue - white) * f).round() as u8;
    format!("rgb({},{},{})", mix(247.0, 8.0), mix(251.0, 48.0), mix(255.0, 107.0))
}

/// Where things go in the picture.
struct Layout {
    cell: usize,
    font: f64,
    left: usize,
    top: usize,
    bottom: usize,
    n: usize,
}

impl Layout {
    /// Cells and their font shrink with more classes; the label margins fit the longest name.
    fn new(n: usize, longest_name: usize) -> Self {
        let cell = (420 / n.max(1)).clamp(18, 44);
        let font = (cell as f64 * 0.45).clamp(9.0, 14.0);
        let label = (longest_name as f64 * font * 0.62).ceil() as usize + 10;
        Layout { cell, font, left: label + 28, top: 40, bottom: label + 30, n }
    }

    fn width(&self) -> usize {
        self.left + self.cell * self.n + 10
    }

    fn height(&self) -> usize {
        self.top + self.cell * self.n + self.bottom
    }
}

/// The SVG of the matrix with a title, class labels and counts.
fn matrix_svg(counts: &[Vec<usize>], names: &[String], title: &str) -> String {
    let n = counts.len();
    let l = Layout::new(n, names.iter().map(|s| s.chars().count()).max().unwrap_or(1));
    let max = counts.iter().flatten().copied().max().unwrap_or(0).max(1) as f64;
    let font = l.font;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" font-family=\"sans-serif\">\
         <rect width=\"{w}\" height=\"{h}\" fill=\"white\"/>\
         <text x=\"{cx}\" y=\"24\" text-anchor=\"middle\" font-size=\"16\">{title}</text>",
        w = l.width(),
        h = l.height(),
        cx = l.width() / 2,
        title = escape(title),
    );
    for (t, row) in counts.iter().enumerate() {
        for (p, &count) in row.iter().enumerate() {
            let (x, y) = (l.left + p * l.cell, l.top + t * l.cell);
            let fraction = count as f64 / max;
            let ink = if fraction > 0.5 {
                "white"
            } else if count == 0 {
                "#bbbbbb"
            } else {
                "black"
            };
            let _ = write!(
                svg,
                "<rect x=\"{x}\" y=\"{y}\" width=\"{c}\" height=\"{c}\" fill=\"{fill}\" stroke=\"#dddddd\"/>\
                 <text x=\"{tx}\" y=\"{ty}\" text-anchor=\"middle\" dominant-baseline=\"central\" font-size=\"{font}\" fill=\"{ink}\">{count}</text>",
                c = l.cell,
                fill = heat(fraction),
                tx = x + l.cell / 2,
                ty = y + l.cell / 2,
            );
        }
    }
    write_labels(&mut svg, &l, names);
    svg.push_str("</svg>");
    svg
}

/// Class names left of the rows and below the columns (rotated), and the two axis titles.
fn write_labels(svg: &mut String, l: &Layout, names: &[String]) {
    let font = l.font;
    for (i, name) in names.iter().enumerate() {
        let middle = i * l.cell + l.cell / 2;
        let (row_y, col_x, col_y) = (l.top + middle, l.left + middle, l.top + l.n * l.cell + 6);
        let _ = write!(
            svg,
            "<text x=\"{x}\" y=\"{row_y}\" text-anchor=\"end\" dominant-baseline=\"central\" font-size=\"{font}\">{name}</text>\
             <text x=\"{col_x}\" y=\"{col_y}\" text-anchor=\"end\" dominant-baseline=\"central\" font-size=\"{font}\" transform=\"rotate(-90 {col_x} {col_y})\">{name}</text>",
            x = l.left - 6,
            name = escape(name),
        );
    }
    let (mid_x, mid_y) = (l.left + l.n * l.cell / 2, l.top + l.n * l.cell / 2);
    let _ = write!(
        svg,
        "<text x=\"{mid_x}\" y=\"{by}\" text-anchor=\"middle\" font-size=\"14\">predicted</text>\
         <text x=\"14\" y=\"{mid_y}\" text-anchor=\"middle\" font-size=\"14\" transform=\"rotate(-90 14 {mid_y})\">true</text>",
        by = l.height() - 8,
    );
}

/// Checks the labels and returns the number of classes.
fn class_count(y_true: &[usize], y_pred: &[usize], class_names: &[String]) -> Result<usize> {
    if y_true.len() != y_pred.len() {
        return Err(Error::Shape(format!(
            "plot_confusion_matrix: {} true labels but {} predictions",
            y_true.len(),
            y_pred.len()
        )));
    }
    let largest = y_true.iter().chain(y_pred).copied().max().map_or(0, |m| m + 1);
    let n = class_names.len().max(largest);
    if n == 0 || n > MAX_CLASSES {
        return Err(Error::InvalidArgument(format!("plot_confusion_matrix: {n} classes (need 1 to {MAX_CLASSES})")));
    }
    Ok(n)
}

/// The confusion matrix of `y_true` against `y_pred` as a heat map with counts, titled with the
/// accuracy. Labels beyond `class_names` get numbers as names.
///
/// ```
/// # use snackml::display::plot_confusion_matrix;
/// let names = vec!["apple".to_string(), "banana".to_string()];
/// let html = plot_confusion_matrix(&[0, 0, 1, 1], &[0, 1, 1, 1], &names);
/// assert!(html.as_str().contains("accuracy 0.750"));
/// ```
pub fn plot_confusion_matrix(y_true: &[usize], y_pred: &[usize], class_names: &[String]) -> Html {
    let (n, counts) =
        match class_count(y_true, y_pred, class_names).and_then(|n| Ok((n, count_pairs(y_true, y_pred, n)?))) {
            Ok(found) => found,
            Err(e) => return Html::error(&e.to_string()),
        };
    let correct: usize = (0..n).map(|i| counts[i][i]).sum();
    let title = if y_true.is_empty() {
        "Confusion matrix (no samples)".to_string()
    } else {
        format!("Confusion matrix (accuracy {:.3})", correct as f64 / y_true.len() as f64)
    };
    let names: Vec<String> = (0..n).map(|i| class_name(class_names, i)).collect();
    Html::new(matrix_svg(&counts, &names, &title))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_written_in_the_cells() {
        let names = vec!["a".to_string(), "b".to_string()];
        let html = plot_confusion_matrix(&[0, 0, 0, 1], &[0, 0, 1, 1], &names);
        assert_eq!(html.count("<svg"), 1);
        assert_eq!(html.count("<rect"), 5);
        assert!(html.as_str().contains(">2</text>") && html.as_str().contains("predicted"));
    }

    #[test]
    fn odd_input_does_not_panic() {
        assert!(plot_confusion_matrix(&[0, 1], &[0], &[]).is_error());
        assert!(plot_confusion_matrix(&[], &[], &[]).is_error());
        assert!(!plot_confusion_matrix(&[], &[], &["a".into()]).is_error());
        assert!(!plot_confusion_matrix(&[3], &[0], &["<a>".into()]).is_error());
        assert!(plot_confusion_matrix(&[1000], &[0], &[]).is_error());
    }
}
