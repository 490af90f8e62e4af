//! Drawing a grid run: on a terminal, a bar for the grid and one per training cell; elsewhere
//! (a log file, a Slurm job), a log line about every 5% of a cell's schedule and at every
//! evaluation.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use transferability::train::{Evaluation, Progress, Step};
use transferability::{CellEnd, GridProgress, PlannedCell};

/// The progress of a whole grid run.
pub struct GridBars {
    /// The bars' common area, on a terminal.
    multi: Option<MultiProgress>,
    /// The grid's bar: cells settled out of all.
    overall: Option<ProgressBar>,
}

impl GridBars {
    /// Bars for a run of `cells` cells when stderr is a terminal; log lines otherwise.
    pub fn new(cells: usize) -> Self {
        if !std::io::stderr().is_terminal() {
            return GridBars {
                multi: None,
                overall: None,
            };
        }
        let multi = MultiProgress::new();
        let bar = multi.add(ProgressBar::new(cells as u64));
        bar.set_style(
            ProgressStyle::with_template("{prefix:>16} [{bar:30}] {pos}/{len} cells  {msg}")
                .expect("valid template")
                .progress_chars("##-"),
        );
        bar.set_prefix("grid");
        GridBars {
            multi: Some(multi),
            overall: Some(bar),
        }
    }
}

impl GridProgress for GridBars {
    fn started(&self, cell: &PlannedCell) -> Box<dyn Progress + '_> {
        tracing::info!("cell {} (stage {})", cell.cell, cell.stage);
        Box::new(CellBar::new(&cell.cell.to_string(), self.multi.as_ref()))
    }

    fn ended(&self, _cell: &PlannedCell, _end: &CellEnd) {
        if let Some(bar) = &self.overall {
            bar.inc(1);
        }
    }

    fn waiting(&self, cells: usize) {
        match &self.overall {
            Some(bar) => bar.set_message(format!(
                "waiting for {cells} cells that another job or runner trains"
            )),
            None => tracing::info!(
                "waiting for {cells} cells that another job or runner trains (or the bases they copy)"
            ),
        }
    }
}

/// The progress of one cell: a bar on a terminal, log lines elsewhere.
pub struct CellBar {
    cell: String,
    bar: Option<ProgressBar>,
    last_top1: Option<f64>,
}

impl CellBar {
    /// The progress of `cell`; its bar goes below the grid's when `multi` is given.
    pub fn new(cell: &str, multi: Option<&MultiProgress>) -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::new(0);
            let bar = match multi {
                Some(multi) => multi.add(bar),
                None => bar,
            };
            bar.set_style(
                ProgressStyle::with_template(
                    "{prefix:>16} [{bar:30}] {pos}/{len} it  {msg}  ({elapsed} < {eta})",
                )
                .expect("valid template")
                .progress_chars("=> "),
            );
            bar.set_prefix(cell.to_string());
            bar.enable_steady_tick(Duration::from_millis(500));
            bar
        });
        CellBar {
            cell: cell.to_string(),
            bar,
            last_top1: None,
        }
    }
}

impl Progress for CellBar {
    fn step(&mut self, step: &Step) {
        let top1 = self
            .last_top1
            .map_or_else(|| "-".to_string(), |t| format!("{:.2}%", t * 100.0));
        let message = format!(
            "loss {:.4}  lr {:.2e}  {:.0} img/s  top-1 {top1}",
            step.loss, step.lr, step.images_per_s
        );
        match &self.bar {
            Some(bar) => {
                bar.set_length(step.max_iter);
                bar.set_position(step.iteration);
                bar.set_message(message);
            }
            None => {
                let every = (step.max_iter / 20).max(1);
                if step.iteration.is_multiple_of(every) || step.iteration == step.max_iter {
                    tracing::info!(
                        cell = %self.cell,
                        "iteration {}/{}: {message}",
                        step.iteration,
                        step.max_iter
                    );
                }
            }
        }
    }

    fn evaluated(&mut self, evaluation: &Evaluation) {
        self.last_top1 = Some(evaluation.top1);
        if self.bar.is_none() {
            tracing::info!(
                cell = %self.cell,
                "evaluation at iteration {}: top-1 {:.2}%, top-5 {:.2}%, loss {:.4}",
                evaluation.iteration,
                evaluation.top1 * 100.0,
                evaluation.top5 * 100.0,
                evaluation.loss
            );
        }
    }
}

impl Drop for CellBar {
    fn drop(&mut self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
