//! Pictures for evcxr notebooks: images, training curves, bar charts, a confusion matrix and
//! learned weights, as [`Html`] that a cell shows as its result.
//!
//! Everything is returned as one [`Html`] value because evcxr shows only the *last* HTML output
//! of a cell: compose pictures with [`Html::row`], [`Html::column`], [`Html::grid`] or `+`.
//! Photos are inline `<img src="data:image/png;base64,…">` (small ones enlarged with crisp
//! pixels), charts are inline `<svg>`, layout is plain `<table>`s: no scripts, no CSS files, so
//! the pictures survive in saved notebooks.
//!
//! - [`html`](Html): the [`Html`] type and its layout;
//! - pixels: [`PixelRange`] (0..255, `[-1, 1]`, `[0, 1]` or guessed), the [`Picture`] and
//!   [`Pictures`] traits, [`to_rgb_image`], [`img_tag`];
//! - images: [`show_image`], [`image_grid`], [`misclassified`];
//! - charts: [`LineChart`], [`line_plot`]; [`BarChart`], [`bar_chart`], [`compare_bar_charts`];
//! - training: [`plot_history`], [`plot_batch_loss`], [`last_epoch_table`], and
//!   `History::evcxr_display`, so a cell ending in `history` draws the curves;
//! - [`plot_confusion_matrix`] and [`weight_images`];
//! - inside a convnet: [`feature_maps`] (a layer's output for one photo) and [`conv_filters`];
//! - [`chapter_table`]: the book's and the Keras code's figures beside this run's.
//! - augmentation: [`augmentation_preview`] (a photo and its random variants);
//! - mistakes: [`confident_mistakes`] and [`confused_pairs`], with their photos;
//! - photos from a flow, by class and credited: [`show_batch`], [`scramble_preview`], [`credit`];
//! - a learning-rate sweep: [`plot_sweep`], and `LearningRateSweep::evcxr_display`;
//! - verdicts, what a run's numbers say in a sentence: `History::verdict`,
//!   `LearningRateSweep::verdict`, [`compare_accuracy`], [`gap_table`].
//!
//! Charts are drawn with `plotters`' SVG backend without its `ttf` feature: text is written as
//! SVG `<text>` for the browser to draw, so no font files or system font libraries are needed.
//!
//! Bad input (empty lists, NaN values, mismatched lengths) never panics: it gives an empty
//! picture with a note, or an [`Html::error`] message in the cell.

mod augment;
mod bars;
mod chapter;
mod chart;
mod confusion;
mod feature_maps;
mod history;
mod html;
mod images;
mod mistakes;
mod photos;
mod pixels;
mod report;
mod sweep;
mod training;
mod verdict;
mod weights;

pub use augment::augmentation_preview;
pub use bars::{bar_chart, compare_bar_charts, BarChart};
pub use chapter::{chapter_table, ChapterModel};
pub use chart::{line_plot, LineChart, Series, CHART_SIZE, FONT, PALETTE};
pub use confusion::plot_confusion_matrix;
pub use feature_maps::{conv_filters, feature_maps};
pub use history::{last_epoch_table, plot_batch_loss, plot_history};
pub use html::{escape, Html};
pub use images::{captioned, grid_of, image_grid, image_grid_with, misclassified, show_image, show_image_with};
pub use mistakes::{confident_mistakes, confused_pairs};
pub use photos::{credit, scramble_preview, show_batch};
pub use pixels::{img_tag, png_bytes, to_rgb_image, Picture, Pictures, PixelRange, MIN_DISPLAY_SIZE};
pub use sweep::plot_sweep;
pub use verdict::{compare_accuracy, gap_table, Verdict};
pub use weights::weight_images;
