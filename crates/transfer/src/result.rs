//! The result of a finished cell: its `result.json`, and its row of `results.csv`.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::cell::Mode;
use crate::error::TransferError;

/// The columns of `results.csv`, in order (`docs/architecture.md`).
pub const COLUMNS: [&str; 17] = [
    "split",
    "cell",
    "source",
    "target",
    "n",
    "mode",
    "seed",
    "top1",
    "top1_final",
    "top5",
    "iterations",
    "epochs",
    "train_images",
    "val_images",
    "wall_s",
    "images_per_s",
    "device",
];

/// Position of `mode` in [`COLUMNS`].
const MODE_COLUMN: usize = 5;

/// A finished cell: a cell's `result.json`, and one row of `results.csv`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CellResult {
    /// Split name, e.g. `random0`.
    pub split: String,
    /// Cell name, e.g. `random0/A3B+`.
    pub cell: String,
    /// Half the copied layers come from (`A`, `B`), empty for base and random cells.
    pub source: String,
    /// Half trained and evaluated on (`A`, `B`, `all`).
    pub target: String,
    /// Copied (or random frozen) layers; 0 for bases.
    pub n: u32,
    /// How layers `1..n` were initialised.
    pub mode: Mode,
    /// Replicate seed.
    pub seed: u64,
    /// The paper's metric: mean of the `best_k` best validation top-1 values.
    pub top1: f64,
    /// Top-1 of the last evaluation.
    pub top1_final: f64,
    /// Top-5 of the last evaluation.
    pub top5: f64,
    /// Iterations trained.
    pub iterations: u64,
    /// Epochs of the target half's training images those iterations make.
    pub epochs: f64,
    /// Training images in the target half.
    pub train_images: u64,
    /// Validation images in the target half.
    pub val_images: u64,
    /// Seconds of training (all sessions of the cell, evaluations included).
    pub wall_s: f64,
    /// Training images per second (evaluations excluded).
    pub images_per_s: f64,
    /// `cpu` or `cuda:i`.
    pub device: String,
}

/// Formats rows as `results.csv` text: the header of [`COLUMNS`], then one line per row.
pub fn format_results(rows: &[CellResult]) -> String {
    let mut writer = csv::Writer::from_writer(Vec::new());
    for row in rows {
        writer.serialize(row).expect("serialising to memory");
    }
    if rows.is_empty() {
        writer.write_record(COLUMNS).expect("writing to memory");
    }
    let bytes = writer.into_inner().expect("flushing to memory");
    String::from_utf8(bytes).expect("CSV of UTF-8 fields is UTF-8")
}

/// Parses `results.csv` text; `path` names the file in errors, which also give the line and
/// the column.
pub fn parse_results(path: &Path, text: &str) -> Result<Vec<CellResult>, TransferError> {
    let error = |line: u64, column: &str, message: String| TransferError::Results {
        path: path.to_path_buf(),
        line,
        column: column.to_string(),
        message,
    };
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let header = reader
        .headers()
        .map_err(|e| error(1, COLUMNS[0], e.to_string()))?
        .clone();
    for (i, expected) in COLUMNS.iter().enumerate() {
        match header.get(i) {
            Some(found) if found == *expected => {}
            Some(found) => {
                return Err(error(
                    1,
                    expected,
                    format!("the header has `{found}` where `{expected}` belongs"),
                ))
            }
            None => {
                return Err(error(
                    1,
                    expected,
                    "the header lacks this column".to_string(),
                ))
            }
        }
    }
    if let Some(extra) = header.get(COLUMNS.len()) {
        return Err(error(1, extra, "unexpected column".to_string()));
    }
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            error(line, COLUMNS[0], e.to_string())
        })?;
        let line = record.position().map_or(0, |p| p.line());
        if record.len() != COLUMNS.len() {
            let column = COLUMNS[record.len().min(COLUMNS.len() - 1)];
            let message = format!(
                "the line has {} fields, the header {}",
                record.len(),
                COLUMNS.len()
            );
            return Err(error(line, column, message));
        }
        let row: CellResult = record.deserialize(Some(&header)).map_err(|e| {
            let column = match e.kind() {
                csv::ErrorKind::Deserialize { err, .. } => match err.field() {
                    Some(f) => COLUMNS[f as usize],
                    // serde reports no position for a bad enum variant: the mode.
                    None => COLUMNS[MODE_COLUMN],
                },
                _ => COLUMNS[0],
            };
            let message = match e.kind() {
                csv::ErrorKind::Deserialize { err, .. } => err.kind().to_string(),
                _ => e.to_string(),
            };
            error(line, column, message)
        })?;
        rows.push(row);
    }
    Ok(rows)
}

/// Reads `results.csv`.
pub fn read_results(path: &Path) -> Result<Vec<CellResult>, TransferError> {
    let text = std::fs::read_to_string(path).map_err(|source| TransferError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    parse_results(path, &text)
}

/// Writes `results.csv` through a temporary file and a rename.
pub fn write_results(path: &Path, rows: &[CellResult]) -> Result<(), TransferError> {
    convnet_splits::write_atomic(path, format_results(rows).as_bytes()).map_err(|source| {
        TransferError::Io {
            path: path.to_path_buf(),
            source,
        }
    })
}
