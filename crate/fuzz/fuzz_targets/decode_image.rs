//! Any bytes through the image loader: `probe_image` and `decode_image` to 32×32 with both
//! filters must return (Ok or Err), never panic, abort or allocate without bound (libFuzzer's
//! -rss_limit_mb / -malloc_limit_mb catch that).
//!
//! libFuzzer's panic hook aborts on every panic, even one that `decode_image`'s last-resort
//! `catch_unwind` guard would have turned into an `Err`: so a panic inside a third-party decoder
//! is reported here too.
#![no_main]

use libfuzzer_sys::fuzz_target;
use snackml::data::image::{decode_image, probe_image, ResizeFilter};

fuzz_target!(|data: &[u8]| {
    let probed = probe_image(data);
    if let Ok((height, width)) = probed {
        assert!(height > 0 && width > 0, "probe returned a zero side");
        assert!(u64::from(height) * u64::from(width) <= snackml::data::image::MAX_PIXELS);
    }
    for filter in [ResizeFilter::Triangle, ResizeFilter::Nearest] {
        if let Ok(img) = decode_image(data, Some((32, 32)), filter) {
            assert_eq!(img.dimensions(), (32, 32), "{filter:?} returned the wrong size");
            assert_eq!(img.as_raw().len(), 32 * 32 * 3);
            // The generator's streaming mode accepts a file when its header probes; the cached
            // mode when it decodes. A file that decodes must probe, or the modes would disagree.
            assert!(probed.is_ok(), "{filter:?} decoded bytes that probe_image refused: {:?}", probed);
        }
    }
});
