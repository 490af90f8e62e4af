//! A run: a run directory and the configuration it was made with, opened read-only. What reads
//! a run (its results, findings, figures, report) needs nothing more: no dataset, no device.

use std::path::PathBuf;

use convnet_figures::FigureOptions;
use convnet_results::{read_result, read_results, write_results, Cell, CellResult};
use convnet_transfer::Base;

use crate::analysis::RunAnalysis;
use crate::config::ExperimentConfig;
use crate::error::ExperimentError;
use crate::plan::Plan;
use crate::run_dir::RunDir;

/// A run directory with its configuration and plan.
#[derive(Clone, Debug)]
pub struct Run {
    config: ExperimentConfig,
    dir: RunDir,
    plan: Plan,
}

/// What [`Run::redraw`] made: the finished cells, what they say and the files written.
#[derive(Debug)]
pub struct Drawn {
    /// The finished cells, in plan order.
    pub rows: Vec<CellResult>,
    /// What they say.
    pub analysis: RunAnalysis,
    /// The figures, the report and the tables written.
    pub written: Vec<PathBuf>,
}

impl Run {
    /// Opens the run in `dir` by the configuration it saved (`config.toml`), reading nothing
    /// else and writing nothing.
    pub fn open(dir: impl Into<PathBuf>) -> Result<Run, ExperimentError> {
        let dir = RunDir::new(dir);
        let path = dir.config();
        if !path.is_file() {
            return Err(ExperimentError::NotARun {
                dir: dir.root().to_path_buf(),
            });
        }
        let config = ExperimentConfig::load(&path)?;
        Ok(Run::with_config(config, dir))
    }

    /// The run in `dir` made (or to be made) with `config`.
    pub(crate) fn with_config(config: ExperimentConfig, dir: RunDir) -> Run {
        let plan = Plan::from_config(&config);
        Run { config, dir, plan }
    }

    /// The configuration.
    pub fn config(&self) -> &ExperimentConfig {
        &self.config
    }

    /// The run directory.
    pub fn run_dir(&self) -> &RunDir {
        &self.dir
    }

    /// The plan.
    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    /// Whether `cell` has finished (its `result.json` exists); a base net from elsewhere that
    /// the study stands in for a cell (a profile's `profile/baseA`) has.
    pub fn is_finished(&self, cell: &Cell) -> bool {
        self.config.study.external_base(cell).is_some() || self.dir.is_finished(cell)
    }

    /// The net that the base cell `base` stands for once it has finished: the study's base net
    /// from elsewhere (a profile's `profile/baseA`), or the base's own checkpoint.
    pub(crate) fn base_net(&self, base: &Cell) -> Option<Base> {
        self.config.study.external_base(base).or_else(|| {
            self.dir
                .is_finished(base)
                .then(|| Base::checkpoint(self.dir.cell_files(base).checkpoint))
        })
    }

    /// The results of every finished cell of the plan, in plan order.
    pub fn results(&self) -> Result<Vec<CellResult>, ExperimentError> {
        let mut rows = Vec::new();
        for planned in self.plan.cells() {
            let path = self.dir.cell_files(&planned.cell).result;
            if path.is_file() {
                rows.push(read_result(&path)?);
            }
        }
        Ok(rows)
    }

    /// Rebuilds `results.csv` from the cells' `result.json` files; returns the rows.
    ///
    /// Runners finishing at the same time (Slurm array tasks) take turns.
    pub fn write_results(&self) -> Result<Vec<CellResult>, ExperimentError> {
        let _lock = self.dir.lock_results()?;
        let rows = self.results()?;
        write_results(&self.dir.results(), &rows)?;
        Ok(rows)
    }

    /// What the finished cells `rows` say (see [`crate::Study::analyse`]).
    pub fn analyse(&self, rows: &[CellResult]) -> Result<RunAnalysis, ExperimentError> {
        self.config.study.analyse(&self.dir, rows)
    }

    /// The finished cells (`results.csv`) and what they say; an error when none has finished.
    pub fn finished(&self) -> Result<(Vec<CellResult>, RunAnalysis), ExperimentError> {
        let path = self.dir.results();
        let rows = if path.is_file() {
            read_results(&path)?
        } else {
            Vec::new()
        };
        if rows.is_empty() {
            return Err(ExperimentError::NothingFinished {
                dir: self.dir.root().to_path_buf(),
            });
        }
        let analysis = self.analyse(&rows)?;
        Ok((rows, analysis))
    }

    /// Draws the figures, the tables and the report of `rows` and their `analysis`: Figures 2
    /// and 3 for a grid, the profile's figure and `profile.csv` for a transfer profile; the
    /// paper's values overlaid with `paper_overlay` (or `[output] paper_overlay`); returns the
    /// files written.
    pub fn draw(
        &self,
        rows: &[CellResult],
        analysis: &RunAnalysis,
        paper_overlay: bool,
    ) -> Result<Vec<PathBuf>, ExperimentError> {
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let title = self.title();
        let options = FigureOptions {
            title: title.clone(),
            paper_overlay: paper_overlay || self.config.output.paper_overlay,
        };
        let figures = self.dir.figures();
        let _lock = self.dir.lock_figures()?;
        let mut written = analysis.draw(&self.dir, rows, &options)?;
        if let Some(for_report) = analysis.for_report() {
            convnet_figures::write_report(
                rows,
                for_report,
                &figures,
                &self.config.to_toml(),
                &self.dir.report(),
                &title,
            )?;
            written.push(self.dir.report());
        }
        Ok(written)
    }

    /// The figures, the tables and the report drawn again from `results.csv` alone.
    pub fn redraw(&self, paper_overlay: bool) -> Result<Drawn, ExperimentError> {
        let (rows, analysis) = self.finished()?;
        let written = self.draw(&rows, &analysis, paper_overlay)?;
        Ok(Drawn {
            rows,
            analysis,
            written,
        })
    }

    /// The title of the run's figures: the dataset, the net and the run's name.
    pub fn title(&self) -> String {
        let config = &self.config;
        format!(
            "{} ({}), run `{}`",
            config.dataset.kind.name(),
            config.model.preset.as_deref().unwrap_or("custom net"),
            config.name
        )
    }
}
