//! Mistakes to study, with their photos: the most confident mistakes, and a strip of examples
//! for each of the most confused pairs of classes.
//!
//! Both read the photos from the flow the predictions were made on, by sample index: make the
//! predictions with `predict_sequence` on a flow with `shuffle(false)`, so that row `i` is
//! sample `i` (`flow.classes()[i]` its true class). Both end with the photos' credit.

use super::html::{escape, Html};
use super::images::{class_name, grid_of};
use super::photos::credit;
use super::pixels::{to_rgb_image, PixelRange};
use crate::data::generator::DirectoryIterator;
use crate::metrics::{ConfusedPair, Mistake};
use crate::Result;
use image::RgbImage;

/// Sample `index`'s photo as an RGB image.
fn photo(flow: &DirectoryIterator, index: usize) -> Result<RgbImage> {
    to_rgb_image(flow.image(index)?.view(), PixelRange::Bytes)
}

/// The photos of `mistakes` (from [`most_confident_mistakes`](crate::metrics::most_confident_mistakes))
/// in a grid of up to 6 columns, each captioned `true → predicted` with the probability given to
/// the predicted class and to the true one.
pub fn confident_mistakes(flow: &DirectoryIterator, mistakes: &[Mistake]) -> Html {
    if mistakes.is_empty() {
        return Html::text("No mistakes.");
    }
    let names = flow.index_to_class();
    let mut images = Vec::new();
    let mut captions = Vec::new();
    for m in mistakes {
        match photo(flow, m.index) {
            Ok(img) => images.push(img),
            Err(e) => return Html::error(&e.to_string()),
        }
        captions.push(format!(
            "{} → {} ({:.2}; true {:.2})",
            class_name(&names, m.true_class),
            class_name(&names, m.predicted),
            m.probability,
            m.true_probability
        ));
    }
    grid_of(&images, &captions, 6) + credit(flow)
}

/// For each pair (from [`most_confused_pairs`](crate::metrics::most_confused_pairs)), a heading
/// with the counts both ways and a strip of up to `per_pair` photos of those mistakes (`a`
/// taken for `b`, then `b` for `a`, half the strip each way when both have enough), given the
/// predicted class of every sample.
pub fn confused_pairs(flow: &DirectoryIterator, y_pred: &[usize], pairs: &[ConfusedPair], per_pair: usize) -> Html {
    if y_pred.len() != flow.samples() {
        return Html::error(&format!("{} predictions for a flow of {} images", y_pred.len(), flow.samples()));
    }
    if pairs.is_empty() {
        return Html::text("No confused pairs.");
    }
    let names = flow.index_to_class();
    let truth = flow.classes();
    let mut blocks = Vec::new();
    for pair in pairs {
        let (a, b) = (class_name(&names, pair.a), class_name(&names, pair.b));
        let wanted = |t: usize, p: usize| (0..truth.len()).filter(move |&i| truth[i] == t && y_pred[i] == p);
        // Half the strip each way (more of one way when the other has fewer).
        let back = pair.b_as_a.min(per_pair / 2);
        let forth = pair.a_as_b.min(per_pair - back);
        let back = pair.b_as_a.min(per_pair - forth);
        let picked: Vec<(usize, String)> = wanted(pair.a, pair.b)
            .take(forth)
            .map(|i| (i, format!("{a} → {b}")))
            .chain(wanted(pair.b, pair.a).take(back).map(|i| (i, format!("{b} → {a}"))))
            .collect();
        let mut images = Vec::new();
        for (i, _) in &picked {
            match photo(flow, *i) {
                Ok(img) => images.push(img),
                Err(e) => return Html::error(&e.to_string()),
            }
        }
        let captions: Vec<&str> = picked.iter().map(|(_, c)| c.as_str()).collect();
        let title = format!("{a} taken for {b}: {}, {b} taken for {a}: {}", pair.a_as_b, pair.b_as_a);
        blocks.push(Html::new(format!("<h4>{}</h4>", escape(&title))) + grid_of(&images, &captions, per_pair.max(1)));
    }
    Html::column(blocks) + credit(flow)
}
