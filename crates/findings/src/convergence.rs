//! Did a base net converge before its schedule ended? Two tests, both with thresholds fixed in
//! advance as shares of the net's margin over chance, which a noisier run does not loosen:
//!
//! - **the last quarter**: the mean validation top-1 over the last quarter of the schedule
//!   (the evaluations after 75 % of its iterations) minus the mean over the quarter before
//!   (50-75 %) is at most [`RISE_LIMIT`] of the margin;
//! - **a second run**: the grid's fine-tuned selffer at n = 7 (`BnB+` with every layer but fc8
//!   copied from the base and trained on, on the base's own half) is a second training run of
//!   that base; what it adds over the base is at most [`SECOND_RUN_LIMIT`] of the margin. The
//!   paper's nets pass it (their `BnB+` at n = 7 adds 1.2 points, 1.9 % of a 62-point
//!   margin).
//!
//! A base net still improving hands a head start to every net that copies its layers and
//! trains on, which the paper's comparisons assume away.

use convnet_results::{Cell, CellResult, Mode};

use crate::nets::is_base;
use crate::table::Chances;

/// The most a converged net's last quarter may rise over the quarter before, as a share of its
/// margin over chance.
pub const RISE_LIMIT: f64 = 0.02;
/// The most a second training run may add to a converged net, as a share of its margin over
/// chance.
pub const SECOND_RUN_LIMIT: f64 = 0.03;

/// The validation top-1 of one net along its schedule (its `metrics.jsonl`).
#[derive(Debug, Clone, PartialEq)]
pub struct LearningCurve {
    /// The net, e.g. `random0/baseA`.
    pub cell: Cell,
    /// `(iteration, top-1)` of every evaluation, in order.
    pub points: Vec<(u64, f64)>,
}

impl LearningCurve {
    /// Mean top-1 over the last quarter of the schedule minus over the quarter before, in
    /// points; `None` without an evaluation in each.
    pub fn last_quarter_rise(&self) -> Option<f64> {
        let end = self.points.last().map_or(0, |p| p.0) as f64;
        let window = |from: f64, to: f64| {
            let values: Vec<f64> = self
                .points
                .iter()
                .filter(|(i, _)| (*i as f64) > from * end && (*i as f64) <= to * end)
                .map(|(_, top1)| 100.0 * top1)
                .collect();
            (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
        };
        Some(window(0.75, 1.0)? - window(0.5, 0.75)?)
    }
}

/// Where a base net's training stood at the end.
#[derive(Debug, Clone, PartialEq)]
pub enum Status {
    /// Both tests passed (or the second run, where the grid has none, was not needed).
    Converged,
    /// A test failed; the reason says which.
    StillImproving(String),
    /// It cannot be told: no learning curve, too few evaluations, or no chance level.
    Unknown(String),
}

/// The convergence of one base net.
#[derive(Debug, Clone, PartialEq)]
pub struct Convergence {
    /// The base net.
    pub cell: Cell,
    /// Its top-1 minus chance, in points (`None` when chance is unknown).
    pub margin: Option<f64>,
    /// Last quarter minus the quarter before, in points.
    pub rise: Option<f64>,
    /// Its second run (`BnB+` at n = 7 on its half) minus the base, in points; `None` where
    /// the grid has none.
    pub second_run: Option<f64>,
    /// The verdict.
    pub status: Status,
}

impl Convergence {
    /// The convergence of every base net of `rows`; `curves` gives their learning curves.
    pub(crate) fn of_all(
        rows: &[CellResult],
        curves: &[LearningCurve],
        chances: &Chances,
    ) -> Vec<Convergence> {
        rows.iter()
            .filter(|r| is_base(r))
            .map(|base| {
                let curve = curves.iter().find(|c| c.cell == base.cell);
                let chance = chances.get(&(base.split.clone(), base.target));
                let margin = chance.map(|c| 100.0 * (base.top1 - c));
                let rise = curve.and_then(LearningCurve::last_quarter_rise);
                let second_run = second_run(rows, base);
                let status = match (curve, rise, margin) {
                    (None, _, _) => Status::Unknown("no learning curve".into()),
                    (Some(c), None, _) => Status::Unknown(format!(
                        "{} evaluations, none in one of the last two quarters of the schedule",
                        c.points.len()
                    )),
                    (_, _, None) => Status::Unknown("chance among its classes unknown".into()),
                    (_, Some(rise), Some(margin)) => judge(rise, second_run, margin),
                };
                Convergence {
                    cell: base.cell.clone(),
                    margin,
                    rise,
                    second_run,
                    status,
                }
            })
            .collect()
    }

    /// The second run alone, for nets without a learning curve: what it adds, against its
    /// limit.
    pub fn describe_second_run(&self) -> String {
        match (self.second_run, self.margin) {
            (Some(gain), Some(margin)) => format!(
                "{}: a second run (BnB+ at n = 7) adds {gain:+.2} pts, {:.1}% of its \
                 {margin:.1}-point margin over chance (limit {:.0}%)",
                self.cell,
                100.0 * gain / margin,
                100.0 * SECOND_RUN_LIMIT
            ),
            (Some(gain), None) => format!("{}: a second run adds {gain:+.2} pts", self.cell),
            (None, _) => format!("{}: no second run", self.cell),
        }
    }

    /// One word or two: `converged`, `still improving` or `unknown`.
    pub fn label(&self) -> &'static str {
        match self.status {
            Status::Converged => "converged",
            Status::StillImproving(_) => "still improving",
            Status::Unknown(_) => "unknown",
        }
    }

    /// The net, its two tests and its status, for messages.
    pub fn describe(&self) -> String {
        let rise = self.rise.map_or_else(
            || "last quarter unknown".to_string(),
            |r| format!("last quarter {r:+.2} pts"),
        );
        let second = self.second_run.map_or_else(
            || "no second run".to_string(),
            |g| format!("second run {g:+.2} pts"),
        );
        let limits = self.margin.map_or_else(String::new, |m| {
            format!(
                " (limits {:.2} and {:.2}: {:.0}% and {:.0}% of its {m:.1}-point margin over chance)",
                RISE_LIMIT * m,
                SECOND_RUN_LIMIT * m,
                100.0 * RISE_LIMIT,
                100.0 * SECOND_RUN_LIMIT
            )
        });
        match &self.status {
            Status::Converged => format!("{}: {rise}, {second}{limits}: converged", self.cell),
            Status::StillImproving(why) | Status::Unknown(why) => {
                format!(
                    "{}: {rise}, {second}{limits}: {} ({why})",
                    self.cell,
                    self.label()
                )
            }
        }
    }
}

/// Whether a rise and a second run's gain are within their limits of `margin`.
fn judge(rise: f64, second_run: Option<f64>, margin: f64) -> Status {
    let mut failed = Vec::new();
    if rise > RISE_LIMIT * margin {
        failed.push(format!(
            "the last quarter rose {rise:+.2} pts, more than {:.2}",
            RISE_LIMIT * margin
        ));
    }
    if let Some(gain) = second_run.filter(|g| *g > SECOND_RUN_LIMIT * margin) {
        failed.push(format!(
            "a second run adds {gain:+.2} pts, more than {:.2}",
            SECOND_RUN_LIMIT * margin
        ));
    }
    if failed.is_empty() {
        Status::Converged
    } else {
        Status::StillImproving(failed.join("; "))
    }
}

/// The fine-tuned selffers at n = 7 of a base net's half (same split, same replicate), mean
/// top-1 minus the base's, in points.
fn second_run(rows: &[CellResult], base: &CellResult) -> Option<f64> {
    let runs: Vec<f64> = rows
        .iter()
        .filter(|r| {
            r.mode == Mode::Finetune
                && r.n == 7
                && r.split == base.split
                && r.target == base.target
                && r.source == Some(base.target)
                && r.replicate == base.replicate
        })
        .map(|r| r.top1)
        .collect();
    (!runs.is_empty()).then(|| 100.0 * (runs.iter().sum::<f64>() / runs.len() as f64 - base.top1))
}
