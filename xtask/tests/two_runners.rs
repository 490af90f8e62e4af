//! Two `reproduce` runs on one run directory (two machines on a shared disk, without Slurm):
//! they share the grid, wait for each other's cells, and both succeed.

mod common;

use std::time::Duration;

use common::{plan, smoke_config, wait_at_most, xtask};

#[test]
fn two_runners_share_the_grid_and_both_succeed() {
    let dir = tempfile::tempdir().unwrap();
    // Long enough cells that both runners are at work at once.
    let config = smoke_config(dir.path(), "smoke.toml", &[("max_iter", "60")]);
    let run = dir.path().join("run");
    let logs = [dir.path().join("one.log"), dir.path().join("two.log")];
    let mut children: Vec<_> = logs
        .iter()
        .map(|log| {
            xtask(log)
                .args(["reproduce", "--config"])
                .arg(&config)
                .arg("--run-dir")
                .arg(&run)
                .spawn()
                .unwrap()
        })
        .collect();
    for (child, log) in children.iter_mut().zip(&logs) {
        let status = wait_at_most(child, Duration::from_secs(600), "a runner");
        let text = std::fs::read_to_string(log).unwrap();
        assert!(status.success(), "{status}: {text}");
    }
    let texts: Vec<String> = logs
        .iter()
        .map(|log| std::fs::read_to_string(log).unwrap())
        .collect();
    let cells = plan(&run);
    // Every cell was trained by exactly one of them.
    for line in &cells {
        let finished = format!("cell {} finished: top-1", line.cell);
        let times: usize = texts.iter().map(|t| t.matches(&finished).count()).sum();
        assert_eq!(times, 1, "{} trained {times} times", line.cell);
    }
    // Each trained some of them, and counted the rest as the other's, not as failures.
    for text in &texts {
        let summary = text
            .lines()
            .find(|l| l.contains("cells trained,"))
            .unwrap_or_else(|| panic!("no summary: {text}"));
        let trained: usize = summary.split_whitespace().next().unwrap().parse().unwrap();
        assert!(trained >= 1, "{summary}");
        assert!(summary.contains("0 skipped, 0 failed"), "{summary}");
        assert!(!text.contains("FAILED"), "{text}");
    }
    let rows = transferability::results::read_results(&run.join("results.csv")).unwrap();
    assert_eq!(rows.len(), cells.len());
}
