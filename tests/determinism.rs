//! The same configuration and seed train the same net, bit for bit, on real images (JPEGs
//! decoded, resized, cropped and mirrored at random): on one kernel thread or three, straight
//! through or interrupted and resumed, alone or beside another cell.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use common::{folder_grid, image_tree};
use transferability::train::{OnStep, Outcome};
use transferability::{run_cells, Experiment, ExperimentConfig};

mod common;

/// The folder grid, 12 iterations a net.
fn folder_experiment(data: &Path) -> ExperimentConfig {
    let mut config = folder_grid(data);
    config.solver.max_iter = 12;
    config
}

/// Every tensor of a finished base net, as bytes.
fn weights(run_dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let path = run_dir.join("cells/random0/baseA/checkpoint.safetensors");
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let tensors = safetensors::SafeTensors::deserialize(&bytes).unwrap();
    tensors
        .tensors()
        .into_iter()
        .map(|(name, view)| (name, view.data().to_vec()))
        .collect()
}

/// Trains `random0/baseA` in `run_dir` on a rayon pool of `threads`, stopping once after
/// `stop_after` iterations (and resuming) if given.
fn train_alone(data: &Path, run_dir: &Path, threads: usize, stop_after: Option<u64>) {
    let experiment = Experiment::open(folder_experiment(data), run_dir.to_path_buf()).unwrap();
    experiment.prepare().unwrap();
    let cell = "random0/baseA".parse().unwrap();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    pool.install(|| {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let mut stopper = OnStep(|step: &transferability::train::Step| {
            if Some(step.iteration) == stop_after {
                flag.store(true, Ordering::SeqCst);
            }
        });
        let first = experiment
            .run_cell(&cell, stop.clone(), &mut stopper)
            .unwrap();
        if let Some(at) = stop_after {
            assert!(
                matches!(first, Outcome::Interrupted { iteration } if iteration == at),
                "{first:?}"
            );
            stop.store(false, Ordering::SeqCst);
            let second = experiment.run_cell(&cell, stop, &mut ()).unwrap();
            assert!(matches!(second, Outcome::Finished(_)), "{second:?}");
        } else {
            assert!(matches!(first, Outcome::Finished(_)), "{first:?}");
        }
    });
}

#[test]
fn a_cell_trains_the_same_whatever_the_threads_jobs_and_interruptions() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    image_tree(&data);

    let straight = dir.path().join("one-thread");
    train_alone(&data, &straight, 1, None);
    let reference = weights(&straight);
    assert!(reference.len() >= 16, "{} tensors", reference.len());

    let threads = dir.path().join("three-threads");
    train_alone(&data, &threads, 3, None);
    assert!(
        weights(&threads) == reference,
        "three kernel threads changed the net"
    );

    let interrupted = dir.path().join("interrupted");
    train_alone(&data, &interrupted, 2, Some(7));
    assert!(
        weights(&interrupted) == reference,
        "an interruption at iteration 7 and a resume changed the net"
    );

    let beside = dir.path().join("two-jobs");
    let experiment = Experiment::open(folder_experiment(&data), beside.clone()).unwrap();
    experiment.prepare().unwrap();
    let bases: Vec<_> = ["random0/baseA", "random0/baseB"]
        .iter()
        .map(|name| experiment.plan().find(name).unwrap())
        .collect();
    let summary = run_cells(
        &experiment,
        &bases,
        Arc::new(AtomicBool::new(false)),
        2,
        &(),
    );
    assert!(summary.complete(), "{summary:?}");
    assert!(
        weights(&beside) == reference,
        "training beside another cell changed the net"
    );
}
