//! The whole grid of `configs/smoke.toml`, end to end through the library: plan, every cell,
//! results.csv, figures, report; then a second run that trains nothing.

use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use common::smoke;
use transferability::results::{read_results, Mode};
use transferability::{run_cells, Experiment};

mod common;

#[test]
fn the_smoke_grid_runs_end_to_end() {
    let dir = tempfile::tempdir().unwrap();
    let run_dir = dir.path().join("smoke");
    let experiment = Experiment::open(smoke(), run_dir.clone()).unwrap();
    let plan = experiment.plan();
    let cells: Vec<_> = plan.cells().iter().collect();
    // random0: 2 bases + 2 directions x 7 n x (selffer, transfer, +, +) = 58;
    // dissimilar: 2 bases + 14 transfers; all: base + 7 random-filter nets of each init.
    assert_eq!(cells.len(), 58 + 16 + 15);
    let stop = Arc::new(AtomicBool::new(false));
    let summary = run_cells(&experiment, &cells, stop.clone(), 2, &());
    assert!(summary.complete(), "{:?}", summary.failed);
    assert_eq!(summary.trained.len(), cells.len());

    let rows = experiment.run().write_results().unwrap();
    assert_eq!(rows.len(), cells.len());
    assert_eq!(read_results(&run_dir.join("results.csv")).unwrap(), rows);
    assert!(rows
        .iter()
        .all(|r| (0.0..=1.0).contains(&r.top1) && r.iterations == 10));
    assert_eq!(rows.iter().filter(|r| r.mode == Mode::Random).count(), 7);
    assert_eq!(rows.iter().filter(|r| r.mode == Mode::Gaussian).count(), 7);

    // What a drawer killed mid-write leaves behind is removed by the next drawing.
    let leftover = run_dir.join("figures").join(".tmp99999.figure2.png");
    std::fs::create_dir_all(leftover.parent().unwrap()).unwrap();
    std::fs::write(&leftover, b"half a PNG").unwrap();
    let assessment = transferability::assess(experiment.run_dir(), &rows).unwrap();
    // Ten iterations a net: every base net still improving, nothing is measurable.
    assert_eq!(assessment.convergence().len(), 5);
    assert_eq!(assessment.holding(), 0);
    let analysis = experiment.run().analyse(&rows).unwrap();
    let written = experiment.run().draw(&rows, &analysis, true).unwrap();
    assert!(
        !leftover.exists(),
        "{} survived a drawing",
        leftover.display()
    );
    for name in ["figure2.png", "figure2.svg", "figure3.png", "figure3.svg"] {
        assert!(
            run_dir.join("figures").join(name).is_file(),
            "{name}: {written:?}"
        );
    }
    let report = std::fs::read_to_string(run_dir.join("report.html")).unwrap();
    assert!(rows.iter().all(|r| report.contains(&r.cell.to_string())));

    // A finished base net keeps its weights, without momentum; no other finished net keeps
    // a checkpoint.
    for row in &rows {
        let checkpoint = experiment.run_dir().cell_files(&row.cell).checkpoint;
        assert_eq!(checkpoint.is_file(), row.mode == Mode::Base, "{}", row.cell);
        if row.mode == Mode::Base {
            let bytes = std::fs::read(&checkpoint).unwrap();
            let tensors = safetensors::SafeTensors::deserialize(&bytes).unwrap();
            assert_eq!(tensors.len(), 16, "{}: {:?}", row.cell, tensors.names());
        }
    }

    // Reopening the run trains nothing again.
    let again = Experiment::open(smoke(), run_dir.clone()).unwrap();
    let summary = run_cells(&again, &cells, stop, 2, &());
    assert_eq!(summary.already_done.len(), cells.len());
    assert!(summary.trained.is_empty());
}

#[test]
fn planning_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let run_dir = dir.path().join("smoke");
    let experiment = Experiment::open(smoke(), run_dir.clone()).unwrap();
    assert_eq!(experiment.plan().cells().len(), 89);
    assert!(
        !run_dir.exists(),
        "opening and planning wrote into the run directory"
    );
}

#[test]
fn a_run_directory_refuses_another_experiment() {
    let dir = tempfile::tempdir().unwrap();
    let run_dir = dir.path().join("smoke");
    Experiment::open(smoke(), run_dir.clone())
        .unwrap()
        .write_manifest()
        .unwrap();
    let mut changed = smoke();
    changed.solver.max_iter = 20;
    let err = Experiment::open(changed, run_dir.clone())
        .err()
        .unwrap()
        .to_string();
    assert!(
        err.contains("another configuration") && err.contains("max_iter"),
        "{err}"
    );
    // The precision is: a run directory holds one precision's nets.
    let mut bf16 = smoke();
    bf16.precision = transferability::train::Precision::Bf16;
    let err = Experiment::open(bf16, run_dir.clone())
        .err()
        .unwrap()
        .to_string();
    assert!(
        err.contains("precision = \"fp32\"") && err.contains("precision = \"bf16\""),
        "{err}"
    );
    // The device is not part of the experiment.
    let mut moved = smoke();
    moved.device = "cpu".parse().unwrap();
    Experiment::open(moved, run_dir).unwrap();
}

#[test]
fn a_stage_two_cell_without_its_base_fails_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let experiment = Experiment::open(smoke(), dir.path().join("smoke")).unwrap();
    let cell = "random0/A3B".parse().unwrap();
    let err = experiment
        .run_cell(&cell, Arc::new(AtomicBool::new(false)), &mut ())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("random0/baseA") && err.contains("stage 1"),
        "{err}"
    );
}
