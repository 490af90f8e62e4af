//! Running a whole grid on one machine, and drawing what it produced.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use convnet_figures::FigureOptions;
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
    /// Cells that failed, with the error.
    pub failed: Vec<(String, String)>,
    /// The cell that was checkpointed when a stop was asked for.
    pub interrupted: Option<String>,
}

impl Summary {
    /// Whether every cell asked for has finished.
    pub fn complete(&self) -> bool {
        self.failed.is_empty() && self.interrupted.is_none()
    }
}

/// Trains every unfinished cell of `cells` (stage 1 before stage 2), skipping finished ones
/// and resuming interrupted ones. A failed cell is reported and the others go on; a stage-2
/// cell whose base failed fails in turn with a clear error. When `stop` is raised, the
/// running cell checkpoints and no further cell starts.
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
    let mut ordered: Vec<&PlannedCell> = cells.to_vec();
    ordered.sort_by_key(|c| (c.stage, c.index));
    for (done, planned) in ordered.iter().enumerate() {
        if stop.load(Ordering::SeqCst) {
            break;
        }
        let name = planned.cell.to_string();
        if let Some(bar) = &overall {
            bar.set_position(done as u64);
            bar.set_message(name.clone());
        }
        if experiment.is_finished(&planned.cell) {
            summary.already_done.push(name);
            continue;
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
            Ok(Outcome::AlreadyDone(_)) => summary.already_done.push(name),
            Ok(Outcome::Interrupted { iteration }) => {
                tracing::warn!(
                    "cell {name} checkpointed at iteration {iteration}; run again to resume"
                );
                summary.interrupted = Some(name);
                break;
            }
            Err(e) => {
                tracing::error!("cell {name} failed: {e}");
                summary.failed.push((name, e.to_string()));
            }
        }
    }
    if let Some(bar) = overall {
        bar.finish_and_clear();
    }
    summary
}

/// Draws the figures and the report of the run in `run` from `rows` (the cells of
/// `results.csv`); returns the files written. Needs no data and no network, only the table.
pub fn draw(
    run: &RunDir,
    config: &ExperimentConfig,
    rows: &[CellResult],
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
    let mut written = convnet_figures::draw_all(rows, &figures, &options)?;
    convnet_figures::write_report(
        rows,
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
