use std::path::PathBuf;

/// Everything that can go wrong while planning or running an experiment.
#[derive(Debug, thiserror::Error)]
pub enum ExperimentError {
    /// The configuration file could not be parsed or holds a bad value.
    #[error("{origin}: {message}")]
    Config {
        /// The file (or other origin) of the configuration.
        origin: String,
        /// What is wrong, naming the key.
        message: String,
    },
    /// A configuration value out of range.
    #[error("{key}: {reason}")]
    Invalid {
        /// The key, e.g. `grid.layers`.
        key: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A cell name that is not in the plan.
    #[error("cell `{0}` is not in this run's plan (see `cargo xtask plan`)")]
    UnknownCell(String),
    /// A plan index out of range.
    #[error("index {index} is out of range: the plan has {len} cells (0..{len})")]
    BadIndex {
        /// The index asked for.
        index: usize,
        /// Cells in the plan.
        len: usize,
    },
    /// A stage-2 cell whose base has not finished.
    #[error(
        "cell `{cell}` copies from `{base}`, which has not finished (no {path}): run stage 1 first"
    )]
    BaseNotFinished {
        /// The cell.
        cell: String,
        /// Its base cell.
        base: String,
        /// The missing result file of the base.
        path: PathBuf,
    },
    /// Another runner holds the cell's lock.
    #[error("cell `{cell}` is being trained by another runner (lock {path})")]
    Locked {
        /// The cell.
        cell: String,
        /// Its lock file.
        path: PathBuf,
    },
    /// The run directory holds a configuration other than the one given.
    #[error("run directory {path} was made with another configuration; use another --run-dir, or delete it to start over ({detail})")]
    ConfigChanged {
        /// The saved configuration.
        path: PathBuf,
        /// The first difference.
        detail: String,
    },
    /// A folder without a run's saved configuration.
    #[error("{dir} is not a run directory (no config.toml)")]
    NotARun {
        /// The folder.
        dir: PathBuf,
    },
    /// A run without a finished cell.
    #[error("{dir} holds no finished cell yet (its results.csv is missing or empty)")]
    NothingFinished {
        /// The run directory.
        dir: PathBuf,
    },
    /// A run that cannot join a comparison of transfer profiles.
    #[error("{run_dir}: {reason}")]
    NotComparable {
        /// The run directory.
        run_dir: PathBuf,
        /// Why not.
        reason: String,
    },
    /// A run with nothing to estimate: none of its base nets has finished.
    #[error("{run_dir}: no base net has finished ({}), so there is nothing to estimate: train the base nets first (cargo xtask reproduce)", unfinished.join(", "))]
    NoFinishedBase {
        /// The run directory.
        run_dir: PathBuf,
        /// The base nets the run plans, none finished.
        unfinished: Vec<String>,
    },
    /// A layer whose features, reduced, have too many dimensions for the target's images.
    #[error("layer {layer}: {dimensions} feature dimensions with the reduction `{reduction}` for {images} target images; the estimates need fewer than the images less one: choose a coarser --reduction, such as fit (the default) or 2x2")]
    TooWide {
        /// The layer.
        layer: String,
        /// Its feature dimensions after the reduction.
        dimensions: usize,
        /// The target's training images.
        images: usize,
        /// The reduction.
        reduction: String,
    },
    /// Reading or writing a file failed.
    #[error("{path}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A split could not be made or read.
    #[error(transparent)]
    Split(#[from] convnet_splits::SplitError),
    /// The data could not be opened.
    #[error(transparent)]
    Data(#[from] convnet_data::DataError),
    /// The architecture is invalid.
    #[error(transparent)]
    Net(#[from] convnet_alexnet::AlexNetError),
    /// A cell name, a result or a learning curve could not be read.
    #[error(transparent)]
    Results(#[from] convnet_results::ResultsError),
    /// A cell's initial weights could not be built.
    #[error(transparent)]
    Transfer(#[from] convnet_transfer::TransferError),
    /// Training failed.
    #[error(transparent)]
    Train(Box<convnet_train::TrainError>),
    /// Drawing figures or the report failed.
    #[error(transparent)]
    Figures(#[from] convnet_figures::FigureError),
    /// A transferability estimate could not be computed.
    #[error(transparent)]
    Estimate(#[from] convnet_estimates::EstimateError),
    /// The findings or a comparison of profiles could not be made.
    #[error(transparent)]
    Findings(#[from] convnet_findings::FindingsError),
}

impl From<convnet_train::TrainError> for ExperimentError {
    fn from(error: convnet_train::TrainError) -> Self {
        ExperimentError::Train(Box::new(error))
    }
}
