//! The layout of a run directory (`runs/<name>/`).

use std::path::{Path, PathBuf};

use convnet_splits::HalfId;
use convnet_transfer::Cell;

/// Paths inside a run directory: `config.toml`, `plan.jsonl`, `splits/`, `mean/`,
/// `images.json`, `cells/<cell>/`, `results.csv`, `figures/`, `report.html`.
#[derive(Clone, Debug)]
pub struct RunDir {
    root: PathBuf,
}

impl RunDir {
    /// The run directory at `root` (nothing is created).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        RunDir { root: root.into() }
    }

    /// The directory itself.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The resolved configuration.
    pub fn config(&self) -> PathBuf {
        self.root.join("config.toml")
    }

    /// The grid manifest, one JSON line per cell.
    pub fn plan(&self) -> PathBuf {
        self.root.join("plan.jsonl")
    }

    /// The split file of split `name`.
    pub fn split(&self, name: &str) -> PathBuf {
        self.root.join("splits").join(format!("{name}.tsv"))
    }

    /// The cached mean image of the training images of `half` of split `split`.
    pub fn mean(&self, split: &str, half: HalfId) -> PathBuf {
        self.root
            .join("mean")
            .join(format!("{split}-{half}.safetensors"))
    }

    /// The folder of one cell: checkpoint, metrics, result.
    pub fn cell(&self, cell: &Cell) -> PathBuf {
        self.root.join("cells").join(cell.dir_name())
    }

    /// The lock file held while a runner trains `cell`.
    pub fn lock(&self, cell: &Cell) -> PathBuf {
        self.cell(cell).join(".lock")
    }

    /// The record of the check of every image before the first net trained: how many were
    /// checked, and which cannot be decoded.
    pub fn image_check(&self) -> PathBuf {
        self.root.join("images.json")
    }

    /// The lock held while a runner prepares the run (configuration, plan, splits, the image
    /// check and the mean images), so that runners starting together prepare it once.
    pub fn prepare_lock(&self) -> PathBuf {
        self.root.join(".prepare.lock")
    }

    /// The lock held while `results.csv` is rebuilt.
    pub fn results_lock(&self) -> PathBuf {
        self.root.join(".results.lock")
    }

    /// The results of every finished cell.
    pub fn results(&self) -> PathBuf {
        self.root.join("results.csv")
    }

    /// The figures folder.
    pub fn figures(&self) -> PathBuf {
        self.root.join("figures")
    }

    /// The HTML report.
    pub fn report(&self) -> PathBuf {
        self.root.join("report.html")
    }
}

/// Bytes taken by the files under `path` (0 when it does not exist).
pub fn size_on_disk(path: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(path) else {
        return 0;
    };
    entries
        .filter_map(Result::ok)
        .map(|entry| match entry.file_type() {
            Ok(kind) if kind.is_dir() => size_on_disk(&entry.path()),
            Ok(_) => entry.metadata().map_or(0, |m| m.len()),
            Err(_) => 0,
        })
        .sum()
}
