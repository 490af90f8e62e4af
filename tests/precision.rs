//! A grid trained in bf16 mixed precision lands within the noise of its fp32 twin: each net's
//! top-1 moves less, on average, from fp32 to bf16 than from one seed to another in fp32.

use std::collections::BTreeMap;
use std::path::Path;

use common::{smoke, train_all};
use transferability::train::Precision;
use transferability::{Experiment, ExperimentConfig};

mod common;

/// The smoke grid's net and glyphs, trained long enough to learn (200 iterations), evaluated
/// on 40 images a class: the random split's bases and its transfers, selffers and fine-tuned
/// nets copying from A (30 nets).
fn learning_grid() -> ExperimentConfig {
    let mut config = smoke();
    config.dataset.embedded.val_per_class = 40;
    config.solver.max_iter = 200;
    config.solver.step_size = 150;
    config.solver.test_interval = 20;
    config.solver.snapshot_interval = 200;
    let grid = config.study.grid_mut().unwrap();
    grid.splits.dissimilar = None;
    grid.grid.random_filters = false;
    grid.grid.directions.truncate(1);
    config
}

/// Each cell's top-1 after training `config`'s grid in `dir`.
fn top1_of(config: ExperimentConfig, dir: &Path) -> BTreeMap<String, f64> {
    let experiment = Experiment::open(config, dir.to_path_buf()).unwrap();
    let summary = train_all(&experiment);
    assert!(summary.complete(), "{:?}", summary.failed);
    experiment
        .run()
        .write_results()
        .unwrap()
        .into_iter()
        .map(|row| (row.cell.to_string(), row.top1))
        .collect()
}

/// The mean over cells of |a - b|.
fn mean_abs_difference(a: &BTreeMap<String, f64>, b: &BTreeMap<String, f64>) -> f64 {
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    a.iter().map(|(cell, x)| (x - b[cell]).abs()).sum::<f64>() / a.len() as f64
}

#[test]
fn a_bf16_grid_lands_within_the_noise_of_its_fp32_twin() {
    let dir = tempfile::tempdir().unwrap();
    let config = learning_grid();
    let fp32 = top1_of(config.clone(), &dir.path().join("fp32"));
    let other_seed = top1_of(config.with_seed(1), &dir.path().join("seed1"));
    let bf16_config = config.with_precision(Precision::Bf16);
    let bf16 = top1_of(bf16_config, &dir.path().join("bf16"));
    assert_eq!(fp32.len(), 30);

    // The nets learn: their mean top-1 is well above chance (a quarter: 4 classes a half).
    let mean = |run: &BTreeMap<String, f64>| run.values().sum::<f64>() / run.len() as f64;
    for (name, run) in [("fp32", &fp32), ("bf16", &bf16)] {
        assert!(mean(run) > 0.35, "{name}: mean top-1 {:.3}", mean(run));
    }
    // bf16 computed something else: the nets differ (a run in f32 would equal fp32's).
    let precision = mean_abs_difference(&fp32, &bf16);
    assert!(
        precision > 0.0,
        "bf16 gave fp32's numbers to the last digit"
    );
    // Within the noise: the same nets moved less by the arithmetic than by another seed.
    let noise = mean_abs_difference(&fp32, &other_seed);
    eprintln!("mean top-1: fp32 {:.4}, bf16 {:.4}, seed 1 {:.4}; mean |difference|: bf16 {precision:.4}, seed {noise:.4}", mean(&fp32), mean(&bf16), mean(&other_seed));
    assert!(
        precision <= noise,
        "bf16 moved the nets' top-1 by {precision:.4} on average, more than a change of seed \
         ({noise:.4})"
    );
}

#[test]
fn another_precision_goes_beside_the_files_run() {
    let renamed = smoke().with_precision(Precision::Bf16);
    assert_eq!(renamed.run_dir(), Path::new("runs/smoke-bf16"));
    assert_eq!(renamed.precision, Precision::Bf16);
    assert_eq!(smoke().with_precision(Precision::Fp32), smoke());
}
