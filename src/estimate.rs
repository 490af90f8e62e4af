//! Transferability estimates of a run's profiles, in seconds instead of trained nets: for every
//! base net and target whose frozen transfers the run's plan holds (a grid's transfers and
//! selffers, a profile's base on its target), the base's frozen features of each layer on the
//! target's training images, scored by the estimators of `convnet-estimates`, beside the frozen
//! transfers measured where they have finished.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Instant;

use candle_core::Tensor;
use convnet_alexnet::LAYER_NAMES;
use convnet_estimates::{
    agreement_across, estimates_csv, ClassifierEstimate, Control, LayerEstimate, LayerEstimator,
    LayerScore, Matrix, ProfileEstimate, Reduction,
};
use convnet_figures::{draw_estimates, FigureOptions};
use convnet_results::{Cell, CellResult, Mode};
use convnet_splits::HalfId;
use convnet_train::{base_classifier, prefix_features};
use convnet_transfer::Base;

use crate::error::ExperimentError;
use crate::experiment::Experiment;
use crate::run::Run;

/// One profile's estimates, how long they took, and how long its measured transfers trained.
#[derive(Debug, Clone)]
pub struct TimedEstimate {
    /// The estimates, with the measured top-1 where there is one.
    pub estimate: ProfileEstimate,
    /// Seconds the estimate took: features of every layer and every estimator.
    pub seconds: f64,
    /// Seconds the measured frozen transfers trained (the sum of their `wall_s`); 0 when none
    /// has finished.
    pub training_seconds: f64,
    /// Whether the target is the other half than the base's: a transfer (`AnB`), not a
    /// selffer (`BnB`).
    pub transfer: bool,
}

/// What [`estimate`] said and wrote.
#[derive(Debug, Clone)]
pub struct RunEstimate {
    /// Every profile whose base net is there, in the order of the plan.
    pub profiles: Vec<TimedEstimate>,
    /// The base nets of the plan's profiles that have not finished, left out.
    pub unfinished_bases: Vec<Cell>,
    /// `estimate.csv` and the figure's files.
    pub written: Vec<PathBuf>,
}

/// What [`estimate`] reports while it works.
#[derive(Debug, Clone, Copy)]
pub enum EstimateProgress<'a> {
    /// The features of `base` on `target` are being computed and scored.
    Started {
        /// The base net.
        base: &'a Cell,
        /// The target half, of the base's split.
        target: HalfId,
    },
    /// One profile is done.
    Finished(&'a TimedEstimate),
}

/// A profile the plan measures: a base net, the target half and the layers its frozen
/// transfers copy.
struct Planned {
    base: Cell,
    target: HalfId,
    layers: Vec<usize>,
}

/// Estimates every profile of the plan of `experiment`'s run whose base net has finished (a
/// grid's finished bases; a profile's `[profile]` base), beside the run's finished frozen
/// transfers; writes `estimate.csv` and `figures/estimate.{png,svg}` (the transfers, base and
/// target in different halves) into the run directory.
///
/// The run (its plan, its finished cells, its base nets) is read through [`Experiment::run`];
/// the experiment adds the target's images and the device the features are computed on. The
/// run directory is prepared as training prepares it ([`Experiment::prepare`]: nothing is
/// redone in a run that trained), so that a profile is estimated before any of it trains.
///
/// Each layer's output is made one vector per image by `reduction`, which must leave fewer
/// dimensions than target images less one at every layer (LogME and the H-score need it);
/// LEEP and NCE of the base's own classifier are computed where the profile copies all seven
/// layers. A grid with replicates is estimated from the bases of replicate 0, against the
/// transfers copied from them; a profile against all its replicates, which copy from one base.
/// A run none of whose base nets has finished is [`ExperimentError::NoFinishedBase`], and
/// nothing is written.
pub fn estimate(
    experiment: &Experiment,
    reduction: Reduction,
    progress: &mut dyn FnMut(EstimateProgress<'_>),
) -> Result<RunEstimate, ExperimentError> {
    experiment.prepare()?;
    let run = experiment.run();
    let rows = run.results()?;
    let mut profiles = Vec::new();
    let mut unfinished_bases = Vec::new();
    for planned in planned_profiles(run) {
        let Some(base) = run.base_net(&planned.base) else {
            if !unfinished_bases.contains(&planned.base) {
                unfinished_bases.push(planned.base);
            }
            continue;
        };
        progress(EstimateProgress::Started {
            base: &planned.base,
            target: planned.target,
        });
        let started = Instant::now();
        let mut estimate = estimate_profile(experiment, &planned, &base, reduction)?;
        let seconds = started.elapsed().as_secs_f64();
        let measured = measured_transfers(run, &planned, &rows);
        estimate.measured = measured
            .iter()
            .map(|(n, runs)| {
                (
                    *n,
                    runs.iter().map(|r| r.top1).sum::<f64>() / runs.len() as f64,
                )
            })
            .collect();
        let timed = TimedEstimate {
            estimate,
            seconds,
            training_seconds: measured
                .values()
                .flatten()
                .fold(0.0, |sum, r| sum + r.wall_s),
            transfer: planned.base.target != planned.target,
        };
        progress(EstimateProgress::Finished(&timed));
        profiles.push(timed);
    }

    if profiles.is_empty() {
        return Err(ExperimentError::NoFinishedBase {
            run_dir: run.run_dir().root().to_path_buf(),
            unfinished: unfinished_bases.iter().map(ToString::to_string).collect(),
        });
    }
    let written = write_estimates(run, &profiles)?;
    Ok(RunEstimate {
        profiles,
        unfinished_bases,
        written,
    })
}

/// Writes `estimate.csv` of `profiles` and draws the figure of their transfers into `run`'s
/// directory; returns the files written.
fn write_estimates(run: &Run, profiles: &[TimedEstimate]) -> Result<Vec<PathBuf>, ExperimentError> {
    let dir = run.run_dir();
    let estimates: Vec<ProfileEstimate> = profiles.iter().map(|p| p.estimate.clone()).collect();
    let table = dir.estimate_table();
    convnet_files::write_atomic(&table, estimates_csv(&estimates).as_bytes()).map_err(
        |source| ExperimentError::Io {
            path: table.clone(),
            source,
        },
    )?;
    let transfers: Vec<&ProfileEstimate> = profiles
        .iter()
        .filter(|p| p.transfer)
        .map(|p| &p.estimate)
        .collect();
    let options = FigureOptions {
        title: run.title(),
        paper_overlay: false,
    };
    let _lock = dir.lock_figures()?;
    let mut written = vec![table];
    written.extend(draw_estimates(&transfers, &dir.figures(), &options)?);
    Ok(written)
}

/// The profiles the plan measures, in its order: each base net and target half of its frozen
/// transfers and selffers, with the layers they copy (those of replicate 0 in a grid).
fn planned_profiles(run: &Run) -> Vec<Planned> {
    let mut profiles: Vec<Planned> = Vec::new();
    for planned in run.plan().cells() {
        let cell = &planned.cell;
        let Some(base) = cell.base_cell() else {
            continue;
        };
        if cell.mode != Mode::Frozen || cell.replicate != 0 {
            continue;
        }
        match profiles
            .iter_mut()
            .find(|p| p.base == base && p.target == cell.target)
        {
            Some(profile) => profile.layers.push(cell.n),
            None => profiles.push(Planned {
                base,
                target: cell.target,
                layers: vec![cell.n],
            }),
        }
    }
    for profile in &mut profiles {
        profile.layers.sort_unstable();
        profile.layers.dedup();
    }
    profiles
}

/// The finished frozen transfers copied from `planned.base` to its target, by n.
fn measured_transfers<'a>(
    run: &Run,
    planned: &Planned,
    rows: &'a [CellResult],
) -> BTreeMap<u32, Vec<&'a CellResult>> {
    let one_base = run.config().study.profile().is_some();
    let mut measured: BTreeMap<u32, Vec<&CellResult>> = BTreeMap::new();
    for row in rows {
        let from_base = row.cell.base_cell().is_some_and(|base| {
            base.split == planned.base.split
                && base.target == planned.base.target
                && (one_base || base.replicate == planned.base.replicate)
        });
        if from_base && row.mode == Mode::Frozen && row.target == planned.target {
            measured.entry(row.n).or_default().push(row);
        }
    }
    measured
}

/// The estimates of one profile, its measurements left empty.
fn estimate_profile(
    experiment: &Experiment,
    planned: &Planned,
    base: &Base,
    reduction: Reduction,
) -> Result<ProfileEstimate, ExperimentError> {
    let deepest = planned.layers.last().copied().unwrap_or(0);
    let split = &planned.base.split;
    let cell = Cell::copied(
        split,
        planned.base.target,
        planned.target,
        deepest,
        Mode::Frozen,
        planned.base.replicate,
    );
    let job = experiment.job(&cell, Some(base.clone()), Default::default())?;
    let data = experiment.data(&cell)?;
    let features = prefix_features(&job, &data, &planned.layers)?;
    let labels: Vec<usize> = features
        .labels
        .to_vec1::<u32>()
        .map_err(convnet_train::TrainError::from)?
        .into_iter()
        .map(|label| label as usize)
        .collect();
    let classes = data.half.len();
    let images = labels.len();
    let mut layers = Vec::with_capacity(features.layers.len());
    for (n, output) in &features.layers {
        let (values, dimensions) = reduced(output, reduction)?;
        if dimensions + 1 >= images {
            return Err(ExperimentError::TooWide {
                layer: LAYER_NAMES[n - 1].to_string(),
                dimensions,
                images,
                reduction: reduction.to_string(),
            });
        }
        let matrix = Matrix::new(&values, images, dimensions)?;
        layers.push(LayerEstimate::compute(*n as u32, matrix, &labels, classes)?);
    }
    let classifier = match features.layers.last() {
        Some((7, fc7)) => {
            let logits = base_classifier(base, &job.spec, fc7)?;
            let (values, columns) = reduced(&logits, Reduction::Flatten)?;
            let matrix = Matrix::new(&values, images, columns)?;
            Some(ClassifierEstimate::from_logits(matrix, &labels, classes)?)
        }
        _ => None,
    };
    Ok(ProfileEstimate {
        base: planned.base.to_string(),
        target: format!("{split}/{}", planned.target),
        images,
        classes,
        reduction,
        layers,
        classifier,
        measured: Vec::new(),
    })
}

/// A layer's output (`[images, channels, height, width]`, or `[images, width]`) as one row per
/// image, reduced; with the row's length.
fn reduced(output: &Tensor, reduction: Reduction) -> Result<(Vec<f32>, usize), ExperimentError> {
    let dims = output.dims();
    let (images, channels, height, width) = match *dims {
        [images, channels, height, width] => (images, channels, height, width),
        [images, width] => (images, width, 1, 1),
        _ => unreachable!("a layer's output has 2 or 4 dimensions, not {dims:?}"),
    };
    let values = output
        .flatten_all()
        .and_then(|t| t.to_vec1::<f32>())
        .map_err(convnet_train::TrainError::from)?;
    Ok(reduction.apply(&values, images, channels, height, width)?)
}

impl RunEstimate {
    /// Every profile's summary, the bases with more than one measured target and how each
    /// estimator ranks their targets and layers together, and a table: per profile each
    /// estimator's rank agreement with the measured top-1, the estimate's time and the
    /// measured transfers' training time.
    pub fn summary(&self) -> String {
        let mut out = String::new();
        for p in &self.profiles {
            out.push_str(&p.estimate.summary());
        }
        for base in &self.unfinished_bases {
            let _ = writeln!(out, "{base}: not finished, its profiles left out");
        }
        let mut by_base: BTreeMap<&str, Vec<&ProfileEstimate>> = BTreeMap::new();
        for p in self
            .profiles
            .iter()
            .filter(|p| !p.estimate.measured.is_empty())
        {
            by_base
                .entry(&p.estimate.base)
                .or_default()
                .push(&p.estimate);
        }
        let several: Vec<_> = by_base.iter().filter(|(_, p)| p.len() >= 2).collect();
        if !several.is_empty() {
            out.push_str(
                "\nrank agreement across the targets of one base (every measured layer of each):\n",
            );
            for (base, profiles) in several {
                let targets: Vec<&str> = profiles.iter().map(|p| p.target.as_str()).collect();
                let _ = write!(out, "  {base} on {}:", targets.join(", "));
                for estimator in LayerEstimator::ALL {
                    let _ = write!(
                        out,
                        " {} {}",
                        estimator.name(),
                        signed(agreement_across(profiles, estimator))
                    );
                }
                out.push('\n');
            }
        }
        out.push_str("\nprofile                        ");
        for estimator in LayerEstimator::ALL {
            let _ = write!(out, " {:>17}", estimator.name());
        }
        for control in Control::ALL {
            let _ = write!(out, " {:>11}", control.name());
        }
        out.push_str("   estimate   training\n");
        for p in &self.profiles {
            let e = &p.estimate;
            let _ = write!(out, "{:<31}", format!("{} on {}", e.base, e.target));
            for estimator in LayerEstimator::ALL {
                let _ = write!(out, " {:>17}", signed(e.agreement(estimator)));
            }
            for control in Control::ALL {
                let _ = write!(out, " {:>11}", signed(e.agreement(control)));
            }
            let _ = writeln!(out, " {:>8.1} s {:>8.0} s", p.seconds, p.training_seconds);
        }
        out
    }
}

/// A rank correlation with its sign, or a dash where it is undefined.
fn signed(value: Option<f64>) -> String {
    value.map_or_else(|| "–".to_string(), |v| format!("{v:+.2}"))
}
