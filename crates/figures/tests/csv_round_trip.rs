//! results.csv: writing then reading gives the same rows; malformed files name line and column.

mod common;

use convnet_figures::{parse_results, read_results, write_results, FigureError, COLUMNS};
use std::path::Path;

#[test]
fn rows_survive_a_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("results.csv");
    let mut rows = common::full_grid();
    rows[0].device = "cuda:0, \"node 3\"".into();
    rows[1].top1 = 0.1 + 0.2;
    write_results(&path, &rows).unwrap();
    let back = read_results(&path).unwrap();
    assert_eq!(back, rows);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.starts_with(&COLUMNS.join(",")));
    // No temporary file is left behind.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

fn error_of(text: &str) -> (usize, String, String) {
    match parse_results(Path::new("runs/x/results.csv"), text) {
        Err(FigureError::Csv {
            line,
            column,
            message,
            ..
        }) => (line, column, message),
        other => panic!("expected a CSV error, got {other:?}"),
    }
}

#[test]
fn a_wrong_column_names_line_and_column() {
    let header = COLUMNS.join(",").replace("top1_final", "top1_last");
    let (line, column, message) = error_of(&format!("{header}\n"));
    assert_eq!((line, column.as_str()), (1, "top1_final"));
    assert!(message.contains("top1_last"), "{message}");
}

#[test]
fn a_non_number_names_line_and_column() {
    let rows = common::partial_grid();
    let mut text = convnet_figures::format_results(&rows);
    text = text.replacen(",0.51,", ",0.5l,", 1);
    let (line, column, message) = error_of(&text);
    assert_eq!((line, column.as_str()), (3, "top1"));
    assert!(message.contains("0.5l"), "{message}");
    let full = parse_results(Path::new("runs/x/results.csv"), &text)
        .unwrap_err()
        .to_string();
    assert!(
        full.contains("runs/x/results.csv") && full.contains("line 3") && full.contains("top1"),
        "{full}"
    );
}

#[test]
fn a_short_line_and_a_bad_mode_are_errors() {
    let mut text = COLUMNS.join(",");
    text.push_str("\nrandom0,random0/baseA,,A,0\n");
    let (line, column, _) = error_of(&text);
    assert_eq!((line, column.as_str()), (2, "mode"));
    let rows = common::partial_grid();
    let text = convnet_figures::format_results(&rows).replacen(",frozen,", ",thawed,", 1);
    let (line, column, message) = error_of(&text);
    assert_eq!((line, column.as_str()), (4, "mode"));
    assert!(message.contains("thawed"));
}

#[test]
fn an_empty_file_and_a_missing_file_are_errors() {
    let (line, _, _) = error_of("");
    assert_eq!(line, 1);
    let missing = read_results(Path::new("/nonexistent/results.csv"))
        .unwrap_err()
        .to_string();
    assert!(missing.contains("/nonexistent/results.csv"), "{missing}");
}
