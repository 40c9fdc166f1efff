//! The notebook pictures from the outside: counts of `<img>`/`<svg>`, PNGs that decode to the
//! right size, chart text, and no panics on odd input.
//!
//! With `SNACKML_RENDER_DIR=/some/dir` set, `render_samples_to_files` also writes the pictures
//! there (SVG files, PNG files and one HTML page) to look at them.

use base64::Engine;
use ndarray::{Array2, Array3, Array4};
use snackml::display::*;
use snackml::model::History;
use snackml::Tensor;

/// The PNGs inlined in `html`, decoded.
fn inline_pngs(html: &Html) -> Vec<image::RgbImage> {
    html.as_str()
        .split("data:image/png;base64,")
        .skip(1)
        .map(|rest| {
            let data = &rest[..rest.find('"').expect("closing quote")];
            let bytes = base64::engine::general_purpose::STANDARD.decode(data).expect("base64");
            image::load_from_memory(&bytes).expect("png").to_rgb8()
        })
        .collect()
}

/// The `<svg>…</svg>` documents in `html`.
fn inline_svgs(html: &Html) -> Vec<String> {
    html.as_str()
        .match_indices("<svg")
        .map(|(start, _)| {
            let end = start + html.as_str()[start..].find("</svg>").expect("closing tag") + "</svg>".len();
            html.as_str()[start..end].to_string()
        })
        .collect()
}

/// A five-epoch history with a validation split, shaped like a real run.
fn sample_history() -> History {
    let epochs = 10;
    let f = |i: usize, a: f32, b: f32| a + b * (-(i as f32) / 3.0).exp();
    History {
        batch_loss: (0..300).map(|i| f(i / 30, 0.6, 2.4) + 0.3 * ((i * 7919) % 13) as f32 / 13.0).collect(),
        seconds: vec![2.5; epochs],
        ..History::from_columns(&[
            ("loss", (0..epochs).map(|i| f(i, 0.6, 2.4)).collect()),
            ("accuracy", (0..epochs).map(|i| 0.85 - f(i, 0.0, 0.7)).collect()),
            ("val_loss", (0..epochs).map(|i| f(i, 1.2, 1.9) + 0.02 * i as f32).collect()),
            ("val_accuracy", (0..epochs).map(|i| 0.6 - f(i, 0.0, 0.45)).collect()),
        ])
    }
}

/// Eight 32×32 test images in `[-1, 1]`: colour gradients with a square in the middle.
fn sample_images() -> Tensor {
    Array4::from_shape_fn((8, 32, 32, 3), |(b, y, x, c)| {
        let inside = (8..24).contains(&x) && (8..24).contains(&y);
        let v = match c {
            0 => x as f32 * 8.0,
            1 => y as f32 * 8.0,
            _ => b as f32 * 32.0,
        };
        (if inside { 255.0 - v } else { v }) / 127.5 - 1.0
    })
    .into_dyn()
}

fn names(n: usize) -> Vec<String> {
    let snacks = snackml::data::synth::SNACKS_CLASSES;
    (0..n).map(|i| snacks[i % snacks.len()].to_string()).collect()
}

#[test]
fn history_plot_has_two_svgs_with_titles_and_legend() {
    let html = plot_history(&sample_history());
    assert_eq!(html.count("<svg"), 2);
    for text in ["Loss", "Accuracy", "training", "validation", "epoch", "accuracy"] {
        assert!(html.as_str().contains(text), "missing {text}");
    }
    let shown = sample_history().to_html();
    assert_eq!(shown.count("<svg"), 2);
    assert!(shown.as_str().contains("val_accuracy") && shown.as_str().contains("10 of 10"));
}

#[test]
fn nan_and_empty_histories_do_not_panic() {
    let mut h = sample_history();
    h.history[0].1[3] = f32::NAN;
    h.history[2].1 = vec![f32::NAN; h.len()];
    h.batch_loss[5] = f32::INFINITY;
    assert_eq!(plot_history(&h).count("<svg"), 2);
    assert_eq!(plot_batch_loss(&h).count("<svg"), 1);
    assert!(!History::default().to_html().is_error());
    let only_loss = History::from_columns(&[("loss", vec![0.5])]);
    assert_eq!(plot_history(&only_loss).count("<svg"), 1);
}

#[test]
fn image_grid_pngs_decode_to_enlarged_images() {
    let html = image_grid(&sample_images(), &names(8), 4);
    assert_eq!(html.count("<img"), 8);
    let pngs = inline_pngs(&html);
    assert_eq!(pngs.len(), 8);
    assert!(pngs.iter().all(|p| p.dimensions() == (96, 96)));
    // [-1, 1] was detected: the top-left pixel of image 0 is black, not mid-grey.
    assert_eq!(pngs[0].get_pixel(0, 0).0, [0, 0, 0]);
}

#[test]
fn show_image_accepts_arrays_tensors_and_rgb_images() {
    let bytes = Array3::from_elem((32, 32, 3), 255.0f32);
    let from_array = inline_pngs(&show_image(&bytes, "white"));
    assert_eq!(from_array[0].get_pixel(5, 5).0, [255, 255, 255]);
    let batch_of_one = Tensor::from_elem(vec![1, 40, 20, 3], 0.0);
    assert_eq!(inline_pngs(&show_image(&batch_of_one, "")).first().map(|p| p.dimensions()), Some((60, 120)));
    let big = image::RgbImage::new(200, 100);
    assert_eq!(inline_pngs(&show_image(&big, "big"))[0].dimensions(), (200, 100));
    assert!(show_image(&Tensor::zeros(vec![3, 3]), "bad").is_error());
}

#[test]
fn empty_grids_and_mismatched_inputs_do_not_panic() {
    let none: Vec<Array3<f32>> = Vec::new();
    assert_eq!(image_grid(&none, &names(0), 3).count("<img"), 0);
    assert_eq!(image_grid(&Tensor::zeros(vec![0, 32, 32, 3]), &names(0), 3).count("<img"), 0);
    assert!(line_plot(&[1.0, 2.0], &[1.0], "t", "x", "y").is_error());
    assert!(bar_chart(&names(3), &[0.1], "t").is_error());
    assert!(plot_confusion_matrix(&[1, 2], &[1], &names(3)).is_error());
    assert!(weight_images(Array2::zeros((5, 2)).view(), (32, 32, 3), &names(2)).is_error());
}

#[test]
fn charts_and_matrices_have_their_text() {
    let xs: Vec<f32> = (-60..=60).map(|i| i as f32 / 10.0).collect();
    let ys: Vec<f32> = xs.iter().map(|x| 1.0 / (1.0 + (-x).exp())).collect();
    let sigmoid = line_plot(&xs, &ys, "The sigmoid function", "x", "sigmoid(x)");
    assert_eq!(sigmoid.count("<svg"), 1);
    assert!(sigmoid.as_str().contains("The sigmoid function"));
    let both = compare_bar_charts(&names(20), ("sigmoid", &[0.5; 20]), ("softmax", &[0.05; 20]));
    assert_eq!(both.count("<svg"), 2);
    assert!(both.as_str().contains("watermelon"));
    let cm = plot_confusion_matrix(&[0, 1, 2, 2], &[0, 2, 2, 2], &names(3));
    assert!(cm.as_str().contains("accuracy 0.750") && cm.as_str().contains("cake"));
}

#[test]
fn weights_and_misclassified_show_one_image_each() {
    let kernel = Array2::from_shape_fn((32 * 32 * 3, 20), |(f, c)| ((f * (c + 1)) % 17) as f32 - 8.0);
    let html = weight_images(kernel.view(), (32, 32, 3), &names(20));
    assert_eq!(html.count("<img"), 20);
    assert!(inline_pngs(&html).iter().all(|p| p.dimensions() == (96, 96)));
    let wrong = misclassified(&sample_images(), &[0, 1, 2, 3, 4, 5, 6, 7], &[0, 2, 2, 1, 4, 0, 6, 7], &names(8), 2);
    assert_eq!(wrong.count("<img"), 2);
    assert!(wrong.as_str().contains("banana → cake"));
}

#[test]
fn render_samples_to_files() {
    let Some(dir) = std::env::var_os("SNACKML_RENDER_DIR") else {
        return;
    };
    let dir = std::path::PathBuf::from(dir);
    std::fs::create_dir_all(&dir).unwrap();
    let xs: Vec<f32> = (-60..=60).map(|i| i as f32 / 10.0).collect();
    let ys: Vec<f32> = xs.iter().map(|x| 1.0 / (1.0 + (-x).exp())).collect();
    let probs: Vec<f32> = (0..20).map(|i| 1.0 / (1.0 + (-(i as f32 - 14.0) / 2.0).exp())).collect();
    let sum: f32 = probs.iter().map(|p| p.exp()).sum();
    let softmax: Vec<f32> = probs.iter().map(|p| p.exp() / sum).collect();
    let y_true: Vec<usize> = (0..400).map(|i| i % 20).collect();
    let y_pred: Vec<usize> = (0..400).map(|i| if i % 3 == 0 { (i * 7) % 20 } else { i % 20 }).collect();
    let kernel = Array2::from_shape_fn((32 * 32 * 3, 20), |(f, c)| {
        (((f / 3) % 32) as f32 - 16.0) * (c as f32 - 10.0) + (f % 3) as f32
    });
    let pages = [
        ("history", sample_history().to_html() + plot_batch_loss(&sample_history())),
        ("images", image_grid(&sample_images(), &names(8), 4)),
        ("sigmoid", line_plot(&xs, &ys, "The sigmoid function", "x", "sigmoid(x)")),
        ("bars", compare_bar_charts(&names(20), ("sigmoid", &probs), ("softmax", &softmax))),
        ("confusion", plot_confusion_matrix(&y_true, &y_pred, &names(20))),
        ("weights", weight_images(kernel.view(), (32, 32, 3), &names(20))),
    ];
    for (name, html) in &pages {
        html.save(dir.join(format!("{name}.html"))).unwrap();
        for (i, svg) in inline_svgs(html).iter().enumerate() {
            std::fs::write(dir.join(format!("{name}-{i}.svg")), svg).unwrap();
        }
        for (i, png) in inline_pngs(html).iter().enumerate() {
            png.save(dir.join(format!("{name}-{i}.png"))).unwrap();
        }
    }
}
