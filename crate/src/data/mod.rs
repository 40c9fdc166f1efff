//! Data in: sequences of batches for `fit`, and (in the other files of this module) images.

mod sequence;

pub use sequence::{ArrayData, Batch, Labels, Sequence};
