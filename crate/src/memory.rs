//! Keeping freed memory for the next training step (Linux with glibc; elsewhere nothing happens).
//!
//! A convnet's step allocates and frees buffers of tens to hundreds of MB every time (the im2col
//! matrices, feature maps and their gradients). glibc serves blocks above 128 KiB–32 MiB with
//! fresh pages from the kernel and hands them back when they are freed, so every step faults
//! those pages in and zeroes them again: measured, 45–50% of the book's convnet step at 64 px
//! (1.7–1.9 s a step, against 0.80–0.93 s with the memory kept; `bench/issue23-convnet.md`).
//! [`keep_freed_memory`] asks glibc to serve every block from its heap (`M_MMAP_MAX = 0`) and to
//! keep what is freed (`M_TRIM_THRESHOLD` = the largest value), so the next step reuses it, as
//! the caching allocators of PyTorch and TensorFlow do for their tensors. The price: the process
//! keeps its peak memory until it ends. `compile` calls it once.

/// Tunes glibc's allocator to keep freed memory (see the module docs); once per process.
pub fn keep_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        use std::os::raw::c_int;
        use std::sync::Once;
        extern "C" {
            fn mallopt(param: c_int, value: c_int) -> c_int;
        }
        const M_TRIM_THRESHOLD: c_int = -1;
        const M_MMAP_MAX: c_int = -4;
        static ONCE: Once = Once::new();
        ONCE.call_once(|| {
            // SAFETY: mallopt only sets two of glibc's tuning parameters, and any value is valid
            // for both (0 blocks served by mmap; never give the heap's top back).
            unsafe {
                mallopt(M_MMAP_MAX, 0);
                mallopt(M_TRIM_THRESHOLD, c_int::MAX);
            }
        });
    }
}
