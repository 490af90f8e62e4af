//! Frozen features computed once give the net the same inputs as the prefix run in every step:
//! a frozen cell trains to the same weights and evaluations either way, to the last bit.

mod common;

use candle_core::Device;
use common::{cell_data, dataset, job, solver, tiny_spec, INPUT};
use common::{CHECKPOINT_FILE, METRICS_FILE};
use convnet_results::read_metrics;
use convnet_splits::HalfId;
use convnet_train::{train_cell, Checkpoint};

fn weights(dir: &std::path::Path) -> Vec<(String, Vec<f32>)> {
    Checkpoint::load(&dir.join(CHECKPOINT_FILE), &Device::Cpu)
        .unwrap()
        .weights
        .iter()
        .map(|(k, t)| {
            (
                k.clone(),
                t.flatten_all().unwrap().to_vec1::<f32>().unwrap(),
            )
        })
        .collect()
}

#[test]
fn cached_features_train_the_same_net() {
    // One view of each image (no random crop, no mirror): the training features are cached.
    let mut config = dataset(6, 30);
    config.stored_size = INPUT;
    config.mirror = false;
    let base_data = cell_data(&config, HalfId::A);
    let data = cell_data(&config, HalfId::B);
    let root = tempfile::tempdir().unwrap();
    let base_dir = root.path().join("baseA");
    let base_job = job("random0/baseA", &base_dir, tiny_spec(3), solver(16), None);
    train_cell(&base_job, &base_data, &mut ()).unwrap();
    let base = base_dir.join(CHECKPOINT_FILE);

    for cell in ["random0/A3B", "random0/A6B", "random0/A7B"] {
        let mut trained = Vec::new();
        for budget in [2048, 0] {
            let dir = root
                .path()
                .join(format!("{}-{budget}", cell.replace('/', "_")));
            let mut s = solver(24);
            s.feature_cache_mib = budget;
            let job = job(cell, &dir, tiny_spec(3), s, Some(&base));
            train_cell(&job, &data, &mut ()).unwrap();
            let metrics = read_metrics(&dir.join(METRICS_FILE)).unwrap();
            trained.push((weights(&dir), metrics));
        }
        let (cached, direct) = (&trained[0], &trained[1]);
        assert!(cached.0 == direct.0, "{cell}: the weights differ");
        assert_eq!(cached.1, direct.1, "{cell}: the evaluations differ");
    }
}
