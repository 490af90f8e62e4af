//! `reproduce` killed with SIGKILL at random moments, then run again until it finishes: every
//! cell ends with a result, no file is left half-written, and no finished cell is trained
//! again.

mod common;

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use common::*;

const KILLS: usize = 6;
/// The seed of the kill moments; `KILL_RESUME_SEED` in the environment overrides it.
const SEED: u64 = 2014;

#[test]
fn sigkill_at_random_moments_then_rerun_finishes_every_cell_once() {
    let tmp = tempfile::tempdir().unwrap();
    let run = tmp.path().join("run");
    let log = tmp.path().join("reproduce.log");
    let config = repo_root().join("configs/smoke.toml");
    let reproduce = || {
        let mut command = xtask(&log);
        command
            .arg("reproduce")
            .arg("--config")
            .arg(&config)
            .arg("--run-dir")
            .arg(&run);
        command
    };
    let seed = std::env::var("KILL_RESUME_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(SEED);
    let mut rng = SplitMix64(seed);
    let mut finished: BTreeMap<String, SystemTime> = BTreeMap::new();
    let mut kills = 0;
    let mut runs = 0;
    let mut status = None;
    while kills < KILLS {
        let delay = rng.duration(Duration::from_millis(100), Duration::from_millis(1200));
        let mut child = reproduce().spawn().expect("start xtask reproduce");
        runs += 1;
        std::thread::sleep(delay);
        if let Some(done) = child.try_wait().unwrap() {
            status = Some(done);
            break;
        }
        child.kill().unwrap();
        child.wait().unwrap();
        kills += 1;
        if run.join("plan.jsonl").is_file() {
            check_whole_files(&run);
            check_unchanged(&finished, &result_times(&run));
            finished = result_times(&run);
        }
    }
    // Run again until it exits by itself (a run killed while drawing has every cell already).
    while status.is_none_or(|s| !s.success()) {
        assert!(runs < KILLS + 4, "reproduce did not finish: {}", read(&log));
        let mut child = reproduce().spawn().expect("start xtask reproduce");
        runs += 1;
        status = Some(wait_at_most(
            &mut child,
            Duration::from_secs(120),
            "reproduce",
        ));
        if let Some(s) = status.filter(|s| !s.success()) {
            panic!("reproduce exited with {s}: {}", read(&log));
        }
    }
    assert!(
        kills >= 3,
        "only {kills} kills landed before the grid finished"
    );

    let times = result_times(&run);
    check_unchanged(&finished, &times);
    let temporaries = check_whole_files(&run);
    assert!(
        temporaries.is_empty(),
        "temporary files left behind: {temporaries:?}"
    );
    let (max_iter, test_interval) = (
        smoke_solver_value("max_iter"),
        smoke_solver_value("test_interval"),
    );
    let plan = plan(&run);
    for line in &plan {
        assert!(
            times.contains_key(&line.cell),
            "{} has no result.json",
            line.cell
        );
        check_finished_cell(&run, &line.cell, max_iter, test_interval);
    }
    let rows = transferability::results::read_results(&run.join("results.csv")).unwrap();
    assert_eq!(rows.len(), plan.len(), "results.csv rows");
    assert!(run.join("report.html").is_file(), "no report.html");
    eprintln!(
        "seed {seed}: {kills} kills over {runs} runs; {} cells finished",
        plan.len()
    );
}

/// Fails if a cell that had finished before has a rewritten (or lost) result.
fn check_unchanged(before: &BTreeMap<String, SystemTime>, now: &BTreeMap<String, SystemTime>) {
    for (cell, time) in before {
        assert_eq!(
            now.get(cell),
            Some(time),
            "the result of {cell}, finished before, was written again"
        );
    }
}

fn read(path: &std::path::Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let tail: Vec<&str> = text.lines().rev().take(30).collect();
    tail.into_iter().rev().collect::<Vec<_>>().join("\n")
}
