//! What the findings read: the rows of a run, the learning curves of its base nets, the level
//! of chance; and the rows turned into values relative to each net's own base.

use std::collections::BTreeMap;

use convnet_transfer::{CellResult, Mode};

use crate::groups::{base_of, figure2_group, split_kind, Figure2Group, SplitKind};

/// The validation top-1 of one net along its schedule (its `metrics.jsonl`).
#[derive(Debug, Clone, PartialEq)]
pub struct LearningCurve {
    /// The net, e.g. `random0/baseA`.
    pub cell: String,
    /// `(iteration, top-1)` of every evaluation, in order.
    pub points: Vec<(u64, f64)>,
}

/// Everything the findings are checked on.
#[derive(Debug, Clone, Copy)]
pub struct Evidence<'a> {
    /// The finished nets (`results.csv`).
    pub rows: &'a [CellResult],
    /// The learning curves of the base nets, for the convergence gate; `None` where none were
    /// recorded (the paper's published numbers), which leaves the gate unchecked.
    pub curves: Option<&'a [LearningCurve]>,
    /// Top-1 of guessing among the classes of split `all` (1 / classes), which the random-filter
    /// nets are compared with; `None` when unknown.
    pub chance: Option<f64>,
}

/// A treatment whose nets are compared with their own base net.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Treatment {
    /// Frozen selffers of the random splits.
    BnB,
    /// Frozen transfers of the random splits.
    AnB,
    /// Fine-tuned selffers.
    BnBPlus,
    /// Fine-tuned transfers.
    AnBPlus,
    /// Frozen transfers of a dissimilar split.
    Dissimilar,
    /// Random frozen filters (split `all`).
    RandomFilters,
}

impl Treatment {
    /// The name used in messages.
    pub(crate) fn label(self) -> &'static str {
        match self {
            Treatment::BnB => "BnB",
            Treatment::AnB => "AnB",
            Treatment::BnBPlus => "BnB+",
            Treatment::AnBPlus => "AnB+",
            Treatment::Dissimilar => "dissimilar AnB",
            Treatment::RandomFilters => "random-filter",
        }
    }

    /// The treatments whose nets share one noise: every copied net; the random-filter nets sit
    /// near chance, where their spread says nothing about the others.
    pub(crate) const POOLED: [Treatment; 5] = [
        Treatment::BnB,
        Treatment::AnB,
        Treatment::BnBPlus,
        Treatment::AnBPlus,
        Treatment::Dissimilar,
    ];
}

/// Every net's top-1 minus the top-1 of the base net of its own target half (same split, same
/// replicate), in percentage points, by treatment and n; and the levels they are read against.
#[derive(Debug, Clone, Default)]
pub(crate) struct Relative {
    /// Values by `(treatment, n)`.
    pub values: BTreeMap<(Treatment, u32), Vec<f64>>,
    /// Mean top-1 of the random splits' base nets, in points.
    pub base_b: Option<f64>,
    /// Mean top-1 of `all/base`, in points.
    pub all_base: Option<f64>,
    /// Mean validation images of the random splits' base nets (0 when unknown).
    pub val_images: f64,
}

impl Relative {
    /// The relative values of `rows`.
    pub(crate) fn of(rows: &[CellResult]) -> Relative {
        let mut relative = Relative::default();
        let mut bases = Vec::new();
        let mut val_images = Vec::new();
        let mut all_bases = Vec::new();
        for row in rows {
            let kind = split_kind(&row.split);
            let treatment = match (kind, figure2_group(row), row.mode) {
                (_, Some(Figure2Group::BaseB), _) => {
                    bases.push(100.0 * row.top1);
                    val_images.push(row.val_images as f64);
                    None
                }
                (_, Some(Figure2Group::BnB), _) => Some(Treatment::BnB),
                (_, Some(Figure2Group::AnB), _) => Some(Treatment::AnB),
                (_, Some(Figure2Group::BnBPlus), _) => Some(Treatment::BnBPlus),
                (_, Some(Figure2Group::AnBPlus), _) => Some(Treatment::AnBPlus),
                (SplitKind::Dissimilar, None, Mode::Frozen) if row.source != row.target => {
                    Some(Treatment::Dissimilar)
                }
                (SplitKind::All, None, Mode::Random) => Some(Treatment::RandomFilters),
                (SplitKind::All, None, Mode::Base) => {
                    all_bases.push(100.0 * row.top1);
                    None
                }
                _ => None,
            };
            let Some(treatment) = treatment else {
                continue;
            };
            if let Some(base) = base_of(rows, &row.split, &row.target, row.seed) {
                relative
                    .values
                    .entry((treatment, row.n))
                    .or_default()
                    .push(100.0 * (row.top1 - base));
            }
        }
        let mean = |v: &[f64]| (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64);
        relative.base_b = mean(&bases);
        relative.all_base = mean(&all_bases);
        relative.val_images = mean(&val_images).unwrap_or(0.0);
        relative
    }

    /// The values of a treatment at `n` (empty when it has none there).
    pub(crate) fn at(&self, treatment: Treatment, n: u32) -> &[f64] {
        self.values
            .get(&(treatment, n))
            .map_or(&[][..], Vec::as_slice)
    }
}
