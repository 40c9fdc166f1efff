//! Bar charts: one value per class (probabilities, counts), drawn as horizontal bars so that
//! 20 class names stay readable, with each value written at the end of its bar.

use super::chart::{padded, plot_error, render_svg, CHART_SIZE, FONT, PALETTE};
use super::html::Html;
use super::pixels::finite_range;
use crate::Result;
use plotters::coord::ranged1d::{IntoSegmentedCoord, SegmentValue};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// Pixels per bar: the chart grows taller with the number of bars.
const BAR_HEIGHT: u32 = 17;
/// Room for the title and the value axis.
const CHART_FRAME: u32 = 100;

/// A horizontal bar chart: one labelled bar per value.
///
/// ```
/// # use snackml::display::BarChart;
/// let html = BarChart::new("p", &["cat".into(), "dog".into()], &[0.3, 0.7]).x_range(0.0, 1.0).to_html();
/// assert_eq!(html.count("<svg"), 1);
/// ```
#[derive(Clone, Debug)]
pub struct BarChart {
    title: String,
    labels: Vec<String>,
    values: Vec<f32>,
    value_label: String,
    range: Option<(f32, f32)>,
    color: RGBColor,
}

impl BarChart {
    /// A bar per value, labelled with `labels` (missing labels become the index).
    pub fn new(title: &str, labels: &[String], values: &[f32]) -> Self {
        BarChart {
            title: title.to_string(),
            labels: labels.to_vec(),
            values: values.to_vec(),
            value_label: String::new(),
            range: None,
            color: PALETTE[0],
        }
    }

    /// The value axis label.
    pub fn value_label(mut self, label: &str) -> Self {
        self.value_label = label.to_string();
        self
    }

    /// Fixes the value axis to `lo..hi` (use the same range to compare two charts).
    pub fn x_range(mut self, lo: f32, hi: f32) -> Self {
        if lo.is_finite() && hi.is_finite() && hi > lo {
            self.range = Some((lo, hi));
        }
        self
    }

    /// The bar colour.
    pub fn color(mut self, color: RGBColor) -> Self {
        self.color = color;
        self
    }

    /// The value range: the fixed one, or the data's with 0 included, padded.
    fn value_range(&self) -> (f32, f32) {
        self.range.unwrap_or_else(|| {
            let (lo, hi) = finite_range(&self.values);
            let (lo, hi) = padded(lo.min(0.0), hi.max(0.0));
            (if lo < 0.0 && self.values.iter().all(|v| *v >= 0.0) { 0.0 } else { lo }, hi)
        })
    }

    /// The label of bar `i`.
    fn label(&self, i: usize) -> String {
        self.labels.get(i).cloned().unwrap_or_else(|| i.to_string())
    }

    /// The chart as an SVG document, taller for more bars.
    pub fn to_svg(&self) -> Result<String> {
        let n = self.values.len() as u32;
        let height = (CHART_FRAME + BAR_HEIGHT * n).clamp(CHART_SIZE.1, 4000);
        render_svg((CHART_SIZE.0, height), |root| self.draw(root))
    }

    /// The chart as inline SVG in [`Html`] (a message when there are no values).
    pub fn to_html(&self) -> Html {
        if self.values.is_empty() {
            return Html::text(&format!("{}: (no values)", self.title));
        }
        self.to_svg().map_or_else(|e| Html::error(&e.to_string()), Html::new)
    }

    /// Draws axes, bars and value labels. Bar `i` is drawn at row `n - 1 - i`, so the first
    /// label is at the top.
    fn draw(&self, root: &DrawingArea<SVGBackend, Shift>) -> Result<()> {
        let n = self.values.len() as i32;
        if n == 0 {
            return super::chart::draw_note(root, "no values");
        }
        let (lo, hi) = self.value_range();
        let longest = (0..n as usize).map(|i| self.label(i).chars().count()).max().unwrap_or(1) as u32;
        let mut chart = ChartBuilder::on(root)
            .caption(&self.title, (FONT, 20))
            .margin(10)
            .margin_right(25)
            .x_label_area_size(if self.value_label.is_empty() { 25 } else { 40 })
            .y_label_area_size((longest * 7 + 15).clamp(30, 160))
            .build_cartesian_2d(lo..hi, (0..n - 1).into_segmented())
            .map_err(plot_error)?;
        let label_of = |v: &SegmentValue<i32>| match v {
            SegmentValue::CenterOf(row) | SegmentValue::Exact(row) => self.label((n - 1 - row) as usize),
            SegmentValue::Last => String::new(),
        };
        chart
            .configure_mesh()
            .disable_y_mesh()
            .bold_line_style(BLACK.mix(0.1))
            .light_line_style(TRANSPARENT)
            .y_labels(n as usize)
            .y_label_formatter(&label_of)
            .x_labels(6)
            .x_desc(&self.value_label)
            .axis_desc_style((FONT, 15))
            .label_style((FONT, 13))
            .draw()
            .map_err(plot_error)?;
        let base = 0f32.clamp(lo, hi);
        let style = self.color.filled();
        let bars = self.values.iter().enumerate().filter(|(_, v)| v.is_finite()).map(|(i, &v)| {
            let row = n - 1 - i as i32;
            let mut bar = Rectangle::new(
                [(base, SegmentValue::Exact(row)), (v.clamp(lo, hi), SegmentValue::Exact(row + 1))],
                style,
            );
            bar.set_margin(2, 2, 0, 0);
            bar
        });
        chart.draw_series(bars).map_err(plot_error)?;
        let text_style = TextStyle::from((FONT, 12).into_font()).pos(Pos::new(HPos::Left, VPos::Center));
        let values = self.values.iter().enumerate().map(|(i, &v)| {
            let at = if v.is_finite() { v.clamp(lo, hi).max(base) } else { base };
            let text = if v.is_finite() { format!(" {v:.3}") } else { format!(" {v}") };
            Text::new(text, (at, SegmentValue::CenterOf(n - 1 - i as i32)), text_style.clone())
        });
        chart.draw_series(values).map_err(plot_error)?;
        Ok(())
    }
}

/// A bar chart of `values` labelled with `labels` (one bar per class).
///
/// ```
/// # use snackml::display::bar_chart;
/// let html = bar_chart(&["apple".into(), "banana".into()], &[0.2, 0.8], "softmax");
/// assert!(html.as_str().contains("banana"));
/// ```
pub fn bar_chart(labels: &[String], values: &[f32], title: &str) -> Html {
    if labels.len() != values.len() {
        return Html::error(&format!("bar_chart: {} labels but {} values", labels.len(), values.len()));
    }
    BarChart::new(title, labels, values).to_html()
}

/// Two bar charts side by side on the same value axis, e.g. sigmoid against softmax outputs for
/// the same classes: `(title, values)` for each side. Probabilities (all values in `[0, 1]`) get
/// the axis `0..1`.
///
/// ```
/// # use snackml::display::compare_bar_charts;
/// let names: Vec<String> = (0..3).map(|i| format!("class {i}")).collect();
/// let html = compare_bar_charts(&names, ("sigmoid", &[0.9, 0.8, 0.1]), ("softmax", &[0.5, 0.4, 0.1]));
/// assert_eq!(html.count("<svg"), 2);
/// ```
pub fn compare_bar_charts(labels: &[String], left: (&str, &[f32]), right: (&str, &[f32])) -> Html {
    if left.1.len() != labels.len() || right.1.len() != labels.len() {
        return Html::error(&format!(
            "compare_bar_charts: {} labels but {} and {} values",
            labels.len(),
            left.1.len(),
            right.1.len()
        ));
    }
    let (lo, hi) = finite_range(left.1.iter().chain(right.1));
    let (lo, hi) = if lo >= 0.0 && hi <= 1.0 { (0.0, 1.0) } else { padded(lo.min(0.0), hi.max(0.0)) };
    let chart = |(title, values): (&str, &[f32]), color| {
        BarChart::new(title, labels, values).x_range(lo, hi).color(color).to_html()
    };
    Html::row(vec![chart(left, PALETTE[0]), chart(right, PALETTE[1])])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("class{i}")).collect()
    }

    #[test]
    fn every_label_and_value_is_written() {
        let html = bar_chart(&names(20), &[0.05; 20], "twenty");
        assert_eq!(html.count("<svg"), 1);
        assert!(html.as_str().contains("class0") && html.as_str().contains("class19"));
        assert_eq!(html.count("0.050"), 20);
    }

    #[test]
    fn odd_input_does_not_panic() {
        assert!(bar_chart(&names(2), &[1.0], "bad").is_error());
        assert_eq!(bar_chart(&[], &[], "empty").count("<svg"), 0);
        assert!(!bar_chart(&names(3), &[f32::NAN, -1.0, 2.0], "nan").is_error());
        assert!(!bar_chart(&names(1), &[0.0], "zero").is_error());
        assert!(compare_bar_charts(&names(2), ("a", &[0.1, 0.2]), ("b", &[0.1])).is_error());
    }
}
