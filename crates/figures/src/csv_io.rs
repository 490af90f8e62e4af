//! Reading and writing `results.csv` (RFC 4180 quoting, fixed header).

use crate::atomic::write_atomic;
use crate::results::{Mode, ResultRow, COLUMNS};
use crate::FigureError;
use std::path::Path;
use std::str::FromStr;

/// One parsed record and the line it starts on.
struct Record {
    line: usize,
    fields: Vec<String>,
}

/// Splits CSV text into records, honouring quotes (which may span lines).
fn parse_records(path: &Path, text: &str) -> Result<Vec<Record>, FigureError> {
    let mut records = Vec::new();
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut line = 1;
    let mut record_line = 1;
    let mut in_quotes = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if in_quotes {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => in_quotes = false,
                '\n' => {
                    line += 1;
                    field.push(c);
                }
                _ => field.push(c),
            }
            continue;
        }
        match c {
            '"' if field.is_empty() => in_quotes = true,
            ',' => fields.push(std::mem::take(&mut field)),
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' => {
                fields.push(std::mem::take(&mut field));
                let done = std::mem::take(&mut fields);
                if !(done.len() == 1 && done[0].is_empty()) {
                    records.push(Record {
                        line: record_line,
                        fields: done,
                    });
                }
                line += 1;
                record_line = line;
            }
            _ => field.push(c),
        }
    }
    if in_quotes {
        return Err(FigureError::Csv {
            path: path.to_path_buf(),
            line: record_line,
            column: COLUMNS[fields.len().min(COLUMNS.len() - 1)].to_string(),
            message: "a quoted field is never closed".into(),
        });
    }
    if !field.is_empty() || !fields.is_empty() {
        fields.push(field);
        records.push(Record {
            line: record_line,
            fields,
        });
    }
    Ok(records)
}

/// Parses one field, naming file, line and column on failure.
fn parse_field<T: FromStr>(
    path: &Path,
    record: &Record,
    index: usize,
    what: &str,
) -> Result<T, FigureError> {
    let text = record.fields[index].trim();
    text.parse().map_err(|_| FigureError::Csv {
        path: path.to_path_buf(),
        line: record.line,
        column: COLUMNS[index].to_string(),
        message: format!("`{text}` is not {what}"),
    })
}

/// Builds a row from a record whose length was checked.
fn row_from_record(path: &Path, record: &Record) -> Result<ResultRow, FigureError> {
    let text = |i: usize| record.fields[i].clone();
    let mode = Mode::from_str(record.fields[5].trim()).map_err(|message| FigureError::Csv {
        path: path.to_path_buf(),
        line: record.line,
        column: COLUMNS[5].to_string(),
        message,
    })?;
    Ok(ResultRow {
        split: text(0),
        cell: text(1),
        source: text(2),
        target: text(3),
        n: parse_field(path, record, 4, "a layer count")?,
        mode,
        seed: parse_field(path, record, 6, "a seed (a non-negative integer)")?,
        top1: parse_field(path, record, 7, "a number")?,
        top1_final: parse_field(path, record, 8, "a number")?,
        top5: parse_field(path, record, 9, "a number")?,
        iterations: parse_field(path, record, 10, "an iteration count")?,
        epochs: parse_field(path, record, 11, "a number")?,
        train_images: parse_field(path, record, 12, "an image count")?,
        val_images: parse_field(path, record, 13, "an image count")?,
        wall_s: parse_field(path, record, 14, "a number")?,
        images_per_s: parse_field(path, record, 15, "a number")?,
        device: text(16),
    })
}

/// Checks that the header is exactly [`COLUMNS`].
fn check_header(path: &Path, header: &Record) -> Result<(), FigureError> {
    for (index, expected) in COLUMNS.iter().enumerate() {
        match header.fields.get(index).map(|f| f.trim()) {
            Some(found) if found == *expected => {}
            Some(found) => {
                return Err(FigureError::Csv {
                    path: path.to_path_buf(),
                    line: header.line,
                    column: expected.to_string(),
                    message: format!("header has `{found}` where `{expected}` belongs"),
                })
            }
            None => {
                return Err(FigureError::Csv {
                    path: path.to_path_buf(),
                    line: header.line,
                    column: expected.to_string(),
                    message: "header lacks this column".into(),
                })
            }
        }
    }
    if let Some(extra) = header.fields.get(COLUMNS.len()) {
        return Err(FigureError::Csv {
            path: path.to_path_buf(),
            line: header.line,
            column: extra.clone(),
            message: format!("unexpected column after `{}`", COLUMNS[COLUMNS.len() - 1]),
        });
    }
    Ok(())
}

/// Parses `results.csv` text; `path` only names the file in errors.
pub fn parse_results(path: &Path, text: &str) -> Result<Vec<ResultRow>, FigureError> {
    let records = parse_records(path, text)?;
    let Some((header, body)) = records.split_first() else {
        return Err(FigureError::Csv {
            path: path.to_path_buf(),
            line: 1,
            column: COLUMNS[0].to_string(),
            message: "the file is empty; a header is required".into(),
        });
    };
    check_header(path, header)?;
    body.iter()
        .map(|record| {
            if record.fields.len() != COLUMNS.len() {
                let index = record.fields.len().min(COLUMNS.len() - 1);
                return Err(FigureError::Csv {
                    path: path.to_path_buf(),
                    line: record.line,
                    column: COLUMNS[index].to_string(),
                    message: format!(
                        "{} fields where {} are expected",
                        record.fields.len(),
                        COLUMNS.len()
                    ),
                });
            }
            row_from_record(path, record)
        })
        .collect()
}

/// Reads `results.csv`; errors name the file, the line and the column.
pub fn read_results(path: &Path) -> Result<Vec<ResultRow>, FigureError> {
    let text = std::fs::read_to_string(path).map_err(|e| FigureError::io(path, e))?;
    parse_results(path, &text)
}

/// Quotes a field when it holds a comma, a quote or a line break.
fn quote(field: &str) -> String {
    if field.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_string()
    }
}

/// The text of `results.csv` for `rows`, header first.
pub fn format_results(rows: &[ResultRow]) -> String {
    let mut text = COLUMNS.join(",");
    text.push('\n');
    for row in rows {
        let fields: Vec<String> = row.fields().iter().map(|f| quote(f)).collect();
        text.push_str(&fields.join(","));
        text.push('\n');
    }
    text
}

/// Writes `results.csv` atomically (temporary file, then rename).
pub fn write_results(path: &Path, rows: &[ResultRow]) -> Result<(), FigureError> {
    write_atomic(path, format_results(rows).as_bytes())
}
