//! Training curves: [`plot_history`] (loss and accuracy per epoch), [`plot_batch_loss`], and
//! `History::evcxr_display`, so a cell ending in `history` shows the curves and the last epoch.

use super::chart::{LineChart, Series, PALETTE};
use super::html::Html;
use crate::model::History;

/// Epoch numbers as `f32` x values (1, 2, ... when `epoch` is shorter than the values).
fn epoch_xs(history: &History, len: usize) -> Vec<f32> {
    (0..len).map(|i| history.epoch.get(i).map_or(i + 1, |&e| e) as f32).collect()
}

/// One chart of metric `name`: its training and validation curves (each when recorded), and a
/// grey line at what a guess scores when the history knows it ([`History::chance`]).
fn train_val_chart(history: &History, title: &str, name: &str) -> LineChart {
    let (train, val) = (history.column(name), history.column(&format!("val_{name}")));
    let mut chart = LineChart::new(title).labels("epoch", name);
    if !train.is_empty() {
        chart = chart.series("training", &epoch_xs(history, train.len()), train);
    }
    if !val.is_empty() {
        chart = chart.series("validation", &epoch_xs(history, val.len()), val);
    }
    if let (Some(chance), Some(&first), Some(&last)) =
        (history.chance(name), history.epoch.first(), history.epoch.last())
    {
        chart = chart.styled_series(Series {
            name: format!("chance ({chance:.2})"),
            xs: vec![first as f32, last as f32],
            ys: vec![chance, chance],
            color: plotters::style::RGBColor(150, 150, 150),
            markers: false,
            width: 2,
        });
    }
    chart
}

/// Loss and accuracy per epoch, training (blue) and validation (orange), in two charts side by
/// side, and top-k accuracy in a third when it was logged; accuracy charts have a grey line at
/// what a guess scores, when `fit` recorded it. Epochs with NaN values are gaps; an empty
/// history gives a message.
///
/// ```
/// # use snackml::{display::plot_history, model::History};
/// let h = History::from_columns(&[("loss", vec![1.0, 0.8]), ("accuracy", vec![0.5, 0.6])]);
/// assert_eq!(plot_history(&h).count("<svg"), 2);
/// ```
pub fn plot_history(history: &History) -> Html {
    let h = |name: &str| history.column(name).len();
    if h("loss") == 0 && h("accuracy") == 0 {
        return Html::text("(the history is empty: nothing to plot)");
    }
    let mut charts = vec![train_val_chart(history, "Loss", "loss").to_html()];
    for (name, title) in [("accuracy", "Accuracy"), ("top_k_categorical_accuracy", "Top-k accuracy")] {
        if h(name) + h(&format!("val_{name}")) > 0 {
            let title = match history.chance(name).zip(history.chance("accuracy")) {
                Some((k, one)) if name != "accuracy" && one > 0.0 => format!("Top-{:.0} accuracy", k / one),
                _ => title.to_string(),
            };
            charts.push(train_val_chart(history, &title, name).to_html());
        }
    }
    Html::row(charts)
}

/// The moving average of `values` over `window` values (NaN values are skipped; a window with
/// none finite gives NaN).
fn moving_average(values: &[f32], window: usize) -> Vec<f32> {
    let window = window.max(1);
    (0..values.len())
        .map(|i| {
            let finite: Vec<f32> =
                values[i.saturating_sub(window - 1)..=i].iter().copied().filter(|v| v.is_finite()).collect();
            if finite.is_empty() {
                f32::NAN
            } else {
                finite.iter().sum::<f32>() / finite.len() as f32
            }
        })
        .collect()
}

/// The loss of every training batch (light) with its moving average (dark), to see the noise of
/// mini-batch training. Batches are numbered from 1 across epochs.
///
/// ```
/// # use snackml::{display::plot_batch_loss, model::History};
/// let h = History { batch_loss: vec![2.0, 1.5, 1.7, 1.2], ..History::default() };
/// assert_eq!(plot_batch_loss(&h).count("<svg"), 1);
/// ```
pub fn plot_batch_loss(history: &History) -> Html {
    let losses = &history.batch_loss;
    if losses.is_empty() {
        return Html::text("(no batch losses recorded)");
    }
    let xs: Vec<f32> = (1..=losses.len()).map(|i| i as f32).collect();
    let window = (losses.len() / 20).max(1);
    let light = Series {
        name: "batch loss".into(),
        xs: xs.clone(),
        ys: losses.clone(),
        color: plotters::style::RGBColor(158, 202, 225),
        markers: losses.len() <= 30,
        width: 1,
    };
    let smooth = Series {
        name: format!("average of {window}"),
        xs,
        ys: moving_average(losses, window),
        color: PALETTE[0],
        markers: false,
        width: 2,
    };
    let mut chart = LineChart::new("Loss per batch").labels("batch", "loss").styled_series(light);
    if window > 1 {
        chart = chart.styled_series(smooth);
    }
    chart.size(640, 300).to_html()
}

/// A number with 4 decimals, or "–" when it is missing.
fn cell(value: Option<&f32>) -> String {
    value.map_or_else(|| "–".to_string(), |v| format!("{v:.4}"))
}

/// A small table of the last epoch's numbers (loss, accuracy, validation, seconds).
pub fn last_epoch_table(history: &History) -> Html {
    let Some(&epoch) = history.epoch.last() else {
        return Html::text("(no epochs recorded)");
    };
    let h = |name| history.column(name);
    let mut rows = vec![("loss", cell(h("loss").last())), ("accuracy", cell(h("accuracy").last()))];
    if !h("val_loss").is_empty() || !h("val_accuracy").is_empty() {
        rows.push(("val_loss", cell(h("val_loss").last())));
        rows.push(("val_accuracy", cell(h("val_accuracy").last())));
    }
    if let Some(s) = history.seconds.last() {
        rows.push(("seconds", format!("{s:.1}")));
    }
    let header: String = rows.iter().map(|(name, _)| format!("<th>{name}</th>")).collect();
    let values: String = rows.iter().map(|(_, v)| format!("<td>{v}</td>")).collect();
    Html::new(format!(
        "<table cellpadding=\"4\"><tr><th>epoch</th>{header}</tr><tr><td>{epoch} of {}</td>{values}</tr></table>",
        history.len()
    ))
}

impl History {
    /// Shows the loss and accuracy curves, the last epoch's numbers and the [`History::verdict`]
    /// as a notebook cell's result (evcxr).
    pub fn evcxr_display(&self) {
        self.to_html().evcxr_display();
    }

    /// What [`History::evcxr_display`] shows, as [`Html`].
    pub fn to_html(&self) -> Html {
        plot_history(self) + last_epoch_table(self) + self.verdict().to_html()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn history() -> History {
        History {
            batch_loss: vec![2.5, 2.0, f32::NAN, 1.5, 1.0],
            seconds: vec![1.0, 1.1, 1.2],
            ..History::from_columns(&[
                ("loss", vec![2.0, f32::NAN, 1.0]),
                ("accuracy", vec![0.3, 0.4, 0.5]),
                ("val_loss", vec![2.1, 1.8, f32::INFINITY]),
                ("val_accuracy", vec![0.25, 0.35, 0.4]),
            ])
        }
    }

    #[test]
    fn history_plot_has_two_charts_with_titles_and_legends() {
        let html = plot_history(&history());
        assert_eq!(html.count("<svg"), 2);
        for text in ["Loss", "Accuracy", "training", "validation", "epoch"] {
            assert!(html.as_str().contains(text), "missing {text}");
        }
    }

    #[test]
    fn empty_and_nan_histories_do_not_panic() {
        assert_eq!(plot_history(&History::default()).count("<svg"), 0);
        assert_eq!(plot_batch_loss(&History::default()).count("<svg"), 0);
        let all_nan = History::from_columns(&[("loss", vec![f32::NAN]), ("accuracy", vec![f32::NAN])]);
        assert_eq!(plot_history(&all_nan).count("<svg"), 2);
        assert!(!history().to_html().is_error());
        assert_eq!(plot_batch_loss(&history()).count("<svg"), 1);
    }

    #[test]
    fn top_k_gets_its_own_chart_and_accuracies_a_chance_line() {
        let mut h = history();
        h.history.push(("top_k_categorical_accuracy".into(), vec![0.4, 0.5, 0.6]));
        h.chance = vec![("accuracy".into(), 0.05), ("top_k_categorical_accuracy".into(), 0.25)];
        let html = plot_history(&h);
        assert_eq!(html.count("<svg"), 3);
        for text in ["Top-5 accuracy", "chance (0.05)", "chance (0.25)"] {
            assert!(html.as_str().contains(text), "missing {text}");
        }
        assert!(h.to_html().as_str().contains("Verdict:"));
    }

    #[test]
    fn table_shows_the_last_epoch() {
        let table = last_epoch_table(&history());
        assert!(table.as_str().contains("3 of 3") && table.as_str().contains("0.4000"));
    }

    #[test]
    fn moving_average_skips_nan() {
        assert_eq!(moving_average(&[1.0, f32::NAN, 3.0], 2), vec![1.0, 1.0, 3.0]);
    }
}
