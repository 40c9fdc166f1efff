//! Photos from a flow, labelled by class and credited: a batch as the model sees it, and the
//! scrambled-pixels experiment beside the originals. Like every display of the snacks photos,
//! they end with the dataset's CC BY attribution by themselves ([`credit`]).

use super::html::Html;
use super::images::{class_name, image_grid};
use crate::data::credits::attribution_for;
use crate::data::generator::DirectoryIterator;
use crate::data::scramble_pixels;
use crate::math::argmax;
use crate::{Error, Result, Tensor};
use ndarray::{s, stack, Array2, Axis};

/// The CC BY attribution of the photos `flow` reads, when its dataset has credits (the snacks
/// photos); nothing for a dataset without (the synthetic stand-in).
pub fn credit(flow: &DirectoryIterator) -> Html {
    attribution_for(flow.directory()).map_or_else(|| Html::new(""), Html::text)
}

/// The first `n` images of a batch `(x, y)` from `flow` (Python's `next(train_generator)`), in
/// rows of 8, each captioned with its class name (from the one-hot `y`), then the credit.
/// The pixels may be in any range (normalised ones are mapped back for display).
pub fn show_batch(flow: &DirectoryIterator, x: &Tensor, y: &Array2<f32>, n: usize) -> Html {
    let n = n.min(x.shape().first().copied().unwrap_or(0)).min(y.nrows());
    if x.ndim() != 4 {
        return Html::error(&format!("show_batch takes images (N, H, W, 3), got {:?}", x.shape()));
    }
    let names = flow.index_to_class();
    let captions: Vec<String> =
        argmax(&y.slice(s![..n, ..]).to_owned()).iter().map(|&c| class_name(&names, c)).collect();
    image_grid(&x.slice(s![..n, .., .., ..]).to_owned(), &captions, 8) + credit(flow)
}

/// `n` photos of `flow`, the first of each of its first `n` classes (then the next ones), above
/// their copies with the pixel positions moved by the permutation `seed` draws
/// ([`scramble_pixels`]: the same for every photo), each captioned with its class name, then
/// the credit.
pub fn scramble_preview(flow: &DirectoryIterator, seed: u64, n: usize) -> Html {
    match scrambled_pairs(flow, seed, n) {
        Ok((originals, scrambled, captions)) => {
            let columns = captions.len().max(1);
            Html::heading("the photos")
                + image_grid(&originals, &captions, columns)
                + Html::heading("the same photos, scrambled (one permutation for all)")
                + image_grid(&scrambled, &captions, columns)
                + credit(flow)
        }
        Err(e) => Html::error(&e.to_string()),
    }
}

/// The sample indices of one photo per class, first photos first: the first photo of every
/// class in class order, then the second of every class, and so on, `n` in all.
fn one_per_class(classes: &[usize], n: usize) -> Vec<usize> {
    let mut seen = std::collections::HashMap::new();
    let mut ranked: Vec<(usize, usize, usize)> = classes
        .iter()
        .enumerate()
        .map(|(i, &c)| {
            let rank = seen.entry(c).or_insert(0);
            *rank += 1;
            (*rank, c, i)
        })
        .collect();
    ranked.sort();
    ranked.into_iter().take(n).map(|(_, _, i)| i).collect()
}

/// `n` photos (see [`scramble_preview`]) as a batch, their scrambled copies, and their class names.
fn scrambled_pairs(flow: &DirectoryIterator, seed: u64, n: usize) -> Result<(Tensor, Tensor, Vec<String>)> {
    let picked = one_per_class(flow.classes(), n);
    if picked.is_empty() {
        return Err(Error::InvalidArgument("scramble_preview: the flow has no images".into()));
    }
    let images = picked.iter().map(|&i| flow.image(i)).collect::<Result<Vec<_>>>()?;
    let views: Vec<_> = images.iter().map(|a| a.view()).collect();
    let originals = stack(Axis(0), &views).map_err(|e| Error::Shape(e.to_string()))?.into_dyn();
    let scrambled = scramble_pixels(&originals, seed)?;
    let names = flow.index_to_class();
    let captions = picked.iter().map(|&i| class_name(&names, flow.classes()[i])).collect();
    Ok((originals, scrambled, captions))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_photo_per_class_first() {
        assert_eq!(one_per_class(&[0, 0, 0, 1, 1, 2], 4), vec![0, 3, 5, 1]);
        assert_eq!(one_per_class(&[0, 0], 5), vec![0, 1]);
        assert!(one_per_class(&[], 3).is_empty());
    }
}
