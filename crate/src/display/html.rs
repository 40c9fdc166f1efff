//! [`Html`]: a piece of HTML that a notebook cell shows as its result, and ways to compose pieces.
//!
//! Layout uses plain `<table>`s rather than CSS flexbox, so pictures stay side by side even where
//! a viewer (GitHub's notebook preview, for one) strips `style` attributes.

use std::fmt;
use std::ops::{Add, AddAssign};
use std::path::Path;

/// A block of HTML: pictures, charts and tables for a notebook.
///
/// In evcxr a cell whose value is an `Html` shows it (see [`Html::evcxr_display`]). evcxr keeps
/// only the *last* HTML output of a cell, so compose several pictures into one value with
/// [`Html::row`], [`Html::column`], [`Html::grid`] or `+` (which stacks vertically).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Html(String);

impl Html {
    /// Wraps an HTML string as it is (no escaping).
    pub fn new(html: impl Into<String>) -> Self {
        Html(html.into())
    }

    /// Plain text, HTML-escaped, in a paragraph.
    pub fn text(text: &str) -> Self {
        Html(format!("<p>{}</p>", escape(text)))
    }

    /// A heading (`<h4>`) with escaped text.
    pub fn heading(text: &str) -> Self {
        Html(format!("<h4>{}</h4>", escape(text)))
    }

    /// A visible error message, what display functions return instead of panicking on bad input.
    pub fn error(message: &str) -> Self {
        Html(format!(
            "<p class=\"snackml-error\" style=\"color:#b00020\"><b>cannot display:</b> {}</p>",
            escape(message)
        ))
    }

    /// True when this is (or contains) an [`Html::error`] message.
    pub fn is_error(&self) -> bool {
        self.0.contains("class=\"snackml-error\"")
    }

    /// The HTML text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The HTML text, by value.
    pub fn into_string(self) -> String {
        self.0
    }

    /// True when there is no HTML at all.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Pieces side by side, top-aligned, in one table row.
    pub fn row(items: Vec<Html>) -> Self {
        let cells: String = items.iter().map(cell).collect();
        Html(format!("<table><tr>{cells}</tr></table>"))
    }

    /// Pieces one below the other, in a one-column table.
    pub fn column(items: Vec<Html>) -> Self {
        let rows: String = items.iter().map(|item| format!("<tr>{}</tr>", cell(item))).collect();
        Html(format!("<table>{rows}</table>"))
    }

    /// Pieces in a table of `columns` columns (at least 1), filled row by row.
    pub fn grid(items: Vec<Html>, columns: usize) -> Self {
        let rows: String = items
            .chunks(columns.max(1))
            .map(|chunk| format!("<tr>{}</tr>", chunk.iter().map(cell).collect::<String>()))
            .collect();
        Html(format!("<table>{rows}</table>"))
    }

    /// Counts occurrences of `needle` (handy in tests: how many `<img` or `<svg`).
    pub fn count(&self, needle: &str) -> usize {
        self.0.matches(needle).count()
    }

    /// Writes a complete HTML page with this content, to look at outside a notebook.
    pub fn save(&self, path: impl AsRef<Path>) -> std::io::Result<()> {
        let page = format!(
            "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"></head>\n<body style=\"font-family:sans-serif\">\n{}\n</body></html>\n",
            self.0
        );
        std::fs::write(path, page)
    }

    /// Shows the HTML as a notebook cell's result (evcxr's rich-output protocol).
    pub fn evcxr_display(&self) {
        println!("EVCXR_BEGIN_CONTENT text/html\n{}\nEVCXR_END_CONTENT", self.0);
    }
}

/// One table cell holding `item`, aligned to the top so pictures of different heights line up.
fn cell(item: &Html) -> String {
    format!("<td style=\"vertical-align:top;text-align:center\" valign=\"top\" align=\"center\">{}</td>", item.0)
}

/// Escapes `&`, `<`, `>`, `"` and `'` for HTML text and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

impl fmt::Display for Html {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<String> for Html {
    fn from(html: String) -> Self {
        Html(html)
    }
}

impl Add for Html {
    type Output = Html;

    /// `a + b`: `b` below `a`.
    fn add(mut self, other: Html) -> Html {
        self += other;
        self
    }
}

impl AddAssign for Html {
    /// `a += b`: appends `b` below `a`.
    fn add_assign(&mut self, other: Html) {
        self.0.push_str("\n<div>");
        self.0.push_str(&other.0);
        self.0.push_str("</div>");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_text() {
        assert_eq!(Html::text("a<b & \"c\"").as_str(), "<p>a&lt;b &amp; &quot;c&quot;</p>");
    }

    #[test]
    fn row_and_grid_have_one_cell_per_item() {
        let items = || vec![Html::text("a"), Html::text("b"), Html::text("c")];
        assert_eq!(Html::row(items()).count("<td"), 3);
        assert_eq!(Html::grid(items(), 2).count("<tr>"), 2);
        assert_eq!(Html::grid(items(), 0).count("<tr>"), 3);
        assert_eq!(Html::column(items()).count("<tr>"), 3);
        assert_eq!(Html::grid(vec![], 3).as_str(), "<table></table>");
    }

    #[test]
    fn plus_concatenates() {
        let both = Html::text("a") + Html::text("b");
        assert!(both.as_str().contains("<p>a</p>") && both.as_str().contains("<p>b</p>"));
        assert!(Html::error("x").is_error() && !both.is_error());
    }
}
