//! The criteria, fixed before any run. Each finding reads a few numbers (means of nets against
//! their own base, or differences of such means, in points) and states the test each must
//! pass: an effect against the paper's control, beyond 2 standard errors of the noise model
//! of [`crate::noise`], or an equivalence within a margin fixed in advance.

use std::fmt;

use crate::nets::Treatment;
use crate::noise::{Contrast, Noise, Reading};
use crate::quantity::{Limit, Quantity, Scale, Test};
use crate::table::Table;

/// F1 calls a difference "no loss" only within this share of `baseB` (equivalence margin).
pub const F1_MARGIN: f64 = 0.05;
/// F5b: random filters have collapsed when within this share of `all/base`'s margin over
/// chance (mean over n = 3..7).
pub const NEAR_CHANCE: f64 = 0.1;
/// F5b: random filters at n = 1 stand "well above chance" beyond this share of that margin.
pub const WELL_ABOVE_CHANCE: f64 = 0.5;

/// A finding of the paper, as this crate judges it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FindingId {
    /// The first layers transfer without loss.
    F1,
    /// Fragile co-adaptation: BnB dips in the middle, recovers at the top.
    F2,
    /// Specificity: the gap BnB − AnB grows at the top.
    F3,
    /// Fine-tuned transfers beat their base (the paper's wording).
    F4a,
    /// Fine-tuned transfers beat fine-tuned selffers (the boost against its control).
    F4b,
    /// Dissimilar halves lose more with n than random halves.
    F5a,
    /// Random frozen filters collapse from layer 3.
    F5b,
}

impl FindingId {
    /// Every finding, in order.
    pub const ALL: [FindingId; 7] = [
        FindingId::F1,
        FindingId::F2,
        FindingId::F3,
        FindingId::F4a,
        FindingId::F4b,
        FindingId::F5a,
        FindingId::F5b,
    ];

    /// The paper's claim.
    pub fn claim(self) -> &'static str {
        match self {
            FindingId::F1 => "The first layers transfer without loss (the paper: layers 1-3, almost)",
            FindingId::F2 => "Fragile co-adaptation: BnB dips in the middle layers and recovers at the top",
            FindingId::F3 => "Specificity: the gap BnB - AnB grows at the top layers",
            FindingId::F4a => "A lingering boost: fine-tuned transfers AnB+ beat their base net (the paper's wording)",
            FindingId::F4b => "A lingering boost against its control: AnB+ beats BnB+, fine-tuning a net's own layers",
            FindingId::F5a => "Dissimilar halves lose more: the dissimilar split's loss grows with n faster than the random split's",
            FindingId::F5b => "Random frozen filters collapse from layer 3 and stand well above chance at layer 1",
        }
    }

    /// The criterion, fixed before any run.
    pub fn criterion(self) -> &'static str {
        match self {
            FindingId::F1 => "equivalence: AnB - baseB and AnB - BnB at n = 1 and at n = 2, each mean, its sign dropped, plus 2 SE within 5% of baseB",
            FindingId::F2 => "BnB at n = 3..5 below BnB at n = 1..2, and BnB at n = 6..7 above BnB at n = 3..5, each by more than 2 SE",
            FindingId::F3 => "the gap BnB - AnB at n = 6..7 exceeds the gap at n = 1..2 by more than 2 SE",
            FindingId::F4a => "AnB+ - baseB (each net against its own base) above zero by more than 2 SE, mean over n = 1..7",
            FindingId::F4b => "AnB+ - BnB+ (each net against its own half's base, so the halves' difference is taken out) above zero by more than 2 SE, mean over n = 1..7",
            FindingId::F5a => "the dissimilar split's change from n = 1..2 to n = 6..7 below the random split's AnB change by more than 2 SE (each net against its own base)",
            FindingId::F5b => "random filters above chance (the paper's Gaussian ones where the run has them): mean over n = 3..7 + 2 SE at most 10% of all/base's margin over chance, and at n = 1 - 2 SE at least 50% of it",
        }
    }

    /// Which base nets must have converged before the finding is judged.
    pub(crate) fn needs(self) -> Needs {
        match self {
            FindingId::F5a => Needs::RandomAndDissimilar,
            FindingId::F5b => Needs::AllSplit,
            _ => Needs::RandomSplits,
        }
    }

    /// The numbers the finding reads, with their tests (without the paper's values); `Err`
    /// names the first net missing.
    pub(crate) fn read(self, table: &Table, noise: &Noise) -> Result<Vec<Quantity>, String> {
        let mean = |t: Treatment, ns: &[u32]| Contrast::mean(table, t, ns, Reading::Relative);
        let quantity = |name: String, contrast: Contrast, test: Test, scale: Scale| {
            Quantity::new(name, contrast.estimate(table, noise), test, scale)
        };
        let within = Test::Within(Limit::ShareOfBaseB(F1_MARGIN));
        Ok(match self {
            FindingId::F1 => {
                let mut quantities = Vec::new();
                for n in [1, 2] {
                    quantities.push(quantity(
                        format!("AnB - baseB at n = {n}"),
                        mean(Treatment::AnB, &[n])?,
                        within,
                        Scale::BaseB,
                    ));
                }
                for n in [1, 2] {
                    quantities.push(quantity(
                        format!("AnB - BnB at n = {n}"),
                        mean(Treatment::AnB, &[n])?.minus(&mean(Treatment::BnB, &[n])?),
                        within,
                        Scale::BaseB,
                    ));
                }
                quantities
            }
            FindingId::F2 => {
                let start = mean(Treatment::BnB, &[1, 2])?;
                let middle = mean(Treatment::BnB, &[3, 4, 5])?;
                let top = mean(Treatment::BnB, &[6, 7])?;
                vec![
                    quantity(
                        "dip: BnB at n = 3..5 minus at n = 1..2".into(),
                        middle.clone().minus(&start),
                        Test::Negative,
                        Scale::BaseB,
                    ),
                    quantity(
                        "recovery: BnB at n = 6..7 minus at n = 3..5".into(),
                        top.minus(&middle),
                        Test::Positive,
                        Scale::BaseB,
                    ),
                ]
            }
            FindingId::F3 => {
                let gap = |ns: &[u32]| -> Result<Contrast, String> {
                    Ok(mean(Treatment::BnB, ns)?.minus(&mean(Treatment::AnB, ns)?))
                };
                vec![quantity(
                    "growth of BnB - AnB from n = 1..2 to n = 6..7".into(),
                    gap(&[6, 7])?.minus(&gap(&[1, 2])?),
                    Test::Positive,
                    Scale::BaseB,
                )]
            }
            FindingId::F4a => vec![quantity(
                "AnB+ - baseB over n = 1..7".into(),
                mean(Treatment::AnBPlus, &ALL_N)?,
                Test::Positive,
                Scale::BaseB,
            )],
            FindingId::F4b => vec![quantity(
                "AnB+ - BnB+ over n = 1..7, each against its own base".into(),
                mean(Treatment::AnBPlus, &ALL_N)?.minus(&mean(Treatment::BnBPlus, &ALL_N)?),
                Test::Positive,
                Scale::BaseB,
            )],
            FindingId::F5a => {
                let change = |t: Treatment| -> Result<Contrast, String> {
                    Ok(mean(t, &[6, 7])?.minus(&mean(t, &[1, 2])?))
                };
                vec![quantity(
                    "dissimilar change minus random-split AnB change, n = 1..2 to 6..7".into(),
                    change(Treatment::Dissimilar)?.minus(&change(Treatment::AnB)?),
                    Test::Negative,
                    Scale::BaseB,
                )]
            }
            FindingId::F5b => {
                // The paper's random filters where the run has them, else the net's own.
                let filters = if table.at(Treatment::GaussianFilters, 1).is_empty() {
                    Treatment::RandomFilters
                } else {
                    Treatment::GaussianFilters
                };
                let above = |ns: &[u32]| Contrast::mean(table, filters, ns, Reading::AboveChance);
                let name = filters.label();
                vec![
                    quantity(
                        format!("{name} above chance, mean over n = 3..7"),
                        above(&[3, 4, 5, 6, 7])?,
                        Test::AtMost(Limit::ShareOfAllMargin(NEAR_CHANCE)),
                        Scale::AllBase,
                    ),
                    quantity(
                        format!("{name} above chance at n = 1"),
                        above(&[1])?,
                        Test::AtLeast(Limit::ShareOfAllMargin(WELL_ABOVE_CHANCE)),
                        Scale::AllBase,
                    ),
                ]
            }
        })
    }
}

impl fmt::Display for FindingId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FindingId::F1 => "F1",
            FindingId::F2 => "F2",
            FindingId::F3 => "F3",
            FindingId::F4a => "F4a",
            FindingId::F4b => "F4b",
            FindingId::F5a => "F5a",
            FindingId::F5b => "F5b",
        })
    }
}

/// Every n of the paper's figures.
const ALL_N: [u32; 7] = [1, 2, 3, 4, 5, 6, 7];

/// The base nets a finding reads, which must have converged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Needs {
    /// The random splits' base nets.
    RandomSplits,
    /// The random and the dissimilar splits' base nets.
    RandomAndDissimilar,
    /// The base net of split `all`.
    AllSplit,
}
