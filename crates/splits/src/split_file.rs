//! Split files: a split written to a run directory as readable text, and read back.
//!
//! Header lines `<key><TAB><value>`, then one tab-separated line per class of each half:
//! ```text
//! # convnet-splits split file; class lines: <half> <label> <index> <id> <name>, tab-separated
//! split<TAB>random0
//! dataset<TAB>ilsvrc2012
//! classes<TAB>1000
//! partition<TAB>{"kind":"random","seed":0}
//! A<TAB>0<TAB>0<TAB>n01440764<TAB>tench
//! ...
//! ```
//! Reading rebuilds the split from its partition and checks every class line against it, so a
//! file that was edited by hand into an inconsistent state is refused with the line at fault.

use std::fs;
use std::path::Path;

use crate::catalog::Catalog;
use crate::error::SplitError;
use crate::half::HalfId;
use crate::partition::{PartitionSpec, Split};
use crate::split_name::SplitName;

const HEADER_COMMENT: &str =
    "# convnet-splits split file; class lines: <half> <label> <index> <id> <name>, tab-separated";

impl Split {
    /// Writes the split as text to `path` (through a temporary file in the same folder, renamed
    /// into place, so readers never see a partial file). Creates the folder if needed.
    pub fn write(&self, catalog: &Catalog, path: &Path) -> Result<(), SplitError> {
        let spec = serde_json::to_string(self.spec()).expect("partition specs serialise to JSON");
        let mut text = format!(
            "{HEADER_COMMENT}\nsplit\t{}\ndataset\t{}\nclasses\t{}\npartition\t{spec}\n",
            self.name(),
            self.dataset(),
            self.catalog_len()
        );
        for half in self.halves() {
            for (label, &index) in half.classes().iter().enumerate() {
                let class = catalog.class(index);
                text.push_str(&format!(
                    "{}\t{label}\t{index}\t{}\t{}\n",
                    half.id(),
                    class.id,
                    class.name.replace(['\t', '\n', '\r'], " ")
                ));
            }
        }
        convnet_files::write_atomic(path, text.as_bytes()).map_err(|e| SplitError::io(path, e))
    }

    /// Reads a split file written by [`Split::write`] for `catalog`.
    pub fn read(catalog: &Catalog, path: &Path) -> Result<Self, SplitError> {
        let text = fs::read_to_string(path).map_err(|e| SplitError::io(path, e))?;
        let error = |line: usize, reason: String| SplitError::SplitFile {
            path: path.to_path_buf(),
            line,
            reason,
        };
        let mut name = None;
        let mut spec = None;
        let mut spec_line = 0;
        let mut rows: Vec<ClassLine> = Vec::new();
        for (number, line) in text.lines().enumerate() {
            let line_no = number + 1;
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            let fields: Vec<&str> = line.split('\t').collect();
            match fields[0] {
                "split" | "dataset" | "classes" | "partition" if fields.len() != 2 => {
                    return Err(error(line_no, format!("`{}` takes one value", fields[0])));
                }
                "split" => {
                    let parsed: SplitName = fields[1]
                        .parse()
                        .map_err(|e: SplitError| error(line_no, e.to_string()))?;
                    name = Some(parsed);
                }
                "dataset" if fields[1] != catalog.dataset() => {
                    return Err(error(
                        line_no,
                        format!(
                            "dataset `{}` is not the catalog's dataset `{}`",
                            fields[1],
                            catalog.dataset()
                        ),
                    ));
                }
                "dataset" => {}
                "classes" if fields[1].parse() != Ok(catalog.len()) => {
                    return Err(error(
                        line_no,
                        format!(
                            "classes `{}` is not the {} classes of dataset `{}`",
                            fields[1],
                            catalog.len(),
                            catalog.dataset()
                        ),
                    ));
                }
                "classes" => {}
                "partition" => {
                    let parsed: PartitionSpec = serde_json::from_str(fields[1])
                        .map_err(|e| error(line_no, format!("partition: {e}")))?;
                    spec = Some(parsed);
                    spec_line = line_no;
                }
                _ => {
                    let (half, label, index) =
                        parse_class_line(catalog, &fields).map_err(|r| error(line_no, r))?;
                    rows.push(ClassLine {
                        line: line_no,
                        half,
                        label,
                        index,
                    });
                }
            }
        }
        let name = name.ok_or_else(|| error(0, "no `split` line".to_string()))?;
        let spec = spec.ok_or_else(|| error(0, "no `partition` line".to_string()))?;
        let split =
            Split::new(catalog, &name, &spec).map_err(|e| error(spec_line, e.to_string()))?;
        check_class_lines(&split, &rows).map_err(|(line, reason)| error(line, reason))?;
        Ok(split)
    }
}

/// The number of classes of half `half` in the split file at `path`, counted from its class
/// lines without a catalog: for a reader of a finished run that has no dataset at hand.
pub fn classes_in_split_file(path: &Path, half: HalfId) -> Result<usize, SplitError> {
    let text = fs::read_to_string(path).map_err(|e| SplitError::io(path, e))?;
    let prefix = format!("{half}\t");
    Ok(text
        .lines()
        .filter(|line| line.starts_with(&prefix))
        .count())
}

/// One class line of a split file.
struct ClassLine {
    line: usize,
    half: HalfId,
    label: usize,
    index: usize,
}

/// Parses `<half> <label> <index> <id> <name>`, checking the id against the catalog.
fn parse_class_line(catalog: &Catalog, fields: &[&str]) -> Result<(HalfId, usize, usize), String> {
    if fields.len() != 5 {
        return Err(format!(
            "expected `<half> <label> <index> <id> <name>` (5 tab-separated fields), found {}",
            fields.len()
        ));
    }
    let half: HalfId = fields[0].parse().map_err(|e: SplitError| e.to_string())?;
    let label: usize = fields[1]
        .parse()
        .map_err(|_| format!("label `{}` is not a whole number", fields[1]))?;
    let index: usize = fields[2]
        .parse()
        .map_err(|_| format!("index `{}` is not a whole number", fields[2]))?;
    let class = catalog.find(fields[3]).map_err(|e| e.to_string())?;
    if class.index != index {
        return Err(format!(
            "class `{}` has index {} in dataset `{}`, not {index}",
            class.id,
            class.index,
            catalog.dataset()
        ));
    }
    Ok((half, label, index))
}

/// Checks that the class lines list exactly the halves of the split rebuilt from the
/// partition, each half's labels counting up from 0. Errors carry the line at fault
/// (0 when a class is missing rather than wrong).
fn check_class_lines(split: &Split, rows: &[ClassLine]) -> Result<(), (usize, String)> {
    let partition = serde_json::to_string(split.spec()).unwrap_or_default();
    for row in rows {
        let half = split
            .half(row.half)
            .map_err(|e| (row.line, e.to_string()))?;
        if !half.contains(row.index) {
            return Err((
                row.line,
                format!(
                    "class {} is not in half {} under the partition {partition}",
                    row.index, row.half
                ),
            ));
        }
    }
    for half in split.halves() {
        let listed = rows.iter().filter(|row| row.half == half.id());
        let mut count = 0;
        for (position, row) in listed.enumerate() {
            if half.label_of(row.index) != Some(row.label) || row.label != position {
                return Err((
                    row.line,
                    format!(
                        "half {}: class {} has label {}; expected {} at this line",
                        half.id(),
                        row.index,
                        row.label,
                        half.classes().get(position).map_or_else(
                            || "no further class".to_string(),
                            |class| format!("class {class} with label {position}")
                        )
                    ),
                ));
            }
            count += 1;
        }
        if count != half.len() {
            return Err((
                0,
                format!(
                    "half {} lists {count} classes; its partition gives {}",
                    half.id(),
                    half.len()
                ),
            ));
        }
    }
    Ok(())
}
