//! Paths shared by the integration tests.

use std::path::PathBuf;

/// The paper's reference files the tests need, kept in the repository
/// (`tests/data/yosinski2014/`, see its README).
pub fn reference_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/yosinski2014")
}

/// The shared real data, `../shared/data/` from the repository root (tests that read it are
/// `#[ignore]`d: a clone has no such folder).
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

/// The authors' whole validation list, `<jpeg name> <label>` per line, rebuilt from
/// `whole_valid_labels.txt` (its files are `ILSVRC2012_val_00000001.JPEG` to `..._00050000.JPEG`
/// in order, so only the labels are kept; the md5 test of `whole_valid` proves the rebuild).
#[allow(dead_code)]
pub fn whole_valid_files() -> String {
    read_reference("whole_valid_labels.txt")
        .lines()
        .enumerate()
        .map(|(i, label)| format!("ILSVRC2012_val_{:08}.JPEG {label}\n", i + 1))
        .collect()
}
