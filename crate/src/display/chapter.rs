//! The chapter's own figures beside this run's: the table that ends notebooks 4 and 5.
//!
//! The book's numbers are those it prints; the Keras numbers were measured on this project's
//! 2-core machines by the chapter's Keras code (`keras_ch6.py`: tf_keras, the chapter's
//! generators, 32 × 32 inputs, batch 64, Adam 1e-3) on the real snacks photos. The two filter
//! rows are `snackml train` with Keras's nearest resize and with the notebooks' triangle filter,
//! seeds 1–3 each, on the real photos (`bench/resize-filter.md`, 2026-12-06, 2-core AMD EPYC).

use super::html::{escape, Html};

/// The two models of the chapter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChapterModel {
    /// Flatten → Dense(20) → softmax, trained 5 epochs.
    LogisticRegression,
    /// Flatten → Dense(500, relu) → Dense(20) → softmax, trained 3 epochs.
    FirstNeuralNetwork,
}

/// One row: untrained test loss and accuracy (when known), epochs, trained test accuracy.
#[derive(Clone, Copy)]
struct Row {
    who: &'static str,
    untrained: Option<(f32, f32)>,
    epochs: usize,
    test_accuracy: &'static str,
}

impl ChapterModel {
    /// The book's row, the Keras code's row, and snackml's with either resize filter.
    fn reference(self) -> [Row; 4] {
        let filters = |epochs, nearest, triangle| {
            [
                Row {
                    who: "snackml, Keras's nearest resize, seeds 1–3 (median, range)",
                    untrained: None,
                    epochs,
                    test_accuracy: nearest,
                },
                Row {
                    who: "snackml, the notebooks' triangle filter, seeds 1–3 (median, range)",
                    untrained: None,
                    epochs,
                    test_accuracy: triangle,
                },
            ]
        };
        let [book, keras] = self.chapter();
        let [nearest, triangle] = match self {
            ChapterModel::LogisticRegression => filters(5, "0.124 (0.120–0.125)", "0.125 (0.119–0.130)"),
            ChapterModel::FirstNeuralNetwork => filters(3, "0.140 (0.129–0.149)", "0.143 (0.136–0.150)"),
        };
        [book, keras, nearest, triangle]
    }

    /// The book's row and the Keras code's row.
    fn chapter(self) -> [Row; 2] {
        match self {
            ChapterModel::LogisticRegression => [
                Row { who: "the book", untrained: Some((3.31, 0.060)), epochs: 5, test_accuracy: "0.12" },
                Row {
                    who: "the chapter's Keras code, measured here",
                    untrained: Some((3.33, 0.053)),
                    epochs: 5,
                    test_accuracy: "0.124",
                },
            ],
            ChapterModel::FirstNeuralNetwork => [
                Row { who: "the book", untrained: None, epochs: 3, test_accuracy: "about 0.15" },
                Row {
                    who: "the chapter's Keras code, measured here",
                    untrained: Some((3.25, 0.050)),
                    epochs: 3,
                    test_accuracy: "0.140",
                },
            ],
        }
    }
}

/// A table of the book's figures, the chapter's Keras code's, snackml's with either resize
/// filter, and this run's (`untrained`: test loss and accuracy before training; `test_accuracy`
/// after `epochs` epochs). When the notebooks do not read the snacks photos
/// ([`locate_snacks`](crate::data::datasets::locate_snacks)), a note says this run's numbers are
/// not the chapter's.
///
/// ```
/// use snackml::display::{chapter_table, ChapterModel};
/// let t = chapter_table(ChapterModel::LogisticRegression, (3.36, 0.052), 5, 0.121);
/// assert!(t.as_str().contains("0.124") && t.as_str().contains("0.121"));
/// ```
pub fn chapter_table(model: ChapterModel, untrained: (f32, f32), epochs: usize, test_accuracy: f32) -> Html {
    let on_real_photos = crate::data::datasets::locate_snacks().is_ok_and(|l| l.is_real_snacks());
    let fmt_untrained = |u: Option<(f32, f32)>| u.map_or("–".to_string(), |(l, a)| format!("{l:.2} / {a:.3}"));
    let mut rows: Vec<String> = model
        .reference()
        .iter()
        .map(|r| {
            let cells = [r.who.to_string(), fmt_untrained(r.untrained), r.epochs.to_string(), r.test_accuracy.into()];
            cells.iter().map(|c| format!("<td>{}</td>", escape(c))).collect()
        })
        .collect();
    let ours = [
        "snackml, this run".to_string(),
        fmt_untrained(Some(untrained)),
        epochs.to_string(),
        format!("{test_accuracy:.3}"),
    ];
    rows.push(ours.iter().map(|c| format!("<td><b>{}</b></td>", escape(c))).collect());
    let body: String = rows.iter().map(|r| format!("<tr>{r}</tr>")).collect();
    let note = if on_real_photos {
        ""
    } else {
        "<p><i>This run did not use the snacks photos: its numbers are not the chapter's.</i></p>"
    };
    Html::new(format!(
        "<table cellpadding=\"4\"><tr><th></th><th>untrained test loss / accuracy</th><th>epochs</th>\
         <th>test accuracy</th></tr>{body}</table>{note}"
    ))
}
