//! Files written whole or not at all: the one way the crates of convnet-transfer write a file,
//! so that a reader, or a run killed halfway, never sees half of one.
//!
//! ```
//! let dir = tempfile::tempdir().unwrap();
//! let path = dir.path().join("runs/a/result.json");
//! convnet_files::write_atomic(&path, b"{}").unwrap();
//! assert_eq!(std::fs::read(&path).unwrap(), b"{}");
//! ```
#![warn(missing_docs)]

use std::io::Write;
use std::path::{Path, PathBuf};

/// Writes `bytes` to `path` through a temporary file in the same folder that is synced and then
/// renamed into place (crate `atomic-write-file`). Creates the parent folder when missing.
///
/// Callers wrap the error with `path`, which every error here concerns.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    create_parent(path)?;
    let mut file = atomic_write_file::AtomicWriteFile::open(path)?;
    file.write_all(bytes)?;
    file.commit()
}

/// Has `write` write the file at a temporary path beside `path` (same folder, a dot name ending
/// in the same extension), then renames it to `path`: for writers that need a path rather than
/// bytes, such as an image encoder. The outer result is the file system's (creating the folder,
/// the rename), the inner one the writer's; a writer that fails leaves no file at `path`.
pub fn write_through_temporary<E>(
    path: &Path,
    write: impl FnOnce(&Path) -> Result<(), E>,
) -> std::io::Result<Result<(), E>> {
    create_parent(path)?;
    let temporary = temporary_beside(path);
    if let Err(e) = write(&temporary) {
        let _ = std::fs::remove_file(&temporary);
        return Ok(Err(e));
    }
    std::fs::rename(&temporary, path)?;
    Ok(Ok(()))
}

/// `.tmp<pid>.<name>` beside `path`.
fn temporary_beside(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".tmp{}.{name}", std::process::id()))
}

fn create_parent(path: &Path) -> std::io::Result<()> {
    match path.parent().filter(|p| !p.as_os_str().is_empty()) {
        Some(parent) => std::fs::create_dir_all(parent),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_writer_that_fails_leaves_no_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("figure.png");
        let failed = write_through_temporary(&path, |temporary| {
            std::fs::write(temporary, b"half").unwrap();
            Err("the encoder failed")
        })
        .unwrap();
        assert_eq!(failed, Err("the encoder failed"));
        assert!(!path.exists());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
        write_through_temporary(&path, |t| std::fs::write(t, b"whole"))
            .unwrap()
            .unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"whole");
    }
}
