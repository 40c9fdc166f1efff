//! What `fit`, `evaluate` and `predict` read from: a [`Sequence`] of batches, as Keras's
//! `keras.utils.Sequence`. The image generator is one; [`ArrayData`] serves arrays in memory.
//!
//! ```
//! use snackml::data::{ArrayData, Sequence};
//! let x = ndarray::Array2::<f32>::zeros((10, 3)).into_dyn();
//! let y = snackml::math::one_hot(&[0, 1, 0, 1, 0, 1, 0, 1, 0, 1], 2).unwrap();
//! let mut data = ArrayData::new(x, Some(y), 4).unwrap();
//! assert_eq!(data.len(), 3); // ceil(10 / 4): the last batch has 2 samples
//! assert_eq!(data.get(2).unwrap().x.shape(), &[2, 3]);
//! ```

use crate::{Error, Result, Tensor};
use ndarray::{Array2, Axis};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::SeedableRng;

/// The labels of a batch.
#[derive(Clone, Debug, PartialEq)]
pub enum Labels {
    /// One row per sample, 1 in the column of its class (`class_mode="categorical"`).
    OneHot(Array2<f32>),
    /// One class index per sample (`class_mode="sparse"`).
    Sparse(Vec<usize>),
    /// No labels (`class_mode=None`), for `predict`.
    None,
}

/// One batch: inputs `x` with the batch first (for images: batch, height, width, channels) and labels.
#[derive(Clone, Debug)]
pub struct Batch {
    /// The inputs.
    pub x: Tensor,
    /// The labels.
    pub y: Labels,
}

impl Batch {
    /// The number of samples.
    pub fn len(&self) -> usize {
        self.x.shape().first().copied().unwrap_or(0)
    }
    /// True when the batch has no samples.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// The labels as one-hot rows of width `classes` (sparse labels are expanded).
    pub fn one_hot(&self, classes: usize) -> Result<Array2<f32>> {
        match &self.y {
            Labels::OneHot(y) if y.ncols() == classes => Ok(y.clone()),
            Labels::OneHot(y) => Err(Error::Shape(format!(
                "labels have {} columns but the model's output has {classes} units",
                y.ncols()
            ))),
            Labels::Sparse(ids) => crate::math::one_hot(ids, classes),
            Labels::None => Err(Error::InvalidArgument("this data has no labels (class_mode None)".into())),
        }
    }
}

/// A sequence of batches that can be read in any order (Keras's `Sequence`).
pub trait Sequence {
    /// The number of batches in one epoch: `ceil(samples / batch_size)`.
    fn len(&self) -> usize;
    /// True when there are no batches.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Batch number `index` (0-based) of the current epoch.
    fn get(&mut self, index: usize) -> Result<Batch>;
    /// Called after each epoch; a shuffling sequence reshuffles here.
    fn on_epoch_end(&mut self) {}
    /// The number of samples (0 if unknown).
    fn samples(&self) -> usize {
        0
    }
}

/// The order samples are served in, cut into batches of `batch_size` (the last one partial), and
/// reshuffled after each epoch when shuffling: the bookkeeping every [`Sequence`] here shares.
#[derive(Clone, Debug)]
pub struct BatchOrder {
    order: Vec<usize>,
    batch_size: usize,
    rng: Option<StdRng>,
}

impl BatchOrder {
    /// `samples` in order, or shuffled now and after every epoch when `shuffle_seed` is given.
    pub fn new(samples: usize, batch_size: usize, shuffle_seed: Option<u64>) -> Result<Self> {
        if batch_size == 0 {
            return Err(Error::InvalidArgument("batch_size must be at least 1".into()));
        }
        let mut order = BatchOrder { order: (0..samples).collect(), batch_size, rng: None };
        if let Some(seed) = shuffle_seed {
            let mut rng = StdRng::seed_from_u64(seed);
            order.order.shuffle(&mut rng);
            order.rng = Some(rng);
        }
        Ok(order)
    }

    /// Batches per epoch: `ceil(samples / batch_size)`.
    pub fn len(&self) -> usize {
        self.order.len().div_ceil(self.batch_size)
    }

    /// True when there are no samples.
    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    /// The number of samples.
    pub fn samples(&self) -> usize {
        self.order.len()
    }

    /// The batch size.
    pub fn batch_size(&self) -> usize {
        self.batch_size
    }

    /// Whether the order is reshuffled each epoch.
    pub fn shuffles(&self) -> bool {
        self.rng.is_some()
    }

    /// The sample indices of batch `index` this epoch (empty past the end).
    pub fn batch(&self, index: usize) -> &[usize] {
        let start = index.saturating_mul(self.batch_size).min(self.order.len());
        let end = start.saturating_add(self.batch_size).min(self.order.len());
        &self.order[start..end]
    }

    /// [`BatchOrder::batch`], or an error naming the range when `index` is past the end.
    pub fn checked_batch(&self, index: usize) -> Result<&[usize]> {
        if index >= self.len() {
            return Err(Error::InvalidArgument(format!(
                "batch {index} is out of range (the sequence has {})",
                self.len()
            )));
        }
        Ok(self.batch(index))
    }

    /// Starts a new epoch: a new permutation when shuffling.
    pub fn on_epoch_end(&mut self) {
        if let Some(rng) = &mut self.rng {
            self.order.shuffle(rng);
        }
    }
}

/// Arrays in memory served as batches, optionally reshuffled each epoch.
#[derive(Clone, Debug)]
pub struct ArrayData {
    x: Tensor,
    y: Option<Array2<f32>>,
    order: BatchOrder,
}

impl ArrayData {
    /// Serves `x` (samples first) and its one-hot labels `y` in batches of `batch_size`, in order.
    /// An `x` not in row-major order (a transposed or permuted array) is copied into it once, so
    /// that every batch is one contiguous block.
    pub fn new(x: Tensor, y: Option<Array2<f32>>, batch_size: usize) -> Result<Self> {
        let x = if x.is_standard_layout() { x } else { x.as_standard_layout().into_owned() };
        let n = x.shape().first().copied().unwrap_or(0);
        if let Some(y) = &y {
            if y.nrows() != n {
                return Err(Error::Shape(format!("x has {n} samples but y has {}", y.nrows())));
            }
        }
        Ok(ArrayData { x, y, order: BatchOrder::new(n, batch_size, None)? })
    }

    /// Shuffles the samples now and after every epoch, with a seeded generator.
    pub fn shuffle(mut self, seed: u64) -> Self {
        self.order =
            BatchOrder::new(self.order.samples(), self.order.batch_size(), Some(seed)).expect("batch size checked");
        self
    }
}

impl Sequence for ArrayData {
    fn len(&self) -> usize {
        self.order.len()
    }
    fn get(&mut self, index: usize) -> Result<Batch> {
        let ids = self.order.checked_batch(index)?;
        let x = self.x.select(Axis(0), ids);
        let y = match &self.y {
            Some(y) => Labels::OneHot(y.select(Axis(0), ids)),
            None => Labels::None,
        };
        Ok(Batch { x, y })
    }
    fn on_epoch_end(&mut self) {
        self.order.on_epoch_end();
    }
    fn samples(&self) -> usize {
        self.order.samples()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_permuted_array_is_served_in_contiguous_batches_of_the_same_values() {
        let standard = Tensor::from_shape_fn(vec![6, 2, 3], |d| (d[0] * 100 + d[1] * 10 + d[2]) as f32);
        // The same values with the samples axis innermost in memory.
        let permuted = standard.clone().permuted_axes(vec![2, 1, 0]).as_standard_layout().into_owned();
        let permuted = permuted.permuted_axes(vec![2, 1, 0]);
        assert!(!permuted.is_standard_layout() && permuted == standard);
        let mut data = ArrayData::new(permuted, None, 4).unwrap();
        // Kept row-major: gathering a batch from the interleaved layout took twice as long an epoch.
        assert!(data.x.is_standard_layout());
        let batch = data.get(1).unwrap();
        assert_eq!(batch.x, standard.slice(ndarray::s![4.., .., ..]).into_dyn());
    }
}
