//! How long one epoch of the 500-unit network takes on arrays in memory (`ArrayData`), the path
//! notebook 5's scrambled-photos experiment takes: `cargo run --release --example arraydata_epoch`.

use rand::Rng;
use snackml::data::ArrayData;
use snackml::prelude::*;
use std::time::Instant;

fn main() -> snackml::Result<()> {
    let mut rng = snackml::seeded_rng(1);
    let x = Tensor::from_shape_simple_fn(vec![4838, 32, 32, 3], || rng.random::<f32>() * 2.0 - 1.0);
    let labels: Vec<usize> = (0..4838).map(|i| i % 20).collect();
    let y = snackml::math::one_hot(&labels, 20)?;
    let mut model = Sequential::with_seed(42);
    model.add(Flatten::with_input_shape(&[32, 32, 3]))?;
    model.add(Dense::new(500).activation(Activation::Relu))?;
    model.add(Dense::new(20))?;
    model.add(ActivationLayer::softmax())?;
    model.compile(Loss::CategoricalCrossentropy, Adam::new(1e-3), &[Metric::Accuracy])?;
    // Notebook 5 trains on scrambled photos: `scramble_pixels` gives the array it passes in.
    let scrambled = snackml::data::scramble_pixels(&x, 1)?;
    for (input, shuffle) in [("random", false), ("random", true), ("scrambled", true)] {
        let x = if input == "scrambled" { scrambled.clone() } else { x.clone() };
        let mut data = ArrayData::new(x, Some(y.clone()), 64)?;
        if shuffle {
            data = data.shuffle(7);
        }
        let t = Instant::now();
        model.fit_with(&mut data, None, FitOptions::epochs(1).verbose(Verbose::Silent))?;
        println!("{input}, shuffle {shuffle}: one epoch of 76 steps in {:.2} s", t.elapsed().as_secs_f64());
    }
    Ok(())
}
