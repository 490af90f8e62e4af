//! Stopping on a signal: Ctrl-C during a cell checkpoints it and exits with 130, and the
//! same command resumes it; a second `run-cell` on a cell being trained fails on its lock.

mod common;

use std::time::Duration;

use common::*;

/// A smoke grid whose cells train `max_iter` iterations, long enough to be caught
/// mid-training.
fn long_config(dir: &std::path::Path, max_iter: &str) -> std::path::PathBuf {
    smoke_config(
        dir,
        "smoke-long.toml",
        &[
            ("max_iter", max_iter),
            ("test_interval", "500"),
            ("snapshot_interval", "50"),
        ],
    )
}

const CELL: &str = "random0/baseA";

#[test]
fn ctrl_c_during_a_cell_checkpoints_exits_130_and_the_rerun_finishes() {
    let tmp = tempfile::tempdir().unwrap();
    let config = long_config(tmp.path(), "2000");
    let run = tmp.path().join("run");
    let log = tmp.path().join("reproduce.log");
    let reproduce = || {
        let mut command = xtask(&log);
        command
            .args(["reproduce", "--only", CELL, "--config"])
            .arg(&config)
            .arg("--run-dir")
            .arg(&run);
        command
    };
    let dir = cell_dir(&run, CELL);
    let mut child = reproduce().spawn().unwrap();
    wait_for_file(
        &mut child,
        &dir.join("checkpoint.safetensors"),
        Duration::from_secs(60),
    );
    send_signal(&child, "INT");
    let status = wait_at_most(
        &mut child,
        Duration::from_secs(60),
        "reproduce after Ctrl-C",
    );
    let text = std::fs::read_to_string(&log).unwrap();
    assert_eq!(status.code(), Some(130), "exit status after Ctrl-C: {text}");
    assert!(text.contains("checkpointed at iteration"), "{text}");
    assert!(
        !dir.join("result.json").exists(),
        "the interrupted cell wrote a result"
    );
    assert!(
        check_whole_files(&run).is_empty(),
        "temporary files after Ctrl-C"
    );

    let mut child = reproduce().spawn().unwrap();
    let status = wait_at_most(&mut child, Duration::from_secs(120), "the rerun");
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(status.success(), "the rerun exited with {status}: {text}");
    assert!(
        text.contains("resuming at iteration"),
        "the rerun did not resume: {text}"
    );
    check_finished_cell(&run, CELL, 2000, 500);
}

#[test]
fn a_second_run_cell_on_a_cell_in_training_fails_on_the_lock() {
    let tmp = tempfile::tempdir().unwrap();
    // Stopped by a signal long before the end.
    let config = long_config(tmp.path(), "100000");
    let run = tmp.path().join("run");
    let run_cell = |log: &str| {
        let mut command = xtask(&tmp.path().join(log));
        command
            .args(["run-cell", "--cell", CELL, "--config"])
            .arg(&config)
            .arg("--run-dir")
            .arg(&run);
        command
    };
    let mut first = run_cell("first.log").spawn().unwrap();
    wait_for_file(
        &mut first,
        &cell_dir(&run, CELL).join("checkpoint.safetensors"),
        Duration::from_secs(60),
    );
    let mut second = run_cell("second.log").spawn().unwrap();
    let status = wait_at_most(&mut second, Duration::from_secs(60), "the second run-cell");
    let text = std::fs::read_to_string(tmp.path().join("second.log")).unwrap();
    assert!(!status.success(), "the second run-cell succeeded: {text}");
    assert!(
        text.contains(&format!("cell `{CELL}` is being trained by another runner")),
        "the second run-cell failed otherwise: {text}"
    );
    assert!(
        first.try_wait().unwrap().is_none(),
        "the first run-cell stopped while the second ran"
    );
    send_signal(&first, "USR1");
    let status = wait_at_most(&mut first, Duration::from_secs(60), "the first run-cell");
    assert_eq!(status.code(), Some(75), "the first run-cell after SIGUSR1");
}
