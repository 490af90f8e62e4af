//! An experiment: a configuration, its run directory, its data and splits, and the cells of
//! its plan, each trained idempotently.

use std::collections::BTreeMap;
use std::fs::File;
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use candle_core::Device;
use convnet_data::{MeanImage, Preprocess, Source};
use convnet_splits::{HalfId, PartitionSpec, Split};
use convnet_train::{train_cell, CellData, CellJob, Outcome, Progress, RESULT_FILE};
use convnet_transfer::{Cell, CellResult};

use crate::config::ExperimentConfig;
use crate::error::ExperimentError;
use crate::plan::Plan;
use crate::run_dir::RunDir;

/// An opened experiment: configuration saved, data opened, splits written, plan made.
pub struct Experiment {
    config: ExperimentConfig,
    run: RunDir,
    source: Arc<dyn Source>,
    splits: BTreeMap<String, Split>,
    plan: Plan,
    device: Device,
}

impl Experiment {
    /// Opens (or creates) the run directory `run_dir` for `config`.
    ///
    /// A run directory keeps the configuration it was made with: opening it with a
    /// configuration that changes the experiment (anything but the device, the data's
    /// location and the output options) is an error, so that no run mixes cells of two
    /// configurations.
    pub fn open(config: ExperimentConfig, run_dir: PathBuf) -> Result<Self, ExperimentError> {
        config.validate()?;
        let run = RunDir::new(run_dir);
        check_same_experiment(&run, &config)?;
        convnet_train::write_atomic(&run.config(), config.to_toml().as_bytes())?;
        let source = convnet_data::open(&config.dataset)?;
        let splits = make_splits(&config, source.as_ref(), &run)?;
        let plan = Plan::from_config(&config);
        convnet_train::write_atomic(&run.plan(), plan.manifest().as_bytes())?;
        let device = config.device.open()?;
        Ok(Experiment {
            config,
            run,
            source,
            splits,
            plan,
            device,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &ExperimentConfig {
        &self.config
    }

    /// The run directory.
    pub fn run_dir(&self) -> &RunDir {
        &self.run
    }

    /// The grid.
    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    /// The device cells train on.
    pub fn device(&self) -> &Device {
        &self.device
    }

    /// Whether `cell` has finished (its `result.json` exists).
    pub fn is_finished(&self, cell: &Cell) -> bool {
        self.run.cell(cell).join(RESULT_FILE).is_file()
    }

    /// Trains `cell` to the end, resumes it, or does nothing if it has finished.
    ///
    /// The cell's lock is held meanwhile: a second runner on the same cell gets
    /// [`ExperimentError::Locked`]. `stop` asks for a checkpoint and an early return.
    pub fn run_cell(
        &self,
        cell: &Cell,
        stop: Arc<AtomicBool>,
        progress: &mut Progress,
    ) -> Result<Outcome, ExperimentError> {
        let planned = self
            .plan
            .find(&cell.to_string())
            .ok_or_else(|| ExperimentError::UnknownCell(cell.to_string()))?;
        let dir = self.run.cell(cell);
        std::fs::create_dir_all(&dir).map_err(|source| ExperimentError::Io {
            path: dir.clone(),
            source,
        })?;
        let lock_path = self.run.lock(cell);
        let _lock = lock(&lock_path, cell)?;
        remove_leftover_temporaries(&dir, &lock_path)?;
        if self.is_finished(cell) {
            let result = convnet_train::read_result(&dir.join(RESULT_FILE))?;
            return Ok(Outcome::AlreadyDone(result));
        }
        let base_checkpoint = match &planned.base {
            Some(base) => {
                let result = self.run.cell(base).join(RESULT_FILE);
                if !result.is_file() {
                    return Err(ExperimentError::BaseNotFinished {
                        cell: cell.to_string(),
                        base: base.to_string(),
                        path: result,
                    });
                }
                Some(self.run.cell(base).join(convnet_train::CHECKPOINT_FILE))
            }
            None => None,
        };
        let data = self.data(cell)?;
        let job = self.job(cell, base_checkpoint, stop)?;
        Ok(train_cell(&job, &data, progress)?)
    }

    fn job(
        &self,
        cell: &Cell,
        base_checkpoint: Option<PathBuf>,
        stop: Arc<AtomicBool>,
    ) -> Result<CellJob, ExperimentError> {
        let classes = self.half(cell)?.len();
        Ok(CellJob {
            cell: cell.clone(),
            dir: self.run.cell(cell),
            spec: self.config.arch(classes)?,
            solver: self.config.solver.clone(),
            run_seed: self.config.seed,
            base_checkpoint,
            device: self.device.clone(),
            stop,
        })
    }

    fn half(&self, cell: &Cell) -> Result<&convnet_splits::Half, ExperimentError> {
        let split = self
            .splits
            .get(&cell.split)
            .ok_or_else(|| ExperimentError::UnknownCell(cell.to_string()))?;
        Ok(split.half(cell.target)?)
    }

    /// The images of `cell`'s target half, with the mean image of its training images
    /// (computed once per half and cached in the run directory).
    fn data(&self, cell: &Cell) -> Result<CellData, ExperimentError> {
        let half = self.half(cell)?.clone();
        let mean = MeanImage::load_or_compute(
            &self.run.mean(&cell.split, cell.target),
            self.source.as_ref(),
            &half,
            self.config.dataset.skip_bad_images,
        )?;
        Ok(CellData {
            source: self.source.clone(),
            half,
            preprocess: Preprocess::from_config(&self.config.dataset, mean)?,
            skip_bad_images: self.config.dataset.skip_bad_images,
        })
    }

    /// The results of every finished cell of the plan, in plan order.
    pub fn results(&self) -> Result<Vec<CellResult>, ExperimentError> {
        let mut rows = Vec::new();
        for planned in self.plan.cells() {
            let path = self.run.cell(&planned.cell).join(RESULT_FILE);
            if path.is_file() {
                let row = convnet_train::read_result(&path)?;
                rows.push(row);
            }
        }
        Ok(rows)
    }

    /// Rebuilds `results.csv` from the cells' `result.json` files; returns the rows.
    ///
    /// Runners finishing at the same time (Slurm array tasks) take turns: the rebuild holds
    /// the run directory's `.results.lock`.
    pub fn write_results(&self) -> Result<Vec<CellResult>, ExperimentError> {
        let _lock = wait_for_lock(&self.run.root().join(".results.lock"))?;
        let rows = self.results()?;
        convnet_transfer::write_results(&self.run.results(), &rows)?;
        Ok(rows)
    }
}

/// Locks the file at `path` (created if needed), waiting for any other holder; the lock is
/// held until the returned file is dropped.
pub(crate) fn wait_for_lock(path: &std::path::Path) -> Result<File, ExperimentError> {
    let io = |source| ExperimentError::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = File::create(path).map_err(io)?;
    file.lock().map_err(io)?;
    Ok(file)
}

/// Holds a cell's lock file locked until dropped.
fn lock(path: &std::path::Path, cell: &Cell) -> Result<File, ExperimentError> {
    let file = File::create(path).map_err(|source| ExperimentError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => Err(ExperimentError::Locked {
            cell: cell.to_string(),
            path: path.to_path_buf(),
        }),
        Err(std::fs::TryLockError::Error(source)) => Err(ExperimentError::Io {
            path: path.to_path_buf(),
            source,
        }),
    }
}

/// Removes the temporary files of atomic writes (dot files other than the lock) from a folder
/// that only the holder of `lock` writes to (a cell's folder, `figures/`): any such file is
/// what a killed runner left behind, never a write in progress.
pub(crate) fn remove_leftover_temporaries(
    dir: &std::path::Path,
    lock: &std::path::Path,
) -> Result<(), ExperimentError> {
    let io = |path: &std::path::Path| {
        let path = path.to_path_buf();
        move |source| ExperimentError::Io { path, source }
    };
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

/// Refuses a run directory made with a configuration that defines another experiment.
fn check_same_experiment(run: &RunDir, config: &ExperimentConfig) -> Result<(), ExperimentError> {
    let path = run.config();
    if !path.is_file() {
        return Ok(());
    }
    let saved = ExperimentConfig::load(&path)?;
    let essence = |c: &ExperimentConfig| {
        let mut c = c.clone();
        c.device = Default::default();
        c.dataset.path = None;
        c.output = Default::default();
        c.to_toml()
    };
    let (old, new) = (essence(&saved), essence(config));
    if old == new {
        return Ok(());
    }
    let detail = old
        .lines()
        .zip(new.lines())
        .find(|(a, b)| a != b)
        .map(|(a, b)| format!("saved `{a}`, given `{b}`"))
        .unwrap_or_else(|| "the configurations differ".to_string());
    Err(ExperimentError::ConfigChanged { path, detail })
}

/// Makes every split the plan needs, writes each to `splits/<name>.tsv`, and checks an
/// existing split file against the split it must hold.
fn make_splits(
    config: &ExperimentConfig,
    source: &dyn Source,
    run: &RunDir,
) -> Result<BTreeMap<String, Split>, ExperimentError> {
    let catalog = source.catalog();
    let mut specs: Vec<(String, PartitionSpec)> = config
        .splits
        .random_seeds
        .iter()
        .map(|&seed| (format!("random{seed}"), PartitionSpec::Random { seed }))
        .collect();
    if let Some(d) = &config.splits.dissimilar {
        specs.push((
            d.name.clone(),
            PartitionSpec::Dissimilar {
                a_groups: d.a_groups.clone(),
                b_groups: d.b_groups.clone(),
            },
        ));
    }
    if config.grid.random_filters {
        specs.push(("all".to_string(), PartitionSpec::All));
    }
    let mut splits = BTreeMap::new();
    for (name, spec) in specs {
        let split = Split::new(catalog, &name, &spec)?;
        let path = run.split(&name);
        if path.is_file() {
            let saved = Split::read(catalog, &path)?;
            for id in [HalfId::A, HalfId::B, HalfId::All] {
                let (a, b) = (saved.half(id).ok(), split.half(id).ok());
                if a.map(|h| h.classes()) != b.map(|h| h.classes()) {
                    return Err(ExperimentError::ConfigChanged {
                        path: path.clone(),
                        detail: format!("half {id} of split `{name}` differs from the saved one"),
                    });
                }
            }
        } else {
            split.write(catalog, &path)?;
        }
        splits.insert(name, split);
    }
    Ok(splits)
}
