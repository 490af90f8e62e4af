//! One row of `results.csv`: the outcome of one trained cell.

use std::fmt;
use std::str::FromStr;

/// The columns of `results.csv`, in order.
pub const COLUMNS: [&str; 17] = [
    "split",
    "cell",
    "source",
    "target",
    "n",
    "mode",
    "seed",
    "top1",
    "top1_final",
    "top5",
    "iterations",
    "epochs",
    "train_images",
    "val_images",
    "wall_s",
    "images_per_s",
    "device",
];

/// How a cell's first `n` layers were initialised.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// A base net trained from scratch (`n = 0`).
    Base,
    /// Layers `1..n` copied and frozen.
    Frozen,
    /// Layers `1..n` copied and fine-tuned.
    Finetune,
    /// Layers `1..n` left at their random initialisation and frozen.
    Random,
}

impl Mode {
    /// The name used in `results.csv`.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Base => "base",
            Mode::Frozen => "frozen",
            Mode::Finetune => "finetune",
            Mode::Random => "random",
        }
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Mode {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "base" => Ok(Mode::Base),
            "frozen" => Ok(Mode::Frozen),
            "finetune" => Ok(Mode::Finetune),
            "random" => Ok(Mode::Random),
            other => Err(format!(
                "`{other}` is not a mode (base, frozen, finetune, random)"
            )),
        }
    }
}

/// One trained cell, as a line of `results.csv` (also serialisable, e.g. as a cell's `result.json`).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ResultRow {
    /// Split name: `random0`, `natman`, `all`, ...
    pub split: String,
    /// Full cell name, e.g. `random0/A3B+`.
    pub cell: String,
    /// Half the copied layers come from (`A`, `B`, `all`); empty for base and random cells.
    pub source: String,
    /// Half trained and evaluated on.
    pub target: String,
    /// Copied (or random frozen) layers; 0 for bases.
    pub n: u32,
    /// How layers `1..n` were initialised.
    pub mode: Mode,
    /// Replicate seed.
    pub seed: u64,
    /// The paper's metric: mean of the k best validation top-1 values.
    pub top1: f64,
    /// Top-1 of the last evaluation.
    pub top1_final: f64,
    /// Top-5 of the last evaluation.
    pub top5: f64,
    /// Iterations trained.
    pub iterations: u64,
    /// Epochs of the target half those iterations make.
    pub epochs: f64,
    /// Training images in the target half.
    pub train_images: u64,
    /// Validation images in the target half.
    pub val_images: u64,
    /// Training wall time in seconds.
    pub wall_s: f64,
    /// Training throughput.
    pub images_per_s: f64,
    /// `cpu` or `cuda:i`.
    pub device: String,
}

impl ResultRow {
    /// The row's values as text, in the order of [`COLUMNS`].
    pub fn fields(&self) -> [String; 17] {
        [
            self.split.clone(),
            self.cell.clone(),
            self.source.clone(),
            self.target.clone(),
            self.n.to_string(),
            self.mode.to_string(),
            self.seed.to_string(),
            self.top1.to_string(),
            self.top1_final.to_string(),
            self.top5.to_string(),
            self.iterations.to_string(),
            self.epochs.to_string(),
            self.train_images.to_string(),
            self.val_images.to_string(),
            self.wall_s.to_string(),
            self.images_per_s.to_string(),
            self.device.clone(),
        ]
    }
}
