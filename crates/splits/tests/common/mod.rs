//! Paths shared by the integration tests.

use std::path::PathBuf;

/// The paper's reference files, `../shared/reference/yosinski2014/` from the repository root.
pub fn reference_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/reference/yosinski2014")
}

/// The shared real data, `../shared/data/` from the repository root.
#[allow(dead_code)]
pub fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data")
}

/// Reads a reference file to a string.
#[allow(dead_code)]
pub fn read_reference(name: &str) -> String {
    let path = reference_dir().join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}
