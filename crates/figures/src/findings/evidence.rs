//! What the findings read: the rows of a run, the learning curves of its base nets, the level
//! of chance; and the rows turned into values relative to each net's own base.

use std::collections::BTreeMap;

use convnet_results::{Cell, CellResult};

use crate::groups::{
    dissimilar_net, figure2_group, is_base, random_filter_net, relative_to_own_base, Figure2Group,
};

/// The validation top-1 of one net along its schedule (its `metrics.jsonl`).
#[derive(Debug, Clone, PartialEq)]
pub struct LearningCurve {
    /// The net, e.g. `random0/baseA`.
    pub cell: Cell,
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
        let (mut bases, mut val_images, mut all_bases) = (Vec::new(), Vec::new(), Vec::new());
        for row in rows {
            let treatment = match figure2_group(row) {
                Some(Figure2Group::BaseB) => {
                    bases.push(100.0 * row.top1);
                    val_images.push(row.val_images as f64);
                    None
                }
                Some(Figure2Group::BnB) => Some(Treatment::BnB),
                Some(Figure2Group::AnB) => Some(Treatment::AnB),
                Some(Figure2Group::BnBPlus) => Some(Treatment::BnBPlus),
                Some(Figure2Group::AnBPlus) => Some(Treatment::AnBPlus),
                None if is_base(row) => {
                    if random_filter_net(row) {
                        all_bases.push(100.0 * row.top1);
                    }
                    None
                }
                None if dissimilar_net(row) => Some(Treatment::Dissimilar),
                None if random_filter_net(row) => Some(Treatment::RandomFilters),
                None => None,
            };
            let value = treatment.and_then(|t| Some((t, relative_to_own_base(rows, row)?)));
            if let Some((treatment, value)) = value {
                relative
                    .values
                    .entry((treatment, row.n))
                    .or_default()
                    .push(value);
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
