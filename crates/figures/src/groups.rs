//! Which networks belong to which curve of the paper's figures.

use crate::stats::{mean, summarise, Summary};
use convnet_findings::{
    dissimilar_net, is_base, random_filter_net, relative_to_own_base, Treatment,
};
use convnet_results::{CellResult, Mode};
use convnet_splits::{HalfId, SplitName};
use std::collections::{BTreeMap, BTreeSet};

/// The curves of Figure 2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Figure2Group {
    /// Base nets of the random splits (both halves pooled), at `n = 0`.
    BaseB,
    /// Frozen selffers (BnB and AnA).
    BnB,
    /// Fine-tuned selffers.
    BnBPlus,
    /// Frozen transfers (AnB and BnA).
    AnB,
    /// Fine-tuned transfers.
    AnBPlus,
}

impl Figure2Group {
    /// Every group, in drawing order.
    pub(crate) const ALL: [Figure2Group; 5] = [
        Figure2Group::BaseB,
        Figure2Group::BnB,
        Figure2Group::BnBPlus,
        Figure2Group::AnB,
        Figure2Group::AnBPlus,
    ];

    /// The paper's name of the group.
    pub(crate) fn label(self) -> &'static str {
        match self {
            Figure2Group::BaseB => "baseB",
            Figure2Group::BnB => "BnB",
            Figure2Group::BnBPlus => "BnB+",
            Figure2Group::AnB => "AnB",
            Figure2Group::AnBPlus => "AnB+",
        }
    }
}

/// The Figure 2 group of a row, if it has one (random splits only).
pub(crate) fn figure2_group(row: &CellResult) -> Option<Figure2Group> {
    if !row.split.is_random() {
        return None;
    }
    if is_base(row) {
        return Some(Figure2Group::BaseB);
    }
    match Treatment::of(row)? {
        Treatment::BnB => Some(Figure2Group::BnB),
        Treatment::AnB => Some(Figure2Group::AnB),
        Treatment::BnBPlus => Some(Figure2Group::BnBPlus),
        Treatment::AnBPlus => Some(Figure2Group::AnBPlus),
        Treatment::Dissimilar | Treatment::RandomFilters | Treatment::GaussianFilters => None,
    }
}

/// One value of one network: its replicate and its (possibly relative) top-1.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Observation {
    /// Replicate.
    pub replicate: u32,
    /// The value drawn.
    pub value: f64,
}

/// Values of one curve, per `n`.
pub(crate) type Curve = BTreeMap<u32, Vec<Observation>>;

/// Adds one observation to a curve.
pub(crate) fn push(curve: &mut Curve, n: u32, replicate: u32, value: f64) {
    curve
        .entry(n)
        .or_default()
        .push(Observation { replicate, value });
}

/// The mean line of a curve; a band where an `n` has values from two or more replicates.
pub(crate) fn mean_line(curve: &Curve) -> Vec<(u32, Summary)> {
    curve
        .iter()
        .filter(|(_, obs)| !obs.is_empty())
        .map(|(&n, obs)| {
            let replicates: BTreeSet<u32> = obs.iter().map(|o| o.replicate).collect();
            let values: Vec<f64> = obs.iter().map(|o| o.value).collect();
            (n, summarise(&values, replicates.len() >= 2))
        })
        .collect()
}

/// The curves of Figure 2, keyed by group; groups without rows are absent.
pub(crate) fn figure2_curves(rows: &[CellResult]) -> BTreeMap<Figure2Group, Curve> {
    let mut curves: BTreeMap<Figure2Group, Curve> = BTreeMap::new();
    for row in rows {
        if let Some(group) = figure2_group(row) {
            push(
                curves.entry(group).or_default(),
                row.n,
                row.replicate,
                row.top1,
            );
        }
    }
    curves
}

/// Mean of the observations of a curve at `n`, if it has any there.
pub(crate) fn curve_mean(curve: &Curve, n: u32) -> Option<f64> {
    let values = curve.get(&n)?;
    (!values.is_empty()).then(|| values.iter().map(|o| o.value).sum::<f64>() / values.len() as f64)
}

/// Mean of a group at `n`, if it has values there.
pub(crate) fn mean_at(
    curves: &BTreeMap<Figure2Group, Curve>,
    group: Figure2Group,
    n: u32,
) -> Option<f64> {
    curve_mean(curves.get(&group)?, n)
}

/// One transfer direction of a dissimilar split: its target's base at `n = 0`, then `source n target`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct DissimilarCurve {
    /// Split name.
    pub split: SplitName,
    /// Half the layers come from (`None` when only the base exists).
    pub source: Option<HalfId>,
    /// Half trained on.
    pub target: HalfId,
    /// Values per n.
    pub curve: Curve,
}

/// The dissimilar-split curves of Figure 3 top: one per (split, target), frozen transfers only.
pub(crate) fn dissimilar_curves(rows: &[CellResult]) -> Vec<DissimilarCurve> {
    let mut curves: BTreeMap<(SplitName, HalfId), DissimilarCurve> = BTreeMap::new();
    for row in rows.iter().filter(|r| dissimilar_net(r)) {
        let entry = curves
            .entry((row.split.clone(), row.target))
            .or_insert_with(|| DissimilarCurve {
                split: row.split.clone(),
                source: None,
                target: row.target,
                curve: Curve::new(),
            });
        if !is_base(row) {
            entry.source = row.source;
        }
        push(&mut entry.curve, row.n, row.replicate, row.top1);
    }
    curves.into_values().collect()
}

/// The random-filter nets drawn by `mode` with `all/base` at `n = 0`.
pub(crate) fn random_filter_curve(rows: &[CellResult], mode: Mode) -> Curve {
    let mut curve = Curve::new();
    for row in rows.iter().filter(|r| random_filter_net(r, mode)) {
        push(&mut curve, row.n, row.replicate, row.top1);
    }
    curve
}

/// The three relative curves of Figure 3 bottom, in percentage points.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct RelativeCurves {
    /// Random-split AnB minus the mean baseB.
    pub random_split: Curve,
    /// Dissimilar-split AnB minus its own target's base (both directions pooled).
    pub dissimilar: Curve,
    /// Random filters (the net's own initialisation) minus `all/base`.
    pub random_filters: Curve,
    /// Random filters from Caffe's Gaussian filler minus `all/base`.
    pub gaussian_filters: Curve,
}

/// Which rows a relative curve holds, and the curve.
type OwnBaseCurve<'a> = (&'a dyn Fn(&CellResult) -> bool, &'a mut Curve);

/// Computes the relative curves; a curve whose reference base is missing stays empty.
pub(crate) fn relative_curves(rows: &[CellResult]) -> RelativeCurves {
    let mut relative = RelativeCurves::default();
    let bases: Vec<f64> = rows
        .iter()
        .filter(|r| figure2_group(r) == Some(Figure2Group::BaseB))
        .map(|r| r.top1)
        .collect();
    if !bases.is_empty() {
        let base_b = mean(&bases);
        for row in rows {
            if matches!(
                figure2_group(row),
                Some(Figure2Group::AnB | Figure2Group::BaseB)
            ) {
                let value = 100.0 * (row.top1 - base_b);
                push(&mut relative.random_split, row.n, row.replicate, value);
            }
        }
    }
    let own_base: [OwnBaseCurve; 3] = [
        (&dissimilar_net, &mut relative.dissimilar),
        (
            &|r| random_filter_net(r, Mode::Random),
            &mut relative.random_filters,
        ),
        (
            &|r| random_filter_net(r, Mode::Gaussian),
            &mut relative.gaussian_filters,
        ),
    ];
    for (belongs, curve) in own_base {
        for row in rows.iter().filter(|r| belongs(r)) {
            if let Some(value) = relative_to_own_base(rows, row) {
                push(curve, row.n, row.replicate, value);
            }
        }
    }
    relative
}
