//! Files written whole or not at all, so readers never see half a file.

use crate::FigureError;
use std::path::Path;

/// Writes `bytes` to `path` atomically (see [`convnet_splits::write_atomic`]).
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), FigureError> {
    convnet_splits::write_atomic(path, bytes).map_err(|e| FigureError::io(path, e))
}

/// Has `write` write the file at a temporary path beside `path` (same folder, same extension,
/// for writers such as plotters' bitmap backend that need a path), then renames it to `path`.
pub(crate) fn write_through_temporary(
    path: &Path,
    write: impl FnOnce(&Path) -> Result<(), FigureError>,
) -> Result<(), FigureError> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temporary = path.with_file_name(format!(".tmp{}.{name}", std::process::id()));
    write(&temporary)?;
    std::fs::rename(&temporary, path).map_err(|e| FigureError::io(path, e))
}
