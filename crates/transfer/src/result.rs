//! The result of a finished cell: its `result.json`, and its row of `results.csv`.

use serde::{Deserialize, Serialize};

/// A finished cell, with the columns of `results.csv` (see `docs/architecture.md`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CellResult {
    /// Split name, e.g. `random0`.
    pub split: String,
    /// Cell name, e.g. `random0/A3B+`.
    pub cell: String,
    /// Half the copied layers come from (`A`, `B`), empty for base and random cells.
    pub source: String,
    /// Half trained and evaluated on (`A`, `B`, `all`).
    pub target: String,
    /// Copied (or random frozen) layers; 0 for bases.
    pub n: usize,
    /// `base`, `frozen`, `finetune` or `random`.
    pub mode: String,
    /// Replicate seed.
    pub seed: u32,
    /// The paper's metric: mean of the `best_k` best validation top-1 values.
    pub top1: f64,
    /// Top-1 of the last evaluation.
    pub top1_final: f64,
    /// Top-5 of the last evaluation.
    pub top5: f64,
    /// Iterations trained.
    pub iterations: u64,
    /// Epochs of the target half's training images those iterations make.
    pub epochs: f64,
    /// Training images in the target half.
    pub train_images: usize,
    /// Validation images in the target half.
    pub val_images: usize,
    /// Seconds of training (all sessions of the cell, evaluations included).
    pub wall_s: f64,
    /// Training images per second (evaluations excluded).
    pub images_per_s: f64,
    /// `cpu` or `cuda:i`.
    pub device: String,
}
