//! Memory for the layers' buffers. Each thread's scratch space for the convolutions' blocks
//! (im2col rows, Winograd's transformed tiles), kept between calls: once the first step has sized
//! it, later steps lay their blocks out in the same memory instead of allocating and zeroing it
//! again. And new feature maps and gradients, zeroed by every core at once.

use crate::Tensor;
use ndarray::{Dimension, IxDyn};
use rayon::prelude::*;
use std::cell::RefCell;

/// `len` zeros (or `false`s), written by every core at once: a step zeroes a few hundred MB of
/// feature maps and gradients, which one core's `memset` took 4–6% of the step to do (measured).
pub(super) fn zeroed<T: Default + Clone + Send + Sync>(len: usize) -> Vec<T> {
    rayon::iter::repeat_n(T::default(), len).collect()
}

/// A tensor of zeros of `shape`, written by every core at once ([`zeroed`]).
pub(super) fn zeros(shape: IxDyn) -> Tensor {
    let values = zeroed(shape.size());
    Tensor::from_shape_vec(shape.clone(), values).unwrap_or_else(|_| Tensor::zeros(shape))
}

/// `dst = src` for one pixel's channels, inline: for a few dozen values, a call to `memcpy` cost
/// more than the copy (the gathers of Winograd's patches spent 3% of a 32-px step in it;
/// measured). Copies 8 values at a time, then the rest.
#[inline(always)]
pub(super) fn copy_pixel(dst: &mut [f32], src: &[f32]) {
    let (mut d, mut s) = (dst.chunks_exact_mut(8), src.chunks_exact(8));
    for (d, s) in (&mut d).zip(&mut s) {
        let s: &[f32; 8] = s.try_into().unwrap_or(&[0.0; 8]);
        d.copy_from_slice(s);
    }
    for (d, &s) in d.into_remainder().iter_mut().zip(s.remainder()) {
        *d = s;
    }
}

thread_local! {
    static SCRATCH: RefCell<Vec<f32>> = const { RefCell::new(Vec::new()) };
}

/// Runs `f` with this thread's scratch space cut into pieces of `lens` values. They hold whatever
/// the last user left (NaN in builds with debug assertions, so that a read before a write shows in
/// the tests): `f` writes before it reads.
pub(super) fn with_scratch<const K: usize, R>(lens: [usize; K], f: impl FnOnce([&mut [f32]; K]) -> R) -> R {
    SCRATCH.with(|cell| match cell.try_borrow_mut() {
        Ok(mut buf) => cut(&mut buf, lens, f),
        // Asked for again while in use on this thread (nothing here does): a space of its own.
        Err(_) => cut(&mut Vec::new(), lens, f),
    })
}

/// Grows `buf` to the pieces' total and hands them to `f`.
fn cut<const K: usize, R>(buf: &mut Vec<f32>, lens: [usize; K], f: impl FnOnce([&mut [f32]; K]) -> R) -> R {
    let total = lens.iter().sum();
    if buf.len() < total {
        buf.resize(total, 0.0);
    }
    let mut rest = &mut buf[..total];
    if cfg!(debug_assertions) {
        rest.fill(f32::NAN);
    }
    let pieces = lens.map(|len| {
        let (piece, tail) = std::mem::take(&mut rest).split_at_mut(len);
        rest = tail;
        piece
    });
    f(pieces)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_pixel_copies_every_value() {
        for len in [0, 3, 8, 32, 37] {
            let src: Vec<f32> = (0..len).map(|i| i as f32).collect();
            let mut dst = vec![f32::NAN; len];
            copy_pixel(&mut dst, &src);
            assert_eq!(dst, src, "{len} values");
        }
    }

    #[test]
    fn pieces_have_their_lengths_and_the_space_is_kept() {
        with_scratch([3, 0, 5], |[a, b, c]| {
            assert_eq!((a.len(), b.len(), c.len()), (3, 0, 5));
            a.fill(1.0);
            c.fill(2.0);
        });
        SCRATCH.with(|s| assert!(s.borrow().len() >= 8));
        // used again while in use: a space of its own, not a panic
        with_scratch([2], |[outer]| with_scratch([4], |[inner]| assert_eq!((outer.len(), inner.len()), (2, 4))));
    }

    #[test]
    fn zeros_has_its_shape_and_only_zeros() {
        let t = zeros(IxDyn(&[3, 5, 7, 2]));
        assert_eq!(t.shape(), [3, 5, 7, 2]);
        assert!(t.iter().all(|&v| v == 0.0));
        assert!(zeroed::<bool>(1000).iter().all(|&m| !m));
    }
}
