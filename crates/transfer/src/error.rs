use std::path::PathBuf;

use crate::base::Layout;

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
    /// The base net's file could not be read.
    #[error("cannot read the base net's weights {path}")]
    ReadCheckpoint {
        /// The checkpoint file.
        path: PathBuf,
        /// The underlying error.
        source: Box<candle_core::Error>,
    },
    /// A base net's file lacks tensors a net needs, or holds others.
    #[error("{path} does not hold the 16 weights and biases of an AlexNet in the {layout:?} layout: missing {missing:?}, unexpected {extra:?}")]
    BaseTensors {
        /// The file.
        path: PathBuf,
        /// How its tensors were expected to be named.
        layout: Layout,
        /// The tensors it lacks, by their names in the file.
        missing: Vec<String>,
        /// The tensors it holds that no layer takes.
        extra: Vec<String>,
    },
    /// A layer of the base net has another shape than the cell's net.
    #[error("layer {layer}: `{key}` in {path} has shape {found:?}, but the net needs {expected:?} (a base trained with another architecture or input size?)")]
    ShapeMismatch {
        /// The file.
        path: PathBuf,
        /// The tensor's name in the file, e.g. `features.3.weight`.
        key: String,
        /// The layer, e.g. `conv2`.
        layer: String,
        /// Shape in the file.
        found: Vec<usize>,
        /// Shape the net needs.
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
