//! An experiment: a configuration, its run directory, its data and splits, and the cells of
//! its plan, each trained idempotently.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, OnceLock};

use candle_core::Device;
use convnet_data::{
    scan_images, unreadable_error, MeanImage, Preprocess, Source, Subset, Unreadable,
};
use convnet_results::{read_result, Cell, Mode};
use convnet_splits::{HalfId, PartitionSpec, Split, SplitName};
use convnet_train::{train_cell, CellData, CellJob, Outcome, Progress};
use convnet_transfer::Base;
use serde::{Deserialize, Serialize};

use crate::config::ExperimentConfig;
use crate::error::ExperimentError;
use crate::plan::Plan;
use crate::run::Run;
use crate::run_dir::RunDir;

/// An opened experiment: a [`Run`] with its data and its device: configuration checked, data
/// opened, splits and plan made. Opening writes nothing; [`Experiment::prepare`] writes the run
/// directory's files before training.
pub struct Experiment {
    run: Run,
    source: Arc<dyn Source>,
    splits: BTreeMap<SplitName, Split>,
    device: Device,
    /// The unreadable images found by the image check, once [`Experiment::prepare`] ran.
    unreadable: OnceLock<Arc<Vec<Unreadable>>>,
}

/// What [`Experiment::prepare`] found: the image check, run now or read from an earlier run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImageCheck {
    /// The dataset's name in its catalog.
    pub dataset: String,
    /// Its training images.
    pub train: usize,
    /// Its validation images.
    pub val: usize,
    /// The images the grid uses, each decoded once.
    pub checked: usize,
    /// Those that cannot be decoded (only with `skip_bad_images = true`; otherwise they stop
    /// the run before any net trains).
    pub unreadable: Vec<Unreadable>,
    /// Seconds the check took (0 when it was read from an earlier run).
    #[serde(skip)]
    pub seconds: f64,
}

impl Experiment {
    /// Opens the run directory `run_dir` for `config`, writing nothing.
    ///
    /// A run directory keeps the configuration it was made with: opening it with a
    /// configuration that changes the experiment (anything but the device, the data's
    /// location and the output options) is an error, so that no run mixes cells of two
    /// configurations.
    pub fn open(config: ExperimentConfig, run_dir: PathBuf) -> Result<Self, ExperimentError> {
        config.validate()?;
        let dir = RunDir::new(run_dir);
        check_same_experiment(&dir, &config)?;
        let source = convnet_data::open(&config.dataset_config())?;
        let splits = make_splits(&config, source.as_ref(), &dir)?;
        let device = config.device.open()?;
        config.precision.apply(&device);
        Ok(Experiment {
            run: Run::with_config(config, dir),
            source,
            splits,
            device,
            unreadable: OnceLock::new(),
        })
    }

    /// Writes the run's description: `config.toml`, `plan.jsonl` and the split files.
    pub fn write_manifest(&self) -> Result<(), ExperimentError> {
        let dir = self.run_dir();
        write(&dir.config(), self.config().to_toml().as_bytes())?;
        write(&dir.plan(), self.plan().manifest().as_bytes())?;
        let catalog = self.source.catalog();
        for (name, split) in &self.splits {
            let path = dir.split(name);
            if !path.is_file() {
                split.write(catalog, &path)?;
            }
        }
        Ok(())
    }

    /// Makes the run directory ready to train in: checks every image the grid uses once (each
    /// decoded; a corrupt or truncated one stops the run here, before any net trains and before
    /// anything is written, or is left out with `skip_bad_images = true`), writes the mean image
    /// of every half summed on the way, then the manifest. The check is recorded
    /// (`images.json`): a later call reads it instead of decoding again. Runners that start
    /// together take turns.
    pub fn prepare(&self) -> Result<ImageCheck, ExperimentError> {
        self.check_external_base()?;
        let _lock = self.run_dir().lock_preparation()?;
        let check = match self.saved_image_check()? {
            Some(check) => check,
            None => self.check_images()?,
        };
        self.write_manifest()?;
        let _ = self.unreadable.set(Arc::new(check.unreadable.clone()));
        Ok(check)
    }

    /// A base net from elsewhere (a profile's) fits the net of every cell that copies from
    /// it, in every layer a cell copies (its weights read, every tensor there, each shape
    /// checked), before anything trains.
    fn check_external_base(&self) -> Result<(), ExperimentError> {
        let study = &self.config().study;
        for planned in self.plan().cells() {
            let Some(base) = planned.base.as_ref().and_then(|b| study.external_base(b)) else {
                continue;
            };
            let classes = self.half(&planned.cell)?.len();
            base.load(&Device::Cpu)?
                .check(&self.config().arch(classes)?, study.deepest_layer())?;
            return Ok(());
        }
        Ok(())
    }

    /// Every half of every split, with where its mean image goes.
    fn halves(&self) -> Vec<(PathBuf, &convnet_splits::Half)> {
        self.splits
            .iter()
            .flat_map(|(name, split)| {
                [HalfId::A, HalfId::B, HalfId::All]
                    .into_iter()
                    .filter_map(move |id| split.half(id).ok().map(|half| (name, id, half)))
            })
            .map(|(name, id, half)| (self.run_dir().mean(name, id), half))
            .collect()
    }

    /// The image check of an earlier call, if it was made on this dataset and every mean image
    /// it wrote is still there.
    fn saved_image_check(&self) -> Result<Option<ImageCheck>, ExperimentError> {
        let path = self.run_dir().image_check();
        if !path.is_file() {
            return Ok(None);
        }
        let text = std::fs::read_to_string(&path).map_err(|source| ExperimentError::Io {
            path: path.clone(),
            source,
        })?;
        let saved: ImageCheck =
            serde_json::from_str(&text).map_err(|e| ExperimentError::Config {
                origin: path.display().to_string(),
                message: e.to_string(),
            })?;
        let same_data = saved.dataset == self.source.catalog().dataset()
            && saved.train == self.source.train().len()
            && saved.val == self.source.val().len();
        let mut means = true;
        for (path, half) in self.halves() {
            means &= MeanImage::load_matching(&path, self.source.as_ref(), half)?.is_some();
        }
        Ok((same_data && means).then_some(saved))
    }

    /// Decodes every image the grid uses, writes the mean images and the record.
    fn check_images(&self) -> Result<ImageCheck, ExperimentError> {
        let started = std::time::Instant::now();
        let halves = self.halves();
        let list: Vec<convnet_splits::Half> = halves.iter().map(|(_, h)| (*h).clone()).collect();
        let source = self.source.as_ref();
        let scan = scan_images(source, &list, &[Subset::Train, Subset::Val])?;
        if !scan.unreadable.is_empty() && !self.config().dataset.skip_bad_images {
            return Err(unreadable_error(&scan.unreadable, scan.checked).into());
        }
        for ((path, half), mean) in halves.iter().zip(scan.means) {
            let mean = mean.ok_or_else(|| convnet_data::DataError::EmptyHalf {
                subset: "train",
                half: format!("{:?} (no readable image)", half.id()),
            })?;
            mean.save(path, MeanImage::fingerprint(source, half))?;
        }
        let check = ImageCheck {
            dataset: source.catalog().dataset().to_string(),
            train: source.train().len(),
            val: source.val().len(),
            checked: scan.checked,
            unreadable: scan.unreadable,
            seconds: started.elapsed().as_secs_f64(),
        };
        let json = serde_json::to_string_pretty(&check).expect("an image check serialises");
        write(&self.run_dir().image_check(), json.as_bytes())?;
        Ok(check)
    }

    /// The run: configuration, run directory, plan.
    pub fn run(&self) -> &Run {
        &self.run
    }

    /// The configuration.
    pub fn config(&self) -> &ExperimentConfig {
        self.run.config()
    }

    /// The run directory.
    pub fn run_dir(&self) -> &RunDir {
        self.run.run_dir()
    }

    /// The plan.
    pub fn plan(&self) -> &Plan {
        self.run.plan()
    }

    /// The device cells train on.
    pub fn device(&self) -> &Device {
        &self.device
    }

    /// How many cells to train at once by default: two on the CPU, where one cell's ops leave
    /// the cores idle part of the time (the embedded grid used 1.2 of 2 cores with one cell at
    /// a time, 1.5 with two, and finished 1.4 times sooner), one on a GPU.
    pub fn default_jobs(&self) -> usize {
        if self.device.is_cpu() {
            2
        } else {
            1
        }
    }

    /// Whether `cell` has finished (see [`Run::is_finished`]).
    pub fn is_finished(&self, cell: &Cell) -> bool {
        self.run.is_finished(cell)
    }

    /// Whether another runner is training `cell` now (holds its lock).
    pub fn is_running_elsewhere(&self, cell: &Cell) -> Result<bool, ExperimentError> {
        self.run_dir().is_locked(cell)
    }

    /// Trains `cell` to the end, resumes it, or does nothing if it has finished; prepares the
    /// run directory first if this experiment has not ([`Experiment::prepare`]).
    ///
    /// The cell's lock is held meanwhile: a second runner on the same cell gets
    /// [`ExperimentError::Locked`]. `stop` asks for a checkpoint and an early return.
    pub fn run_cell(
        &self,
        cell: &Cell,
        stop: Arc<AtomicBool>,
        progress: &mut dyn Progress,
    ) -> Result<Outcome, ExperimentError> {
        let planned = self
            .plan()
            .find(&cell.to_string())
            .ok_or_else(|| ExperimentError::UnknownCell(cell.to_string()))?;
        if self.unreadable.get().is_none() {
            self.prepare()?;
        }
        let dir = self.run_dir();
        let _lock = dir.lock_cell(cell)?;
        let files = dir.cell_files(cell);
        if files.result.is_file() {
            convnet_train::finish_checkpoint(&files.checkpoint, self.keeps_weights(cell))?;
            return Ok(Outcome::AlreadyDone(read_result(&files.result)?));
        }
        let base = planned
            .base
            .as_ref()
            .map(|base| {
                self.run
                    .base_net(base)
                    .ok_or_else(|| ExperimentError::BaseNotFinished {
                        cell: cell.to_string(),
                        base: base.to_string(),
                        path: dir.cell_files(base).result,
                    })
            })
            .transpose()?;
        let data = self.data(cell)?;
        let job = self.job(cell, base, stop)?;
        Ok(train_cell(&job, &data, progress)?)
    }

    /// Whether a finished `cell` keeps its weights: base nets always (other cells copy from
    /// them), other cells when `[output] keep_weights = "all"`.
    fn keeps_weights(&self, cell: &Cell) -> bool {
        cell.mode == Mode::Base
            || self.config().output.keep_weights == crate::config::KeepWeights::All
    }

    /// What training `cell` needs besides its data: its files, net, solver, seeds, `base`,
    /// precision and device (on CUDA, the calling thread's instance of the experiment's GPU:
    /// `convnet_train::device_for_this_thread`).
    pub(crate) fn job(
        &self,
        cell: &Cell,
        base: Option<Base>,
        stop: Arc<AtomicBool>,
    ) -> Result<CellJob, ExperimentError> {
        let classes = self.half(cell)?.len();
        Ok(CellJob {
            cell: cell.clone(),
            files: self.run_dir().cell_files(cell),
            spec: self.config().arch(classes)?,
            solver: self.config().solver.clone(),
            run_seed: self.config().seed,
            base,
            device: convnet_train::device_for_this_thread(&self.device)?,
            precision: self.config().precision,
            stop,
            keep_weights: self.keeps_weights(cell),
        })
    }

    fn half(&self, cell: &Cell) -> Result<&convnet_splits::Half, ExperimentError> {
        let split = self
            .splits
            .get(&cell.split)
            .ok_or_else(|| ExperimentError::UnknownCell(cell.to_string()))?;
        Ok(split.half(cell.target)?)
    }

    /// The images of `cell`'s target half, with the mean image of its training images (written
    /// by [`Experiment::prepare`]).
    pub(crate) fn data(&self, cell: &Cell) -> Result<CellData, ExperimentError> {
        let half = self.half(cell)?.clone();
        let path = self.run_dir().mean(&cell.split, cell.target);
        let mean =
            MeanImage::load_matching(&path, self.source.as_ref(), &half)?.ok_or_else(|| {
                ExperimentError::Io {
                    path: path.clone(),
                    source: std::io::Error::new(
                        std::io::ErrorKind::NotFound,
                        "the mean image is missing: prepare the run first",
                    ),
                }
            })?;
        Ok(CellData {
            source: self.source.clone(),
            half,
            preprocess: Preprocess::from_config(&self.config().dataset, mean)?,
            skip_bad_images: self.config().dataset.skip_bad_images,
            unreadable: self.unreadable.get().cloned().unwrap_or_default(),
        })
    }
}

/// Writes `bytes` to `path` whole or not at all.
fn write(path: &std::path::Path, bytes: &[u8]) -> Result<(), ExperimentError> {
    convnet_files::write_atomic(path, bytes).map_err(|source| ExperimentError::Io {
        path: path.to_path_buf(),
        source,
    })
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

/// Makes every split the plan needs, and checks an existing split file
/// (`splits/<name>.tsv`) against the split it must hold.
fn make_splits(
    config: &ExperimentConfig,
    source: &dyn Source,
    run: &RunDir,
) -> Result<BTreeMap<SplitName, Split>, ExperimentError> {
    checked_splits(source.catalog(), config.study.partitions(config.seed), run)
}

/// The splits of `specs`, each checked against its saved file where there is one.
fn checked_splits(
    catalog: &convnet_splits::Catalog,
    specs: Vec<(SplitName, PartitionSpec)>,
    run: &RunDir,
) -> Result<BTreeMap<SplitName, Split>, ExperimentError> {
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
        }
        splits.insert(name, split);
    }
    Ok(splits)
}
