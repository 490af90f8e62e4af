//! The convergence gate: did a base net stop improving before its schedule ended?
//!
//! A net has reached its plateau when its validation top-1 over the last quarter of its
//! schedule (the mean of the evaluations after 75 % of its iterations) is above the mean over
//! the quarter before (50-75 %) by no more than the noise of one net. A net still improving
//! hands a head start to every net that copies its layers and trains on, which the paper's
//! comparisons assume away: its nets were trained to a plateau.

use convnet_results::Cell;

use super::evidence::LearningCurve;
use super::noise::Noise;

/// Where a base net's training stood at the end.
#[derive(Debug, Clone, PartialEq)]
pub enum PlateauStatus {
    /// The last quarter rose by no more than the noise.
    Reached,
    /// The last quarter rose by more than the noise.
    StillImproving,
    /// Too few evaluations to tell (one in each of the last two quarters is needed), or no
    /// noise estimate to compare with.
    Unknown(String),
}

/// The convergence of one base net.
#[derive(Debug, Clone, PartialEq)]
pub struct Plateau {
    /// The base net.
    pub cell: Cell,
    /// Mean top-1 over the last quarter of its schedule minus over the quarter before, in points.
    pub rise: Option<f64>,
    /// The verdict.
    pub status: PlateauStatus,
}

impl Plateau {
    /// The plateau of one learning curve against the noise of one net.
    pub(crate) fn of(curve: &LearningCurve, noise: &Noise) -> Plateau {
        let end = curve.points.last().map_or(0, |p| p.0) as f64;
        let window = |from: f64, to: f64| {
            let values: Vec<f64> = curve
                .points
                .iter()
                .filter(|(i, _)| (*i as f64) > from * end && (*i as f64) <= to * end)
                .map(|(_, top1)| 100.0 * top1)
                .collect();
            (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
        };
        let rise = match (window(0.75, 1.0), window(0.5, 0.75)) {
            (Some(last), Some(before)) => Some(last - before),
            _ => None,
        };
        let status = match rise {
            None => PlateauStatus::Unknown(format!(
                "{} evaluations, none in one of the last two quarters of the schedule",
                curve.points.len()
            )),
            Some(_) if !noise.measured() => {
                PlateauStatus::Unknown("no noise estimate to compare the rise with".into())
            }
            Some(rise) if rise <= noise.sd => PlateauStatus::Reached,
            Some(_) => PlateauStatus::StillImproving,
        };
        Plateau {
            cell: curve.cell.clone(),
            rise,
            status,
        }
    }

    /// One word: `plateau`, `still improving` or `unknown`.
    pub fn label(&self) -> &'static str {
        match self.status {
            PlateauStatus::Reached => "plateau",
            PlateauStatus::StillImproving => "still improving",
            PlateauStatus::Unknown(_) => "unknown",
        }
    }

    /// The net, its rise and its status, for messages.
    pub fn describe(&self) -> String {
        let rise = self.rise.map_or_else(
            || "rise unknown".to_string(),
            |r| format!("{r:+.2} pts over the last quarter"),
        );
        match &self.status {
            PlateauStatus::Unknown(why) => format!("{}: {rise}, unknown ({why})", self.cell),
            _ => format!("{}: {rise}, {}", self.cell, self.label()),
        }
    }
}
