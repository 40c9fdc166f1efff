//! A generator's batches as Keras code reaches for them: the next batch, as
//! `x, y = next(train_generator)` gives it, and a whole split as two arrays, as
//! `np.concatenate` over the batches would make it.

use super::DirectoryIterator;
use crate::data::Sequence;
use crate::{Error, Result, Tensor};
use ndarray::{Array2, Axis};

impl DirectoryIterator {
    /// The next batch as `(x, y)`: `x` is `(batch, height, width, 3)`, `y` the one-hot labels
    /// `(batch, classes)`. Batches come in the order `fit` reads them, and after the last one the
    /// epoch ends (the training generator reshuffles) and the first comes again, as with Keras's
    /// `next(train_generator)`.
    pub fn next_batch(&mut self) -> Result<(Tensor, Array2<f32>)> {
        if self.cursor >= self.len() {
            self.cursor = 0;
            self.on_epoch_end();
        }
        let batch = self.get(self.cursor)?;
        self.cursor += 1;
        let y = batch.one_hot(self.num_classes())?;
        Ok((batch.x, y))
    }

    /// The whole split as two arrays, every image once in the order of the batches: `x` is
    /// `(samples, height, width, 3)`, `y` the one-hot labels `(samples, classes)`. The images of a
    /// split fit in memory when the generator caches them (see `FlowOptions::cache_budget`); this
    /// needs as much again.
    pub fn to_arrays(&mut self) -> Result<(Tensor, Array2<f32>)> {
        let (mut xs, mut ys) = (Vec::with_capacity(self.len()), Vec::with_capacity(self.len()));
        for i in 0..self.len() {
            let batch = self.get(i)?;
            ys.push(batch.one_hot(self.num_classes())?);
            xs.push(batch.x);
        }
        let join = |e: ndarray::ShapeError| Error::Shape(format!("the batches do not stack: {e}"));
        let x = ndarray::concatenate(Axis(0), &xs.iter().map(|x| x.view()).collect::<Vec<_>>()).map_err(join)?;
        let y = ndarray::concatenate(Axis(0), &ys.iter().map(|y| y.view()).collect::<Vec<_>>()).map_err(join)?;
        Ok((x, y))
    }
}
