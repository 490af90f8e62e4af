//! results.csv: writing then reading gives the same rows; malformed files name line and column.

use std::path::Path;

use convnet_results::{
    format_results, parse_results, read_result, read_results, write_results, Cell, CellResult,
    Mode, ResultsError, COLUMNS,
};
use convnet_splits::{HalfId, SplitName};

fn row(cell: &str, mode: Mode, n: u32, top1: f64) -> CellResult {
    let cell: Cell = cell.parse().unwrap();
    CellResult {
        split: SplitName::Random(0),
        source: cell.source,
        target: HalfId::B,
        n,
        mode,
        replicate: 0,
        cell,
        top1,
        top1_final: top1 - 0.01,
        top5: 0.9,
        iterations: 1000,
        epochs: 12.5,
        train_images: 5120,
        val_images: 640,
        wall_s: 61.25,
        images_per_s: 2100.0,
        device: "cpu".into(),
    }
}

fn rows() -> Vec<CellResult> {
    vec![
        row("random0/baseB", Mode::Base, 0, 0.51),
        row("random0/A3B", Mode::Frozen, 3, 0.49),
        row("random0/A3B+", Mode::Finetune, 3, 0.53),
    ]
}

#[test]
fn rows_survive_a_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("results.csv");
    let mut rows = rows();
    rows[0].device = "cuda:0, \"node 3\"".into();
    rows[1].top1 = 0.1 + 0.2;
    write_results(&path, &rows).unwrap();
    assert_eq!(read_results(&path).unwrap(), rows);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.starts_with(&COLUMNS.join(",")));
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "no temporary file is left"
    );
    // No rows: the header alone.
    assert_eq!(format_results(&[]).trim(), COLUMNS.join(","));
    assert!(parse_results(Path::new("x"), &format_results(&[]))
        .unwrap()
        .is_empty());
}

fn error_of(text: &str) -> (u64, String, String) {
    match parse_results(Path::new("runs/x/results.csv"), text) {
        Err(ResultsError::Results {
            line,
            column,
            message,
            ..
        }) => (line, column, message),
        other => panic!("expected a results error, got {other:?}"),
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
    let text = format_results(&rows()).replacen(",0.49,", ",0.4g,", 1);
    let (line, column, message) = error_of(&text);
    assert_eq!((line, column.as_str()), (3, "top1"));
    assert!(message.contains("float"), "{message}");
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
    let text = format!("{}\nrandom0,random0/baseA,,A,0\n", COLUMNS.join(","));
    let (line, column, _) = error_of(&text);
    assert_eq!((line, column.as_str()), (2, "mode"));
    let text = format_results(&rows()).replacen(",frozen,", ",thawed,", 1);
    let (line, column, message) = error_of(&text);
    assert_eq!((line, column.as_str()), (3, "mode"));
    assert!(message.contains("thawed"), "{message}");
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

#[test]
fn files_that_call_the_replicate_seed_read_the_same() {
    let text = format_results(&rows());
    let old = text.replacen(",replicate,", ",seed,", 1);
    assert_ne!(old, text);
    assert_eq!(parse_results(Path::new("x"), &old).unwrap(), rows());
    // A result.json of that time, too.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("result.json");
    let json = serde_json::to_string(&rows()[1]).unwrap();
    std::fs::write(&path, json.replace("\"replicate\"", "\"seed\"")).unwrap();
    assert_eq!(read_result(&path).unwrap(), rows()[1]);
}

#[test]
fn a_column_that_disagrees_with_the_cell_name_is_named() {
    let text = format_results(&rows()).replacen(
        "random0,random0/A3B,A,B,3",
        "random0,random0/A3B,A,B,4",
        1,
    );
    let (line, column, message) = error_of(&text);
    assert_eq!((line, column.as_str()), (3, "n"));
    assert!(message.contains("random0/A3B"), "{message}");
    let text = format_results(&rows()).replacen("random0/A3B,", "random0/B3B,", 1);
    let (_, column, _) = error_of(&text);
    assert_eq!(column, "source");
    let text = format_results(&rows()).replacen("random0/A3B,", "random0/A3C,", 1);
    let (_, column, message) = error_of(&text);
    assert_eq!(column, "cell");
    assert!(message.contains("A3C"), "{message}");
}
