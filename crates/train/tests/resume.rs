//! Stopping and resuming a cell gives exactly the weights of a run that never stopped.

mod common;

use std::sync::atomic::Ordering;

use candle_core::Device;
use common::CHECKPOINT_FILE;
use common::{cell_data, dataset, job, solver, tiny_spec};
use convnet_splits::HalfId;
use convnet_train::{train_cell, Checkpoint, OnStep, Outcome, Step};

fn weights(dir: &std::path::Path) -> Vec<(String, Vec<f32>)> {
    let checkpoint = Checkpoint::load(&dir.join(CHECKPOINT_FILE), &Device::Cpu).unwrap();
    checkpoint
        .weights
        .iter()
        .chain(checkpoint.momentum.iter())
        .map(|(k, t)| {
            (
                k.clone(),
                t.flatten_all().unwrap().to_vec1::<f32>().unwrap(),
            )
        })
        .collect()
}

#[test]
fn resumed_equals_straight() {
    let data = cell_data(&dataset(4, 40), HalfId::All);
    let root = tempfile::tempdir().unwrap();
    let mut s = solver(24);
    s.snapshot_interval = 1000;

    let straight = root.path().join("straight");
    let job_straight = job("all/base", &straight, tiny_spec(4), s.clone(), None);
    train_cell(&job_straight, &data, &mut ()).unwrap();

    // The same cell, asked to stop once 10 iterations are done: it checkpoints there.
    let resumed = root.path().join("resumed");
    let job_resumed = job("all/base", &resumed, tiny_spec(4), s.clone(), None);
    let partial = train_with_stop_at(&job_resumed, &data, 10);
    assert!(
        matches!(partial, Outcome::Interrupted { iteration: 10 }),
        "{partial:?}"
    );
    job_resumed.stop.store(false, Ordering::SeqCst);
    let Outcome::Finished(result) = train_cell(&job_resumed, &data, &mut ()).unwrap() else {
        panic!("the resumed cell should finish");
    };
    assert_eq!(result.iterations, 24);
    assert_eq!(weights(&straight), weights(&resumed));
}

/// Trains `job` and raises its stop flag once `at` iterations are done.
fn train_with_stop_at(
    job: &convnet_train::CellJob,
    data: &convnet_train::CellData,
    at: u64,
) -> Outcome {
    let stop = job.stop.clone();
    let mut progress = OnStep(move |step: &Step| {
        if step.iteration >= at {
            stop.store(true, Ordering::SeqCst);
        }
    });
    train_cell(job, data, &mut progress).unwrap()
}

#[test]
fn a_checkpoint_with_another_mask_is_refused() {
    let config = dataset(6, 20);
    let data_a = cell_data(&config, HalfId::A);
    let data_b = cell_data(&config, HalfId::B);
    let root = tempfile::tempdir().unwrap();
    let base_dir = root.path().join("baseA");
    train_cell(
        &job("random0/baseA", &base_dir, tiny_spec(3), solver(8), None),
        &data_a,
        &mut (),
    )
    .unwrap();
    let base = base_dir.join(CHECKPOINT_FILE);

    // Interrupt A3B after 4 iterations, then try to resume its folder as A5B.
    let dir = root.path().join("cell");
    let frozen3 = job("random0/A3B", &dir, tiny_spec(3), solver(8), Some(&base));
    let outcome = train_with_stop_at(&frozen3, &data_b, 4);
    assert!(matches!(outcome, Outcome::Interrupted { iteration: 4 }));
    let frozen5 = job("random0/A5B", &dir, tiny_spec(3), solver(8), Some(&base));
    let err = train_cell(&frozen5, &data_b, &mut ())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("refusing to resume") && err.contains("conv4:frozen"),
        "{err}"
    );
}
