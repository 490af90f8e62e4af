//! The paper's five findings, checked on a run: the one place that states them.
//!
//! Each finding compares an effect with the paper's control (specificity: the gap `BnB − AnB`;
//! the lingering boost: `AnB+ − BnB+`; dissimilarity: the dissimilar split's drop against the
//! random split's), every net taken relative to the base net of its own target half, beyond
//! the noise of [`Noise`] (the spread between nets of one treatment). The criteria
//! ([`CRITERIA`]) were fixed before any run. A verdict needs base nets that reached a plateau
//! ([`Plateau`], read from their learning curves); otherwise, or without a noise estimate or
//! the nets a criterion reads, the finding is not measurable, and says why.

mod criteria;
mod evidence;
mod noise;
mod plateau;
mod text;

use convnet_results::CellResult;

use crate::groups::is_base;
use evidence::Relative;

pub use criteria::{CRITERIA, F1_RESOLUTION, NEAR_CHANCE, WELL_ABOVE_CHANCE};
pub use evidence::{Evidence, LearningCurve};
pub use noise::{Noise, Z};
pub use plateau::{Plateau, PlateauStatus};
pub use text::{comparison_markdown, findings_markdown};

/// Whether a finding holds on a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The criterion is met.
    Holds,
    /// The criterion is not met.
    DoesNotHold,
    /// The run cannot answer: nets missing, no noise estimate, or base nets still improving
    /// (the reason says which).
    NotMeasurable(String),
}

impl Verdict {
    /// A few words for tables: `holds`, `does not hold` or `not measurable`.
    pub fn label(&self) -> &'static str {
        match self {
            Verdict::Holds => "holds",
            Verdict::DoesNotHold => "does not hold",
            Verdict::NotMeasurable(_) => "not measurable",
        }
    }
}

/// One finding of the paper, its criterion and what a run shows.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// 1 to 5.
    pub number: u8,
    /// The paper's claim.
    pub claim: &'static str,
    /// The criterion, fixed before any run.
    pub criterion: &'static str,
    /// The numbers the criterion read, `value ± 2 SE` in points (empty when it read none).
    pub evidence: String,
    /// The main effect in a few words, for a figure (empty when it read none).
    pub headline: String,
    /// Whether it holds.
    pub verdict: Verdict,
}

/// The findings of a run with what they rest on: the noise and the base nets' convergence.
#[derive(Debug, Clone, PartialEq)]
pub struct Assessment {
    /// The noise of one net.
    pub noise: Noise,
    /// Every base net's convergence, in the order of the rows; `None` when no learning curves
    /// were given (the paper's published numbers).
    pub plateaus: Option<Vec<Plateau>>,
    /// The five findings, in order.
    pub findings: Vec<Finding>,
}

impl Assessment {
    /// How many findings hold.
    pub fn holding(&self) -> usize {
        self.findings
            .iter()
            .filter(|f| f.verdict == Verdict::Holds)
            .count()
    }

    /// The base nets that did not reach a plateau (or could not be told to).
    pub fn unconverged(&self) -> Vec<&Plateau> {
        self.plateaus
            .iter()
            .flatten()
            .filter(|p| p.status != PlateauStatus::Reached)
            .collect()
    }
}

/// The convergence of every base net of `rows`.
fn plateaus(rows: &[CellResult], curves: &[LearningCurve], noise: &Noise) -> Vec<Plateau> {
    rows.iter()
        .filter(|r| is_base(r))
        .map(|row| match curves.iter().find(|c| c.cell == row.cell) {
            Some(curve) => Plateau::of(curve, noise),
            None => Plateau {
                cell: row.cell.clone(),
                rise: None,
                status: PlateauStatus::Unknown("no learning curve".into()),
            },
        })
        .collect()
}

/// Why the base nets a finding reads do not allow a verdict, if they do not: F1-F4 read the
/// random splits' base nets, F5 every base net.
fn gate(plateaus: &[Plateau], number: u8) -> Option<String> {
    let blocking: Vec<String> = plateaus
        .iter()
        .filter(|p| p.status != PlateauStatus::Reached)
        .filter(|p| number == 5 || p.cell.split.is_random())
        .map(Plateau::describe)
        .collect();
    (!blocking.is_empty()).then(|| {
        format!(
            "base nets still improving or not known to have converged: {}",
            blocking.join("; ")
        )
    })
}

/// Checks the five findings on a run (any subset of its nets: a criterion whose nets are
/// missing is not measurable, naming the first one missing).
pub fn check_findings(evidence: &Evidence) -> Assessment {
    let relative = Relative::of(evidence.rows);
    let noise = Noise::of(&relative);
    let plateaus = evidence
        .curves
        .map(|curves| plateaus(evidence.rows, curves, &noise));
    let outcomes = [
        criteria::general_lower_layers(&relative, &noise),
        criteria::fragile_co_adaptation(&relative, &noise),
        criteria::specificity(&relative, &noise),
        criteria::lingering_boost(&relative, &noise),
        criteria::dissimilarity_and_random_filters(&relative, &noise, evidence.chance),
    ];
    let findings = outcomes
        .into_iter()
        .zip(CRITERIA)
        .enumerate()
        .map(|(i, (outcome, (claim, criterion)))| {
            let number = i as u8 + 1;
            let blocked = plateaus.as_deref().and_then(|p| gate(p, number));
            let (measured, verdict) = match outcome {
                Err(why) => (None, Verdict::NotMeasurable(why)),
                Ok(m) if !noise.measured() => (
                    Some(m),
                    Verdict::NotMeasurable(format!("noise {}", noise.describe())),
                ),
                Ok(m) => {
                    let verdict = match (&blocked, m.holds) {
                        (Some(why), _) => Verdict::NotMeasurable(why.clone()),
                        (None, true) => Verdict::Holds,
                        (None, false) => Verdict::DoesNotHold,
                    };
                    (Some(m), verdict)
                }
            };
            let (evidence, headline) =
                measured.map_or_else(Default::default, |m| (m.evidence, m.headline));
            Finding {
                number,
                claim,
                criterion,
                evidence,
                headline,
                verdict,
            }
        })
        .collect();
    Assessment {
        noise,
        plateaus,
        findings,
    }
}
