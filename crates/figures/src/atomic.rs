//! Writing a file through a temporary name and a rename, so readers never see half a file.

use crate::FigureError;
use std::path::{Path, PathBuf};

/// The temporary name used while `path` is written (same folder, same extension).
pub(crate) fn temporary_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".tmp{}.{name}", std::process::id()))
}

/// Writes `bytes` to `path` atomically (temporary file in the same folder, then rename).
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), FigureError> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| FigureError::io(parent, e))?;
    }
    let temporary = temporary_path(path);
    std::fs::write(&temporary, bytes).map_err(|e| FigureError::io(&temporary, e))?;
    std::fs::rename(&temporary, path).map_err(|e| FigureError::io(path, e))
}
