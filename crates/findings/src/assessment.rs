//! The findings of one run: each criterion's numbers against the noise, gated by the base
//! nets' convergence, and, where a finding does not hold, the power the run had to see the
//! paper's effect.

use std::sync::OnceLock;

use convnet_results::CellResult;
use convnet_splits::SplitName;

use crate::convergence::{Convergence, LearningCurve, Status};
use crate::criteria::{FindingId, Needs};
use crate::noise::Noise;
use crate::paper;
use crate::quantity::Quantity;
use crate::table::{Chances, Levels, Table};

/// Everything the findings are checked on.
#[derive(Debug, Clone, Copy)]
pub struct Evidence<'a> {
    /// The finished nets (`results.csv`).
    pub rows: &'a [CellResult],
    /// The learning curves of the base nets, for the convergence gate; `None` where none were
    /// recorded (the paper's published numbers), which leaves the gate unchecked.
    pub curves: Option<&'a [LearningCurve]>,
    /// Top-1 of guessing per split and half (`1 / classes`).
    pub chances: &'a Chances,
}

/// The power a run had to see the paper's effect where a finding does not hold.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Power {
    /// The probability that the run passes every test of the criterion if the paper's effects
    /// were there, each scaled to the run's margin over chance (the tests taken as
    /// independent); `None` when the paper has no such number or a level is unknown.
    pub probability: Option<f64>,
}

impl Power {
    /// The power from which a negative counts as one that could have seen the effect.
    pub const ENOUGH: f64 = 0.8;

    /// Whether the run could have seen the paper's effect; `None` when that is unknown.
    pub fn could_see(&self) -> Option<bool> {
        self.probability.map(|p| p >= Self::ENOUGH)
    }

    /// A few words: `could have seen it (power 93%)`, `cannot tell (power 12%)`.
    pub fn describe(&self) -> String {
        match self.probability {
            Some(p) if p >= Self::ENOUGH => {
                format!(
                    "the run had the power to see the paper's effect ({:.0}%)",
                    100.0 * p
                )
            }
            Some(p) => format!(
                "cannot tell: the run had {:.0}% power to see the paper's effect",
                100.0 * p
            ),
            None => "power unknown (no paper value or level to scale it by)".into(),
        }
    }
}

/// Whether a finding holds on a run.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// Every test of the criterion is passed.
    Holds,
    /// A test is not passed; with the power the run had to pass them all had the paper's
    /// effects been there.
    DoesNotHold(Power),
    /// The run cannot answer: nets missing, no noise estimate, or base nets not converged (the
    /// reason says which).
    NotMeasurable(String),
}

impl Verdict {
    /// A few words for tables: `holds`, `does not hold` or `not measurable`.
    pub fn label(&self) -> &'static str {
        match self {
            Verdict::Holds => "holds",
            Verdict::DoesNotHold(_) => "does not hold",
            Verdict::NotMeasurable(_) => "not measurable",
        }
    }

    /// A few words for a figure or a table cell: `holds`, `does not hold, powered` (the run had
    /// the power to see the paper's effect), `does not hold, cannot tell`, `not measurable`.
    pub fn short(&self) -> &'static str {
        match self {
            Verdict::Holds => "holds",
            Verdict::DoesNotHold(power) => match power.could_see() {
                Some(true) => "does not hold, powered",
                Some(false) => "does not hold, cannot tell",
                None => "does not hold",
            },
            Verdict::NotMeasurable(_) => "not measurable",
        }
    }

    /// The label with what qualifies it: the power of a negative, the reason of "not
    /// measurable".
    pub fn describe(&self) -> String {
        match self {
            Verdict::Holds => "holds".into(),
            Verdict::DoesNotHold(power) => format!("does not hold; {}", power.describe()),
            Verdict::NotMeasurable(why) => format!("not measurable: {why}"),
        }
    }
}

/// One finding of the paper and what a run shows.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// Which finding.
    pub id: FindingId,
    /// The numbers its criterion read (empty when a net it needs is missing).
    pub quantities: Vec<Quantity>,
    /// Whether it holds.
    pub verdict: Verdict,
}

impl Finding {
    /// Every number read, `value ± 2 SE` in points, with the paper's value scaled to the run
    /// beside it.
    pub fn evidence(&self) -> String {
        self.quantities
            .iter()
            .map(|q| {
                let paper = match (q.paper, q.paper_scaled) {
                    (Some(p), Some(s)) if (s - p).abs() >= 0.005 => {
                        format!(" (paper {p:+.2}, scaled to this run {s:+.2})")
                    }
                    (Some(p), _) => format!(" (paper {p:+.2})"),
                    _ => String::new(),
                };
                let between = q
                    .between_runs
                    .map_or_else(String::new, |t| format!(", between runs ±{t:.2}"));
                format!("{}: {}{between}{paper}", q.name, q.estimate.show())
            })
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// The main number in a few words, for a figure (empty when nothing was read).
    pub fn headline(&self) -> String {
        self.quantities
            .iter()
            .map(|q| format!("{:+.1} ± {:.1}", q.estimate.value, 2.0 * q.estimate.se))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// What the findings of a run rest on.
#[derive(Debug, Clone, PartialEq)]
pub enum Basis {
    /// One run: its noise and its base nets' convergence.
    Run {
        /// The noise of one net.
        noise: Noise,
        /// Every base net's convergence, in the order of the rows.
        convergence: Vec<Convergence>,
        /// Whether learning curves were recorded; without them (the paper's published
        /// numbers) convergence is not checked.
        curves_recorded: bool,
    },
    /// Several runs pooled, the split (and everything else a run draws) a random effect.
    Pooled {
        /// The runs' names, in order.
        runs: Vec<String>,
    },
}

/// The findings of a run (or of runs pooled) with what they rest on.
#[derive(Debug, Clone, PartialEq)]
pub struct Assessment {
    /// The noise and convergence, or the pooled runs.
    pub basis: Basis,
    /// Levels of top-1 and chance the criteria are scaled by.
    pub levels: Levels,
    /// The findings, in order.
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

    /// A finding by its id.
    pub fn finding(&self, id: FindingId) -> Option<&Finding> {
        self.findings.iter().find(|f| f.id == id)
    }

    /// The noise of one net (one run only).
    pub fn noise(&self) -> Option<&Noise> {
        match &self.basis {
            Basis::Run { noise, .. } => Some(noise),
            Basis::Pooled { .. } => None,
        }
    }

    /// Every base net's convergence (one run only; empty when pooled).
    pub fn convergence(&self) -> &[Convergence] {
        match &self.basis {
            Basis::Run { convergence, .. } => convergence,
            Basis::Pooled { .. } => &[],
        }
    }
}

/// Checks the paper's findings on a run (any subset of its nets: a criterion whose nets are
/// missing is not measurable, naming the first one missing).
pub fn check_findings(evidence: &Evidence) -> Assessment {
    let table = Table::of(evidence.rows, evidence.chances);
    let noise = Noise::of(&table);
    let convergence = Convergence::of_all(
        evidence.rows,
        evidence.curves.unwrap_or(&[]),
        evidence.chances,
    );
    let findings = FindingId::ALL
        .into_iter()
        .map(|id| {
            let blocked = evidence
                .curves
                .is_some()
                .then(|| gate(&convergence, id.needs()))
                .flatten();
            match id.read(&table, &noise) {
                Err(why) => Finding {
                    id,
                    quantities: Vec::new(),
                    verdict: Verdict::NotMeasurable(why),
                },
                Ok(quantities) if !noise.measured() => Finding {
                    id,
                    quantities: with_paper(id, quantities, &table.levels),
                    verdict: Verdict::NotMeasurable(format!("noise {}", noise.describe())),
                },
                Ok(quantities) => {
                    let quantities = with_paper(id, quantities, &table.levels);
                    let verdict = match blocked {
                        Some(why) => Verdict::NotMeasurable(why),
                        None => judge(&quantities, &table.levels),
                    };
                    Finding {
                        id,
                        quantities,
                        verdict,
                    }
                }
            }
        })
        .collect();
    Assessment {
        basis: Basis::Run {
            noise,
            convergence,
            curves_recorded: evidence.curves.is_some(),
        },
        levels: table.levels,
        findings,
    }
}

/// The verdict of a criterion's quantities at `levels`.
pub(crate) fn judge(quantities: &[Quantity], levels: &Levels) -> Verdict {
    let mut passes = true;
    for q in quantities {
        match q.passes(levels) {
            None => {
                return Verdict::NotMeasurable(format!(
                    "{}: the level its limit is a share of is unknown (chance or a base net)",
                    q.name
                ))
            }
            Some(pass) => passes &= pass,
        }
    }
    if passes {
        return Verdict::Holds;
    }
    let probability = quantities
        .iter()
        .map(|q| q.power)
        .try_fold(1.0, |product, power| Some(product * power?));
    Verdict::DoesNotHold(Power { probability })
}

/// Why the base nets a finding reads do not allow a verdict, if they do not.
fn gate(convergence: &[Convergence], needs: Needs) -> Option<String> {
    let blocking: Vec<String> = convergence
        .iter()
        .filter(|c| match needs {
            Needs::RandomSplits => c.cell.split.is_random(),
            Needs::RandomAndDissimilar => {
                c.cell.split.is_random() || matches!(c.cell.split, SplitName::Dissimilar(_))
            }
            Needs::AllSplit => c.cell.split == SplitName::All,
        })
        .filter_map(|c| match &c.status {
            Status::Converged => None,
            Status::StillImproving(why) | Status::Unknown(why) => {
                Some(format!("{} ({why})", c.cell))
            }
        })
        .collect();
    (!blocking.is_empty()).then(|| {
        format!(
            "base nets not converged or not known to be: {}",
            blocking.join("; ")
        )
    })
}

/// `quantities` with the paper's value of each, scaled to `levels`, and the power to see it.
pub(crate) fn with_paper(
    id: FindingId,
    quantities: Vec<Quantity>,
    levels: &Levels,
) -> Vec<Quantity> {
    let published = published();
    quantities
        .into_iter()
        .enumerate()
        .map(|(i, mut q)| {
            q.paper = published.value(id, i);
            q.paper_scaled = q.paper_scaled_to(levels, &published.levels);
            q.power = q.power_at(levels, &published.levels);
            q
        })
        .collect()
}

/// The paper's value of every quantity of every criterion.
struct Published {
    levels: Levels,
    values: Vec<(FindingId, Vec<f64>)>,
}

impl Published {
    /// The paper's value of quantity `index` of finding `id`.
    fn value(&self, id: FindingId, index: usize) -> Option<f64> {
        let (_, values) = self.values.iter().find(|(f, _)| *f == id)?;
        values.get(index).copied()
    }
}

/// The paper's values, read from its networks by the same criteria. F4b's value is the boost
/// the paper's Figure 2 shows, `AnB+ − BnB+` against the mean of every base net (the same
/// criterion on the paper's nets, each against its own half's base, reads about zero: that
/// is the finding).
fn published() -> &'static Published {
    static PUBLISHED: OnceLock<Published> = OnceLock::new();
    PUBLISHED.get_or_init(|| {
        let rows = paper::networks().expect("the embedded tables of the paper parse");
        let chances = paper::chances();
        let table = Table::of(&rows, &chances);
        let noise = Noise::of(&table);
        let values = FindingId::ALL
            .into_iter()
            .map(|id| {
                let values = match id {
                    FindingId::F4b => vec![paper::figure2_boost()],
                    _ => id
                        .read(&table, &noise)
                        .map(|qs| qs.iter().map(|q| q.estimate.value).collect())
                        .unwrap_or_default(),
                };
                (id, values)
            })
            .collect();
        Published {
            levels: table.levels,
            values,
        }
    })
}
