//! A model training in the background, shown as a cell's value: where it stands and its curves.

use super::history::plot_history;
use super::html::{escape, Html};
use crate::model::Training;

impl<T, V> Training<T, V> {
    /// The curves so far and where training stands, as [`Html`].
    pub fn to_html(&self) -> Html {
        let status = match self.status() {
            Ok(status) => status,
            Err(e) => return Html::error(&e.to_string()),
        };
        let state = if status.finished { "finished" } else { "training in the background" };
        let line =
            Html::new(format!("<p>{}: {} of {} epochs done</p>", escape(state), status.history.len(), status.epochs));
        if status.history.is_empty() {
            line
        } else {
            line + plot_history(&status.history)
        }
    }

    /// Shows [`Training::to_html`] as a notebook cell's result (evcxr).
    pub fn evcxr_display(&self) {
        self.to_html().evcxr_display();
    }
}
