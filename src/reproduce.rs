//! Running a whole grid on one machine, and drawing what it produced.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use convnet_figures::{Assessment, FigureOptions};
use convnet_train::{Outcome, Progress};
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use std::io::IsTerminal;

use crate::config::ExperimentConfig;
use crate::error::ExperimentError;
use crate::experiment::{remove_leftover_temporaries, wait_for_lock, Experiment};
use crate::plan::PlannedCell;
use crate::run_dir::RunDir;
use convnet_transfer::CellResult;

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

    /// Cells whose fate is known: trained, done before, done elsewhere, skipped or failed.
    pub fn settled(&self) -> usize {
        self.trained.len()
            + self.already_done.len()
            + self.finished_elsewhere.len()
            + self.skipped.len()
            + self.failed.len()
    }
}

/// How long a runner waits before it looks again at cells another runner holds.
const WAIT_STEP: Duration = Duration::from_millis(500);
/// The longest wait between two looks.
const WAIT_MAX: Duration = Duration::from_secs(10);

/// Trains every unfinished cell of `cells` (stage 1 before stage 2), skipping finished ones
/// and resuming interrupted ones.
///
/// A failed cell is reported and the others go on; a stage-2 cell whose base failed is
/// skipped, once, naming that base. Runners share a run directory: a cell another runner is
/// training (or whose base it is training) is left to it, the other cells trained meanwhile,
/// and then waited for, so that every runner returns once every cell is done. When `stop` is
/// raised, the running cell checkpoints and no further cell starts.
pub fn run_cells(
    experiment: &Experiment,
    cells: &[&PlannedCell],
    stop: Arc<AtomicBool>,
) -> Summary {
    let mut summary = Summary::default();
    let terminal = std::io::stderr().is_terminal();
    let multi = MultiProgress::new();
    let overall = terminal.then(|| {
        let bar = multi.add(ProgressBar::new(cells.len() as u64));
        bar.set_style(
            ProgressStyle::with_template("{prefix:>16} [{bar:30}] {pos}/{len} cells  {msg}")
                .expect("valid template")
                .progress_chars("##-"),
        );
        bar.set_prefix("grid");
        bar
    });
    let mut pending: Vec<&PlannedCell> = cells.to_vec();
    pending.sort_by_key(|c| (c.stage, c.index));
    let mut failed: BTreeSet<String> = BTreeSet::new();
    let mut waited: BTreeSet<String> = BTreeSet::new();
    let mut wait = WAIT_STEP;
    while !pending.is_empty() {
        let mut elsewhere: Vec<&PlannedCell> = Vec::new();
        for planned in pending {
            if stop.load(Ordering::SeqCst) || summary.interrupted.is_some() {
                break;
            }
            let name = planned.cell.to_string();
            if let Some(bar) = &overall {
                bar.set_position(summary.settled() as u64);
                bar.set_message(name.clone());
            }
            if experiment.is_finished(&planned.cell) {
                if waited.contains(&name) {
                    summary.finished_elsewhere.push(name);
                } else {
                    summary.already_done.push(name);
                }
                continue;
            }
            if let Some(base) = &planned.base {
                let base_name = base.to_string();
                if failed.contains(&base_name) {
                    tracing::warn!("cell {name} skipped: its base {base_name} failed");
                    summary.skipped.push((name, base_name));
                    continue;
                }
                let base_running = !experiment.is_finished(base)
                    && experiment.is_running_elsewhere(base).unwrap_or(false);
                if base_running || elsewhere.iter().any(|c| c.cell == *base) {
                    elsewhere.push(planned);
                    continue;
                }
            }
            tracing::info!("cell {name} (stage {})", planned.stage);
            let mut progress = Progress::for_cell(
                &name,
                experiment.config().solver.max_iter,
                0,
                terminal.then_some(&multi),
            );
            match experiment.run_cell(&planned.cell, stop.clone(), &mut progress) {
                Ok(Outcome::Finished(result)) => {
                    tracing::info!("cell {name} finished: top-1 {:.2}%", result.top1 * 100.0);
                    summary.trained.push(name);
                }
                Ok(Outcome::AlreadyDone(_)) if waited.contains(&name) => {
                    summary.finished_elsewhere.push(name)
                }
                Ok(Outcome::AlreadyDone(_)) => summary.already_done.push(name),
                Ok(Outcome::Interrupted { iteration }) => {
                    tracing::warn!(
                        "cell {name} checkpointed at iteration {iteration}; run again to resume"
                    );
                    summary.interrupted = Some(name);
                }
                Err(ExperimentError::Locked { .. }) => elsewhere.push(planned),
                Err(e) => {
                    tracing::error!("cell {name} failed: {e}");
                    failed.insert(name.clone());
                    summary.failed.push((name, e.to_string()));
                }
            }
        }
        if stop.load(Ordering::SeqCst) || summary.interrupted.is_some() || elsewhere.is_empty()
        {
            break;
        }
        tracing::info!(
            "{} cells are being trained by another runner; waiting for them",
            elsewhere.len()
        );
        waited.extend(elsewhere.iter().map(|c| c.cell.to_string()));
        std::thread::sleep(wait);
        wait = (wait * 2).min(WAIT_MAX);
        pending = elsewhere;
    }
    if let Some(bar) = overall {
        bar.finish_and_clear();
    }
    summary
}

/// Draws the figures and the report of the run in `run` from `rows` (the cells of
/// `results.csv`) and the findings checked on them (see [`crate::assess`]); returns the files
/// written. Needs no data and no network, only the run directory.
pub fn draw(
    run: &RunDir,
    config: &ExperimentConfig,
    rows: &[CellResult],
    assessment: &Assessment,
    paper_overlay: bool,
) -> Result<Vec<PathBuf>, ExperimentError> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let title = title(config);
    let options = FigureOptions {
        title: title.clone(),
        paper_overlay,
    };
    // One drawer at a time; what a killed drawer left in `figures/` goes first.
    let figures = run.figures();
    std::fs::create_dir_all(&figures).map_err(|source| ExperimentError::Io {
        path: figures.clone(),
        source,
    })?;
    let lock = figures.join(".lock");
    let _lock = wait_for_lock(&lock)?;
    remove_leftover_temporaries(&figures, &lock)?;
    let mut written = convnet_figures::draw_all(rows, assessment, &figures, &options)?;
    convnet_figures::write_report(
        rows,
        assessment,
        &run.figures(),
        &config.to_toml(),
        &run.report(),
        &title,
    )?;
    written.push(run.report());
    Ok(written)
}

/// The title of a run's figures: the dataset, the net and the run's name.
pub fn title(config: &ExperimentConfig) -> String {
    format!(
        "{} ({}), run `{}`",
        config.dataset.kind.name(),
        config.model.preset.as_deref().unwrap_or("custom net"),
        config.name
    )
}
