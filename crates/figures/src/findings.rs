//! The five findings of the paper, each as a criterion fixed before any run, checked on a run.
//!
//! Every criterion reads the same aggregates as the figures: `baseB` is the mean top-1 of the
//! random splits' base nets; `AnB(n)`, `BnB(n)`, `AnB+(n)` are the means over every network of
//! that kind at `n` (both directions, every random split, every replicate seed); the dissimilar
//! split and the random filters are taken relative to their own base nets, as in Figure 3.
//! Margins are fractions of `baseB`, so that one criterion serves a 62 % ImageNet net and a
//! 30 % net on a small dataset alike.

use crate::groups::{curve_mean, figure2_curves, mean_at, relative_curves, Curve, Figure2Group};
use convnet_transfer::CellResult;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// A difference smaller than this fraction of `baseB` is "almost no loss" or too small to be a dip.
pub const SMALL_MARGIN: f64 = 0.02;
/// A difference of at least this fraction of `baseB` is a clear one.
pub const CLEAR_MARGIN: f64 = 0.05;
/// A difference of at least this fraction of `baseB` is "far".
pub const FAR_MARGIN: f64 = 0.25;

/// Whether a finding holds on a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The criterion is met.
    Holds,
    /// The criterion is not met.
    DoesNotHold,
    /// The run lacks the networks the criterion reads (named in the text).
    NotEnoughData(String),
}

impl Verdict {
    /// One word for tables: `holds`, `does not hold` or `no data`.
    pub fn label(&self) -> &'static str {
        match self {
            Verdict::Holds => "holds",
            Verdict::DoesNotHold => "does not hold",
            Verdict::NotEnoughData(_) => "no data",
        }
    }
}

/// One finding of the paper, its criterion and what a run shows.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// 1 to 5, as numbered in the paper's summary.
    pub number: u8,
    /// The paper's claim.
    pub claim: &'static str,
    /// The measurable criterion, written before any run.
    pub criterion: &'static str,
    /// The numbers the criterion read, in percentage points (empty without data).
    pub evidence: String,
    /// Whether it holds.
    pub verdict: Verdict,
}

/// Top-1 values in percent for messages.
fn pts(value: f64) -> String {
    format!("{:.1}", 100.0 * value)
}

/// Signed percentage points.
fn signed(points: f64) -> String {
    format!("{points:+.1}")
}

/// The values of `f` at every `n` of `ns`, or the first `n` that has none.
fn at_each(
    ns: impl IntoIterator<Item = u32>,
    f: impl Fn(u32) -> Option<f64>,
) -> Result<Vec<f64>, u32> {
    ns.into_iter().map(|n| f(n).ok_or(n)).collect()
}

/// The aggregates of a set of networks that every criterion reads.
struct Measured {
    base_b: Option<f64>,
    figure2: BTreeMap<Figure2Group, Curve>,
    dissimilar: Curve,
    random_split: Curve,
    random_filters: Curve,
}

impl Measured {
    fn of(rows: &[CellResult]) -> Self {
        let figure2 = figure2_curves(rows);
        let relative = relative_curves(rows);
        Measured {
            base_b: mean_at(&figure2, Figure2Group::BaseB, 0),
            figure2,
            dissimilar: relative.dissimilar,
            random_split: relative.random_split,
            random_filters: relative.random_filters,
        }
    }

    /// Mean of a Figure 2 group at each `n`, or a verdict naming the first missing one.
    fn group(
        &self,
        group: Figure2Group,
        ns: impl IntoIterator<Item = u32>,
    ) -> Result<Vec<f64>, Verdict> {
        at_each(ns, |n| mean_at(&self.figure2, group, n))
            .map_err(|n| Verdict::NotEnoughData(format!("no {} net at n = {n}", group.label())))
    }
}

/// Builds a finding from the outcome of its check: `Ok((evidence, holds))` or a missing-data verdict.
fn finding(
    number: u8,
    claim: &'static str,
    criterion: &'static str,
    outcome: Result<(String, bool), Verdict>,
) -> Finding {
    let (evidence, verdict) = match outcome {
        Ok((evidence, true)) => (evidence, Verdict::Holds),
        Ok((evidence, false)) => (evidence, Verdict::DoesNotHold),
        Err(verdict) => (String::new(), verdict),
    };
    Finding {
        number,
        claim,
        criterion,
        evidence,
        verdict,
    }
}

fn base_b(agg: &Measured) -> Result<f64, Verdict> {
    agg.base_b
        .ok_or_else(|| Verdict::NotEnoughData("no base net of a random split".into()))
}

/// F1: `AnB(n) >= baseB - 5 % of baseB` for n = 1, 2, 3.
fn general_lower_layers(agg: &Measured) -> Result<(String, bool), Verdict> {
    let base = base_b(agg)?;
    let anb = agg.group(Figure2Group::AnB, 1..=3)?;
    let floor = base * (1.0 - CLEAR_MARGIN);
    let evidence = format!(
        "baseB {}; AnB at n = 1, 2, 3: {}; floor {}",
        pts(base),
        anb.iter().map(|v| pts(*v)).collect::<Vec<_>>().join(", "),
        pts(floor)
    );
    Ok((evidence, anb.iter().all(|v| *v >= floor)))
}

/// F2: the lower of `BnB(4)`, `BnB(5)` is at least 2 % of baseB under baseB, and the higher of
/// `BnB(6)`, `BnB(7)` climbs back at least half of that dip.
fn fragile_co_adaptation(agg: &Measured) -> Result<(String, bool), Verdict> {
    let base = base_b(agg)?;
    let middle = agg.group(Figure2Group::BnB, 4..=5)?;
    let top = agg.group(Figure2Group::BnB, 6..=7)?;
    let low = middle.iter().copied().fold(f64::INFINITY, f64::min);
    let high = top.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let dip = base - low;
    let evidence = format!(
        "baseB {}; lowest BnB at n = 4-5 {} ({} pts vs baseB); best BnB at n = 6-7 {} ({} pts from that low)",
        pts(base),
        pts(low),
        signed(-100.0 * dip),
        pts(high),
        signed(100.0 * (high - low))
    );
    Ok((
        evidence,
        dip >= SMALL_MARGIN * base && high - low >= dip / 2.0,
    ))
}

/// F3: `AnB(7) <= AnB(1) - 5 % of baseB`, and `AnB` loses more over n = 4..7 than over n = 1..4.
fn specificity(agg: &Measured) -> Result<(String, bool), Verdict> {
    let base = base_b(agg)?;
    let anb = agg.group(Figure2Group::AnB, [1, 4, 7])?;
    let (first, middle, last) = (anb[0], anb[1], anb[2]);
    let evidence = format!(
        "AnB at n = 1, 4, 7: {}, {}, {}; loss 1->4 {} pts, 4->7 {} pts",
        pts(first),
        pts(middle),
        pts(last),
        signed(100.0 * (middle - first)),
        signed(100.0 * (last - middle))
    );
    let falls = last <= first - CLEAR_MARGIN * base;
    Ok((evidence, falls && middle - last > first - middle))
}

/// F4: `AnB+(n) > baseB` at every n = 1..7.
fn fine_tuning_generalises(agg: &Measured) -> Result<(String, bool), Verdict> {
    let base = base_b(agg)?;
    let plus = agg.group(Figure2Group::AnBPlus, 1..=7)?;
    let boosts: Vec<f64> = plus.iter().map(|v| 100.0 * (v - base)).collect();
    let mean_boost = boosts.iter().sum::<f64>() / boosts.len() as f64;
    let evidence = format!(
        "AnB+ minus baseB at n = 1..7: {} pts (mean {})",
        boosts
            .iter()
            .map(|b| signed(*b))
            .collect::<Vec<_>>()
            .join(", "),
        signed(mean_boost)
    );
    Ok((evidence, plus.iter().all(|v| *v > base)))
}

/// F5: the dissimilar split's loss at n = 7 (relative to its target's base, both directions)
/// exceeds the random split's by at least 5 % of baseB; and for n = 3..7 the random-filter
/// nets lose at least 25 % of baseB more than the worse of the two transfers.
fn dissimilar_and_random_filters(agg: &Measured) -> Result<(String, bool), Verdict> {
    let base = base_b(agg)?;
    let points = |curve: &Curve, what: &str| {
        at_each(3..=7, |n| curve_mean(curve, n))
            .map_err(|n| Verdict::NotEnoughData(format!("no {what} net at n = {n}")))
    };
    let dissimilar = points(&agg.dissimilar, "dissimilar-split transfer")?;
    let random_split = points(&agg.random_split, "random-split transfer")?;
    let random_filters = points(&agg.random_filters, "random-filter")?;
    let (clear, far) = (100.0 * CLEAR_MARGIN * base, 100.0 * FAR_MARGIN * base);
    let dissimilar_worse = dissimilar[4] <= random_split[4] - clear;
    let filters_far_below =
        (0..5).all(|i| random_filters[i] <= dissimilar[i].min(random_split[i]) - far);
    let list = |values: &[f64]| {
        values
            .iter()
            .map(|v| signed(*v))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let evidence = format!(
        "relative to own base at n = 3..7, pts: dissimilar {}; random split {}; random filters {}",
        list(&dissimilar),
        list(&random_split),
        list(&random_filters)
    );
    Ok((evidence, dissimilar_worse && filters_far_below))
}

/// Checks the five findings on a run's rows (any subset: missing networks give
/// [`Verdict::NotEnoughData`]).
pub fn check_findings(rows: &[CellResult]) -> Vec<Finding> {
    let agg = Measured::of(rows);
    vec![
        finding(
            1,
            "Layers 1-3 transfer almost without loss",
            "AnB(n) >= baseB - 5% of baseB for n = 1, 2, 3",
            general_lower_layers(&agg),
        ),
        finding(
            2,
            "Fragile co-adaptation: BnB dips in the middle layers and recovers at the top",
            "min BnB(4..5) <= baseB - 2% of baseB, and max BnB(6..7) climbs back at least half of that dip",
            fragile_co_adaptation(&agg),
        ),
        finding(
            3,
            "Specificity: AnB falls with n, most at the top layers",
            "AnB(7) <= AnB(1) - 5% of baseB, and AnB(4) - AnB(7) > AnB(1) - AnB(4)",
            specificity(&agg),
        ),
        finding(
            4,
            "Transfer plus fine-tuning generalises better than training on B alone",
            "AnB+(n) > baseB for every n = 1..7",
            fine_tuning_generalises(&agg),
        ),
        finding(
            5,
            "The dissimilar split loses far more at high n; random frozen filters collapse from layer 3 on",
            "dissimilar(7) <= random split(7) - 5% of baseB (each relative to its own base), and \
             random filters(n) <= min(dissimilar(n), random split(n)) - 25% of baseB for n = 3..7",
            dissimilar_and_random_filters(&agg),
        ),
    ]
}

/// The findings as a Markdown table: finding, criterion, numbers, verdict.
pub fn findings_markdown(findings: &[Finding]) -> String {
    let mut out = String::from(
        "| # | finding | criterion | measured | verdict |\n| --- | --- | --- | --- | --- |\n",
    );
    for f in findings {
        let measured = match &f.verdict {
            Verdict::NotEnoughData(why) => why.clone(),
            _ => f.evidence.clone(),
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | **{}** |",
            f.number,
            f.claim,
            f.criterion,
            measured,
            f.verdict.label()
        );
    }
    out
}

/// One row of [`comparison_markdown`].
#[derive(Clone, Copy)]
enum Quantity {
    /// A Figure 2 group minus baseB.
    Group(Figure2Group),
    /// Dissimilar-split transfers minus their target's base.
    Dissimilar,
    /// Random-filter nets minus `all/base`.
    RandomFilters,
}

impl Quantity {
    const ALL: [(&'static str, Quantity); 6] = [
        ("BnB - baseB", Quantity::Group(Figure2Group::BnB)),
        ("AnB - baseB", Quantity::Group(Figure2Group::AnB)),
        ("BnB+ - baseB", Quantity::Group(Figure2Group::BnBPlus)),
        ("AnB+ - baseB", Quantity::Group(Figure2Group::AnBPlus)),
        ("dissimilar AnB - its base", Quantity::Dissimilar),
        ("random filters - all/base", Quantity::RandomFilters),
    ];

    /// The value at `n`, in percentage points.
    fn at(self, agg: &Measured, n: u32) -> Option<f64> {
        match self {
            Quantity::Group(group) => {
                Some(100.0 * (mean_at(&agg.figure2, group, n)? - agg.base_b?))
            }
            Quantity::Dissimilar => curve_mean(&agg.dissimilar, n),
            Quantity::RandomFilters => curve_mean(&agg.random_filters, n),
        }
    }
}

/// The per-layer numbers behind the findings, for a run beside a reference (normally the
/// paper's networks): one Markdown table, in percentage points relative to the matching base
/// net, a dash where a run has no network; then both baseB values.
pub fn comparison_markdown(
    rows: &[CellResult],
    reference: &[CellResult],
    reference_name: &str,
) -> String {
    let (run, paper) = (Measured::of(rows), Measured::of(reference));
    let mut out = String::from(
        "| points vs base | | n = 1 | 2 | 3 | 4 | 5 | 6 | 7 |\n|---|---|---|---|---|---|---|---|---|\n",
    );
    for (name, quantity) in Quantity::ALL {
        for (source, agg) in [("this run", &run), (reference_name, &paper)] {
            let values: Vec<String> = (1..=7)
                .map(|n| quantity.at(agg, n).map_or_else(|| "–".to_owned(), signed))
                .collect();
            let _ = writeln!(out, "| {name} | {source} | {} |", values.join(" | "));
        }
    }
    let base = |agg: &Measured| agg.base_b.map_or_else(|| "–".to_owned(), pts);
    let _ = writeln!(
        out,
        "\nbaseB (top-1, %): this run {}, {reference_name} {}.",
        base(&run),
        base(&paper)
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::paper;
    use convnet_transfer::Mode;

    #[test]
    fn every_finding_holds_on_the_papers_own_numbers() {
        let rows = paper::networks().unwrap();
        for f in check_findings(&rows) {
            assert_eq!(
                f.verdict,
                Verdict::Holds,
                "finding {}: {}",
                f.number,
                f.evidence
            );
        }
    }

    #[test]
    fn fine_tuning_below_base_is_reported_as_not_holding() {
        let mut rows = paper::networks().unwrap();
        for row in rows
            .iter_mut()
            .filter(|r| r.mode == Mode::Finetune && r.source != r.target && r.n == 5)
        {
            row.top1 = 0.5;
        }
        let findings = check_findings(&rows);
        assert_eq!(
            findings[3].verdict,
            Verdict::DoesNotHold,
            "{}",
            findings[3].evidence
        );
        assert_eq!(findings[0].verdict, Verdict::Holds);
    }

    #[test]
    fn missing_networks_are_named() {
        let rows: Vec<CellResult> = paper::networks()
            .unwrap()
            .into_iter()
            .filter(|r| !(r.mode == Mode::Random && r.n == 4))
            .collect();
        let findings = check_findings(&rows);
        assert_eq!(
            findings[4].verdict,
            Verdict::NotEnoughData("no random-filter net at n = 4".into())
        );
        let markdown = findings_markdown(&findings);
        let comparison = comparison_markdown(&rows, &paper::networks().unwrap(), "paper");
        assert!(
            comparison
                .contains("| random filters - all/base | this run | -8.5 | -17.4 | -57.5 | – |"),
            "{comparison}"
        );
        assert!(
            markdown.contains("no random-filter net at n = 4"),
            "{markdown}"
        );
        assert!(markdown.contains("| 1 | Layers 1-3 transfer"), "{markdown}");
    }
}
