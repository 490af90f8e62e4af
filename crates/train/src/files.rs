//! Files written whole or not at all.

use std::path::Path;

use crate::error::TrainError;

/// Writes `bytes` to `path` through a temporary file in the same folder and a rename, so a
/// reader (or a run killed halfway) never sees a half-written file.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), TrainError> {
    convnet_splits::write_atomic(path, bytes).map_err(|source| TrainError::Io {
        path: path.to_path_buf(),
        source,
    })
}
