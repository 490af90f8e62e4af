//! The one error type of the crate.

use std::path::PathBuf;

/// Everything that can go wrong while reading results or drawing figures.
#[derive(Debug, thiserror::Error)]
pub enum FigureError {
    /// A file could not be read or written.
    #[error("{path}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A results file has a malformed header or value.
    #[error("{path}, line {line}, column `{column}`: {message}")]
    Csv {
        /// The file.
        path: PathBuf,
        /// One-based line number.
        line: usize,
        /// The column's name (or the one expected there).
        column: String,
        /// What is wrong.
        message: String,
    },
    /// The paper's embedded tables could not be read.
    #[error(transparent)]
    Findings(#[from] convnet_findings::FindingsError),
    /// plotters failed while drawing a figure.
    #[error("drawing {figure}: {message}")]
    Draw {
        /// The figure's file name.
        figure: String,
        /// plotters' message.
        message: String,
    },
    /// A PNG could not be written or re-read.
    #[error("image {path}: {message}")]
    Image {
        /// The image file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The embedded font could not be registered.
    #[error("font {name}: the embedded DejaVu font could not be registered")]
    Font {
        /// The font family name.
        name: &'static str,
    },
}

impl FigureError {
    /// An I/O error on `path`.
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        FigureError::Io {
            path: path.into(),
            source,
        }
    }

    /// A drawing error of figure `figure`.
    pub(crate) fn draw(figure: &str, error: impl std::fmt::Display) -> Self {
        FigureError::Draw {
            figure: figure.to_string(),
            message: error.to_string(),
        }
    }
}
