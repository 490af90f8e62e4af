//! Training a cell end to end on a small generated problem.

mod common;

use candle_core::Device;
use common::{cell_data, dataset, job, solver, tiny_spec};
use common::{CHECKPOINT_FILE, METRICS_FILE};
use convnet_results::read_metrics;
use convnet_splits::HalfId;
use convnet_train::{train_cell, Checkpoint, Outcome};

#[test]
fn a_small_net_learns_far_above_chance() {
    let data = cell_data(&dataset(6, 80), HalfId::All);
    let classes = data.half.len();
    let dir = tempfile::tempdir().unwrap();
    let job = job(
        "all/base",
        dir.path(),
        tiny_spec(classes),
        solver(300),
        None,
    );
    let Outcome::Finished(result) = train_cell(&job, &data, &mut ()).unwrap() else {
        panic!("the cell should finish");
    };
    let chance = 1.0 / classes as f64;
    assert!(
        result.top1 > 3.0 * chance,
        "top-1 {} after 300 iterations, chance {chance}",
        result.top1
    );
    assert_eq!(result.iterations, 300);
    assert_eq!(result.mode, convnet_transfer::Mode::Base);
    let metrics = read_metrics(&dir.path().join(METRICS_FILE)).unwrap();
    assert_eq!(metrics.len(), 4, "an evaluation every 75 iterations");
    assert!(metrics
        .iter()
        .all(|m| m.images == data.half_images(convnet_data::Subset::Val)));
    // A finished cell does nothing when run again.
    assert!(matches!(
        train_cell(&job, &data, &mut ()).unwrap(),
        Outcome::AlreadyDone(r) if r == result
    ));
}

#[test]
fn frozen_layers_stay_bitwise_and_finetuned_layers_move() {
    let config = dataset(6, 30);
    let source_data = cell_data(&config, HalfId::A);
    let target_data = cell_data(&config, HalfId::B);
    let root = tempfile::tempdir().unwrap();
    let base_dir = root.path().join("baseA");
    let base_job = job("random0/baseA", &base_dir, tiny_spec(3), solver(20), None);
    train_cell(&base_job, &source_data, &mut ()).unwrap();
    let base_path = base_dir.join(CHECKPOINT_FILE);
    let base = Checkpoint::load(&base_path, &Device::Cpu).unwrap().weights;

    for (name, frozen) in [("random0/A3B", true), ("random0/A3B+", false)] {
        let dir = root.path().join(name.replace('/', "_"));
        let job = job(name, &dir, tiny_spec(3), solver(20), Some(&base_path));
        train_cell(&job, &target_data, &mut ()).unwrap();
        let trained = Checkpoint::load(&dir.join(CHECKPOINT_FILE), &Device::Cpu).unwrap();
        for layer in ["conv1", "conv2", "conv3"] {
            let key = format!("{layer}.weight");
            let same = trained.weights[&key]
                .flatten_all()
                .unwrap()
                .to_vec1::<f32>()
                .unwrap()
                == base[&key].flatten_all().unwrap().to_vec1::<f32>().unwrap();
            assert_eq!(
                same, frozen,
                "{name}: {key} bitwise equal to the base: {same}"
            );
        }
        assert!(
            trained.momentum.is_empty(),
            "{name}: finished with momentum"
        );
        // A checkpoint of the running cell holds a momentum buffer for each trained variable.
        let running_dir = root
            .path()
            .join(format!("{}-running", name.replace('/', "_")));
        let running = common::job(
            name,
            &running_dir,
            tiny_spec(3),
            solver(20),
            Some(&base_path),
        );
        running
            .stop
            .store(true, std::sync::atomic::Ordering::SeqCst);
        train_cell(&running, &target_data, &mut ()).unwrap();
        let state = Checkpoint::load(&running_dir.join(CHECKPOINT_FILE), &Device::Cpu).unwrap();
        assert_eq!(
            state.momentum.contains_key("conv1.weight"),
            !frozen,
            "{name}"
        );
        assert!(state.momentum.contains_key("conv4.weight"), "{name}");
    }
}

#[test]
fn a_finished_cell_keeps_its_weights_without_momentum_or_nothing() {
    let config = dataset(4, 20);
    let data = cell_data(&config, HalfId::A);
    let root = tempfile::tempdir().unwrap();
    for keep_weights in [true, false] {
        let dir = root.path().join(format!("keep-{keep_weights}"));
        let mut job = common::job("random0/baseA", &dir, tiny_spec(2), solver(8), None);
        job.keep_weights = keep_weights;
        train_cell(&job, &data, &mut ()).unwrap();
        let path = dir.join(CHECKPOINT_FILE);
        assert_eq!(path.is_file(), keep_weights);
        if keep_weights {
            let kept = Checkpoint::load(&path, &Device::Cpu).unwrap();
            assert!(kept.momentum.is_empty());
            assert_eq!(kept.weights.len(), 16);
            assert_eq!(kept.state.iteration, 8);
        }
        assert!(dir.join(METRICS_FILE).is_file() && dir.join("result.json").is_file());
    }
}

#[test]
fn a_finished_cell_loses_its_momentum_when_run_again() {
    // A runner killed between the result and the checkpoint's trim leaves both behind; the
    // next call on the finished cell trims it.
    let config = dataset(4, 20);
    let data = cell_data(&config, HalfId::A);
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("base");
    let job = job("random0/baseA", &dir, tiny_spec(2), solver(8), None);
    train_cell(&job, &data, &mut ()).unwrap();
    let path = dir.join(CHECKPOINT_FILE);
    let mut full = Checkpoint::load(&path, &Device::Cpu).unwrap();
    full.momentum = full
        .weights
        .iter()
        .map(|(k, t)| (k.clone(), t.zeros_like().unwrap()))
        .collect();
    full.save(&path).unwrap();
    assert!(matches!(
        train_cell(&job, &data, &mut ()).unwrap(),
        Outcome::AlreadyDone(_)
    ));
    assert!(Checkpoint::load(&path, &Device::Cpu)
        .unwrap()
        .momentum
        .is_empty());
}

#[test]
fn layers_above_n_start_fresh() {
    let config = dataset(6, 30);
    let data = cell_data(&config, HalfId::A);
    let root = tempfile::tempdir().unwrap();
    let base_dir = root.path().join("baseA");
    train_cell(
        &job("random0/baseA", &base_dir, tiny_spec(3), solver(10), None),
        &data,
        &mut (),
    )
    .unwrap();
    let base = Checkpoint::load(&base_dir.join(CHECKPOINT_FILE), &Device::Cpu)
        .unwrap()
        .weights;
    let cell: convnet_transfer::Cell = "random0/A2B".parse().unwrap();
    let init = convnet_transfer::initialise(
        &cell,
        &tiny_spec(3),
        cell.seed(11),
        Some(&convnet_transfer::Base::checkpoint(
            base_dir.join(CHECKPOINT_FILE),
        )),
        &Device::Cpu,
    )
    .unwrap();
    let values = |t: &candle_core::Tensor| t.flatten_all().unwrap().to_vec1::<f32>().unwrap();
    assert_eq!(
        values(&init.params["conv2.weight"]),
        values(&base["conv2.weight"])
    );
    for key in ["conv3.weight", "fc7.weight", "fc8.weight"] {
        assert_ne!(values(&init.params[key]), values(&base[key]), "{key}");
    }
    assert_eq!(
        init.copied,
        ["conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias"]
    );
}

#[test]
fn a_nan_loss_names_the_iteration() {
    let data = cell_data(&dataset(4, 20), HalfId::All);
    let dir = tempfile::tempdir().unwrap();
    let mut solver = solver(50);
    solver.base_lr = 1e12;
    let job = job("all/base", dir.path(), tiny_spec(4), solver, None);
    let err = train_cell(&job, &data, &mut ()).unwrap_err().to_string();
    assert!(
        err.contains("at iteration") && err.contains("all/base"),
        "{err}"
    );
}
