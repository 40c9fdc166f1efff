//! Sliding windows over channels-last images, shared by convolution and pooling: the output size
//! and padding of each spatial axis, and `im2col` / `col2im`.
//!
//! Per axis, for an input of `n` pixels, a window of `k` and a stride `s`:
//! - `valid`: no padding, `out = ⌊(n − k) / s⌋ + 1` (the input must be at least `k`);
//! - `same`: `out = ⌈n / s⌉`, padded by `p = max((out − 1)·s + k − n, 0)` zeros, `⌊p/2⌋` before and
//!   the rest after (TensorFlow's rule: the extra row or column goes at the bottom or right).
//!
//! `im2col` lays each output pixel's window out as one row of `k_h·k_w·c` values, in the order
//! `(ky, kx, channel)`: a convolution is then one matrix product with the kernel `(k_h, k_w, c_in,
//! c_out)` seen as `(k_h·k_w·c_in) × c_out`. `col2im` is its transpose: it adds each row back into
//! the pixels it came from (padding dropped), which is how gradients reach the input.

use crate::{Error, Result};
use serde::{Deserialize, Serialize};

/// How the borders are handled (Keras's `padding=`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Padding {
    /// `"valid"`: windows stay inside the image.
    #[default]
    Valid,
    /// `"same"`: zeros around the image so that `out = ⌈n / stride⌉`.
    Same,
}

/// One spatial axis: its input size, window, stride, output size and the padding before it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Axis {
    pub input: usize,
    pub window: usize,
    pub stride: usize,
    pub output: usize,
    pub pad_before: usize,
}

impl Axis {
    /// The axis for `input` pixels, or an error a Keras user would recognise.
    pub(crate) fn new(input: usize, window: usize, stride: usize, padding: Padding) -> Result<Self> {
        if window == 0 || stride == 0 {
            return Err(Error::InvalidArgument(format!(
                "kernel and stride sizes must be at least 1, got {window} and {stride}"
            )));
        }
        let (output, pad_before) = match padding {
            Padding::Valid if input < window => {
                return Err(Error::Shape(format!(
                    "a window of {window} does not fit in {input} pixels with padding=\"valid\""
                )))
            }
            Padding::Valid => ((input - window) / stride + 1, 0),
            Padding::Same => {
                let output = input.div_ceil(stride);
                let total = ((output.max(1) - 1) * stride + window).saturating_sub(input);
                (output, total / 2)
            }
        };
        Ok(Axis { input, window, stride, output, pad_before })
    }

    /// The first input pixel of output pixel `o`'s window when the whole window lies inside the
    /// input (its `window` pixels are then consecutive, whatever the stride), or `None` when part
    /// of it is padding.
    #[inline]
    fn inside(&self, o: usize) -> Option<usize> {
        (o * self.stride).checked_sub(self.pad_before).filter(|&i| i + self.window <= self.input)
    }

    /// The input pixel under window offset `k` of output pixel `o`, if it is not padding.
    #[inline]
    fn source(&self, o: usize, k: usize) -> Option<usize> {
        (o * self.stride + k).checked_sub(self.pad_before).filter(|&i| i < self.input)
    }
}

/// The two spatial axes and the channels of a channels-last image `(h, w, c)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Window {
    pub rows: Axis,
    pub cols: Axis,
    pub channels: usize,
}

impl Window {
    /// The windows of `size` (rows, cols) moving by `strides` over images of `input_shape`
    /// `(h, w, c)`, or an error naming `layer` when the shape is not an image's or a window
    /// does not fit.
    pub(crate) fn over(
        input_shape: &[usize],
        size: [usize; 2],
        strides: [usize; 2],
        padding: Padding,
        layer: &str,
    ) -> Result<Self> {
        let &[h, w, channels] = input_shape else {
            return Err(Error::Shape(format!(
                "{layer} expects images (None, height, width, channels), got {}",
                super::shape_string(input_shape)
            )));
        };
        let rows = Axis::new(h, size[0], strides[0], padding)?;
        let cols = Axis::new(w, size[1], strides[1], padding)?;
        Ok(Window { rows, cols, channels })
    }

    /// The values of one output pixel's window: `k_h·k_w·c`.
    pub(crate) fn patch_len(&self) -> usize {
        self.rows.window * self.cols.window * self.channels
    }

    /// Output pixels per image.
    pub(crate) fn outputs(&self) -> usize {
        self.rows.output * self.cols.output
    }

    /// Values per input image.
    pub(crate) fn input_len(&self) -> usize {
        self.rows.input * self.cols.input * self.channels
    }

    /// The pixels (flat `row · width + col` indices within the image) under output pixel
    /// `(oy, ox)`'s window, padding left out.
    pub(crate) fn sources(&self, oy: usize, ox: usize) -> impl Iterator<Item = usize> + Clone + '_ {
        (0..self.rows.window).filter_map(move |ky| self.rows.source(oy, ky)).flat_map(move |iy| {
            (0..self.cols.window)
                .filter_map(move |kx| self.cols.source(ox, kx))
                .map(move |ix| iy * self.cols.input + ix)
        })
    }

    /// One image `x` (`h·w·c` values) into `cols` (`outputs × patch_len`), zeros for padding.
    #[cfg(test)]
    pub(crate) fn im2col(&self, x: &[f32], cols: &mut [f32]) {
        self.im2col_rows(x, 0, cols);
    }

    /// Rows `first, first + 1, …` of the im2col matrix of a run of images `x` (one image's
    /// `h·w·c` values after the other; row `r` is output pixel `r mod outputs` of image
    /// `r div outputs`) into `cols`, as many rows as it holds, zeros for padding.
    pub(crate) fn im2col_rows(&self, x: &[f32], first: usize, cols: &mut [f32]) {
        let (c, patch, outputs) = (self.channels, self.patch_len(), self.outputs().max(1));
        for (r, row) in cols.chunks_exact_mut(patch.max(1)).enumerate().map(|(i, row)| (first + i, row)) {
            let (image, o) = (r / outputs, r % outputs);
            let x = &x[image * self.input_len()..][..self.input_len()];
            let (oy, ox) = (o / self.cols.output, o % self.cols.output);
            let span = self.cols.window * c;
            for (ky, dst) in row.chunks_exact_mut(span.max(1)).enumerate() {
                let Some(iy) = self.rows.source(oy, ky) else {
                    dst.fill(0.0);
                    continue;
                };
                let line = &x[iy * self.cols.input * c..][..self.cols.input * c];
                match self.cols.inside(ox) {
                    // The window's row lies inside the image: one copy.
                    Some(ix) => dst.copy_from_slice(&line[ix * c..][..span]),
                    None => {
                        for (kx, dst) in dst.chunks_exact_mut(c.max(1)).enumerate() {
                            match self.cols.source(ox, kx) {
                                Some(ix) => dst.copy_from_slice(&line[ix * c..][..c]),
                                None => dst.fill(0.0),
                            }
                        }
                    }
                }
            }
        }
    }

    /// The transpose of [`Window::im2col`]: adds every row of `cols` back into the pixels of `dx`
    /// (one image, `h·w·c` values) it was taken from.
    #[cfg(test)]
    pub(crate) fn col2im(&self, cols: &[f32], dx: &mut [f32]) {
        self.col2im_rows(cols, 0, dx);
    }

    /// The transpose of [`Window::im2col_rows`]: adds rows `first, first + 1, …` of an im2col
    /// matrix back into the pixels of the run of images `dx` they were taken from.
    pub(crate) fn col2im_rows(&self, cols: &[f32], first: usize, dx: &mut [f32]) {
        let (c, patch, outputs) = (self.channels, self.patch_len(), self.outputs().max(1));
        for (r, row) in cols.chunks_exact(patch.max(1)).enumerate().map(|(i, row)| (first + i, row)) {
            let (image, o) = (r / outputs, r % outputs);
            let dx = &mut dx[image * self.input_len()..][..self.input_len()];
            let (oy, ox) = (o / self.cols.output, o % self.cols.output);
            let span = self.cols.window * c;
            for (ky, src) in row.chunks_exact(span.max(1)).enumerate() {
                let Some(iy) = self.rows.source(oy, ky) else { continue };
                let line = &mut dx[iy * self.cols.input * c..][..self.cols.input * c];
                match self.cols.inside(ox) {
                    Some(ix) => line[ix * c..][..span].iter_mut().zip(src).for_each(|(d, s)| *d += s),
                    None => {
                        for (kx, src) in src.chunks_exact(c.max(1)).enumerate() {
                            if let Some(ix) = self.cols.source(ox, kx) {
                                line[ix * c..][..c].iter_mut().zip(src).for_each(|(d, s)| *d += s);
                            }
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_padding_as_tensorflow() {
        assert_eq!(Axis::new(6, 3, 1, Padding::Valid).unwrap().output, 4);
        assert_eq!(Axis::new(9, 5, 2, Padding::Valid).unwrap().output, 3);
        let same = Axis::new(7, 3, 2, Padding::Same).unwrap();
        assert_eq!((same.output, same.pad_before), (4, 1)); // total padding 2: one before, one after
        let same = Axis::new(6, 3, 2, Padding::Same).unwrap();
        assert_eq!((same.output, same.pad_before), (3, 0)); // total 1: the extra one after
        assert!(Axis::new(2, 3, 1, Padding::Valid).is_err());
        assert!(Axis::new(2, 0, 1, Padding::Same).is_err());
    }

    #[test]
    fn col2im_is_the_transpose_of_im2col() {
        // <im2col(x), r> = <x, col2im(r)> for any x and r.
        let rows = Axis::new(5, 3, 2, Padding::Same).unwrap();
        let cols = Axis::new(4, 2, 1, Padding::Valid).unwrap();
        let w = Window { rows, cols, channels: 2 };
        let x: Vec<f32> = (0..w.input_len()).map(|i| (i % 7) as f32 - 3.0).collect();
        let r: Vec<f32> = (0..w.outputs() * w.patch_len()).map(|i| (i % 5) as f32 - 2.0).collect();
        let mut c = vec![0.0; r.len()];
        w.im2col(&x, &mut c);
        let mut dx = vec![0.0; x.len()];
        w.col2im(&r, &mut dx);
        let a: f32 = c.iter().zip(&r).map(|(a, b)| a * b).sum();
        let b: f32 = x.iter().zip(&dx).map(|(a, b)| a * b).sum();
        assert_eq!(a, b);
    }
}
