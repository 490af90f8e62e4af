//! A tiny net and a small generated problem, shared by the training tests.
#![allow(dead_code)]

use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use candle_core::Device;
use convnet_alexnet::{ArchSpec, ConvSpec, FcSpec, LayerInit, LrnSpec, PoolSpec, WeightInit};
use convnet_data::{DatasetConfig, EmbeddedConfig, MeanImage, Preprocess};
use convnet_splits::{HalfId, Split};
use convnet_train::{CellData, CellFiles, CellJob, SolverConfig};
use convnet_transfer::{Base, Cell};

/// Input side of the tiny net.
pub const INPUT: usize = 14;

fn he() -> LayerInit {
    LayerInit {
        weight: WeightInit::FanIn {
            gain: std::f32::consts::SQRT_2,
        },
        bias: 0.0,
    }
}

fn conv(out_channels: usize, groups: usize, pool: bool, lrn: bool) -> ConvSpec {
    ConvSpec {
        out_channels,
        kernel: 3,
        stride: 1,
        pad: 1,
        groups,
        pool,
        lrn,
        init: he(),
    }
}

/// The eight AlexNet layers at toy width, for a 14x14 input.
pub fn tiny_spec(outputs: usize) -> ArchSpec {
    ArchSpec {
        input_size: INPUT,
        input_channels: 3,
        conv: vec![
            conv(8, 1, true, true),
            conv(16, 2, true, true),
            conv(16, 1, false, false),
            conv(16, 2, false, false),
            conv(16, 2, true, false),
        ],
        fc: vec![
            FcSpec {
                out_features: 32,
                init: he(),
            },
            FcSpec {
                out_features: 32,
                init: he(),
            },
        ],
        fc8_init: LayerInit {
            weight: WeightInit::Gaussian { std: 0.01 },
            bias: 0.0,
        },
        outputs,
        dropout: 0.5,
        pool: PoolSpec {
            kernel: 3,
            stride: 2,
        },
        lrn: LrnSpec {
            size: 5,
            alpha: 1e-4,
            beta: 0.75,
            k: 1.0,
        },
    }
}

/// A small generated problem: `classes` glyph classes at 16x16, cropped to 14x14, with little
/// noise, clutter or deformation.
pub fn dataset(classes: usize, train_per_class: usize) -> DatasetConfig {
    let mut config = DatasetConfig::embedded(EmbeddedConfig {
        classes,
        train_per_class,
        val_per_class: 20,
        image_size: 16,
        image_seed: 3,
        noise: 0.01,
        clutter: 0.0,
        deformation: 0.2,
    });
    config.crop_size = INPUT;
    config.scale = 1.0 / 64.0;
    config
}

/// The images of half `half` of split `random0` of `config`'s dataset.
pub fn cell_data(config: &DatasetConfig, half: HalfId) -> CellData {
    let source = convnet_data::open(config).unwrap();
    let split = if half == HalfId::All {
        Split::all(source.catalog())
    } else {
        Split::random(source.catalog(), 0)
    }
    .unwrap();
    let half = split.half(half).unwrap().clone();
    let mean = MeanImage::compute(source.as_ref(), &half, false).unwrap();
    let preprocess = Preprocess::from_config(config, mean).unwrap();
    CellData {
        source,
        half,
        preprocess,
        skip_bad_images: false,
        unreadable: Default::default(),
    }
}

/// A short schedule: `max_iter` iterations of batch 32.
pub fn solver(max_iter: u64) -> SolverConfig {
    SolverConfig {
        base_lr: 0.02,
        momentum: 0.9,
        weight_decay: 5e-4,
        gamma: 0.1,
        step_size: max_iter.max(2) * 3 / 4,
        max_iter,
        batch_size: 32,
        test_interval: (max_iter / 4).max(1),
        snapshot_interval: (max_iter / 2).max(1),
        best_k: 2,
        bias_lr_mult: 2.0,
        bias_decay_mult: 0.0,
        feature_cache_mib: 2048,
    }
}

/// A cell's checkpoint file name in its folder.
pub const CHECKPOINT_FILE: &str = "checkpoint.safetensors";
/// A cell's evaluations file name in its folder.
pub const METRICS_FILE: &str = "metrics.jsonl";

/// The files of a cell whose folder is `dir`.
pub fn files(dir: &Path) -> CellFiles {
    CellFiles {
        checkpoint: dir.join(CHECKPOINT_FILE),
        metrics: dir.join(METRICS_FILE),
        result: dir.join("result.json"),
    }
}

/// A job for `cell` in `dir`, copying from `base` when given.
pub fn job(
    cell: &str,
    dir: &Path,
    spec: ArchSpec,
    solver: SolverConfig,
    base: Option<&Path>,
) -> CellJob {
    CellJob {
        cell: cell.parse::<Cell>().unwrap(),
        files: files(dir),
        spec,
        solver,
        run_seed: 11,
        base: base.map(Base::checkpoint),
        device: Device::Cpu,
        precision: Default::default(),
        stop: Arc::new(AtomicBool::new(false)),
        keep_weights: true,
    }
}
