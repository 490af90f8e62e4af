//! The result of a finished cell: its `result.json`, and its row of `results.csv`.

use std::path::Path;

use convnet_splits::{HalfId, SplitName};
use serde::{Deserialize, Serialize};

use crate::cell::{Cell, Mode};
use crate::error::ResultsError;

/// The columns of `results.csv`, in order (`docs/architecture.md`).
pub const COLUMNS: [&str; 17] = [
    "split",
    "cell",
    "source",
    "target",
    "n",
    "mode",
    "replicate",
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
/// Position of `replicate` in [`COLUMNS`], which files written before it had as `seed`.
const REPLICATE_COLUMN: usize = 6;

/// A finished cell: a cell's `result.json`, and one row of `results.csv`. The first seven
/// fields say which net it is (and must agree with its name); the rest what it gave.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CellResult {
    /// The split, e.g. `random0`.
    pub split: SplitName,
    /// The cell, e.g. `random0/A3B+`.
    pub cell: Cell,
    /// Half the copied layers come from; none (an empty field) for base and random cells.
    #[serde(with = "optional_half")]
    pub source: Option<HalfId>,
    /// Half trained and evaluated on (`A`, `B`, `all`).
    pub target: HalfId,
    /// Copied (or random frozen) layers; 0 for bases.
    pub n: u32,
    /// How layers `1..n` were initialised.
    pub mode: Mode,
    /// The replicate: 0, or `r` for a cell named `...@r`.
    #[serde(alias = "seed")]
    pub replicate: u32,
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
/// the column. Files whose `replicate` column is still called `seed` read the same.
pub fn parse_results(path: &Path, text: &str) -> Result<Vec<CellResult>, ResultsError> {
    let error = |line: u64, column: &str, message: String| ResultsError::Results {
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
            Some("seed") if i == REPLICATE_COLUMN => {}
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
    let header = csv::StringRecord::from(COLUMNS.to_vec());
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
        check_names(&record).map_err(|(column, message)| error(line, column, message))?;
        let row: CellResult = record.deserialize(Some(&header)).map_err(|e| {
            let column = match e.kind() {
                csv::ErrorKind::Deserialize { err, .. } => {
                    err.field().map_or(COLUMNS[0], |f| COLUMNS[f as usize])
                }
                _ => COLUMNS[0],
            };
            let message = match e.kind() {
                csv::ErrorKind::Deserialize { err, .. } => err.kind().to_string(),
                _ => e.to_string(),
            };
            error(line, column, message)
        })?;
        row.check()
            .map_err(|(column, message)| error(line, column, message))?;
        rows.push(row);
    }
    Ok(rows)
}

/// Parses the named columns of a record (split, cell, source, target, mode) one by one, so
/// that a bad value is reported in its own column.
fn check_names(record: &csv::StringRecord) -> Result<(), (&'static str, String)> {
    let field = |i: usize| record.get(i).unwrap_or_default();
    let fail = |i: usize| move |e: String| (COLUMNS[i], e);
    field(0)
        .parse::<SplitName>()
        .map_err(|e| fail(0)(e.to_string()))?;
    field(1)
        .parse::<Cell>()
        .map_err(|e| fail(1)(e.to_string()))?;
    for i in [2, 3] {
        if !(i == 2 && field(i).is_empty()) {
            field(i)
                .parse::<HalfId>()
                .map_err(|e| fail(i)(e.to_string()))?;
        }
    }
    field(MODE_COLUMN)
        .parse::<Mode>()
        .map_err(fail(MODE_COLUMN))?;
    Ok(())
}

impl CellResult {
    /// Checks that the row's columns say what its cell's name says; the error names the first
    /// column that does not.
    pub fn check(&self) -> Result<(), (&'static str, String)> {
        let cell = &self.cell;
        let disagree = |column: &'static str, found: String, named: String| {
            Err((column, format!("`{found}`, but cell `{cell}` has {named}")))
        };
        let show = |half: Option<HalfId>| half.map_or_else(String::new, |h| h.to_string());
        if self.split != cell.split {
            return disagree("split", self.split.to_string(), cell.split.to_string());
        }
        if self.source != cell.source {
            return disagree(
                "source",
                show(self.source),
                format!("`{}`", show(cell.source)),
            );
        }
        if self.target != cell.target {
            return disagree("target", self.target.to_string(), cell.target.to_string());
        }
        if self.n as usize != cell.n {
            return disagree("n", self.n.to_string(), cell.n.to_string());
        }
        if self.mode != cell.mode {
            return disagree("mode", self.mode.to_string(), cell.mode.to_string());
        }
        if self.replicate != cell.replicate {
            return disagree(
                "replicate",
                self.replicate.to_string(),
                cell.replicate.to_string(),
            );
        }
        Ok(())
    }
}

/// Reads `results.csv`.
pub fn read_results(path: &Path) -> Result<Vec<CellResult>, ResultsError> {
    let text = std::fs::read_to_string(path).map_err(|e| ResultsError::io(path, e))?;
    parse_results(path, &text)
}

/// Writes `results.csv` through a temporary file and a rename.
pub fn write_results(path: &Path, rows: &[CellResult]) -> Result<(), ResultsError> {
    convnet_files::write_atomic(path, format_results(rows).as_bytes())
        .map_err(|e| ResultsError::io(path, e))
}

/// Reads a finished cell's `result.json` (files that name the replicate `seed` read the same).
pub fn read_result(path: &Path) -> Result<CellResult, ResultsError> {
    let bytes = std::fs::read(path).map_err(|e| ResultsError::io(path, e))?;
    serde_json::from_slice(&bytes).map_err(|source| ResultsError::Json {
        path: path.to_path_buf(),
        source,
    })
}

/// Writes a finished cell's `result.json`, whole or not at all.
pub fn write_result(path: &Path, result: &CellResult) -> Result<(), ResultsError> {
    let json = serde_json::to_vec_pretty(result).expect("a cell result serialises");
    convnet_files::write_atomic(path, &json).map_err(|e| ResultsError::io(path, e))
}

/// `source` as a half or an empty string (base and random cells), in CSV and JSON alike.
mod optional_half {
    use convnet_splits::HalfId;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(half: &Option<HalfId>, s: S) -> Result<S::Ok, S::Error> {
        match half {
            Some(half) => s.collect_str(half),
            None => s.serialize_str(""),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<HalfId>, D::Error> {
        let text = String::deserialize(d)?;
        if text.is_empty() {
            return Ok(None);
        }
        text.parse().map(Some).map_err(serde::de::Error::custom)
    }
}
