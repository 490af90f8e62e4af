use std::path::{Path, PathBuf};

/// Everything that can stop a cell from training.
#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    /// The loss became NaN or infinite.
    #[error("cell `{cell}`: the loss is {loss} at iteration {iteration} (learning rate {lr}); lower `solver.base_lr` or check the data")]
    NonFiniteLoss {
        /// The cell.
        cell: String,
        /// The iteration (1-based) whose loss was not finite.
        iteration: u64,
        /// The loss value.
        loss: f32,
        /// The learning rate in force.
        lr: f64,
    },
    /// A checkpoint on disk belongs to a cell with other trainable layers.
    #[error("checkpoint {path} trains [{stored}] but cell `{cell}` trains [{expected}]: refusing to resume with other frozen layers; delete the cell's folder to start it again")]
    MaskMismatch {
        /// The checkpoint file.
        path: PathBuf,
        /// The cell.
        cell: String,
        /// The mask stored in the checkpoint.
        stored: String,
        /// The mask the cell needs.
        expected: String,
    },
    /// A checkpoint on disk was written with another seed.
    #[error("checkpoint {path} was trained with seed {stored} but cell `{cell}` uses seed {expected}: delete the cell's folder to start it again")]
    SeedMismatch {
        /// The checkpoint file.
        path: PathBuf,
        /// The cell.
        cell: String,
        /// Seed stored in the checkpoint.
        stored: u64,
        /// Seed of this run.
        expected: u64,
    },
    /// A checkpoint file that cannot be understood.
    #[error("checkpoint {path}: {reason}")]
    BadCheckpoint {
        /// The checkpoint file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// Features asked of a layer that a cell does not copy from its base (or out of order).
    #[error("cell `{cell}` copies layers 1..{copied} of its base: layer {layer} is not one of them, or not above the layer before it")]
    NotCopied {
        /// The cell.
        cell: String,
        /// The layer asked for.
        layer: usize,
        /// Layers the cell copies.
        copied: usize,
    },
    /// A solver setting out of range.
    #[error("solver.{field}: {reason}")]
    BadSolver {
        /// The configuration key under `[solver]`.
        field: &'static str,
        /// What is wrong with its value.
        reason: String,
    },
    /// A precision that is not one of `fp32`, `tf32`, `bf16`.
    #[error("precision `{name}`: expected `fp32`, `tf32` or `bf16`")]
    Precision {
        /// The name as given.
        name: String,
    },
    /// A device that cannot be used.
    #[error("device `{name}`: {reason}")]
    Device {
        /// The device as asked for.
        name: String,
        /// Why it cannot be used.
        reason: String,
    },
    /// Reading or writing a file failed.
    #[error("{path}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A cell's result or evaluations could not be read.
    #[error(transparent)]
    Results(#[from] convnet_results::ResultsError),
    /// Building the cell's initial weights failed.
    #[error(transparent)]
    Transfer(#[from] convnet_transfer::TransferError),
    /// The data could not be loaded.
    #[error(transparent)]
    Data(#[from] convnet_data::DataError),
    /// The net could not be built or run.
    #[error(transparent)]
    Net(#[from] convnet_alexnet::AlexNetError),
    /// A tensor operation failed.
    #[error(transparent)]
    Candle(Box<candle_core::Error>),
}

impl From<candle_core::Error> for TrainError {
    fn from(error: candle_core::Error) -> Self {
        TrainError::Candle(Box::new(error))
    }
}

impl TrainError {
    /// A [`TrainError::Io`] for `path`.
    pub(crate) fn io(path: &Path) -> impl FnOnce(std::io::Error) -> TrainError + '_ {
        move |source| TrainError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}
