//! The errors of this crate. Each message names the file, the field or the class at fault.

use std::path::PathBuf;

/// Everything that can go wrong while reading, generating or batching images.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    /// A configuration field has a value that cannot work.
    #[error("invalid dataset config field `{field}`: {reason}")]
    InvalidConfig {
        /// The field, as written in the config file.
        field: &'static str,
        /// Why the value is rejected.
        reason: String,
    },
    /// A file or folder could not be read.
    #[error("cannot read {path}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A file or folder could not be written.
    #[error("cannot write {path}")]
    Write {
        /// The file or folder.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A file exists but is not a decodable image (corrupt, truncated, or not an image).
    #[error("cannot decode image {path}: {reason}")]
    BadImage {
        /// The file (or record) that failed to decode.
        path: String,
        /// What the decoder said.
        reason: String,
    },
    /// Images that cannot be decoded, found before training by a scan of the whole dataset.
    #[error("{count} of the {checked} {subsets} images checked cannot be decoded (set `skip_bad_images = true` under [dataset] to leave them out):\n  {list}")]
    UnreadableImages {
        /// How many.
        count: usize,
        /// Images checked in all.
        checked: usize,
        /// `train`, `val` or `train and val`.
        subsets: String,
        /// The first few, one `file: reason` per line.
        list: String,
    },
    /// A class of the catalog has no folder in the dataset.
    #[error("class `{class}` has no folder: {path} is missing")]
    MissingClassFolder {
        /// The class id (wnid or folder name).
        class: String,
        /// The folder that was expected.
        path: PathBuf,
    },
    /// A class folder holds no image.
    #[error("class `{class}` has no images in {path}")]
    EmptyClassFolder {
        /// The class id (wnid or folder name).
        class: String,
        /// The folder that holds no image.
        path: PathBuf,
    },
    /// A label or annotation names a class the catalog does not know.
    #[error("{path}, line {line}: unknown class `{class}`")]
    UnknownClass {
        /// The list or annotation file.
        path: PathBuf,
        /// The 1-based line number.
        line: usize,
        /// The class as written.
        class: String,
    },
    /// A line of a list or annotation file cannot be parsed.
    #[error("{path}, line {line}: {reason}")]
    BadListLine {
        /// The list or annotation file.
        path: PathBuf,
        /// The 1-based line number.
        line: usize,
        /// What is wrong with it.
        reason: String,
    },
    /// A packed dataset's file is not one this build reads: truncated, of another format or
    /// version, corrupt, or of another stored size than the configuration's.
    #[error("packed dataset {path}: {reason}")]
    BadPack {
        /// The pack file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// A binary record file is shorter than it must be, or not a whole number of records.
    #[error("{path} is {len} bytes, expected {expected}")]
    ShortFile {
        /// The record file.
        path: PathBuf,
        /// Its length in bytes.
        len: u64,
        /// What its length must be.
        expected: String,
    },
    /// A record holds a label outside the dataset's classes.
    #[error("{path}, record {record}: label {label} is not below {classes}")]
    BadRecordLabel {
        /// The record file.
        path: PathBuf,
        /// The 0-based record number.
        record: usize,
        /// The label found.
        label: usize,
        /// The number of classes.
        classes: usize,
    },
    /// The class catalog could not be built.
    #[error("class catalog of {dataset}")]
    Catalog {
        /// The dataset the catalog describes.
        dataset: String,
        /// The error from the splits crate.
        #[source]
        source: convnet_splits::SplitError,
    },
    /// A half of the split has no image in this subset.
    #[error("the {subset} images of half {half} are empty")]
    EmptyHalf {
        /// `train` or `val`.
        subset: &'static str,
        /// The half, as `A`, `B` or `all`.
        half: String,
    },
    /// The embedded dataset cannot be generated with these parameters.
    #[error("embedded dataset: {0}")]
    Embedded(String),
    /// A cached mean image does not match the dataset it is used for.
    #[error("mean image {path}: {reason}")]
    MeanMismatch {
        /// The cached file.
        path: PathBuf,
        /// What does not match.
        reason: String,
    },
    /// A safetensors file could not be read or written.
    #[error("safetensors file {path}: {reason}")]
    Safetensors {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// Candle failed (tensor creation or the CIFAR-10 reader).
    #[error("{context}")]
    Candle {
        /// What was being done, with the file where one is involved.
        context: String,
        /// The candle error.
        #[source]
        source: Box<candle_core::Error>,
    },
    /// The background loading thread stopped without an error.
    #[error("the image loading thread stopped: {0}")]
    LoaderStopped(String),
}

/// Results of this crate.
pub type Result<T, E = DataError> = std::result::Result<T, E>;

impl DataError {
    /// An [`DataError::Io`] for `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        DataError::Io {
            path: path.into(),
            source,
        }
    }

    /// An [`DataError::InvalidConfig`] for `field`.
    pub fn config(field: &'static str, reason: impl Into<String>) -> Self {
        DataError::InvalidConfig {
            field,
            reason: reason.into(),
        }
    }

    /// Whether this error is about one unreadable image, so that it can be skipped.
    pub fn is_bad_image(&self) -> bool {
        matches!(self, DataError::BadImage { .. })
    }
}
