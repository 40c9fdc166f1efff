//! A learning-rate sweep at a glance: validation loss and accuracy per epoch, one line per rate,
//! and a table of each rate's best epoch.

use super::chart::{LineChart, Series, PALETTE};
use super::html::{escape, Html};
use crate::model::{LearningRateSweep, SweepRun};

/// A learning rate as `1.0e-3`.
fn rate_label(rate: f32) -> String {
    format!("{rate:.1e}")
}

/// A run's validation losses, or its training losses when there was no validation data.
fn losses(run: &SweepRun, validated: bool) -> &[f32] {
    run.history.column(if validated { "val_loss" } else { "loss" })
}

/// One chart of `pick(run)` per epoch for every run; values above `cap` are left out (gaps).
fn chart(
    sweep: &LearningRateSweep,
    title: &str,
    y_label: &str,
    cap: f32,
    pick: impl Fn(&SweepRun) -> &[f32],
) -> LineChart {
    let mut chart = LineChart::new(title).labels("epoch", y_label);
    for (i, run) in sweep.runs.iter().enumerate() {
        let ys: Vec<f32> = pick(run).iter().map(|&v| if v > cap { f32::NAN } else { v }).collect();
        let xs = (0..ys.len()).map(|e| run.history.epoch.get(e).map_or(e + 1, |&v| v) as f32).collect();
        let markers = ys.len() <= 30;
        let name = format!("lr {}", rate_label(run.learning_rate));
        chart = chart.styled_series(Series { name, xs, ys, color: PALETTE[i % PALETTE.len()], markers, width: 2 });
    }
    chart
}

/// The sweep's training loss beside its validation loss and accuracy per epoch (only the
/// training ones when there was no validation data), one line per learning rate, a table of each rate's best epoch (lowest
/// loss), its loss and accuracy, and whether it diverged. Losses above 3 × the lowest are left
/// off the loss chart (the table still has them), so that a diverging rate does not flatten the
/// others. Under them, the sweep's [`LearningRateSweep::verdict`].
pub fn plot_sweep(sweep: &LearningRateSweep) -> Html {
    if sweep.runs.is_empty() {
        return Html::text("(the sweep has no runs)");
    }
    let validated = sweep.runs.iter().any(|r| !r.history.column("val_loss").is_empty());
    let (prefix, what) = if validated { ("Validation", "val_") } else { ("Training", "") };
    // Diverging rates would squash the others: losses above 3 × the lowest are off the chart.
    let lowest = sweep
        .runs
        .iter()
        .flat_map(|r| losses(r, validated).iter().copied())
        .filter(|v| v.is_finite())
        .fold(f32::INFINITY, f32::min);
    let cap = if lowest.is_finite() && lowest > 0.0 { 3.0 * lowest } else { f32::INFINITY };
    let clipped = sweep.runs.iter().flat_map(|r| losses(r, validated).iter()).any(|&v| v > cap);
    let loss = chart(sweep, &format!("{prefix} loss"), &format!("{what}loss"), cap, |r| losses(r, validated));
    let accuracy = chart(sweep, &format!("{prefix} accuracy"), &format!("{what}accuracy"), f32::INFINITY, |r| {
        r.history.column(if validated { "val_accuracy" } else { "accuracy" })
    });
    // Beside the validation loss, the training loss: falling while validation rises is overfitting.
    let training = validated.then(|| chart(sweep, "Training loss", "loss", cap, |r| r.history.column("loss")));
    let best = sweep.best().map(|r| r.learning_rate);
    let rows: String = sweep
        .runs
        .iter()
        .map(|run| {
            let accuracies = run.history.column(if validated { "val_accuracy" } else { "accuracy" });
            let (epoch, loss, acc) = match run.best_epoch() {
                Some((e, l)) => {
                    let i = run.history.epoch.iter().position(|&x| x == e).unwrap_or(e - 1);
                    let acc = accuracies.get(i).map_or("–".to_string(), |a| format!("{a:.4}"));
                    (e.to_string(), format!("{l:.4}"), acc)
                }
                None => ("–".into(), "–".into(), "–".into()),
            };
            let mark = if Some(run.learning_rate) == best { " ★" } else { "" };
            let note = run.diverged.as_deref().map_or(String::new(), |d| format!("diverged: {}", escape(d)));
            format!(
                "<tr><td>{}{mark}</td><td>{epoch}</td><td>{loss}</td><td>{acc}</td><td>{note}</td></tr>",
                rate_label(run.learning_rate)
            )
        })
        .collect();
    let table = Html::new(format!(
        "<table cellpadding=\"4\"><tr><th>learning rate</th><th>best epoch</th><th>{what}loss</th>\
         <th>{what}accuracy</th><th></th></tr>{rows}</table><p>{} runs in {:.2} s{}</p>",
        sweep.runs.len(),
        sweep.seconds,
        if clipped { format!("; losses above {cap:.2} (3 × the lowest) are off the chart") } else { String::new() }
    ));
    let charts = training.into_iter().chain([loss, accuracy]).map(|c| c.size(360, 280).to_html()).collect();
    Html::row(charts) + table + sweep.verdict().to_html()
}

impl LearningRateSweep {
    /// Shows [`plot_sweep`] as a notebook cell's result (evcxr).
    pub fn evcxr_display(&self) {
        plot_sweep(self).evcxr_display();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::History;

    fn run(rate: f32, val_loss: Vec<f32>, diverged: bool) -> SweepRun {
        let n = val_loss.len();
        SweepRun {
            learning_rate: rate,
            history: History::from_columns(&[
                ("loss", vec![1.0; n]),
                ("accuracy", vec![0.5; n]),
                ("val_loss", val_loss),
                ("val_accuracy", (0..n).map(|i| 0.1 * i as f32).collect()),
            ]),
            diverged: diverged.then(|| "the loss became NaN at epoch 2, batch 1".into()),
        }
    }

    #[test]
    fn two_charts_and_a_table_with_the_best_rate_starred() {
        let sweep = LearningRateSweep {
            runs: vec![
                run(1e-3, vec![2.0, 1.5, 1.2], false),
                run(1e-1, vec![1.8], true),
                run(1e-2, vec![1.9, 1.0, 1.1], false),
            ],
            seconds: 0.5,
        };
        let html = plot_sweep(&sweep);
        assert_eq!(html.count("<svg"), 3);
        let s = html.as_str();
        assert!(s.contains("Training loss") && s.contains("Verdict:"));
        for text in [
            "Validation loss",
            "lr 1.0e-3",
            "lr 1.0e-1",
            "diverged",
            "1.0e-2 ★",
            "<td>2</td><td>1.0000</td><td>0.1000</td>",
        ] {
            assert!(s.contains(text), "missing {text}");
        }
        assert!(!s.contains("off the chart"));
        let wild = LearningRateSweep {
            runs: vec![run(1e-3, vec![2.0, 1.5], false), run(1.0, vec![40.0, 9.0], false)],
            seconds: 0.1,
        };
        let html = plot_sweep(&wild);
        assert!(html.as_str().contains("losses above 4.50 (3 × the lowest) are off the chart"));
        assert!(html.as_str().contains("<td>40.0000</td>") || html.as_str().contains("<td>9.0000</td>"));
        assert!(!plot_sweep(&LearningRateSweep { runs: vec![], seconds: 0.0 }).is_error());
        let empty = LearningRateSweep { runs: vec![run(1e-3, vec![], false)], seconds: 0.0 };
        assert!(!plot_sweep(&empty).is_error());
    }
}
