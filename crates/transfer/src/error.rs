use std::path::PathBuf;

/// Everything that can go wrong when building a cell's initial weights.
#[derive(Debug, thiserror::Error)]
pub enum TransferError {
    /// The cell copies layers from a base net whose checkpoint does not exist.
    #[error("base checkpoint {path} of cell `{cell}` does not exist: train `{base}` first")]
    MissingBase {
        /// The cell being initialised.
        cell: String,
        /// The base cell it copies from.
        base: String,
        /// Where its checkpoint was expected.
        path: PathBuf,
    },
    /// The base checkpoint could not be read.
    #[error("cannot read base checkpoint {path}")]
    ReadCheckpoint {
        /// The checkpoint file.
        path: PathBuf,
        /// The underlying error.
        source: Box<candle_core::Error>,
    },
    /// A variable the cell needs is absent from the base checkpoint.
    #[error("base checkpoint {path} has no `{key}` (it holds {found})")]
    MissingLayer {
        /// The checkpoint file.
        path: PathBuf,
        /// The missing variable, e.g. `conv3.weight`.
        key: String,
        /// A short list of what the file holds.
        found: String,
    },
    /// A variable of the base checkpoint has another shape than the cell's architecture.
    #[error("`{key}` in base checkpoint {path} has shape {found:?}, but the cell's architecture needs {expected:?}: was the base trained with another architecture?")]
    ShapeMismatch {
        /// The checkpoint file.
        path: PathBuf,
        /// The variable, e.g. `conv1.weight`.
        key: String,
        /// Shape in the file.
        found: Vec<usize>,
        /// Shape the architecture needs.
        expected: Vec<usize>,
    },
    /// The architecture could not build fresh parameters.
    #[error(transparent)]
    Init(#[from] convnet_alexnet::AlexNetError),
    /// A tensor operation failed.
    #[error(transparent)]
    Candle(Box<candle_core::Error>),
}

impl From<candle_core::Error> for TransferError {
    fn from(error: candle_core::Error) -> Self {
        TransferError::Candle(Box::new(error))
    }
}
