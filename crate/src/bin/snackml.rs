//! `snackml`: the command-line side of the chapter.
//!
//! ```text
//! snackml synth [--out data/synth] [--seed 42]          draw the synthetic snacks stand-in
//! snackml download-snacks [--out data/snacks]           fetch the real snacks photos (110 MB)
//! snackml get-snacks [--data data] [--no-download]      the data step of scripts/start.sh: the photos, or the stand-in
//! snackml train DATA_DIR --model logreg|mlp [--json]    the chapter's training run on any snacks-layout folder
//! ```
//!
//! `train --json` prints one JSON line per phase with the keys of the Keras anchor script
//! (`keras_ch6.py`), so that the two runs can be compared line by line.

use clap::{Parser, Subcommand, ValueEnum};
use serde::Serialize;
use snackml::callbacks::Logs;
use snackml::data::datasets::{data_root, locate_in, locate_snacks, read_marker, MarkerKind, DATA_ENV};
use snackml::data::download::{
    download_disabled, download_snacks, hub_base_url, DownloadOptions, NO_DOWNLOAD_ENV, SNACKS_SHA256,
};
use snackml::data::generator::{ClassMode, DirectoryIterator, FlowOptions, ImageDataGenerator};
use snackml::data::image::{normalize_pixels, ResizeFilter};
use snackml::data::synth::{contact_sheet, write_synthetic_snacks, SynthOptions};
use snackml::prelude::*;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

#[derive(Parser)]
#[command(name = "snackml", version, about = "The snacks chapter's datasets and training runs")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Draw the synthetic snacks dataset (20 classes, train/val/test), the offline stand-in.
    Synth(SynthArgs),
    /// Download the real snacks photos from the Hugging Face hub (Matthijs/snacks: photos from
    /// Google Open Images, CC BY 2.0, each one's author and source in credits.csv).
    DownloadSnacks(DownloadArgs),
    /// The data step of scripts/start.sh: download the real snacks photos when the hub answers,
    /// else use the synthetic stand-in, saying why in one line. Nothing is fetched when
    /// SNACKML_DATA is set or the photos are already there; SNACKML_NO_DOWNLOAD=1 (or
    /// --no-download) skips the try; SNACKML_HUB_URL replaces the hub's URL.
    GetSnacks(GetArgs),
    /// Train logistic regression or the 500-unit net on a snacks-layout folder, as the chapter does.
    Train(TrainArgs),
}

#[derive(clap::Args)]
struct SynthArgs {
    /// The dataset folder [default: data/synth in the repository].
    #[arg(long)]
    out: Option<PathBuf>,
    /// The seed that fixes every image.
    #[arg(long, default_value_t = SynthOptions::default().seed)]
    seed: u64,
    /// Image width and height in pixels.
    #[arg(long, default_value_t = SynthOptions::default().image_size)]
    size: u32,
    /// Training images per class.
    #[arg(long, default_value_t = SynthOptions::default().train_per_class)]
    train: usize,
    /// Validation images per class.
    #[arg(long, default_value_t = SynthOptions::default().val_per_class)]
    val: usize,
    /// Test images per class.
    #[arg(long, default_value_t = SynthOptions::default().test_per_class)]
    test: usize,
    /// Also save a PNG contact sheet (a row of training images per class) here.
    #[arg(long, value_name = "PNG")]
    contact_sheet: Option<PathBuf>,
}

#[derive(clap::Args)]
struct DownloadArgs {
    /// The dataset folder [default: data/snacks in the repository].
    #[arg(long)]
    out: Option<PathBuf>,
    /// The folder URL that holds images.zip and credits.csv [default: $SNACKML_HUB_URL, else the
    /// hub's https://huggingface.co/datasets/Matthijs/snacks/resolve/<pinned revision>].
    #[arg(long)]
    base_url: Option<String>,
    /// How many times a dropped transfer is resumed before giving up.
    #[arg(long, default_value_t = 3)]
    retries: usize,
    /// The archive's expected SHA-256 [default: the real images.zip's at the pinned revision].
    #[arg(long, value_name = "HEX", default_value = SNACKS_SHA256)]
    sha256: String,
}

#[derive(clap::Args)]
struct GetArgs {
    /// The data folder, where the photos go to snacks/ and the stand-in is in synth/
    /// [default: data/ in the repository].
    #[arg(long, value_name = "DIR")]
    data: Option<PathBuf>,
    /// Use the synthetic stand-in without trying the hub (as SNACKML_NO_DOWNLOAD=1 does).
    #[arg(long)]
    no_download: bool,
    /// The archive's expected SHA-256 [default: the real images.zip's at the pinned revision].
    #[arg(long, value_name = "HEX", default_value = SNACKS_SHA256)]
    sha256: String,
}

#[derive(clap::Args)]
struct TrainArgs {
    /// A folder holding train/, val/ and test/, each with one folder per class.
    data_dir: PathBuf,
    /// logreg: Flatten → Dense(K) → softmax; mlp: Flatten → Dense(500, relu) → Dense(K) → softmax;
    /// convnet: the next chapter's (Conv2D pairs of 32–256 filters, pooling, Dense(K), softmax).
    #[arg(long, value_enum, default_value_t = ModelKind::Logreg)]
    model: ModelKind,
    /// Passes over the training images.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    epochs: u32,
    /// Adam's learning rate.
    #[arg(long, default_value_t = 1e-3)]
    lr: f32,
    /// Images per batch.
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u32).range(1..=65_536))]
    batch_size: u32,
    /// Images are resized to SIZE × SIZE.
    #[arg(long, default_value_t = 32, value_parser = clap::value_parser!(u32).range(1..=1024))]
    size: u32,
    /// Fixes the initial weights and the shuffles.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// The resize filter: triangle (the crate's default) averages the pixels under each output
    /// pixel and decodes JPEGs faster; nearest picks the same pixels as Keras.
    #[arg(long, value_enum, default_value_t = ResizeFilter::default().into())]
    filter: Filter,
    /// Print one JSON line per phase (the keys of the Keras anchor script) instead of progress.
    #[arg(long)]
    json: bool,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ModelKind {
    /// Logistic regression.
    Logreg,
    /// The two-layer network with 500 hidden units (reported as `mlp500`, the anchor's name).
    #[value(alias = "mlp500")]
    Mlp,
    /// The book's convnet of the next chapter ("Going Convolutional"), 1,177,396 parameters.
    Convnet,
}

impl ModelKind {
    /// The name in the JSON lines: the one the Keras anchor script uses.
    fn name(self) -> &'static str {
        match self {
            ModelKind::Logreg => "logreg",
            ModelKind::Mlp => "mlp500",
            ModelKind::Convnet => "convnet",
        }
    }
}

/// `--filter`: the names of [`ResizeFilter`]'s variants.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Filter {
    Nearest,
    Triangle,
}

impl From<ResizeFilter> for Filter {
    fn from(filter: ResizeFilter) -> Self {
        match filter {
            ResizeFilter::Nearest => Filter::Nearest,
            ResizeFilter::Triangle => Filter::Triangle,
        }
    }
}

impl From<Filter> for ResizeFilter {
    fn from(filter: Filter) -> Self {
        match filter {
            Filter::Nearest => ResizeFilter::Nearest,
            Filter::Triangle => ResizeFilter::Triangle,
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Synth(args) => synth(args),
        Command::DownloadSnacks(args) => download(args),
        Command::GetSnacks(args) => get_snacks(args),
        Command::Train(args) => train(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// `snackml synth`.
fn synth(args: SynthArgs) -> snackml::Result<()> {
    let out = match args.out {
        Some(out) => out,
        None => data_root()?.join("synth"),
    };
    let options = SynthOptions {
        seed: args.seed,
        image_size: args.size,
        train_per_class: args.train,
        val_per_class: args.val,
        test_per_class: args.test,
    };
    println!("{}", write_synthetic_snacks(&out, &options)?);
    if let Some(path) = args.contact_sheet {
        contact_sheet(&options, 6)?
            .save(&path)
            .map_err(|e| snackml::Error::path(&path, format!("cannot save the contact sheet: {e}")))?;
        println!("Saved a contact sheet to {}", path.display());
    }
    Ok(())
}

/// Who took the photos and under which licence, printed after a download.
const CREDITS: &str = "The snacks photos: from Google Open Images, collected by Matthijs Hollemans for the book; \
    licence CC BY 2.0, each photo's author and source URL in credits.csv.";

/// `snackml download-snacks`.
fn download(args: DownloadArgs) -> snackml::Result<()> {
    let out = match args.out {
        Some(out) => out,
        None => data_root()?.join("snacks"),
    };
    let base_url = args.base_url.unwrap_or_else(hub_base_url);
    let options =
        DownloadOptions { base_url, retries: args.retries, sha256: Some(args.sha256), ..DownloadOptions::default() };
    println!("{}", download_snacks(&out, &options)?);
    println!("{CREDITS}");
    Ok(())
}

/// `snackml get-snacks`: the real photos when they are there or can be downloaded now, else the
/// synthetic stand-in (drawn when missing), with one line that says which and why. A failed
/// download is not an error: the stand-in is what the notebooks then use.
fn get_snacks(args: GetArgs) -> snackml::Result<()> {
    if std::env::var_os(DATA_ENV).is_some_and(|v| !v.is_empty()) {
        println!("{} Nothing is downloaded.", locate_snacks()?);
        return Ok(());
    }
    let data = match args.data {
        Some(data) => data,
        None => data_root()?,
    };
    let real = data.join("snacks");
    let skipped = if args.no_download {
        Some("--no-download".to_string())
    } else {
        download_disabled().then(|| format!("{NO_DOWNLOAD_ENV} is set"))
    };
    if read_marker(&real).is_some_and(|m| m.kind == MarkerKind::Real) {
        println!("{}", locate_in(&data)?);
        return Ok(());
    }
    let why = match skipped {
        Some(why) => format!("Not downloading the snacks photos ({why})"),
        None => {
            let options =
                DownloadOptions { base_url: hub_base_url(), sha256: Some(args.sha256), ..DownloadOptions::default() };
            match download_snacks(&real, &options) {
                Ok(summary) => {
                    println!("{summary}");
                    println!("{CREDITS}");
                    return Ok(());
                }
                Err(snackml::Error::Download(why)) => format!("The snacks photos were not downloaded ({why})"),
                Err(e) => format!("The snacks photos were not downloaded ({e})"),
            }
        }
    };
    let location = locate_in(&data)?;
    let counts = location.counts.map(|[a, b, c]| format!(" ({a} train, {b} val, {c} test images)"));
    let at = snackml::data::shown_path(&location.path);
    println!("{why}: using the synthetic stand-in at {at}{}.", counts.unwrap_or_default());
    Ok(())
}

/// `train --json`, phase `untrained_test`: the anchor script's keys, in its order.
#[derive(Serialize)]
struct UntrainedTest {
    model: &'static str,
    phase: &'static str,
    loss: f32,
    acc: f32,
    seconds: f64,
}

/// `train --json`, phase `epoch`.
#[derive(Serialize)]
struct EpochLine {
    model: &'static str,
    phase: &'static str,
    epoch: usize,
    seconds: f64,
    loss: f32,
    accuracy: f32,
    val_loss: f32,
    val_accuracy: f32,
}

/// `train --json`, phase `load`: making the generators, which decode every image once.
/// `seconds` covers train and val (what Keras decodes in its first epoch), `test_seconds` the test set.
#[derive(Serialize)]
struct Load {
    model: &'static str,
    phase: &'static str,
    seconds: f64,
    test_seconds: f64,
    images: usize,
}

/// `train --json`, phase `trained_test`.
#[derive(Serialize)]
struct TrainedTest {
    model: &'static str,
    phase: &'static str,
    loss: f32,
    acc: f32,
    median_epoch_s: f64,
}

/// Prints one JSON line.
fn report(line: &impl Serialize) -> snackml::Result<()> {
    let text = serde_json::to_string(line).map_err(|e| snackml::Error::InvalidArgument(e.to_string()))?;
    println!("{text}");
    Ok(())
}

/// `snackml train`: the chapter's run (untrained test score, fit with validation, trained test
/// score), as `keras_ch6.py` does it.
fn train(args: TrainArgs) -> snackml::Result<()> {
    let t = Instant::now();
    let mut train = generator(&args, "train")?;
    let mut val = generator(&args, "val")?;
    let load_seconds = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let mut test = generator(&args, "test")?;
    let test_seconds = t.elapsed().as_secs_f64();
    snackml::data::generator::check_same_classes(&[("train", &train), ("val", &val), ("test", &test)])?;
    let mut model = build_model(&args, train.num_classes())?;
    let name = args.model.name();
    let epochs = args.epochs as usize;
    model.set_verbose(if args.json { Verbose::Silent } else { Verbose::ProgressBar });

    let t = Instant::now();
    let result = model.evaluate(&mut test)?;
    let (loss, acc) = (result.value("loss")?, result.value("accuracy")?);
    let seconds = t.elapsed().as_secs_f64();
    let epoch_seconds = if args.json {
        // Not in the anchor's output: decoding happens here, when the generators are made (they
        // keep the decoded images in memory), not in the first epoch as with Keras's generators.
        report(&Load {
            model: name,
            phase: "load",
            seconds: load_seconds,
            test_seconds,
            images: train.samples() + val.samples() + test.samples(),
        })?;
        report(&UntrainedTest { model: name, phase: "untrained_test", loss, acc, seconds })?;
        let mut json = EpochJson { model: name, started: Instant::now() };
        model.fit_with(&mut train, &mut val, FitOptions::epochs(epochs).callback(&mut json))?.seconds
    } else {
        println!("Untrained {name}: test loss {loss:.4}, accuracy {acc:.4} ({seconds:.2} s)");
        model.fit(&mut train, &mut val, epochs)?.seconds
    };

    let result = model.evaluate(&mut test)?;
    let (loss, acc) = (result.value("loss")?, result.value("accuracy")?);
    let median_epoch_s = median(&epoch_seconds);
    if args.json {
        report(&TrainedTest { model: name, phase: "trained_test", loss, acc, median_epoch_s })?;
    } else {
        println!("Trained {name}: test loss {loss:.4}, accuracy {acc:.4} (median epoch {median_epoch_s:.2} s)");
    }
    Ok(())
}

/// The callback that prints an `epoch` JSON line after each epoch (the seconds include
/// validation, as the anchor script times them).
struct EpochJson {
    model: &'static str,
    started: Instant,
}

impl Callback for EpochJson {
    fn on_epoch_begin(&mut self, _epoch: usize, _model: &mut Sequential) -> snackml::Result<()> {
        self.started = Instant::now();
        Ok(())
    }
    fn on_epoch_end(&mut self, epoch: usize, logs: &Logs, _model: &mut Sequential) -> snackml::Result<()> {
        let get = |name: &str| logs.get(name).unwrap_or(f32::NAN);
        report(&EpochLine {
            model: self.model,
            phase: "epoch",
            epoch: epoch + 1,
            seconds: self.started.elapsed().as_secs_f64(),
            loss: get("loss"),
            accuracy: get("accuracy"),
            val_loss: get("val_loss"),
            val_accuracy: get("val_accuracy"),
        })
    }
}

/// The generator of one split (shuffled for "train"), pixels normalised to −1..1 as in the chapter.
fn generator(args: &TrainArgs, split: &str) -> snackml::Result<DirectoryIterator> {
    let options = FlowOptions::new()
        .target_size(args.size, args.size)
        .batch_size(args.batch_size as usize)
        .class_mode(ClassMode::Categorical)
        .shuffle(split == "train")
        .seed(args.seed)
        .filter(args.filter.into());
    ImageDataGenerator::new()
        .preprocessing_function(normalize_pixels)
        .flow_from_directory(split_dir(&args.data_dir, split)?, options)
}

/// `data_dir/split`, or an error that names what is missing.
fn split_dir(data_dir: &Path, split: &str) -> snackml::Result<PathBuf> {
    let dir = data_dir.join(split);
    if !dir.is_dir() {
        return Err(snackml::Error::path(&dir, "missing: the data folder must hold train/, val/ and test/"));
    }
    Ok(dir)
}

/// Logistic regression, the 500-unit network or the book's convnet, compiled with Adam and
/// categorical cross-entropy.
fn build_model(args: &TrainArgs, classes: usize) -> snackml::Result<Sequential> {
    let size = args.size as usize;
    let mut model = if args.model == ModelKind::Convnet {
        snackml::model::chapter7_convnet(size, classes, args.seed)?
    } else {
        let mut model = Sequential::with_seed(args.seed);
        model.add(Flatten::with_input_shape(&[size, size, 3]))?;
        if args.model == ModelKind::Mlp {
            model.add(Dense::new(500))?;
            model.add(ActivationLayer::relu())?;
        }
        model.add(Dense::new(classes))?;
        model.add(ActivationLayer::softmax())?;
        model
    };
    model.set_name(args.model.name());
    model.compile(Loss::CategoricalCrossentropy, Adam::new(args.lr), &[Metric::Accuracy])?;
    Ok(model)
}

/// The median of some numbers (0 for none).
fn median(values: &[f64]) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => 0.0,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}
