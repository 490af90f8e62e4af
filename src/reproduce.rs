//! Running the cells of a plan on one machine: several at once, runners sharing a run directory.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use convnet_train::{Outcome, Progress};

use crate::error::ExperimentError;
use crate::experiment::Experiment;
use crate::plan::PlannedCell;
use convnet_results::CellResult;

/// What happened to the cells of one `reproduce` call.
#[derive(Debug, Default)]
pub struct Summary {
    /// Cells trained to the end now.
    pub trained: Vec<String>,
    /// Cells that had finished before.
    pub already_done: Vec<String>,
    /// Cells another runner on the same run directory trained meanwhile.
    pub finished_elsewhere: Vec<String>,
    /// Cells not tried because the base they copy from failed: `(cell, base)`.
    pub skipped: Vec<(String, String)>,
    /// Cells that failed, with the error.
    pub failed: Vec<(String, String)>,
    /// The cell that was checkpointed when a stop was asked for.
    pub interrupted: Option<String>,
}

impl Summary {
    /// Whether every cell asked for has finished.
    pub fn complete(&self) -> bool {
        self.failed.is_empty() && self.skipped.is_empty() && self.interrupted.is_none()
    }
}

/// How long a runner waits before it looks again at cells another runner holds.
const WAIT_STEP: Duration = Duration::from_millis(250);
/// The longest wait between two looks.
const WAIT_MAX: Duration = Duration::from_secs(2);

/// How a cell of a grid run ended, for [`GridProgress::ended`].
#[derive(Debug, Clone, PartialEq)]
pub enum CellEnd {
    /// Trained to the end now.
    Trained(CellResult),
    /// Already finished when this runner came to it.
    AlreadyDone,
    /// Trained meanwhile by another runner on the same run directory.
    FinishedElsewhere,
    /// Not tried: the base it copies from failed.
    Skipped {
        /// The base that failed.
        base: String,
    },
    /// Failed, with the error.
    Failed(String),
    /// Checkpointed at `iteration` when a stop was asked for.
    Interrupted {
        /// Iterations done.
        iteration: u64,
    },
}

/// What happens to the cells of a grid run, for whoever shows it (the library never prints).
/// Every method does nothing unless implemented; `()` shows nothing.
pub trait GridProgress: Sync {
    /// A cell starts (or resumes) training; its steps go to the returned reporter.
    fn started(&self, _cell: &PlannedCell) -> Box<dyn Progress + '_> {
        Box::new(())
    }
    /// A cell is done with, however it ended.
    fn ended(&self, _cell: &PlannedCell, _end: &CellEnd) {}
    /// A worker waits for `cells` cells: another worker or runner trains them or their bases.
    fn waiting(&self, _cells: usize) {}
}

impl GridProgress for () {}

/// Trains every unfinished cell of `cells` (stage 1 before stage 2) on `workers` threads,
/// skipping finished cells and resuming interrupted ones.
///
/// A failed cell is reported and the others go on; a stage-2 cell whose base failed is
/// skipped, once, naming that base. Runners share a run directory, in one process (`workers`)
/// or several (machines on a shared disk): a cell another runner is training, or whose base it
/// is training, is left to it, the other cells trained meanwhile, and then waited for, so that
/// every runner returns once every cell is done. Every cell trains the same way whichever
/// runner trains it. When `stop` is raised, running cells checkpoint and no further cell starts.
pub fn run_cells(
    experiment: &Experiment,
    cells: &[&PlannedCell],
    stop: Arc<AtomicBool>,
    workers: usize,
    progress: &dyn GridProgress,
) -> Summary {
    let mut ordered: Vec<&PlannedCell> = cells.to_vec();
    ordered.sort_by_key(|c| (c.stage, c.index));
    let done_before: BTreeSet<String> = ordered
        .iter()
        .filter(|c| experiment.is_finished(&c.cell))
        .map(|c| c.cell.to_string())
        .collect();
    let ends: Vec<Vec<(String, CellEnd)>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers.max(1))
            .map(|_| scope.spawn(|| work(experiment, &ordered, &stop, progress)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a grid worker panicked"))
            .collect()
    });
    // One line per cell: trained here if any worker trained it, else what the first worker to
    // settle it saw.
    let mut summary = Summary::default();
    let trained: BTreeSet<&str> = ends
        .iter()
        .flatten()
        .filter(|(_, end)| matches!(end, CellEnd::Trained(_)))
        .map(|(cell, _)| cell.as_str())
        .collect();
    let mut seen: BTreeSet<&str> = BTreeSet::new();
    for (cell, end) in ends.iter().flatten() {
        if matches!(end, CellEnd::Interrupted { .. }) {
            summary.interrupted = Some(cell.clone());
            continue;
        }
        if !seen.insert(cell) {
            continue;
        }
        let cell = cell.clone();
        match end {
            _ if trained.contains(cell.as_str()) => summary.trained.push(cell),
            CellEnd::AlreadyDone | CellEnd::FinishedElsewhere if done_before.contains(&cell) => {
                summary.already_done.push(cell)
            }
            CellEnd::AlreadyDone | CellEnd::FinishedElsewhere => {
                summary.finished_elsewhere.push(cell)
            }
            CellEnd::Skipped { base } => summary.skipped.push((cell, base.clone())),
            CellEnd::Failed(error) => summary.failed.push((cell, error.clone())),
            CellEnd::Trained(_) | CellEnd::Interrupted { .. } => {}
        }
    }
    let position: BTreeMap<String, usize> = ordered
        .iter()
        .enumerate()
        .map(|(i, c)| (c.cell.to_string(), i))
        .collect();
    let place = |cell: &String| position.get(cell).copied().unwrap_or(usize::MAX);
    summary.trained.sort_by_key(place);
    summary.already_done.sort_by_key(place);
    summary.finished_elsewhere.sort_by_key(place);
    summary.skipped.sort_by_key(|(cell, _)| place(cell));
    summary.failed.sort_by_key(|(cell, _)| place(cell));
    summary
}

/// One worker's pass over the grid: every cell it can take, then the ones other runners held,
/// until none is left; how each cell ended.
fn work(
    experiment: &Experiment,
    ordered: &[&PlannedCell],
    stop: &Arc<AtomicBool>,
    progress: &dyn GridProgress,
) -> Vec<(String, CellEnd)> {
    let mut ends: Vec<(String, CellEnd)> = Vec::new();
    let mut failed: BTreeSet<String> = BTreeSet::new();
    let mut waited: BTreeSet<String> = BTreeSet::new();
    let mut pending: Vec<&PlannedCell> = ordered.to_vec();
    let mut wait = WAIT_STEP;
    let stopped = |ends: &[(String, CellEnd)]| {
        stop.load(Ordering::SeqCst)
            || ends
                .iter()
                .any(|(_, e)| matches!(e, CellEnd::Interrupted { .. }))
    };
    while !pending.is_empty() && !stopped(&ends) {
        let mut elsewhere: Vec<&PlannedCell> = Vec::new();
        for &planned in &pending {
            if stopped(&ends) {
                break;
            }
            let name = planned.cell.to_string();
            let end = if experiment.is_finished(&planned.cell) {
                Some(if waited.contains(&name) {
                    CellEnd::FinishedElsewhere
                } else {
                    CellEnd::AlreadyDone
                })
            } else {
                match &planned.base {
                    Some(base) if failed.contains(&base.to_string()) => Some(CellEnd::Skipped {
                        base: base.to_string(),
                    }),
                    Some(base)
                        if elsewhere.iter().any(|c| c.cell == *base)
                            || (!experiment.is_finished(base)
                                && experiment.is_running_elsewhere(base).unwrap_or(false)) =>
                    {
                        None
                    }
                    _ => train(experiment, planned, stop, progress, &waited),
                }
            };
            match end {
                None => elsewhere.push(planned),
                Some(end) => {
                    match &end {
                        CellEnd::Failed(e) => {
                            tracing::error!("cell {name} failed: {e}");
                            failed.insert(name.clone());
                        }
                        CellEnd::Skipped { base } => {
                            tracing::warn!("cell {name} skipped: its base {base} failed")
                        }
                        CellEnd::Trained(result) => tracing::info!(
                            "cell {name} finished: top-1 {:.2}%",
                            result.top1 * 100.0
                        ),
                        CellEnd::Interrupted { iteration } => tracing::warn!(
                            "cell {name} checkpointed at iteration {iteration}; run again to resume"
                        ),
                        CellEnd::AlreadyDone | CellEnd::FinishedElsewhere => {}
                    }
                    progress.ended(planned, &end);
                    ends.push((name, end));
                }
            }
        }
        if elsewhere.is_empty() || stopped(&ends) {
            break;
        }
        progress.waiting(elsewhere.len());
        waited.extend(elsewhere.iter().map(|c| c.cell.to_string()));
        std::thread::sleep(wait);
        wait = (wait * 2).min(WAIT_MAX);
        pending = elsewhere;
    }
    ends
}

/// Trains one cell; `None` when another runner holds it.
fn train(
    experiment: &Experiment,
    planned: &PlannedCell,
    stop: &Arc<AtomicBool>,
    progress: &dyn GridProgress,
    waited: &BTreeSet<String>,
) -> Option<CellEnd> {
    if experiment
        .is_running_elsewhere(&planned.cell)
        .unwrap_or(false)
    {
        return None;
    }
    let mut reporter = progress.started(planned);
    let outcome = experiment.run_cell(&planned.cell, stop.clone(), reporter.as_mut());
    drop(reporter);
    Some(match outcome {
        Ok(Outcome::Finished(result)) => CellEnd::Trained(result),
        Ok(Outcome::AlreadyDone(_)) if waited.contains(&planned.cell.to_string()) => {
            CellEnd::FinishedElsewhere
        }
        Ok(Outcome::AlreadyDone(_)) => CellEnd::AlreadyDone,
        Ok(Outcome::Interrupted { iteration }) => CellEnd::Interrupted { iteration },
        Err(ExperimentError::Locked { .. }) => return None,
        Err(e) => CellEnd::Failed(e.to_string()),
    })
}
