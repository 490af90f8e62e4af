//! The findings of a run, read from its run directory alone: `results.csv`'s rows, the base
//! nets' `metrics.jsonl` and the classes of split `all`.

use std::path::PathBuf;

use convnet_figures::{Analysis, FigureOptions};
use convnet_findings::{
    check_findings, Assessment, Chances, Evidence, LearningCurve, TransferProfile,
};
use convnet_results::{read_metrics, CellResult, Mode};
use convnet_splits::{HalfId, SplitName};

use crate::error::ExperimentError;
use crate::run_dir::RunDir;

/// The learning curve of every base net among `rows` that has a `metrics.jsonl`.
pub fn base_curves(
    run: &RunDir,
    rows: &[CellResult],
) -> Result<Vec<LearningCurve>, ExperimentError> {
    let mut curves = Vec::new();
    for row in rows.iter().filter(|r| r.mode == Mode::Base) {
        let metrics = read_metrics(&run.cell_files(&row.cell).metrics)?;
        if metrics.is_empty() {
            continue;
        }
        curves.push(LearningCurve {
            cell: row.cell.clone(),
            points: metrics.iter().map(|e| (e.iteration, e.top1)).collect(),
        });
    }
    Ok(curves)
}

/// Top-1 of guessing in every half the rows train on (from the run's split files), where the
/// run has them.
pub fn chances(run: &RunDir, rows: &[CellResult]) -> Result<Chances, ExperimentError> {
    let mut chances = Chances::new();
    for row in rows {
        let key = (row.split.clone(), row.target);
        if chances.contains_key(&key) {
            continue;
        }
        if let Some(chance) = chance_in(run, &row.split, row.target)? {
            chances.insert(key, chance);
        }
    }
    Ok(chances)
}

/// Top-1 of guessing among the classes of half `half` of split `split` (from its split file),
/// if the run has it.
pub(crate) fn chance_in(
    run: &RunDir,
    split: &SplitName,
    half: HalfId,
) -> Result<Option<f64>, ExperimentError> {
    let path = run.split(split);
    if !path.is_file() {
        return Ok(None);
    }
    let classes = convnet_splits::classes_in_split_file(&path, half)?;
    Ok((classes > 0).then(|| 1.0 / classes as f64))
}

/// The paper's findings on the finished cells `rows` of the run in `run`.
pub fn assess(run: &RunDir, rows: &[CellResult]) -> Result<Assessment, ExperimentError> {
    let curves = base_curves(run, rows)?;
    Ok(check_findings(&Evidence {
        rows,
        curves: Some(&curves),
        chances: &chances(run, rows)?,
    }))
}

/// What a run's results say: the paper's findings for a grid, or a transfer profile.
#[derive(Debug, Clone)]
pub enum RunAnalysis {
    /// The findings of a grid.
    Findings(Assessment),
    /// A transfer profile (a configuration with `[profile]`); `None` before its base net is done.
    Profile(Option<TransferProfile>),
}

impl RunAnalysis {
    /// What the report shows.
    pub fn for_report(&self) -> Option<Analysis<'_>> {
        match self {
            RunAnalysis::Findings(assessment) => Some(Analysis::Findings(assessment)),
            RunAnalysis::Profile(profile) => profile.as_ref().map(Analysis::Profile),
        }
    }

    /// The findings of a grid, where the analysis is one.
    pub fn findings(&self) -> Option<&Assessment> {
        match self {
            RunAnalysis::Findings(assessment) => Some(assessment),
            RunAnalysis::Profile(_) => None,
        }
    }

    /// The analysis in a few lines: what the findings rest on and each finding's verdict (the
    /// whole is [`Assessment::to_text`]), or a profile's verdict.
    pub fn summary(&self) -> String {
        match self {
            RunAnalysis::Findings(assessment) => {
                let mut lines = Vec::new();
                if let Some(noise) = assessment.noise() {
                    lines.push(format!("noise: {}", noise.describe()));
                }
                for convergence in assessment.convergence() {
                    lines.push(format!("base net {}", convergence.describe()));
                }
                for f in &assessment.findings {
                    lines.push(format!(
                        "{}: {} ({})",
                        f.id,
                        f.verdict.short(),
                        f.id.claim()
                    ));
                }
                lines.join("\n") + "\n"
            }
            RunAnalysis::Profile(Some(profile)) => profile.verdict(),
            RunAnalysis::Profile(None) => "profile: the target's base net is not done yet\n".into(),
        }
    }

    /// Draws what the analysis shows into `run`: Figures 2 and 3 for a grid, the profile's
    /// figure and `profile.csv` for a profile; returns the files written.
    pub(crate) fn draw(
        &self,
        run: &RunDir,
        rows: &[CellResult],
        options: &FigureOptions,
    ) -> Result<Vec<PathBuf>, ExperimentError> {
        let figures = run.figures();
        Ok(match self {
            RunAnalysis::Findings(assessment) => {
                convnet_figures::draw_all(rows, assessment, &figures, options)?
            }
            RunAnalysis::Profile(None) => Vec::new(),
            RunAnalysis::Profile(Some(profile)) => {
                let path = run.profile_table();
                convnet_files::write_atomic(&path, profile.to_csv().as_bytes()).map_err(
                    |source| ExperimentError::Io {
                        path: path.clone(),
                        source,
                    },
                )?;
                let mut written = convnet_figures::draw_profile(profile, &figures, options)?;
                written.push(path);
                written
            }
        })
    }
}
