//! The layout of a run directory (`runs/<name>/`): every path and lock of a run. Nothing else
//! joins run-directory paths.

use std::fs::File;
use std::path::{Path, PathBuf};

use convnet_results::Cell;
use convnet_splits::{HalfId, SplitName};
use convnet_train::CellFiles;

use crate::error::ExperimentError;

/// Paths inside a run directory: `config.toml`, `plan.jsonl`, `splits/`, `mean/`,
/// `images.json`, `cells/<cell>/` (`checkpoint.safetensors`, `metrics.jsonl`, `result.json`,
/// `.lock`), `results.csv`, `profile.csv`, `estimate.csv`, `figures/`, `report.html`, and the
/// locks of the run.
#[derive(Clone, Debug)]
pub struct RunDir {
    root: PathBuf,
}

/// A lock on a file, held until dropped (an OS file lock: released when the process dies).
#[derive(Debug)]
pub struct Lock {
    _file: File,
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
    pub fn split(&self, name: &SplitName) -> PathBuf {
        self.root.join("splits").join(format!("{name}.tsv"))
    }

    /// The cached mean image of the training images of `half` of split `split`.
    pub fn mean(&self, split: &SplitName, half: HalfId) -> PathBuf {
        self.root
            .join("mean")
            .join(format!("{split}-{half}.safetensors"))
    }

    /// The record of the check of every image before the first net trained: how many were
    /// checked, and which cannot be decoded.
    pub fn image_check(&self) -> PathBuf {
        self.root.join("images.json")
    }

    /// The folder of one cell.
    pub fn cell(&self, cell: &Cell) -> PathBuf {
        self.root.join("cells").join(cell.to_string())
    }

    /// The files of one cell: its checkpoint, its evaluations, its result.
    pub fn cell_files(&self, cell: &Cell) -> CellFiles {
        let dir = self.cell(cell);
        CellFiles {
            checkpoint: dir.join("checkpoint.safetensors"),
            metrics: dir.join("metrics.jsonl"),
            result: dir.join("result.json"),
        }
    }

    /// Whether `cell` has finished (its `result.json` exists).
    pub fn is_finished(&self, cell: &Cell) -> bool {
        self.cell_files(cell).result.is_file()
    }

    /// The results of every finished cell.
    pub fn results(&self) -> PathBuf {
        self.root.join("results.csv")
    }

    /// A transfer profile's table: per n, frozen and fine-tuned top-1 against the base net.
    pub fn profile_table(&self) -> PathBuf {
        self.root.join("profile.csv")
    }

    /// A comparison of transfer profiles' table (`compare-profiles`, in a folder of its own).
    pub fn profiles_table(&self) -> PathBuf {
        self.root.join("profiles.txt")
    }

    /// The run directory and the cell whose checkpoint `path` is, if it is one
    /// (`<run>/cells/<split>/<net>/checkpoint.safetensors`).
    pub fn checkpoint_owner(path: &Path) -> Option<(PathBuf, Cell)> {
        let net = path.parent()?;
        let split = net.parent()?;
        let cells = split.parent()?;
        let root = cells.parent()?;
        if path.file_name()? != "checkpoint.safetensors" || cells.file_name()? != "cells" {
            return None;
        }
        let name = format!(
            "{}/{}",
            split.file_name()?.to_string_lossy(),
            net.file_name()?.to_string_lossy()
        );
        let cell: Cell = name.parse().ok()?;
        let run = RunDir::new(root);
        (run.cell_files(&cell).checkpoint == path).then(|| (root.to_path_buf(), cell))
    }

    /// The transferability estimates of the run's profiles: per base net, target and layer,
    /// every estimator beside the measured top-1.
    pub fn estimate_table(&self) -> PathBuf {
        self.root.join("estimate.csv")
    }

    /// The figures folder.
    pub fn figures(&self) -> PathBuf {
        self.root.join("figures")
    }

    /// The HTML report.
    pub fn report(&self) -> PathBuf {
        self.root.join("report.html")
    }

    /// The Slurm script `name` (`stage1.sbatch`, `stage2.sbatch`, `submit.sh`).
    pub fn slurm_script(&self, name: &str) -> PathBuf {
        self.root.join(name)
    }

    /// The folder of the Slurm tasks' logs.
    pub fn slurm_logs(&self) -> PathBuf {
        self.root.join("slurm")
    }

    /// The lock file held while a runner trains `cell`.
    fn cell_lock(&self, cell: &Cell) -> PathBuf {
        self.cell(cell).join(".lock")
    }

    /// Locks `cell` for this runner, or [`ExperimentError::Locked`] when another runner holds
    /// it. The holder first removes what a killed writer left in the cell's folder.
    pub fn lock_cell(&self, cell: &Cell) -> Result<Lock, ExperimentError> {
        let path = self.cell_lock(cell);
        let lock = try_lock(&path)?.ok_or_else(|| ExperimentError::Locked {
            cell: cell.to_string(),
            path: path.clone(),
        })?;
        remove_leftover_temporaries(&self.cell(cell), &path)?;
        Ok(lock)
    }

    /// Whether another runner holds `cell`'s lock now.
    pub fn is_locked(&self, cell: &Cell) -> Result<bool, ExperimentError> {
        Ok(try_lock(&self.cell_lock(cell))?.is_none())
    }

    /// Waits for, then holds, the lock of preparing the run (configuration, plan, splits, the
    /// image check and the mean images), so that runners starting together prepare it once.
    pub fn lock_preparation(&self) -> Result<Lock, ExperimentError> {
        wait_for_lock(&self.root.join(".prepare.lock"))
    }

    /// Waits for, then holds, the lock of rebuilding `results.csv`.
    pub fn lock_results(&self) -> Result<Lock, ExperimentError> {
        wait_for_lock(&self.root.join(".results.lock"))
    }

    /// Waits for, then holds, the lock of drawing the figures; the holder first removes what a
    /// killed drawer left in `figures/`.
    pub fn lock_figures(&self) -> Result<Lock, ExperimentError> {
        let path = self.figures().join(".lock");
        let lock = wait_for_lock(&path)?;
        remove_leftover_temporaries(&self.figures(), &path)?;
        Ok(lock)
    }
}

/// The error of an I/O operation on `path`.
fn io(path: &Path) -> impl FnOnce(std::io::Error) -> ExperimentError + '_ {
    move |source| ExperimentError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Opens (creating it and its folder if needed) the lock file at `path`.
fn lock_file(path: &Path) -> Result<File, ExperimentError> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(io(parent))?;
    }
    File::create(path).map_err(io(path))
}

/// Locks the file at `path`, waiting for any other holder.
fn wait_for_lock(path: &Path) -> Result<Lock, ExperimentError> {
    let file = lock_file(path)?;
    file.lock().map_err(io(path))?;
    Ok(Lock { _file: file })
}

/// Locks the file at `path` if no one else holds it.
fn try_lock(path: &Path) -> Result<Option<Lock>, ExperimentError> {
    let file = lock_file(path)?;
    match file.try_lock() {
        Ok(()) => Ok(Some(Lock { _file: file })),
        Err(std::fs::TryLockError::WouldBlock) => Ok(None),
        Err(std::fs::TryLockError::Error(source)) => Err(io(path)(source)),
    }
}

/// Removes the temporary files of atomic writes (dot files other than the lock) from a folder
/// that only the holder of `lock` writes to: any such file is what a killed writer left
/// behind, never a write in progress.
fn remove_leftover_temporaries(dir: &Path, lock: &Path) -> Result<(), ExperimentError> {
    for entry in std::fs::read_dir(dir).map_err(io(dir))? {
        let path = entry.map_err(io(dir))?.path();
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
        let dotted = name.is_some_and(|n| n.starts_with('.'));
        if dotted && path != lock && path.is_file() {
            tracing::info!("removing {}, left by an interrupted write", path.display());
            std::fs::remove_file(&path).map_err(io(&path))?;
        }
    }
    Ok(())
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
