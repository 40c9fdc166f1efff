//! scikit-learn's classification report as an HTML table, a notebook cell's value.

use super::html::{escape, Html};
use crate::metrics::{ClassScores, ClassificationReport};

impl ClassificationReport {
    /// The report as an HTML table (per class, then accuracy and the two averages).
    pub fn to_html(&self) -> Html {
        let row = |s: &ClassScores| {
            format!(
                "<tr><th style=\"text-align:right\">{}</th><td>{:.2}</td><td>{:.2}</td><td>{:.2}</td><td>{}</td></tr>",
                escape(&s.name),
                s.precision,
                s.recall,
                s.f1_score,
                s.support
            )
        };
        let body: String = self.classes.iter().map(row).collect();
        let total = self.weighted_avg.support;
        Html::new(format!(
            "<table cellpadding=\"3\" style=\"text-align:right\"><tr><th></th><th>precision</th><th>recall</th>\
             <th>f1-score</th><th>support</th></tr>{body}\
             <tr><th style=\"text-align:right;border-top:1px solid #999\">accuracy</th><td></td><td></td>\
             <td>{:.2}</td><td>{total}</td></tr>{}{}</table>",
            self.accuracy,
            row(&self.macro_avg),
            row(&self.weighted_avg)
        ))
    }

    /// Shows the report's table as a notebook cell's result (evcxr).
    pub fn evcxr_display(&self) {
        self.to_html().evcxr_display();
    }
}

#[cfg(test)]
mod tests {
    use crate::metrics::classification_report;

    #[test]
    fn the_table_has_each_class_row() {
        let r = classification_report(&[0, 1, 2, 2, 2], &[0, 0, 2, 2, 1], &["class 0", "class 1", "class 2"]).unwrap();
        let html = r.to_html();
        assert!(html.as_str().contains("<td>0.67</td>") && html.as_str().contains("class 2"));
    }
}
