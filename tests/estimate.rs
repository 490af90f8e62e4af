//! Transferability estimates end to end: a grid's finished bases estimated on the halves their
//! frozen transfers train on, beside the transfers measured; a profile's base on its target;
//! a reduction that leaves too many dimensions refused, naming the layer.

use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use common::smoke;
use transferability::estimates::{Control, LayerEstimator, Reduction};
use transferability::results::Mode;
use transferability::splits::HalfId;
use transferability::transfer::Layout;
use transferability::{estimate, run_cells, Experiment, ExperimentError, Study};

mod common;

/// The values of column `name` of a CSV text's rows.
fn column<'a>(csv: &'a str, name: &str) -> Vec<&'a str> {
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let index = header.iter().position(|h| *h == name).unwrap();
    lines.map(|l| l.split(',').nth(index).unwrap()).collect()
}

#[test]
fn a_grid_is_estimated_from_its_finished_bases_beside_its_measured_transfers() {
    let dir = tempfile::tempdir().unwrap();
    let run_dir = dir.path().join("smoke");
    let experiment = Experiment::open(smoke(), run_dir.clone()).unwrap();
    experiment.prepare().unwrap();
    // Frozen transfers AnB and selffers AnA from random0/baseA, but for n = 4.
    let mut cells = experiment.plan().only("random0/A*B");
    cells.extend(experiment.plan().only("random0/A*A"));
    cells.retain(|c| c.cell.n != 4 && c.cell.mode != Mode::Finetune);
    let mut seen = std::collections::HashSet::new();
    cells.retain(|c| seen.insert(c.cell.to_string()));
    let stop = Arc::new(AtomicBool::new(false));
    let summary = run_cells(&experiment, &cells, stop.clone(), 2, &());
    let base_b = experiment.plan().only("random0/baseB");
    let summary_b = run_cells(&experiment, &base_b, stop, 1, &());
    assert!(summary.complete() && summary_b.complete());
    let rows = experiment.run().write_results().unwrap();

    let mut events = Vec::new();
    let estimated = estimate(&experiment, Reduction::Grid(2), &mut |event| {
        events.push(format!("{event:?}"))
    })
    .unwrap();
    // random0's two bases, each on both halves; the dissimilar split's bases never trained.
    let names: Vec<String> = estimated
        .profiles
        .iter()
        .map(|p| format!("{} on {}", p.estimate.base, p.estimate.target))
        .collect();
    assert_eq!(
        names,
        [
            "random0/baseB on random0/B",
            "random0/baseA on random0/B",
            "random0/baseA on random0/A",
            "random0/baseB on random0/A",
        ],
    );
    assert_eq!(events.len(), 8);
    let unfinished: Vec<String> = estimated
        .unfinished_bases
        .iter()
        .map(|c| c.to_string())
        .collect();
    assert_eq!(unfinished, ["dissimilar/baseA", "dissimilar/baseB"]);

    let a_to_b = &estimated.profiles[1];
    assert!(a_to_b.transfer && !estimated.profiles[0].transfer);
    assert_eq!(a_to_b.estimate.layers.len(), 7);
    assert_eq!(a_to_b.estimate.classes, 4);
    assert!(a_to_b.estimate.classifier.is_some());
    // Every trained frozen transfer is measured (n = 4 was not trained), with its own top-1.
    let measured: Vec<u32> = a_to_b.estimate.measured.iter().map(|(n, _)| *n).collect();
    assert_eq!(measured, [1, 2, 3, 5, 6, 7]);
    for (n, top1) in &a_to_b.estimate.measured {
        let row = rows
            .iter()
            .find(|r| r.cell.to_string() == format!("random0/A{n}B"))
            .unwrap();
        assert_eq!(*top1, row.top1);
    }
    let trained: f64 = rows
        .iter()
        .filter(|r| r.source == Some(HalfId::A) && r.target == HalfId::B)
        .map(|r| r.wall_s)
        .sum();
    assert!((a_to_b.training_seconds - trained).abs() < 1e-9);
    for estimator in LayerEstimator::ALL {
        assert!(a_to_b.estimate.agreement(estimator).is_some());
    }
    assert!(a_to_b.estimate.agreement(Control::Depth).is_some());
    let summary = estimated.summary();
    assert!(
        summary.contains("random0/baseA on random0/B, random0/A:"),
        "{summary}"
    );
    assert!(
        summary.contains("dissimilar/baseA: not finished"),
        "{summary}"
    );

    let csv = std::fs::read_to_string(run_dir.join("estimate.csv")).unwrap();
    assert_eq!(csv.lines().count(), 1 + 4 * 7);
    // Rows 7..14 are random0/baseA on random0/B.
    let top1 = column(&csv, "measured_top1");
    assert_eq!(top1[7 + 3], "", "A4B was not trained");
    assert_eq!(top1[7..14].iter().filter(|v| !v.is_empty()).count(), 6);
    assert!(top1[..7].iter().all(|v| v.is_empty()), "no BnB was trained");
    assert_eq!(top1[14..21].iter().filter(|v| !v.is_empty()).count(), 6);
    let leep = column(&csv, "leep");
    assert!(leep[13].parse::<f64>().unwrap() < 0.0 && leep[12].is_empty());
    assert!(column(&csv, "dimensions")
        .iter()
        .all(|d| d.parse::<usize>().unwrap() < 95));
    for file in ["figures/estimate.png", "figures/estimate.svg"] {
        assert!(run_dir.join(file).is_file(), "{file}");
    }

    // Flattened, conv1's maps (8 channels of 7 x 7) are wider than the 96 images of a half.
    let error = estimate(&experiment, Reduction::Flatten, &mut |_| {}).unwrap_err();
    assert!(matches!(error, ExperimentError::TooWide { .. }), "{error}");
    assert!(
        error
            .to_string()
            .starts_with("layer conv1: 392 feature dimensions"),
        "{error}"
    );
    // Fitted, every layer keeps what 96 images support (48 dimensions): conv1's 8 channels on
    // a 2 x 2 grid, the 16 channels of conv2..conv5 one value each, fc6 and fc7 as they are.
    let fitted = estimate(&experiment, Reduction::Fit, &mut |_| {}).unwrap();
    let dimensions: Vec<usize> = fitted.profiles[0]
        .estimate
        .layers
        .iter()
        .map(|l| l.dimensions)
        .collect();
    assert_eq!(dimensions, [32, 16, 16, 16, 16, 32, 32]);
}

#[test]
fn a_grid_with_no_finished_base_is_refused_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let run_dir = dir.path().join("smoke");
    let experiment = Experiment::open(smoke(), run_dir.clone()).unwrap();
    let error = estimate(&experiment, Reduction::Fit, &mut |_| {}).unwrap_err();
    assert!(
        matches!(&error, ExperimentError::NoFinishedBase { unfinished, .. } if unfinished.contains(&"random0/baseA".to_string())),
        "{error}"
    );
    let message = error.to_string();
    assert!(message.contains("no base net has finished"), "{message}");
    assert!(
        message.contains(&run_dir.display().to_string()),
        "{message}"
    );
    assert!(!run_dir.join("estimate.csv").exists());
}

#[test]
fn a_profile_estimates_its_base_on_its_target_with_nothing_measured() {
    let dir = tempfile::tempdir().unwrap();
    let grid = Experiment::open(smoke(), dir.path().join("grid")).unwrap();
    grid.prepare().unwrap();
    let base = grid.plan().only("random0/baseA");
    let stop = Arc::new(AtomicBool::new(false));
    assert!(run_cells(&grid, &base, stop, 1, &()).complete());

    let mut config = smoke();
    config.name = "profile".into();
    let checkpoint = grid.run_dir().cell_files(&base[0].cell).checkpoint;
    let profile = config
        .study
        .profiling(Some(checkpoint), Some(Layout::Convnet), &["symbols".into()])
        .unwrap();
    config.study = Study::Profile(profile);
    let run_dir = dir.path().join("profile");
    let experiment = Experiment::open(config, run_dir.clone()).unwrap();
    let estimated = estimate(&experiment, Reduction::Grid(1), &mut |_| {}).unwrap();
    assert_eq!(estimated.profiles.len(), 1);
    let profile = &estimated.profiles[0];
    assert_eq!(profile.estimate.base, "profile/baseA");
    assert_eq!(profile.estimate.target, "profile/B");
    assert!(profile.transfer && profile.estimate.measured.is_empty());
    assert_eq!(profile.training_seconds, 0.0);
    // Global average pooling: each conv layer one value per channel.
    let dimensions: Vec<usize> = profile
        .estimate
        .layers
        .iter()
        .map(|l| l.dimensions)
        .collect();
    assert_eq!(dimensions, [8, 16, 16, 16, 16, 32, 32]);
    assert!(run_dir.join("estimate.csv").is_file());
    assert!(run_dir.join("figures/estimate.png").is_file());
}
