//! What the whole-grid tests share: the smoke configuration and a folder of pictures (each
//! test crate uses its part of them).
#![allow(dead_code)]

use std::path::Path;

use image::{Rgb, RgbImage};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use transferability::data::{DatasetConfig, DatasetKind};

use transferability::{run_cells, Experiment, ExperimentConfig, Summary};

/// `configs/smoke.toml`: every kind of cell on a toy net, in seconds.
pub fn smoke() -> ExperimentConfig {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/configs/smoke.toml");
    ExperimentConfig::load(Path::new(path)).unwrap()
}

/// A noisy picture, so that its JPEG is several kilobytes.
fn picture(seed: u32) -> RgbImage {
    RgbImage::from_fn(48, 48, |x, y| {
        let v = (x * 31 + y * 17 + seed * 101).wrapping_mul(2_654_435_761) >> 24;
        Rgb([v as u8, (v * 3) as u8, (x * 5 + seed) as u8])
    })
}

/// `train/<class>/*.jpg` (six a class) and `val/<class>/*.jpg` (two) for six classes.
pub fn image_tree(root: &Path) {
    for class in 0..6 {
        for (subset, count) in [("train", 6), ("val", 2)] {
            let dir = root.join(subset).join(format!("class{class}"));
            std::fs::create_dir_all(&dir).unwrap();
            for i in 0..count {
                picture(class * 100 + i)
                    .save(dir.join(format!("{i}.jpg")))
                    .unwrap();
            }
        }
    }
}

/// The smoke grid's net on a folder of JPEGs (`image_tree`), 16x16 stored, random 14x14 crops,
/// mirrored: the random split alone, at a gentler step than the glyphs take.
pub fn folder_grid(data: &Path) -> ExperimentConfig {
    let mut config = smoke();
    config.dataset = DatasetConfig::on_disk(DatasetKind::Folder, data, 16, 14);
    let grid = config.study.grid_mut().unwrap();
    grid.splits.dissimilar = None;
    grid.grid.random_filters = false;
    config.solver.base_lr = 0.001;
    config
}

/// Trains every cell of `experiment`'s plan, two at a time.
pub fn train_all(experiment: &Experiment) -> Summary {
    let cells: Vec<_> = experiment.plan().cells().iter().collect();
    run_cells(experiment, &cells, Arc::new(AtomicBool::new(false)), 2, &())
}
