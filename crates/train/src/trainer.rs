//! The training loop of one cell: initialise or resume, train, evaluate, checkpoint, finish.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

use candle_core::{Device, Tensor, Var};
use convnet_alexnet::{AlexNet, ArchSpec, Pass};
use convnet_data::{Loader, Preprocess, Source, Unreadable};
use convnet_results::CellResult;
use convnet_splits::Half;
use convnet_transfer::{initialise, Base, Cell, Trainable};

use crate::checkpoint::{finish_checkpoint, Checkpoint, TrainingState};
use crate::device::DeviceChoice;
use crate::error::TrainError;
use crate::evaluate::{evaluate, tally};
use crate::features::FrozenFeatures;
use crate::precision::Precision;
use crate::prefix::net_of;
use crate::progress::{Progress, Step};
use crate::sgd::MomentumSgd;
use crate::solver::SolverConfig;
use convnet_results::{read_metrics, read_result, write_metrics, write_result, Evaluation};

/// The files of one cell, which the run directory names: where it checkpoints, where its
/// evaluations go, and where its result goes when it is done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CellFiles {
    /// The checkpoint: weights, momentum buffers and training state (safetensors).
    pub checkpoint: PathBuf,
    /// One JSON line per evaluation (`metrics.jsonl`).
    pub metrics: PathBuf,
    /// The cell's result, written when it is done (`result.json`).
    pub result: PathBuf,
}

/// What a cell trains on: the images of its target half.
pub struct CellData {
    /// Where the images come from.
    pub source: Arc<dyn Source>,
    /// The target half: which classes, and their labels.
    pub half: Half,
    /// Preprocessing (sizes, mean image of the training half, scale, mirror).
    pub preprocess: Preprocess,
    /// Skip (and count) unreadable images instead of failing on the first one.
    pub skip_bad_images: bool,
    /// Images known to be unreadable (found by a scan before training): never loaded.
    pub unreadable: Arc<Vec<Unreadable>>,
}

/// Everything needed to train one cell.
pub struct CellJob {
    /// The cell.
    pub cell: Cell,
    /// Where the cell's checkpoint, evaluations and result go.
    pub files: CellFiles,
    /// The architecture, with the number of outputs of this cell's fc8.
    pub spec: ArchSpec,
    /// Solver settings.
    pub solver: SolverConfig,
    /// The run's seed; the cell's own seed is derived from it and the cell's name.
    pub run_seed: u64,
    /// The base net whose layers `1..n` are copied (frozen and fine-tuned cells).
    pub base: Option<Base>,
    /// Where the tensors live.
    pub device: Device,
    /// The arithmetic the net computes in (its weights and the optimizer stay f32).
    pub precision: Precision,
    /// Set from outside (a signal handler) to checkpoint and stop at the next iteration.
    pub stop: Arc<AtomicBool>,
    /// Whether the finished cell keeps its weights (a base net, whose layers other cells copy):
    /// its checkpoint then loses only the momentum buffers; otherwise it is removed once the
    /// result is written. A running cell's checkpoint always holds everything, for an exact resume.
    pub keep_weights: bool,
}

/// How a call of [`train_cell`] ended.
#[derive(Debug)]
pub enum Outcome {
    /// The cell trained to the end now.
    Finished(CellResult),
    /// The cell was already finished; nothing was trained.
    AlreadyDone(CellResult),
    /// Asked to stop: a checkpoint at `iteration` was written, and a later call resumes there.
    Interrupted {
        /// Iterations completed and checkpointed.
        iteration: u64,
    },
}

/// A parameter of the net: trained by the optimizer, or held fixed.
enum Param {
    Trained(Var),
    Fixed(Tensor),
}

impl Param {
    fn tensor(&self) -> &Tensor {
        match self {
            Param::Trained(var) => var.as_tensor(),
            Param::Fixed(tensor) => tensor,
        }
    }
}

/// Where a cell starts: fresh from its initialisation, or where its checkpoint left it.
struct Start {
    weights: BTreeMap<String, Tensor>,
    momentum: BTreeMap<String, Tensor>,
    state: TrainingState,
    /// The evaluations made up to `state.iteration`.
    metrics: Vec<Evaluation>,
}

/// A cell in training: its net, its parameters and optimizer, where its batches come from,
/// and what it has done.
struct Session<'a> {
    job: &'a CellJob,
    data: &'a CellData,
    state: TrainingState,
    params: BTreeMap<String, Param>,
    net: AlexNet,
    sgd: MomentumSgd,
    loader: Loader,
    features: Option<FrozenFeatures>,
    metrics: Vec<Evaluation>,
    /// When this session started, and the training time of earlier sessions and this one.
    started: Instant,
    wall_before: f64,
    /// Training loss since the last evaluation.
    loss_sum: f64,
    loss_count: u64,
}

/// How the iterations of a session ended.
enum Stopped {
    /// At the end of the schedule.
    Finished,
    /// Asked to stop: checkpointed at this iteration.
    Interrupted(u64),
}

/// Trains `job.cell` to the end of its schedule, resuming from its checkpoint if there is one,
/// or does nothing if it has finished already. The steps: [`start`] (fresh or resumed),
/// [`Session::open`] (net, optimizer, data), [`Session::train`] (iterations, evaluations,
/// checkpoints), [`Session::finish`] (the result written, the checkpoint trimmed).
pub fn train_cell(
    job: &CellJob,
    data: &CellData,
    progress: &mut dyn Progress,
) -> Result<Outcome, TrainError> {
    job.solver.validate()?;
    if job.files.result.is_file() {
        finish_checkpoint(&job.files.checkpoint, job.keep_weights)?;
        return Ok(Outcome::AlreadyDone(read_result(&job.files.result)?));
    }
    let mut session = Session::open(job, data, start(job)?)?;
    Ok(match session.train(progress)? {
        Stopped::Interrupted(iteration) => Outcome::Interrupted { iteration },
        Stopped::Finished => Outcome::Finished(session.finish()?),
    })
}

/// Where `job`'s cell starts: its checkpoint (checked to be this cell's), or its fresh
/// initialisation.
fn start(job: &CellJob) -> Result<Start, TrainError> {
    let seed = job.cell.seed(job.run_seed);
    let (weights, momentum, state) = if job.files.checkpoint.is_file() {
        let checkpoint = resume(job, seed, &job.files.checkpoint)?;
        (checkpoint.weights, checkpoint.momentum, checkpoint.state)
    } else {
        let init = initialise(&job.cell, &job.spec, seed, job.base.as_ref(), &job.device)?;
        let state = TrainingState {
            cell: job.cell.to_string(),
            iteration: 0,
            seed,
            trainable: init.trainable,
            wall_s: 0.0,
            train_s: 0.0,
        };
        (init.params, BTreeMap::new(), state)
    };
    let metrics = read_metrics(&job.files.metrics)?
        .into_iter()
        .filter(|e| e.iteration <= state.iteration)
        .collect();
    Ok(Start {
        weights,
        momentum,
        state,
        metrics,
    })
}

impl<'a> Session<'a> {
    /// The net of `start`, its optimizer (momentum restored), the training loader from the
    /// start's iteration and, for a frozen prefix, its features computed once.
    fn open(job: &'a CellJob, data: &'a CellData, start: Start) -> Result<Self, TrainError> {
        let Start {
            weights,
            momentum,
            state,
            metrics,
        } = start;
        let trainable = state.trainable;
        let params: BTreeMap<String, Param> = weights
            .into_iter()
            .map(|(key, tensor)| {
                let param = if trainable.trains(&key) {
                    Param::Trained(Var::from_tensor(&tensor)?)
                } else {
                    Param::Fixed(tensor)
                };
                Ok((key, param))
            })
            .collect::<Result<_, TrainError>>()?;
        let var_map: HashMap<String, Tensor> = params
            .iter()
            .map(|(k, p)| (k.clone(), p.tensor().clone()))
            .collect();
        let net = net_of(&job.spec, var_map, &job.device, job.precision)?;
        let mut sgd = MomentumSgd::for_solver(
            params.iter().filter_map(|(key, p)| match p {
                Param::Trained(var) => Some((key.clone(), var.clone())),
                Param::Fixed(_) => None,
            }),
            &trainable,
            &job.solver,
        )?;
        for (key, velocity) in momentum {
            sgd.set_velocity(&key, velocity)
                .map_err(|e| with_path(e, &job.files.checkpoint))?;
        }
        let solver = &job.solver;
        let loader = Loader::train(
            data.source.clone(),
            &data.half,
            data.preprocess.clone(),
            solver.batch_size,
            state.seed,
            state.iteration,
            &job.device,
        )?
        .without(&data.unreadable)
        .skip_bad_images(data.skip_bad_images);
        let features = FrozenFeatures::build(
            &net,
            data,
            trainable.frozen_prefix(),
            state.seed,
            solver.batch_size,
            solver.feature_cache_mib,
            &job.device,
        )?;
        if let Some(f) = &features {
            tracing::debug!(
                cell = %job.cell,
                "layers 1..={} computed once per image (training images too: {})",
                f.through,
                f.caches_training()
            );
        }
        Ok(Session {
            job,
            data,
            wall_before: state.wall_s,
            state,
            params,
            net,
            sgd,
            loader,
            features,
            metrics,
            started: Instant::now(),
            loss_sum: 0.0,
            loss_count: 0,
        })
    }

    /// Trains from the session's iteration to the end of the schedule, evaluating and
    /// checkpointing on the way; or, asked to stop, checkpoints and stops.
    fn train(&mut self, progress: &mut dyn Progress) -> Result<Stopped, TrainError> {
        let solver = &self.job.solver;
        while self.state.iteration < solver.max_iter {
            if self.job.stop.load(Ordering::SeqCst) {
                self.save()?;
                return Ok(Stopped::Interrupted(self.state.iteration));
            }
            self.step(progress)?;
            let done = self.state.iteration;
            if done.is_multiple_of(solver.test_interval) || done == solver.max_iter {
                self.evaluate(progress)?;
            }
            if done.is_multiple_of(solver.snapshot_interval) || done == solver.max_iter {
                self.save()?;
            }
        }
        if self.loader.skipped() > 0 {
            tracing::warn!(
                cell = %self.job.cell,
                "{} unreadable training images skipped",
                self.loader.skipped()
            );
        }
        Ok(Stopped::Finished)
    }

    /// One iteration: a batch (or its cached features), forward, loss, backward, update.
    fn step(&mut self, progress: &mut dyn Progress) -> Result<(), TrainError> {
        let (job, solver) = (self.job, &self.job.solver);
        let iteration = self.state.iteration;
        let step_start = Instant::now();
        let lr = solver.lr_at(iteration);
        let pass = Pass::Train {
            dropout_seed: dropout_seed(self.state.seed, iteration),
            frozen: self.state.trainable.frozen_prefix(),
        };
        let cached = match &mut self.features {
            Some(f) => f.train_batch(iteration)?.map(|batch| (batch, f.through)),
            None => None,
        };
        let (logits, labels) = match cached {
            Some(((input, labels), through)) => (
                self.net.forward_from_features(&input, through, &pass)?,
                labels,
            ),
            None => {
                let batch = self
                    .loader
                    .next()
                    .expect("the training loader yields batches without end")?;
                (self.net.forward(&batch.images, &pass)?, batch.labels)
            }
        };
        let loss = candle_nn::loss::cross_entropy(&logits, &labels)?;
        let loss_value = loss.to_scalar::<f32>()?;
        if !loss_value.is_finite() {
            return Err(TrainError::NonFiniteLoss {
                cell: job.cell.to_string(),
                iteration: iteration + 1,
                loss: loss_value,
                lr,
            });
        }
        self.sgd.step(&loss.backward()?, lr)?;
        self.state.train_s += step_start.elapsed().as_secs_f64();
        self.state.iteration += 1;
        self.loss_sum += f64::from(loss_value);
        self.loss_count += 1;
        let done = self.state.iteration;
        progress.step(&Step {
            iteration: done,
            max_iter: solver.max_iter,
            loss: loss_value,
            lr,
            images_per_s: (done * solver.batch_size as u64) as f64 / self.state.train_s.max(1e-9),
        });
        Ok(())
    }

    /// Evaluates the net on the validation images, records it and writes `metrics.jsonl`.
    fn evaluate(&mut self, progress: &mut dyn Progress) -> Result<(), TrainError> {
        let (job, data) = (self.job, self.data);
        let done = self.state.iteration;
        let lr = job.solver.lr_at(done - 1);
        let train_loss = self.loss_sum / self.loss_count.max(1) as f64;
        let evaluation = match &self.features {
            Some(f) => {
                let net = &self.net;
                let scored = f.val_batches().iter().map(|(input, labels)| {
                    let logits = net.forward_from_features(input, f.through, &Pass::Eval)?;
                    Ok((logits, labels.clone()))
                });
                tally(scored, done, train_loss, lr)?
            }
            None => {
                let val = Loader::val(
                    data.source.clone(),
                    &data.half,
                    data.preprocess.clone(),
                    job.solver.batch_size,
                    &job.device,
                )?
                .without(&data.unreadable)
                .skip_bad_images(data.skip_bad_images);
                evaluate(&self.net, val, done, train_loss, lr)?
            }
        };
        (self.loss_sum, self.loss_count) = (0.0, 0);
        progress.evaluated(&evaluation);
        self.metrics.push(evaluation);
        write_metrics(&job.files.metrics, &self.metrics)?;
        Ok(())
    }

    /// Writes the checkpoint: weights, momentum buffers, the training state.
    fn save(&self) -> Result<(), TrainError> {
        let checkpoint = Checkpoint {
            weights: self
                .params
                .iter()
                .map(|(k, p)| (k.clone(), p.tensor().clone()))
                .collect(),
            momentum: self
                .sgd
                .velocities()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
            state: TrainingState {
                wall_s: self.wall_s(),
                ..self.state.clone()
            },
        };
        checkpoint.save(&self.job.files.checkpoint)
    }

    /// Wall time of every session of the cell so far.
    fn wall_s(&self) -> f64 {
        self.wall_before + self.started.elapsed().as_secs_f64()
    }

    /// The cell's result, written to `result.json`; the checkpoint keeps the weights of a net
    /// others copy from, or goes.
    fn finish(&self) -> Result<CellResult, TrainError> {
        let result = cell_result(
            self.job,
            self.data,
            &self.metrics,
            self.state.iteration,
            self.wall_s(),
            self.state.train_s,
        )?;
        write_result(&self.job.files.result, &result)?;
        finish_checkpoint(&self.job.files.checkpoint, self.job.keep_weights)?;
        Ok(result)
    }
}

/// Loads a cell's checkpoint and checks that it belongs to this cell and seed.
fn resume(job: &CellJob, seed: u64, path: &Path) -> Result<Checkpoint, TrainError> {
    let checkpoint = Checkpoint::load(path, &job.device)?;
    let expected = Trainable::of(&job.cell);
    if checkpoint.state.trainable != expected {
        return Err(TrainError::MaskMismatch {
            path: path.to_path_buf(),
            cell: job.cell.to_string(),
            stored: checkpoint.state.trainable.to_string(),
            expected: expected.to_string(),
        });
    }
    if checkpoint.state.seed != seed {
        return Err(TrainError::SeedMismatch {
            path: path.to_path_buf(),
            cell: job.cell.to_string(),
            stored: checkpoint.state.seed,
            expected: seed,
        });
    }
    let expected_keys: Vec<String> = job
        .spec
        .param_shapes()
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    for key in &expected_keys {
        if !checkpoint.weights.contains_key(key) {
            return Err(TrainError::BadCheckpoint {
                path: path.to_path_buf(),
                reason: format!("no `{key}`"),
            });
        }
    }
    tracing::info!(cell = %job.cell, "resuming at iteration {}", checkpoint.state.iteration);
    Ok(checkpoint)
}

/// The dropout seed of an iteration: a SplitMix64 step of `(seed, iteration)`.
fn dropout_seed(seed: u64, iteration: u64) -> u64 {
    let mut z = seed ^ iteration.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

fn cell_result(
    job: &CellJob,
    data: &CellData,
    metrics: &[Evaluation],
    iterations: u64,
    wall_s: f64,
    train_s: f64,
) -> Result<CellResult, TrainError> {
    let last = metrics.last().ok_or_else(|| TrainError::BadCheckpoint {
        path: job.files.metrics.clone(),
        reason: "the cell finished without any evaluation".to_string(),
    })?;
    let train_images = data.half_images(convnet_data::Subset::Train);
    let val_images = data.half_images(convnet_data::Subset::Val);
    let images = iterations as f64 * job.solver.batch_size as f64;
    Ok(CellResult {
        split: job.cell.split.clone(),
        cell: job.cell.clone(),
        source: job.cell.source,
        target: job.cell.target,
        n: job.cell.n as u32,
        mode: job.cell.mode,
        replicate: job.cell.replicate,
        top1: Evaluation::paper_metric(metrics, job.solver.best_k).unwrap_or(last.top1),
        top1_final: last.top1,
        top5: last.top5,
        iterations,
        epochs: images / train_images.max(1) as f64,
        train_images: train_images as u64,
        val_images: val_images as u64,
        wall_s,
        images_per_s: images / train_s.max(1e-9),
        device: DeviceChoice::name_of(&job.device),
    })
}

impl CellData {
    /// Number of images of the half in `subset`.
    pub fn half_images(&self, subset: convnet_data::Subset) -> usize {
        convnet_data::half_samples(self.source.as_ref(), &self.half, subset).len()
    }
}

fn with_path(error: TrainError, path: &Path) -> TrainError {
    match error {
        TrainError::BadCheckpoint { reason, .. } => TrainError::BadCheckpoint {
            path: path.to_path_buf(),
            reason,
        },
        other => other,
    }
}
