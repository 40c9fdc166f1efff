//! [`LineChart`]: a small line-chart builder drawn with `plotters` to SVG, and the shared style
//! (sizes, fonts, colours) of all charts.
//!
//! Text is written as SVG `<text>` elements in the `sans-serif` family, laid out by plotters'
//! built-in estimate: no font files or system font libraries are needed (the `ttf` feature is
//! off), and the browser draws the text with its own fonts.

use super::html::Html;
use super::pixels::finite_range;
use crate::{Error, Result};
use plotters::coord::Shift;
use plotters::prelude::*;

/// The default size of one chart, in pixels.
pub const CHART_SIZE: (u32, u32) = (420, 300);
/// The font family of all chart text.
pub const FONT: &str = "sans-serif";
/// Series colours, in order (matplotlib's `tab10`): blue (training), orange (validation), then
/// green, red, purple, brown, pink, grey, olive, cyan.
pub const PALETTE: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

/// A drawing failure from plotters, as the crate's error.
pub(crate) fn plot_error(e: impl std::fmt::Display) -> Error {
    Error::InvalidArgument(format!("cannot draw the chart: {e}"))
}

/// `lo..hi` widened by 5% on each side, and to a unit-wide span around a single value.
pub(crate) fn padded(lo: f32, hi: f32) -> (f32, f32) {
    if hi > lo {
        let pad = (hi - lo) * 0.05;
        (lo - pad, hi + pad)
    } else {
        (lo - 0.5, hi + 0.5)
    }
}

/// A round step (1, 2, 2.5 or 5 × a power of ten) that cuts `span` into 4 to 10 parts.
fn tick_step(span: f32) -> f32 {
    let magnitude = 10f32.powf(span.log10().floor());
    [5.0, 2.5, 2.0, 1.0, 0.5, 0.25, 0.2, 0.1]
        .iter()
        .map(|m| m * magnitude)
        .find(|step| span / step >= 4.0)
        .unwrap_or(magnitude / 10.0)
}

/// `lo..hi` widened to whole steps of [`tick_step`] (and a hair more, so that rounding keeps
/// the end ticks inside): the axis then has at least 4 labelled ticks, and one at or beyond
/// each end of the data.
pub(crate) fn tick_bounds(lo: f32, hi: f32) -> (f32, f32) {
    if hi <= lo || !lo.is_finite() || !hi.is_finite() {
        return padded(lo, hi);
    }
    let step = tick_step(hi - lo);
    let (a, b) = ((lo / step).floor() * step, (hi / step).ceil() * step);
    (a - step * 0.02, b + step * 0.02)
}

/// Draws into an SVG string of `size` with `draw`, on a white background.
pub(crate) fn render_svg(
    size: (u32, u32),
    draw: impl FnOnce(&DrawingArea<SVGBackend, Shift>) -> Result<()>,
) -> Result<String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        root.fill(&WHITE).map_err(plot_error)?;
        draw(&root)?;
        root.present().map_err(plot_error)?;
    }
    Ok(svg)
}

/// Draws a grey note ("no data", ...) in the middle of `area`.
pub(crate) fn draw_note(area: &DrawingArea<SVGBackend, Shift>, note: &str) -> Result<()> {
    let (w, h) = area.dim_in_pixel();
    let style = TextStyle::from((FONT, 16).into_font()).color(&RGBColor(120, 120, 120)).pos(
        plotters::style::text_anchor::Pos::new(
            plotters::style::text_anchor::HPos::Center,
            plotters::style::text_anchor::VPos::Center,
        ),
    );
    area.draw_text(note, &style, (w as i32 / 2, h as i32 / 2)).map_err(plot_error)
}

/// One line of a [`LineChart`].
#[derive(Clone, Debug)]
pub struct Series {
    /// The legend text.
    pub name: String,
    /// The x values.
    pub xs: Vec<f32>,
    /// The y values (points where x or y is not finite are gaps in the line).
    pub ys: Vec<f32>,
    /// The line colour.
    pub color: RGBColor,
    /// Dots at each point (good for a few epochs, noisy for thousands of batches).
    pub markers: bool,
    /// Line width in pixels.
    pub width: u32,
}

impl Series {
    /// The finite `(x, y)` points in runs: each non-finite value ends a run (a gap in the line).
    fn runs(&self) -> Vec<Vec<(f32, f32)>> {
        let mut runs = vec![Vec::new()];
        for (&x, &y) in self.xs.iter().zip(&self.ys) {
            if x.is_finite() && y.is_finite() {
                runs.last_mut().expect("never empty").push((x, y));
            } else if !runs.last().expect("never empty").is_empty() {
                runs.push(Vec::new());
            }
        }
        runs.retain(|r| !r.is_empty());
        runs
    }
}

/// A line chart with a title, axis labels and a legend, drawn as inline SVG.
///
/// ```
/// # use snackml::display::LineChart;
/// let xs: Vec<f32> = (-60..=60).map(|i| i as f32 / 10.0).collect();
/// let ys: Vec<f32> = xs.iter().map(|x| 1.0 / (1.0 + (-x).exp())).collect();
/// let html = LineChart::new("Sigmoid").labels("x", "σ(x)").series("sigmoid", &xs, &ys).to_html();
/// assert_eq!(html.count("<svg"), 1);
/// ```
#[derive(Clone, Debug)]
pub struct LineChart {
    title: String,
    x_label: String,
    y_label: String,
    series: Vec<Series>,
    size: (u32, u32),
    y_range: Option<(f32, f32)>,
}

/// The height of a row of the legend strip under a chart, in pixels.
const LEGEND_ROW: u32 = 20;
/// Where the legend strip's entries start, in pixels from the left (under the plotting area).
const LEGEND_LEFT: i32 = 60;

/// The width an entry of the legend strip takes: its line, a gap, its name and a gap.
fn legend_entry_width(name: &str) -> f32 {
    26.0 + name.chars().count() as f32 * 7.5 + 18.0
}

impl LineChart {
    /// An empty chart with a title, of the default [`CHART_SIZE`].
    pub fn new(title: &str) -> Self {
        LineChart {
            title: title.to_string(),
            x_label: String::new(),
            y_label: String::new(),
            series: Vec::new(),
            size: CHART_SIZE,
            y_range: None,
        }
    }

    /// Sets the x and y axis labels.
    pub fn labels(mut self, x_label: &str, y_label: &str) -> Self {
        self.x_label = x_label.to_string();
        self.y_label = y_label.to_string();
        self
    }

    /// Adds a line in the next palette colour, with dots when it has at most 30 points.
    /// Extra values of the longer of `xs` and `ys` are ignored.
    pub fn series(self, name: &str, xs: &[f32], ys: &[f32]) -> Self {
        let color = PALETTE[self.series.len() % PALETTE.len()];
        let markers = xs.len().min(ys.len()) <= 30;
        self.styled_series(Series {
            name: name.to_string(),
            xs: xs.to_vec(),
            ys: ys.to_vec(),
            color,
            markers,
            width: 2,
        })
    }

    /// Adds a line with its own style.
    pub fn styled_series(mut self, series: Series) -> Self {
        self.series.push(series);
        self
    }

    /// Sets the size in pixels.
    pub fn size(mut self, width: u32, height: u32) -> Self {
        self.size = (width.max(100), height.max(80));
        self
    }

    /// Fixes the y axis to `lo..hi` instead of fitting the data.
    pub fn y_range(mut self, lo: f32, hi: f32) -> Self {
        if lo.is_finite() && hi.is_finite() && hi > lo {
            self.y_range = Some((lo, hi));
        }
        self
    }

    /// The series with a name, packed into rows of the legend strip under the chart: each
    /// entry is a 20-pixel line, a gap and its name (about 7.5 pixels a character), and a row
    /// holds what fits in the chart's width.
    fn legend_rows(&self) -> Vec<Vec<&Series>> {
        let mut rows: Vec<Vec<&Series>> = Vec::new();
        let mut used = f32::INFINITY;
        let width = self.size.0 as f32 - LEGEND_LEFT as f32;
        for series in self.series.iter().filter(|s| !s.name.is_empty()) {
            let w = legend_entry_width(&series.name);
            if used + w > width {
                rows.push(Vec::new());
                used = 0.0;
            }
            rows.last_mut().expect("pushed above").push(series);
            used += w;
        }
        rows
    }

    /// The SVG's height: the chart's, plus the legend strip.
    fn total_height(&self) -> u32 {
        let rows = self.legend_rows().len() as u32;
        self.size.1 + if rows > 0 { rows * LEGEND_ROW + 6 } else { 0 }
    }

    /// The x and y ranges to draw: the finite data, padded; `0..1` when there is none.
    fn ranges(&self) -> ((f32, f32), (f32, f32)) {
        let points: Vec<(f32, f32)> = self.series.iter().flat_map(Series::runs).flatten().collect();
        if points.is_empty() {
            return ((0.0, 1.0), self.y_range.unwrap_or((0.0, 1.0)));
        }
        let (x0, x1) = finite_range(points.iter().map(|(x, _)| x));
        let (x0, x1) = if x1 > x0 { (x0, x1) } else { padded(x0, x1) };
        let y = self.y_range.unwrap_or_else(|| {
            let (y0, y1) = finite_range(points.iter().map(|(_, y)| y));
            let (y0, y1) = padded(y0, y1);
            tick_bounds(y0, y1)
        });
        ((x0, x1), y)
    }

    /// True when every x value is a whole number (epochs): the x ticks are then whole numbers too.
    fn integer_x(&self) -> bool {
        self.series.iter().flat_map(|s| &s.xs).all(|x| x.fract() == 0.0)
    }

    /// The chart as an SVG document: the chart, and under it the legend (so that it never
    /// covers a line or a point).
    pub fn to_svg(&self) -> Result<String> {
        render_svg((self.size.0, self.total_height()), |root| {
            let (chart, legend) = root.split_vertically(self.size.1);
            self.draw(&chart)?;
            self.draw_legend(&legend)
        })
    }

    /// The legend strip: a row of entries (line, dot when the series has them, name) per
    /// [`LineChart::legend_rows`].
    fn draw_legend(&self, area: &DrawingArea<SVGBackend, Shift>) -> Result<()> {
        use plotters::style::text_anchor::{HPos, Pos, VPos};
        let style = TextStyle::from((FONT, 14).into_font()).pos(Pos::new(HPos::Left, VPos::Center));
        for (r, row) in self.legend_rows().iter().enumerate() {
            let y = (r as u32 * LEGEND_ROW + LEGEND_ROW / 2) as i32;
            let mut x = LEGEND_LEFT;
            for series in row {
                let line = PathElement::new(vec![(x, y), (x + 20, y)], series.color.stroke_width(series.width.max(2)));
                area.draw(&line).map_err(plot_error)?;
                if series.markers {
                    area.draw(&Circle::new((x + 10, y), 3, series.color.filled())).map_err(plot_error)?;
                }
                area.draw_text(&series.name, &style, (x + 26, y)).map_err(plot_error)?;
                x += legend_entry_width(&series.name) as i32;
            }
        }
        Ok(())
    }

    /// The chart as inline SVG in [`Html`] (an error message if it cannot be drawn).
    pub fn to_html(&self) -> Html {
        self.to_svg().map_or_else(|e| Html::error(&e.to_string()), Html::new)
    }

    /// Draws axes, lines and legend on `root`.
    fn draw(&self, root: &DrawingArea<SVGBackend, Shift>) -> Result<()> {
        let ((mut x0, mut x1), (y0, y1)) = self.ranges();
        let integer_x = self.integer_x();
        if integer_x && x1 - x0.ceil() < 3.0 {
            // Fewer than 4 epochs: widen to 4 whole numbers, so the axis has 4 labelled ticks.
            x0 = x0.ceil();
            x1 = x0 + 3.0;
        }
        let mut chart = ChartBuilder::on(root)
            .caption(&self.title, (FONT, 20))
            .margin(10)
            .margin_right(25)
            .x_label_area_size(40)
            .y_label_area_size(55)
            .build_cartesian_2d(x0..x1, y0..y1)
            .map_err(plot_error)?;
        let x_span = (x1 - x0).round() as usize;
        let x_format = |x: &f32| {
            if integer_x {
                format!("{x:.0}")
            } else {
                format!("{x}")
            }
        };
        let mut mesh = chart.configure_mesh();
        mesh.x_desc(&self.x_label)
            .y_desc(&self.y_label)
            .axis_desc_style((FONT, 15))
            .label_style((FONT, 13))
            .bold_line_style(BLACK.mix(0.1))
            .light_line_style(TRANSPARENT)
            .x_label_formatter(&x_format)
            .y_labels(10);
        if integer_x {
            mesh.x_labels((x_span + 1).clamp(2, 10));
        }
        mesh.draw().map_err(plot_error)?;
        let mut has_points = false;
        for series in &self.series {
            has_points |= self.draw_series(&mut chart, series)?;
        }
        if !has_points {
            draw_note(&chart.plotting_area().strip_coord_spec(), "no finite values to plot")?;
        }
        Ok(())
    }

    /// Draws one series (line runs, dots, legend entry); false when it has no finite point.
    fn draw_series<'a>(
        &self,
        chart: &mut ChartContext<
            'a,
            SVGBackend<'a>,
            Cartesian2d<plotters::coord::types::RangedCoordf32, plotters::coord::types::RangedCoordf32>,
        >,
        series: &Series,
    ) -> Result<bool> {
        let runs = series.runs();
        let color = series.color;
        let line_style = color.stroke_width(series.width);
        for run in &runs {
            chart.draw_series(LineSeries::new(run.iter().copied(), line_style)).map_err(plot_error)?;
            if series.markers {
                chart.draw_series(run.iter().map(|&p| Circle::new(p, 3, color.filled()))).map_err(plot_error)?;
            }
        }
        Ok(!runs.is_empty())
    }
}

/// A single-line chart: `ys` against `xs` with a title and axis labels (the notebooks plot the
/// sigmoid curve this way).
///
/// ```
/// # use snackml::display::line_plot;
/// let html = line_plot(&[0.0, 1.0, 2.0], &[0.0, 1.0, 4.0], "squares", "x", "x²");
/// assert!(html.as_str().contains("squares"));
/// ```
pub fn line_plot(xs: &[f32], ys: &[f32], title: &str, x_label: &str, y_label: &str) -> Html {
    if xs.len() != ys.len() {
        return Html::error(&format!("line_plot: {} x values but {} y values", xs.len(), ys.len()));
    }
    LineChart::new(title).labels(x_label, y_label).series("", xs, ys).to_html()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nan_values_split_lines_and_do_not_panic() {
        let s = Series {
            name: "a".into(),
            xs: vec![1.0, 2.0, 3.0, 4.0],
            ys: vec![1.0, f32::NAN, 3.0, 4.0],
            color: PALETTE[0],
            markers: true,
            width: 2,
        };
        assert_eq!(s.runs().len(), 2);
        let html = LineChart::new("t").series("nan", &[1.0, 2.0], &[f32::NAN, f32::INFINITY]).to_html();
        assert!(!html.is_error() && html.as_str().contains("no finite values"));
    }

    /// The numeric labels of the y axis (right-anchored text) and of the x axis (centred text
    /// below the plotting area) in a chart's SVG.
    fn tick_labels(svg: &str) -> (Vec<f32>, Vec<f32>) {
        let (mut ys, mut xs) = (Vec::new(), Vec::new());
        for text in svg.split("<text").skip(1) {
            let (attrs, rest) = text.split_once('>').unwrap_or((text, ""));
            let Ok(v) = rest.split('<').next().unwrap_or("").trim().parse::<f32>() else { continue };
            if attrs.contains("text-anchor=\"end\"") {
                ys.push(v);
            } else if attrs.contains("text-anchor=\"middle\"") {
                xs.push(v);
            }
        }
        (ys, xs)
    }

    #[test]
    fn every_axis_has_at_least_4_labelled_ticks_covering_the_data() {
        let cases: [(&[f32], &[f32]); 4] = [
            (&[1.0, 2.0, 3.0, 4.0, 5.0], &[2.52, 2.66, 2.79, 3.04, 3.12]),
            (&[1.0, 2.0, 3.0], &[0.151, 0.84, 0.5]),
            (&[1.0], &[3.2]),
            (&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0, 13.0, 14.0, 15.0], &[2.0; 15]),
        ];
        for (xs, ys) in cases {
            let svg = LineChart::new("t").series("a", xs, ys).to_svg().unwrap();
            let (y_ticks, x_ticks) = tick_labels(&svg);
            assert!(y_ticks.len() >= 4 && x_ticks.len() >= 4, "{ys:?}: y {y_ticks:?}, x {x_ticks:?}");
            let (lo, hi) = finite_range(ys.iter());
            let (tlo, thi) = finite_range(y_ticks.iter());
            let step = (thi - tlo) / (y_ticks.len() - 1) as f32;
            assert!(tlo <= lo + step && thi >= hi - step, "{ys:?}: ticks {y_ticks:?} do not span the data");
        }
    }

    #[test]
    fn the_legend_is_under_the_chart_never_over_a_line() {
        let xs: Vec<f32> = (1..=10).map(|e| e as f32).collect();
        let flat: Vec<f32> = xs.iter().map(|_| 0.9).collect();
        let chart = LineChart::new("acc").series("training", &xs, &flat).series("validation", &xs, &flat);
        let svg = chart.to_svg().unwrap();
        assert!(svg.contains("height=\"326\""), "one legend row under the 300-pixel chart");
        let legend_y: Vec<f32> = svg
            .split("<text")
            .filter(|t| t.contains(">\ntraining\n<") || t.contains(">\nvalidation\n<"))
            .filter_map(|t| t.split("y=\"").nth(1)?.split('"').next()?.parse().ok())
            .collect();
        assert_eq!(legend_y.len(), 2, "{svg}");
        assert!(legend_y.iter().all(|&y| y > 300.0), "{legend_y:?}");
        let many = (0..12).fold(LineChart::new("many").size(300, 200), |c, i| c.series(&format!("lr {i}"), &xs, &flat));
        assert!(many.legend_rows().len() >= 3 && many.to_svg().is_ok());
    }

    #[test]
    fn svg_has_title_labels_and_legend() {
        let html =
            LineChart::new("My title").labels("epoch", "loss").series("train", &[1.0, 2.0], &[0.5, 0.4]).to_html();
        let s = html.as_str();
        assert_eq!(html.count("<svg"), 1);
        for text in ["My title", "epoch", "loss", "train"] {
            assert!(s.contains(text), "missing {text}");
        }
    }

    #[test]
    fn single_points_and_empty_charts_draw() {
        assert!(!line_plot(&[1.0], &[2.0], "one", "x", "y").is_error());
        assert!(!line_plot(&[], &[], "none", "x", "y").is_error());
        assert!(line_plot(&[1.0], &[], "bad", "x", "y").is_error());
    }
}
