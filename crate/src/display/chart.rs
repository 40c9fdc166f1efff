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

pub use plotters::chart::SeriesLabelPosition;

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
    /// Where the legend goes; `None`: the corner where it covers the least data.
    legend: Option<SeriesLabelPosition>,
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
            legend: None,
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

    /// Where the legend goes (by default, the corner where it covers the least data).
    pub fn legend_at(mut self, position: SeriesLabelPosition) -> Self {
        self.legend = Some(position);
        self
    }

    /// The legend's corner: the one given, else the corner whose legend box (as wide as the
    /// longest name, a row per series) holds the fewest points of the lines, counting 16 points
    /// along each segment; upper right, upper left, lower right, lower left on a tie.
    fn legend_position(&self) -> SeriesLabelPosition {
        if let Some(position) = &self.legend {
            return position.clone();
        }
        let ((x0, x1), (y0, y1)) = self.ranges();
        let (width, height) =
            (self.size.0.saturating_sub(90).max(1) as f32, self.size.1.saturating_sub(80).max(1) as f32);
        let longest = self.series.iter().map(|s| s.name.chars().count()).max().unwrap_or(0) as f32;
        let (w, h) =
            (((longest * 8.0 + 50.0) / width).min(1.0), ((self.series.len() as f32 * 19.0 + 14.0) / height).min(1.0));
        let mut samples = Vec::new();
        for run in self.series.iter().flat_map(Series::runs) {
            samples.extend(run.first().copied());
            for pair in run.windows(2) {
                let ((ax, ay), (bx, by)) = (pair[0], pair[1]);
                samples.extend((1..=16).map(|i| i as f32 / 16.0).map(|t| (ax + t * (bx - ax), ay + t * (by - ay))));
            }
        }
        let unit = |v: f32, lo: f32, hi: f32| if hi > lo { (v - lo) / (hi - lo) } else { 0.5 };
        let points: Vec<(f32, f32)> = samples.iter().map(|&(x, y)| (unit(x, x0, x1), unit(y, y0, y1))).collect();
        let corners = [
            (SeriesLabelPosition::UpperRight, 1.0 - w, 1.0 - h),
            (SeriesLabelPosition::UpperLeft, 0.0, 1.0 - h),
            (SeriesLabelPosition::LowerRight, 1.0 - w, 0.0),
            (SeriesLabelPosition::LowerLeft, 0.0, 0.0),
        ];
        let covered = |&(_, left, bottom): &(SeriesLabelPosition, f32, f32)| {
            points.iter().filter(|&&(x, y)| x >= left && x <= left + w && y >= bottom && y <= bottom + h).count()
        };
        let best = corners.iter().min_by_key(|c| covered(c)).expect("four corners");
        best.0.clone()
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
            padded(y0, y1)
        });
        ((x0, x1), y)
    }

    /// True when every x value is a whole number (epochs): the x ticks are then whole numbers too.
    fn integer_x(&self) -> bool {
        self.series.iter().flat_map(|s| &s.xs).all(|x| x.fract() == 0.0)
    }

    /// The chart as an SVG document.
    pub fn to_svg(&self) -> Result<String> {
        render_svg(self.size, |root| self.draw(root))
    }

    /// The chart as inline SVG in [`Html`] (an error message if it cannot be drawn).
    pub fn to_html(&self) -> Html {
        self.to_svg().map_or_else(|e| Html::error(&e.to_string()), Html::new)
    }

    /// Draws axes, lines and legend on `root`.
    fn draw(&self, root: &DrawingArea<SVGBackend, Shift>) -> Result<()> {
        let ((x0, x1), (y0, y1)) = self.ranges();
        let mut chart = ChartBuilder::on(root)
            .caption(&self.title, (FONT, 20))
            .margin(10)
            .margin_right(25)
            .x_label_area_size(40)
            .y_label_area_size(55)
            .build_cartesian_2d(x0..x1, y0..y1)
            .map_err(plot_error)?;
        let integer_x = self.integer_x();
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
            .y_labels(6);
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
        if self.series.iter().any(|s| !s.name.is_empty()) {
            chart
                .configure_series_labels()
                .position(self.legend_position())
                .label_font((FONT, 14))
                .background_style(WHITE.mix(0.85))
                .border_style(BLACK.mix(0.3))
                .draw()
                .map_err(plot_error)?;
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
        for (i, run) in runs.iter().enumerate() {
            let drawn = chart.draw_series(LineSeries::new(run.iter().copied(), line_style)).map_err(plot_error)?;
            if i == 0 && !series.name.is_empty() {
                drawn
                    .label(&series.name)
                    .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2)));
            }
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

    #[test]
    fn the_legend_goes_where_it_covers_no_data() {
        let xs: Vec<f32> = (1..=10).map(|e| e as f32).collect();
        let falling: Vec<f32> = xs.iter().map(|x| 3.0 - 0.2 * x).collect();
        let rising: Vec<f32> = xs.iter().map(|x| 0.1 + 0.05 * x).collect();
        let flat_high: Vec<f32> = xs.iter().map(|_| 0.9).collect();
        let pos = |c: LineChart| format!("{:?}", c.legend_position());
        assert_eq!(pos(LineChart::new("loss").series("training", &xs, &falling)), "UpperRight");
        assert_eq!(pos(LineChart::new("acc").series("training", &xs, &rising)), "UpperLeft");
        let both = LineChart::new("acc").series("training", &xs, &rising).series("validation", &xs, &flat_high);
        assert!(pos(both.clone()).starts_with("Lower"), "{}", pos(both.clone()));
        assert_eq!(pos(both.legend_at(SeriesLabelPosition::UpperRight)), "UpperRight", "given, it stays");
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
