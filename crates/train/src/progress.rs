//! What a training cell tells the person watching: an indicatif bar on a terminal, tracing
//! lines otherwise.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};

use crate::evaluate::Evaluation;

/// Progress of one cell.
pub struct Progress {
    cell: String,
    bar: Option<ProgressBar>,
    total: u64,
    log_every: u64,
    last_top1: Option<f64>,
    observer: Option<Box<dyn FnMut(u64) + Send>>,
}

impl Progress {
    /// Reports nothing (tests, library use).
    pub fn hidden() -> Self {
        Progress {
            cell: String::new(),
            bar: None,
            total: 0,
            log_every: 0,
            last_top1: None,
            observer: None,
        }
    }

    /// Reports nothing, but calls `observer` with the iteration count after every iteration.
    pub fn observed(observer: impl FnMut(u64) + Send + 'static) -> Self {
        Progress {
            observer: Some(Box::new(observer)),
            ..Progress::hidden()
        }
    }

    /// Progress of `cell`, training to `total` iterations from `start`. On a terminal it is a
    /// bar (added to `multi` when given, below an overall bar); elsewhere a tracing line about
    /// every 5% of the run and at every evaluation.
    pub fn for_cell(cell: &str, total: u64, start: u64, multi: Option<&MultiProgress>) -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::new(total).with_position(start);
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
        Progress {
            cell: cell.to_string(),
            bar,
            total,
            log_every: (total / 20).max(1),
            last_top1: None,
            observer: None,
        }
    }

    /// After iteration `iteration` (1-based).
    pub fn step(&mut self, iteration: u64, loss: f32, lr: f64, images_per_s: f64) {
        if let Some(observer) = &mut self.observer {
            observer(iteration);
        }
        let top1 = self
            .last_top1
            .map_or_else(|| "-".to_string(), |t| format!("{:.2}%", t * 100.0));
        let msg = format!("loss {loss:.4}  lr {lr:.2e}  {images_per_s:.0} img/s  top-1 {top1}");
        match &self.bar {
            Some(bar) => {
                bar.set_position(iteration);
                bar.set_message(msg);
            }
            None if self.log_every > 0
                && (iteration % self.log_every == 0 || iteration == self.total) =>
            {
                tracing::info!(cell = %self.cell, "iteration {iteration}/{}: {msg}", self.total);
            }
            None => {}
        }
    }

    /// After an evaluation.
    pub fn evaluated(&mut self, evaluation: &Evaluation) {
        self.last_top1 = Some(evaluation.top1);
        if self.bar.is_none() && self.log_every > 0 {
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

    /// Removes the bar.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
