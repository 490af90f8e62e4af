//! Files written whole or not at all, the one way the workspace writes a file atomically.

use std::io::Write;
use std::path::Path;

/// Writes `bytes` to `path` through a temporary file in the same folder that is synced and then
/// renamed into place (crate `atomic-write-file`), so a reader, or a run killed halfway, never
/// sees a half-written file. Creates the parent folder when missing.
///
/// Callers wrap the error with `path`, which every error here concerns.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    let mut file = atomic_write_file::AtomicWriteFile::open(path)?;
    file.write_all(bytes)?;
    file.commit()
}
