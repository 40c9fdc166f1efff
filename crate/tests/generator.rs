//! `flow_from_directory` on real folders of encoded files: what is found, what is skipped, the
//! labels, the pixels, the shuffles, cached against streaming, and the errors.

mod common;
use common::{encode, food10, jpeg};
use image::{DynamicImage, GrayImage, ImageBuffer, ImageFormat, Luma, Rgb, RgbImage, Rgba, RgbaImage};
use snackml::data::generator::{check_same_classes, ClassMode, DirectoryIterator, FlowOptions, ImageDataGenerator};
use snackml::data::image::{img_to_array, load_img_with, normalize_pixels, ResizeFilter};
use snackml::data::{Batch, Labels, Sequence};
use snackml::Error;
use std::collections::BTreeMap;
use std::path::Path;

fn solid(rgb: [u8; 3]) -> DynamicImage {
    DynamicImage::ImageRgb8(RgbImage::from_pixel(24, 16, Rgb(rgb)))
}

fn write(dir: &Path, rel: &str, bytes: &[u8]) {
    let path = dir.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

/// Quiet options with a fixed order, 8 × 8 images.
fn plain() -> FlowOptions {
    FlowOptions::new().target_size(8, 8).batch_size(4).shuffle(false).verbose(false)
}

/// A tree with every kind of file the generator meets. Readable images, by class:
/// apple (0): 3 JPEGs, a PNG in a nested folder; "hot dog" (1): gray PNG, gray JPEG, RGBA PNG,
/// 16-bit PNG, an upper-case .JPG; "ice cream" (2): CMYK JPEG, BMP, TIFF, PPM;
/// "zz empty" (3): nothing. Plus files that must be skipped or ignored.
fn fixture() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for i in 0..3 {
        write(d, &format!("apple/{i}.jpg"), &jpeg(solid([200, 20 + i * 10, 30])));
    }
    write(d, "apple/more/nested.png", &encode(solid([210, 30, 30]), ImageFormat::Png));
    write(d, "apple/notes.txt", b"not an image, ignored by extension");
    write(d, "apple/photo.gif", &encode(solid([1, 2, 3]), ImageFormat::Gif)); // not a Keras extension

    let gray = DynamicImage::ImageLuma8(GrayImage::from_pixel(16, 16, Luma([90])));
    write(d, "hot dog/gray.png", &encode(gray.clone(), ImageFormat::Png));
    write(d, "hot dog/gray.jpg", &jpeg(gray));
    let rgba = RgbaImage::from_pixel(16, 16, Rgba([30, 160, 40, 0]));
    write(d, "hot dog/rgba.png", &encode(DynamicImage::ImageRgba8(rgba), ImageFormat::Png));
    let deep: ImageBuffer<Rgb<u16>, Vec<u16>> = ImageBuffer::from_pixel(16, 16, Rgb([0x2000, 0xa000, 0x3000]));
    write(d, "hot dog/deep.png", &encode(DynamicImage::ImageRgb16(deep), ImageFormat::Png));
    write(d, "hot dog/UPPER.JPG", &jpeg(solid([40, 150, 50])));

    let cmyk: Vec<u8> = (0..16 * 16).flat_map(|_| [255u8, 0, 0, 0]).collect();
    let mut cmyk_jpeg = Vec::new();
    jpeg_encoder::Encoder::new(&mut cmyk_jpeg, 95).encode(&cmyk, 16, 16, jpeg_encoder::ColorType::Cmyk).unwrap();
    write(d, "ice cream/cmyk.jpg", &cmyk_jpeg);
    write(d, "ice cream/b.bmp", &encode(solid([20, 20, 220]), ImageFormat::Bmp));
    write(d, "ice cream/c.tiff", &encode(solid([25, 25, 210]), ImageFormat::Tiff));
    write(d, "ice cream/d.ppm", &encode(solid([30, 30, 200]), ImageFormat::Pnm));

    // Skipped, with a message: damaged or not images at all.
    write(d, "ice cream/corrupt.jpg", &(0..3000u32).map(|i| (i * 7919 % 251) as u8).collect::<Vec<_>>());
    write(d, "ice cream/empty.png", b"");
    write(d, "ice cream/text.jpg", b"this is a text file with an image extension\n");
    let whole = jpeg(DynamicImage::ImageRgb8(RgbImage::from_fn(64, 64, |x, y| Rgb([x as u8, y as u8, 9]))));
    write(d, "ice cream/truncated.jpg", &whole[..whole.len() / 2]);

    std::fs::create_dir(d.join("zz empty")).unwrap();
    write(d, ".hidden/x.png", &encode(solid([0, 0, 0]), ImageFormat::Png)); // not a class
    write(d, "loose.png", &encode(solid([0, 0, 0]), ImageFormat::Png)); // not in a class folder
    dir
}

const READABLE: [(&str, usize); 13] = [
    ("apple/0.jpg", 0),
    ("apple/1.jpg", 0),
    ("apple/2.jpg", 0),
    ("apple/more/nested.png", 0),
    ("hot dog/UPPER.JPG", 1),
    ("hot dog/deep.png", 1),
    ("hot dog/gray.jpg", 1),
    ("hot dog/gray.png", 1),
    ("hot dog/rgba.png", 1),
    ("ice cream/b.bmp", 2),
    ("ice cream/c.tiff", 2),
    ("ice cream/cmyk.jpg", 2),
    ("ice cream/d.ppm", 2),
];

/// The mean of each channel of image `j` of a batch.
fn mean_rgb(batch: &Batch, j: usize) -> [f32; 3] {
    let img = batch.x.index_axis(ndarray::Axis(0), j);
    let n = (img.len() / 3) as f32;
    let mut sum = [0.0; 3];
    for (i, v) in img.iter().enumerate() {
        sum[i % 3] += v;
    }
    sum.map(|s| s / n)
}

#[test]
fn finds_the_readable_images_of_each_class_in_order() {
    let dir = fixture();
    let it = ImageDataGenerator::new().flow_from_directory(dir.path(), plain()).unwrap();
    let expected_classes: BTreeMap<String, usize> =
        [("apple", 0), ("hot dog", 1), ("ice cream", 2), ("zz empty", 3)].map(|(c, i)| (c.to_string(), i)).into();
    assert_eq!(it.class_indices(), &expected_classes);
    assert_eq!(it.index_to_class(), vec!["apple", "hot dog", "ice cream", "zz empty"]);
    assert_eq!(it.num_classes(), 4);
    assert_eq!(it.filenames(), READABLE.map(|(f, _)| f.to_string()));
    assert_eq!(it.classes(), READABLE.map(|(_, c)| c));
    assert_eq!(it.samples(), 13);
    assert_eq!(Sequence::samples(&it), 13);
    assert_eq!(it.len(), 4); // ceil(13 / 4)
    assert_eq!(it.batch_size(), 4);
    assert_eq!(it.image_shape(), [8, 8, 3]);
    assert!(it.is_cached());
}

#[test]
fn batches_hold_the_right_pixels_and_labels() {
    let dir = fixture();
    let mut it = ImageDataGenerator::new().flow_from_directory(dir.path(), plain()).unwrap();
    let batches: Vec<Batch> = (0..it.len()).map(|i| it.get(i).unwrap()).collect();
    assert_eq!(batches.iter().map(Batch::len).collect::<Vec<_>>(), vec![4, 4, 4, 1]);
    let mut means = Vec::new();
    for (i, batch) in batches.iter().enumerate() {
        assert_eq!(batch.x.shape()[1..], [8, 8, 3]);
        let y = batch.one_hot(4).unwrap();
        for j in 0..batch.len() {
            let label = READABLE[i * 4 + j].1;
            assert_eq!(y.row(j).to_vec(), (0..4).map(|k| if k == label { 1.0 } else { 0.0 }).collect::<Vec<_>>());
            means.push(mean_rgb(batch, j));
        }
    }
    let close = |got: [f32; 3], want: [f32; 3]| got.iter().zip(want).all(|(g, w)| (g - w).abs() <= 4.0);
    let expect: [(usize, [f32; 3]); 8] = [
        (0, [200.0, 20.0, 30.0]),  // apple/0.jpg
        (4, [40.0, 150.0, 50.0]),  // UPPER.JPG
        (5, [32.0, 160.0, 48.0]),  // 16-bit: high bytes 0x20, 0xa0, 0x30
        (7, [90.0, 90.0, 90.0]),   // gray PNG in three channels
        (8, [30.0, 160.0, 40.0]),  // RGBA: alpha dropped
        (9, [20.0, 20.0, 220.0]),  // BMP
        (11, [0.0, 255.0, 255.0]), // CMYK cyan
        (12, [30.0, 30.0, 200.0]), // PPM
    ];
    for (i, want) in expect {
        assert!(close(means[i], want), "{}: mean {:?}, expected {want:?}", READABLE[i].0, means[i]);
    }
    // The pixels are load_img's, exactly.
    let img = load_img_with(dir.path().join("apple/1.jpg"), Some((8, 8)), ResizeFilter::Triangle).unwrap();
    assert_eq!(batches[0].x.index_axis(ndarray::Axis(0), 1), img_to_array(&img).into_dyn());
}

#[test]
fn class_modes_preprocessing_and_rescale() {
    let dir = fixture();
    let sparse = |mode| {
        let mut it = ImageDataGenerator::new().flow_from_directory(dir.path(), plain().class_mode(mode)).unwrap();
        it.get(1).unwrap().y
    };
    assert_eq!(sparse(ClassMode::Sparse), Labels::Sparse(vec![1, 1, 1, 1]));
    assert_eq!(sparse(ClassMode::None), Labels::None);

    let mut raw = ImageDataGenerator::new().flow_from_directory(dir.path(), plain()).unwrap();
    let mut normalized = ImageDataGenerator::new()
        .preprocessing_function(normalize_pixels)
        .flow_from_directory(dir.path(), plain())
        .unwrap();
    let mut both = ImageDataGenerator::new()
        .preprocessing_function(|x| x + 1.0)
        .rescale(0.5)
        .flow_from_directory(dir.path(), plain())
        .unwrap();
    let (r, n, b) = (raw.get(0).unwrap().x, normalized.get(0).unwrap().x, both.get(0).unwrap().x);
    assert!(n.iter().all(|v| (-1.0..=1.0).contains(v)));
    n.iter().zip(&r).for_each(|(n, r)| assert!((n - (r / 127.5 - 1.0)).abs() < 1e-6));
    // Keras's order: preprocessing first, then rescale.
    b.iter().zip(&r).for_each(|(b, r)| assert!((b - (r + 1.0) * 0.5).abs() < 1e-6));

    // A preprocessing function that changes the shape is an error, not a panic.
    let mut wrong = ImageDataGenerator::new()
        .preprocessing_function(|x| x.slice_move(ndarray::s![..2, .., ..]))
        .flow_from_directory(dir.path(), plain())
        .unwrap();
    assert!(matches!(wrong.get(0), Err(Error::Shape(_))));
}

/// `n` PNGs in 3 classes, image `i` filled with gray level `3 · i` so a pixel tells which it is.
fn numbered(n: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for i in 0..n {
        let img = DynamicImage::ImageLuma8(GrayImage::from_pixel(4, 4, Luma([(3 * i) as u8])));
        write(dir.path(), &format!("c{}/{i:03}.png", i % 3), &encode(img, ImageFormat::Png));
    }
    dir
}

/// The sample numbers in file order: by class folder, then by name.
fn file_order(n: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by_key(|&i| (i % 3, i));
    order
}

/// The sample numbers of one epoch, batch by batch, read back from the pixels.
fn epoch(it: &mut DirectoryIterator) -> Vec<usize> {
    let mut seen = Vec::new();
    for i in 0..it.len() {
        let batch = it.get(i).unwrap();
        let ids = it.batch_indices(i).to_vec();
        let sparse = match &batch.y {
            Labels::Sparse(s) => s.clone(),
            other => panic!("expected sparse labels, got {other:?}"),
        };
        assert_eq!(sparse.len(), batch.len());
        for (j, &label) in sparse.iter().enumerate() {
            let number = (batch.x[[j, 0, 0, 0]] / 3.0).round() as usize;
            assert_eq!(number % 3, label, "label of sample {number}");
            let name = format!("c{}/{number:03}.png", number % 3);
            assert!(ids.iter().any(|&k| it.filenames()[k] == name), "{name} is in batch {i}");
            seen.push(number);
        }
    }
    it.on_epoch_end();
    seen
}

fn flow(dir: &Path, options: FlowOptions) -> DirectoryIterator {
    let options = options.target_size(4, 4).class_mode(ClassMode::Sparse).verbose(false);
    ImageDataGenerator::new().flow_from_directory(dir, options).unwrap()
}

#[test]
fn shuffling_serves_every_sample_once_per_epoch() {
    for n in [1, 7, 23, 40] {
        let dir = numbered(n);
        for batch in [1, 3, 8, 40, 64] {
            let mut it = flow(dir.path(), FlowOptions::new().batch_size(batch).seed(7));
            assert_eq!(it.len(), n.div_ceil(batch));
            let orders: Vec<Vec<usize>> = (0..4).map(|_| epoch(&mut it)).collect();
            for order in &orders {
                let mut sorted = order.clone();
                sorted.sort();
                assert_eq!(sorted, (0..n).collect::<Vec<_>>(), "n={n}, batch={batch}");
            }
            if n >= 7 {
                assert!(orders.windows(2).all(|w| w[0] != w[1]), "reshuffled every epoch (n={n}, batch={batch})");
                assert_ne!(orders[0], file_order(n));
            }
            // The same seed replays the same epochs; another seed does not.
            let mut again = flow(dir.path(), FlowOptions::new().batch_size(batch).seed(7));
            assert_eq!((0..4).map(|_| epoch(&mut again)).collect::<Vec<_>>(), orders);
            if n >= 7 {
                let mut other = flow(dir.path(), FlowOptions::new().batch_size(batch).seed(8));
                assert_ne!(epoch(&mut other), orders[0]);
            }
            // Without shuffle: file order, every epoch.
            let mut fixed = flow(dir.path(), FlowOptions::new().batch_size(batch).shuffle(false));
            for _ in 0..3 {
                assert_eq!(epoch(&mut fixed), file_order(n));
            }
        }
    }
}

#[test]
fn streaming_gives_the_same_batches_as_the_cache() {
    let dir = fixture();
    let options = FlowOptions::new().target_size(8, 8).batch_size(3).seed(11).verbose(false);
    let mut cached = ImageDataGenerator::new().flow_from_directory(dir.path(), options.clone()).unwrap();
    // A budget one image short of the whole set forces streaming.
    let budget = 13 * 8 * 8 * 3 - 1;
    let mut streamed = ImageDataGenerator::new().flow_from_directory(dir.path(), options.cache_budget(budget)).unwrap();
    assert!(cached.is_cached() && !streamed.is_cached());
    // The truncated JPEG has a valid header: streaming counts it until it fails to decode.
    assert_eq!((cached.samples(), streamed.samples()), (13, 14));
    assert!(streamed.filenames().contains(&"ice cream/truncated.jpg".to_string()));

    for _ in 0..3 {
        let mut from_cache = Vec::new();
        let mut from_stream = Vec::new();
        // Read the streamed batches out of order once, to exercise a wasted prefetch.
        let order: Vec<usize> = (0..streamed.len()).rev().collect();
        for &i in &order {
            let b = streamed.get(i).unwrap();
            from_stream.extend(batch_samples(&b, streamed.batch_indices(i), streamed.filenames()));
        }
        for i in 0..cached.len() {
            let b = cached.get(i).unwrap();
            from_cache.extend(batch_samples(&b, cached.batch_indices(i), cached.filenames()));
        }
        from_cache.sort_by(|a, b| a.0.cmp(&b.0));
        from_stream.sort_by(|a, b| a.0.cmp(&b.0));
        assert_eq!(from_cache, from_stream);
        cached.on_epoch_end();
        streamed.on_epoch_end();
    }
    // In order, with the prefetch of the next batch used.
    let total: usize = (0..streamed.len()).map(|i| streamed.get(i).unwrap().len()).sum();
    assert_eq!(total, 13);
}

#[test]
fn streaming_and_cache_give_identical_batches_in_order() {
    let dir = numbered(23);
    for shuffle in [true, false] {
        let options = FlowOptions::new().target_size(4, 4).batch_size(5).shuffle(shuffle).seed(3).verbose(false);
        let mut cached = ImageDataGenerator::new().flow_from_directory(dir.path(), options.clone()).unwrap();
        let mut streamed = ImageDataGenerator::new().flow_from_directory(dir.path(), options.cache_budget(0)).unwrap();
        assert!(cached.is_cached() && !streamed.is_cached());
        for _ in 0..3 {
            // In order, so each batch after the first comes from the background prefetch.
            for i in 0..cached.len() {
                let (a, b) = (cached.get(i).unwrap(), streamed.get(i).unwrap());
                assert_eq!(a.x, b.x, "batch {i}");
                assert_eq!(a.y, b.y, "batch {i}");
            }
            cached.on_epoch_end();
            streamed.on_epoch_end();
        }
        // Asking for the same batch twice, or skipping ahead, still gives the right batch.
        for i in [2, 2, 0, 4, 1] {
            assert_eq!(cached.get(i).unwrap().x, streamed.get(i).unwrap().x, "batch {i}");
        }
    }
}

/// `(filename, pixels, label)` of each sample of a batch; a dropped sample shortens the batch, so
/// samples are matched to their files through the pixels' order only when nothing was dropped.
fn batch_samples(batch: &Batch, ids: &[usize], filenames: &[String]) -> Vec<(String, Vec<u32>, usize)> {
    let labels = batch.y.clone();
    let names: Vec<&String> =
        ids.iter().map(|&i| &filenames[i]).filter(|name| !name.ends_with("truncated.jpg")).collect();
    assert_eq!(names.len(), batch.len());
    (0..batch.len())
        .map(|j| {
            let px = batch.x.index_axis(ndarray::Axis(0), j).iter().map(|&v| v as u32).collect();
            let label = match &labels {
                Labels::OneHot(y) => y.row(j).iter().position(|&v| v == 1.0).unwrap(),
                other => panic!("expected one-hot labels, got {other:?}"),
            };
            (names[j].clone(), px, label)
        })
        .collect()
}

#[test]
fn a_file_damaged_after_creation_is_dropped_from_its_batch() {
    let dir = numbered(10);
    let mut it = flow(dir.path(), FlowOptions::new().batch_size(4).shuffle(false).cache_budget(0));
    assert!(!it.is_cached());
    std::fs::write(dir.path().join("c1/004.png"), b"now broken").unwrap();
    std::fs::remove_file(dir.path().join("c2/008.png")).unwrap();
    for _ in 0..2 {
        let seen = epoch(&mut it);
        assert_eq!(seen, vec![0, 3, 6, 9, 1, 7, 2, 5]); // file order without 004 and 008
    }
    assert_eq!(it.samples(), 10);
}

#[test]
fn bad_folders_and_options_are_errors() {
    let gen = ImageDataGenerator::new();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let err = |path: &Path, options: FlowOptions| gen.flow_from_directory(path, options.verbose(false)).unwrap_err();

    assert!(matches!(err(&d.join("missing"), FlowOptions::new()), Error::Path { .. }));
    write(d, "file.png", b"");
    assert!(matches!(err(&d.join("file.png"), FlowOptions::new()), Error::Path { .. }));
    let no_classes = err(d, FlowOptions::new()); // only a loose file
    assert!(no_classes.to_string().contains("no class subfolders"), "{no_classes}");

    std::fs::create_dir(d.join("a")).unwrap();
    write(d, "a/readme.txt", b"hi");
    let none = err(d, FlowOptions::new());
    assert!(none.to_string().contains("no images"), "{none}");

    write(d, "a/x.jpg", b"not a jpeg");
    write(d, "a/y.png", b"");
    let undecodable = err(d, FlowOptions::new());
    assert!(undecodable.to_string().contains("none of the 2"), "{undecodable}");
    let undecodable = err(d, FlowOptions::new().cache_budget(0));
    assert!(undecodable.to_string().contains("none of the 2"), "{undecodable}");

    write(d, "a/z.png", &encode(solid([1, 2, 3]), ImageFormat::Png));
    assert!(matches!(err(d, FlowOptions::new().batch_size(0)), Error::InvalidArgument(_)));
    assert!(matches!(err(d, FlowOptions::new().target_size(0, 8)), Error::InvalidArgument(_)));
    assert!(matches!(err(d, FlowOptions::new().target_size(8, 0)), Error::InvalidArgument(_)));

    let mut it = gen.flow_from_directory(d, FlowOptions::new().verbose(false)).unwrap();
    assert_eq!(it.samples(), 1);
    assert!(matches!(it.get(1), Err(Error::InvalidArgument(_))));
}

#[test]
fn splits_must_share_their_classes() {
    let root = tempfile::tempdir().unwrap();
    let png = encode(solid([5, 5, 5]), ImageFormat::Png);
    for rel in ["train/apple/1.png", "train/banana/1.png", "val/apple/1.png", "test/apple/1.png", "test/banana/1.png"] {
        write(root.path(), rel, &png);
    }
    let open = |split: &str| ImageDataGenerator::new().flow_from_directory(root.path().join(split), plain()).unwrap();
    let (train, val, test) = (open("train"), open("val"), open("test"));
    check_same_classes(&[("train", &train), ("test", &test)]).unwrap();
    let message = check_same_classes(&[("train", &train), ("val", &val), ("test", &test)]).unwrap_err().to_string();
    assert!(message.contains("\"banana\" is in train, test but missing from val"), "{message}");
}

#[test]
fn food10_splits_have_the_chapter_layout() {
    let Some(root) = food10() else { return };
    let datagen = ImageDataGenerator::new().preprocessing_function(normalize_pixels);
    let options = FlowOptions::new().target_size(32, 32).batch_size(64).seed(7);
    let train = datagen.flow_from_directory(root.join("train"), options.clone()).unwrap();
    let val = datagen.flow_from_directory(root.join("val"), options.clone().shuffle(false)).unwrap();
    let mut test = datagen.flow_from_directory(root.join("test"), options.shuffle(false)).unwrap();
    assert_eq!((train.samples(), val.samples(), test.samples()), (3000, 750, 1250));
    check_same_classes(&[("train", &train), ("val", &val), ("test", &test)]).unwrap();
    let names = test.index_to_class();
    assert_eq!(names.len(), 10);
    assert_eq!(names[0], "apple_pie");
    assert_eq!(names[9], "breakfast_burrito");
    assert_eq!(test.class_indices()["bread_pudding"], 8);
    assert_eq!(test.len(), 20); // ceil(1250 / 64)
    let batch = test.get(0).unwrap();
    assert_eq!(batch.x.shape(), &[64, 32, 32, 3]);
    assert_eq!(batch.one_hot(10).unwrap().column(0).sum(), 64.0); // the first 64 files are apple pies
    assert!(batch.x.iter().all(|v| (-1.0..=1.0).contains(v)));
    assert_eq!(test.get(19).unwrap().len(), 1250 - 19 * 64);
    let gray =
        train.filenames().iter().position(|f| f == "bread_pudding/1375816.jpg").expect("the gray photo is found");
    assert_eq!(train.classes()[gray], 8);
}

/// `next_batch` walks the batches as `next(generator)` does and wraps round after the last;
/// `to_arrays` stacks a whole split, one-hot labels beside it.
#[test]
fn next_batch_and_to_arrays_as_keras_code_uses_them() {
    let dir = fixture();
    let mut it = ImageDataGenerator::new().flow_from_directory(dir.path(), plain()).unwrap();
    let sizes: Vec<usize> = (0..5).map(|_| it.next_batch().unwrap().0.shape()[0]).collect();
    assert_eq!(sizes, vec![4, 4, 4, 1, 4], "four batches of 13 images, then the first again");
    let (x, y) = it.next_batch().unwrap();
    assert_eq!((x.shape(), y.shape()), (&[4, 8, 8, 3][..], &[4, 4][..]));
    assert_eq!(x, it.get(1).unwrap().x);

    let (x, y) = it.to_arrays().unwrap();
    assert_eq!(x.shape(), &[13, 8, 8, 3]);
    assert_eq!(y.shape(), &[13, 4]);
    let labels: Vec<usize> = snackml::math::argmax(&y).to_vec();
    assert_eq!(labels, it.classes());
    assert!(y.rows().into_iter().all(|r| r.sum() == 1.0));
    assert_eq!(x.slice(ndarray::s![4..8, .., .., ..]).into_dyn(), it.get(1).unwrap().x.view());
}

/// A clone is a second flow at the same point: the same epochs from there on, cached or
/// streaming, and reading one does not move the other.
#[test]
fn a_clone_replays_the_same_epochs_independently() {
    let dir = numbered(23);
    for budget in [usize::MAX, 0] {
        let mut it = flow(dir.path(), FlowOptions::new().batch_size(5).seed(7).cache_budget(budget));
        let first = epoch(&mut it);
        let mut copy = it.clone();
        let (a, b) = (epoch(&mut it), epoch(&mut copy));
        assert_eq!(a, b, "cache budget {budget}");
        assert_ne!(a, first);
        assert_eq!(epoch(&mut copy), epoch(&mut it));
    }
}
