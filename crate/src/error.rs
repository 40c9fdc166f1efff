//! One error type for the whole crate: every user mistake becomes an `Err`, never a panic.

use std::path::PathBuf;

/// What went wrong, in words a Keras user recognises.
#[derive(Debug, thiserror::Error)]
#[allow(missing_docs)] // the fields of each variant are named for what they hold
pub enum Error {
    /// An input whose shape does not fit the layer or model it was given to.
    #[error("shape mismatch: {0}")]
    Shape(String),
    /// A setting that makes no sense (learning rate of 0 or NaN, batch size 0, ...).
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// `fit`, `evaluate` or `train_on_batch` before `compile`.
    #[error("the model must be compiled before {0}: call model.compile(loss, optimizer, metrics) first")]
    NotCompiled(&'static str),
    /// The model has no layers yet, or the first layer has no input shape.
    #[error("the model is not built: {0}")]
    NotBuilt(String),
    /// The loss became NaN or infinite during training.
    #[error("the loss became {value} at epoch {epoch}, batch {batch}: training stopped (try a smaller learning rate)")]
    NonFiniteLoss { epoch: usize, batch: usize, value: f32 },
    /// A file or folder that should be there is not, or cannot be read.
    #[error("{path}: {message}")]
    Path { path: PathBuf, message: String },
    /// An image that cannot be decoded.
    #[error("cannot decode image {path}: {message}")]
    Image { path: PathBuf, message: String },
    /// Bytes that are not an image this crate decodes (the reason says why).
    #[error("cannot decode the image: {0}")]
    Decode(String),
    /// A saved model or weights file that is damaged, from another version or another architecture.
    #[error("cannot load model file {path}: {message}")]
    ModelFile { path: PathBuf, message: String },
    /// Something this version does not do, such as exporting a layer ONNX export does not cover.
    #[error("not supported: {0}")]
    Unsupported(String),
    /// A download that failed.
    #[error("download failed: {0}")]
    Download(String),
    /// Any other I/O error.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// `Result` with the crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// The same error, its message saying which layer of the model it came from.
    pub fn in_layer(self, layer: &str) -> Self {
        match self {
            Error::Shape(m) => Error::Shape(format!("layer {layer}: {m}")),
            Error::InvalidArgument(m) => Error::InvalidArgument(format!("layer {layer}: {m}")),
            Error::NotBuilt(m) => Error::NotBuilt(format!("layer {layer}: {m}")),
            Error::Unsupported(m) => Error::Unsupported(format!("layer {layer}: {m}")),
            other => other,
        }
    }

    /// An error about a path, with a message.
    pub fn path(path: impl Into<PathBuf>, message: impl std::fmt::Display) -> Self {
        Error::Path { path: path.into(), message: message.to_string() }
    }
}
