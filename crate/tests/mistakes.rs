//! Mistakes to study: top-k accuracy inside `fit`, the classification report, the most confident
//! mistakes and the most confused pairs, with their photos from a flow.

use ndarray::{array, Array2};
use snackml::data::generator::{FlowOptions, ImageDataGenerator};
use snackml::data::ArrayData;
use snackml::display::{confident_mistakes, confused_pairs};
use snackml::metrics::{classification_report, confusion_matrix, most_confident_mistakes, most_confused_pairs};
use snackml::prelude::*;

#[test]
fn fit_reports_top_k_accuracy_under_keras_name() {
    let x = Array2::from_shape_fn((12, 4), |(i, j)| ((i * 7 + j * 3) % 5) as f32).into_dyn();
    let labels: Vec<usize> = (0..12).map(|i| i % 3).collect();
    let y = snackml::math::one_hot(&labels, 3).unwrap();
    let mut model = Sequential::with_seed(1);
    model.add(Dense::new(3).input_shape(&[4])).unwrap();
    model.add(ActivationLayer::softmax()).unwrap();
    model.compile(Loss::CategoricalCrossentropy, SGD::new(0.1), &[Metric::Accuracy, Metric::top_k(2)]).unwrap();
    model.set_verbose(Verbose::Silent);
    let mut train = ArrayData::new(x.clone(), Some(y.clone()), 4).unwrap();
    let mut val = ArrayData::new(x, Some(y), 4).unwrap();
    let h = model.fit(&mut train, &mut val, 3).unwrap();
    assert_eq!(h.values("top_k_categorical_accuracy").unwrap().len(), 3);
    assert_eq!(h.values("val_top_k_categorical_accuracy").unwrap().len(), 3);
    let top1 = h.values("val_accuracy").unwrap();
    for (top2, top1) in h.values("val_top_k_categorical_accuracy").unwrap().iter().zip(top1) {
        assert!(top2 >= top1, "top-2 {top2} below accuracy {top1}");
    }
    // With k = the number of classes every sample counts.
    model.compile(Loss::CategoricalCrossentropy, SGD::new(0.1), &[Metric::top_k(3)]).unwrap();
    let h = model.fit(&mut train, None, 1).unwrap();
    assert_eq!(h.values("top_k_categorical_accuracy").unwrap(), &[1.0]);
    assert!(h.get("accuracy").is_none());
    assert!(model.compile(Loss::CategoricalCrossentropy, SGD::new(0.1), &[Metric::top_k(0)]).is_err());
    assert_eq!(Metric::top_k_categorical_accuracy(), Metric::TopKCategoricalAccuracy { k: 5 });
}

#[test]
fn mistakes_are_shown_with_their_photos() {
    let dir = tempfile::tempdir().unwrap();
    for (c, class) in ["apple", "banana", "cake"].iter().enumerate() {
        std::fs::create_dir(dir.path().join(class)).unwrap();
        for i in 0..3 {
            let img = image::RgbImage::from_pixel(6, 6, image::Rgb([(c * 100) as u8, (i * 50) as u8, 0]));
            img.save(dir.path().join(class).join(format!("{i}.png"))).unwrap();
        }
    }
    let options = FlowOptions::new().target_size(6, 6).shuffle(false).verbose(false);
    let flow = ImageDataGenerator::new().flow_from_directory(dir.path(), options).unwrap();
    assert_eq!(flow.classes(), &[0, 0, 0, 1, 1, 1, 2, 2, 2]);
    // Samples 1 and 2 (apples) taken for bananas, 4 (a banana) for an apple, 8 (cake) for a banana.
    let p = array![
        [0.8f32, 0.1, 0.1],
        [0.3, 0.6, 0.1],
        [0.1, 0.9, 0.0],
        [0.1, 0.8, 0.1],
        [0.7, 0.2, 0.1],
        [0.2, 0.7, 0.1],
        [0.0, 0.1, 0.9],
        [0.1, 0.1, 0.8],
        [0.2, 0.5, 0.3],
    ];
    let y_pred = snackml::math::argmax(&p).to_vec();
    let mistakes = most_confident_mistakes(&p, flow.classes(), 3).unwrap();
    assert_eq!(mistakes.iter().map(|m| m.index).collect::<Vec<_>>(), vec![2, 4, 1]);
    let html = confident_mistakes(&flow, &mistakes);
    assert_eq!(html.count("<img"), 3);
    assert!(html.as_str().contains("apple → banana (0.90; true 0.10)"), "{}", html.as_str());

    let c = confusion_matrix(flow.classes(), &y_pred, 3).unwrap();
    let pairs = most_confused_pairs(&c, 2);
    assert_eq!((pairs[0].a, pairs[0].b, pairs[0].a_as_b, pairs[0].b_as_a), (0, 1, 2, 1));
    let html = confused_pairs(&flow, &y_pred, &pairs, 5);
    assert_eq!(html.count("<img"), 4); // 3 apple/banana mistakes, 1 cake → banana
                                       // A strip of 2 shows one mistake each way.
    let two = confused_pairs(&flow, &y_pred, &pairs[..1], 2);
    assert_eq!((two.count("apple → banana"), two.count("banana → apple")), (1, 1));
    assert!(html.as_str().contains("apple taken for banana: 2, banana taken for apple: 1"));
    assert!(confused_pairs(&flow, &y_pred[..3], &pairs, 5).is_error());

    let report = classification_report(flow.classes(), &y_pred, &flow.index_to_class()).unwrap();
    assert!((report.accuracy - 5.0 / 9.0).abs() < 1e-12);
    assert!(report.to_string().contains("banana"));
}
