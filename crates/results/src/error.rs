//! The errors of reading and writing a run's results.

use std::path::PathBuf;

/// Everything that can go wrong naming a cell or reading and writing results.
#[derive(Debug, thiserror::Error)]
pub enum ResultsError {
    /// A cell name that does not follow the paper's notation.
    #[error("bad cell name `{name}`: {reason} (expected e.g. `random0/baseB`, `random0/A3B`, `random0/A3B+`, `all/base`, `all/random3`, optionally `@<replicate>`)")]
    BadCellName {
        /// The name as given.
        name: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A `results.csv` that cannot be read.
    #[error("{path}, line {line}, column `{column}`: {message}")]
    Results {
        /// The file.
        path: PathBuf,
        /// One-based line number.
        line: u64,
        /// The column's name (or the one expected there).
        column: String,
        /// What is wrong.
        message: String,
    },
    /// A JSON file (`result.json`) or line (`metrics.jsonl`) that cannot be read.
    #[error("{path}: not a valid record")]
    Json {
        /// The file.
        path: PathBuf,
        /// What the parser said.
        source: serde_json::Error,
    },
    /// Reading or writing a file failed.
    #[error("{path}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
}

impl ResultsError {
    /// An [`ResultsError::Io`] for `path`.
    pub(crate) fn io(path: &std::path::Path, source: std::io::Error) -> Self {
        ResultsError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}
