//! A synthetic grid whose effects, base nets and noise the tests choose: two random splits in
//! both directions (frozen and fine-tuned), a dissimilar split both ways, and random filters.
//! The numbers follow formulas; they are not measurements of any network.
#![allow(dead_code)]

use convnet_findings::{check_findings, Assessment, Chances, Evidence, FindingId, LearningCurve};
use convnet_results::{Cell, CellResult, Mode};
use convnet_splits::{HalfId, SplitName};

/// What a synthetic net is.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
    BnB,
    AnB,
    BnBPlus,
    AnBPlus,
    Dissimilar,
    /// Points above chance, not relative to a base.
    RandomFilters,
}

/// Chance in every half, as a fraction.
pub const CHANCE: f64 = 0.002;
/// Chance among every class (split `all`).
pub const CHANCE_ALL: f64 = 0.001;
/// `all/base`'s top-1.
pub const ALL_BASE: f64 = 0.50;

/// The chances of the synthetic grid.
pub fn chances() -> Chances {
    let mut chances = Chances::new();
    for split in [
        SplitName::Random(0),
        SplitName::Random(1),
        SplitName::Dissimilar("natman".into()),
    ] {
        for half in [HalfId::A, HalfId::B] {
            chances.insert((split.clone(), half), CHANCE);
        }
    }
    chances.insert((SplitName::All, HalfId::All), CHANCE_ALL);
    chances
}

/// A result row of `split/net` at `top1`.
pub fn row(split: &str, net: &str, top1: f64) -> CellResult {
    let cell: Cell = format!("{split}/{net}").parse().unwrap();
    CellResult {
        split: cell.split.clone(),
        source: cell.source,
        target: cell.target,
        n: cell.n as u32,
        mode: cell.mode,
        replicate: cell.replicate,
        cell,
        top1,
        top1_final: top1,
        top5: top1,
        iterations: 1000,
        epochs: 10.0,
        train_images: 10_000,
        val_images: 25_000,
        wall_s: 1.0,
        images_per_s: 1.0,
        device: "cpu".into(),
    }
}

/// Effects that satisfy every criterion by a wide margin (points against the own base; for
/// random filters, points above chance), with `change` applied on top.
pub fn effects(change: impl Fn(Kind, u32) -> Option<f64>) -> impl Fn(Kind, u32) -> f64 {
    move |kind, n| {
        change(kind, n).unwrap_or(match kind {
            Kind::BnB if (3..=5).contains(&n) => -3.0,
            Kind::AnB if (3..=5).contains(&n) => -2.0,
            Kind::AnB if n >= 6 => -8.0,
            Kind::AnBPlus => 2.0,
            Kind::Dissimilar if (3..=5).contains(&n) => -6.0,
            Kind::Dissimilar if n >= 6 => -20.0,
            Kind::RandomFilters if n == 1 => 40.0,
            Kind::RandomFilters if n == 2 => 30.0,
            Kind::RandomFilters => 1.0,
            _ => 0.0,
        })
    }
}

/// The synthetic grid and how it was made.
pub struct Grid {
    /// Every net.
    pub rows: Vec<CellResult>,
}

/// How the nets deviate from their effects.
#[derive(Clone, Copy, Debug)]
pub struct Spread {
    /// Each net's own noise: ± this many points, in a pattern that averages to zero over the
    /// nets of every treatment at every n (and, on the random splits, over the nets of every
    /// base).
    pub own: f64,
    /// Where the pattern starts (another "seed").
    pub phase: usize,
}

impl Default for Spread {
    fn default() -> Self {
        Spread { own: 0.5, phase: 0 }
    }
}

impl Grid {
    /// The grid with `effect` (see [`effects`]) and the default spread.
    pub fn new(effect: impl Fn(Kind, u32) -> f64) -> Grid {
        Grid::with_spread(effect, Spread::default())
    }

    /// The grid with `effect` and `spread`.
    pub fn with_spread(effect: impl Fn(Kind, u32) -> f64, spread: Spread) -> Grid {
        let mut rows = Vec::new();
        // Four nets per treatment at each n: two splits, two directions. Unit u = 2 s + d.
        let own = |unit: usize, kind: usize, n: u32| {
            let sign = [1.0, -1.0, -1.0, 1.0][(unit + kind + n as usize + spread.phase) % 4];
            sign * spread.own / 100.0
        };
        let kinds = [
            (Kind::BnB, true, ""),
            (Kind::AnB, false, ""),
            (Kind::BnBPlus, true, "+"),
            (Kind::AnBPlus, false, "+"),
        ];
        for (s, (split, bases)) in [("random0", [0.60, 0.62]), ("random1", [0.61, 0.63])]
            .into_iter()
            .enumerate()
        {
            rows.push(row(split, "baseA", bases[0]));
            rows.push(row(split, "baseB", bases[1]));
            for (d, (source, target, base)) in [("A", "B", bases[1]), ("B", "A", bases[0])]
                .into_iter()
                .enumerate()
            {
                for (k, (kind, selffer, plus)) in kinds.into_iter().enumerate() {
                    let from = if selffer { target } else { source };
                    for n in 1..=7u32 {
                        let top1 = base + effect(kind, n) / 100.0 + own(2 * s + d, k, n);
                        rows.push(row(split, &format!("{from}{n}{target}{plus}"), top1));
                    }
                }
            }
        }
        rows.push(row("natman", "baseA", 0.65));
        rows.push(row("natman", "baseB", 0.55));
        rows.push(row("all", "base", ALL_BASE));
        for n in 1..=7u32 {
            for (d, (source, target, base)) in
                [("A", "B", 0.55), ("B", "A", 0.65)].into_iter().enumerate()
            {
                let sign = [1.0, -1.0][(d + n as usize + spread.phase) % 2];
                let top1 = base + effect(Kind::Dissimilar, n) / 100.0 + sign * spread.own / 100.0;
                rows.push(row("natman", &format!("{source}{n}{target}"), top1));
            }
            let top1 = CHANCE_ALL + effect(Kind::RandomFilters, n) / 100.0;
            rows.push(row("all", &format!("random{n}"), top1));
        }
        Grid { rows }
    }

    /// The findings without learning curves (convergence not checked).
    pub fn assess(&self) -> Assessment {
        check_findings(&Evidence {
            rows: &self.rows,
            curves: None,
            chances: &chances(),
        })
    }

    /// The findings with these learning curves.
    pub fn assess_with(&self, curves: &[LearningCurve]) -> Assessment {
        check_findings(&Evidence {
            rows: &self.rows,
            curves: Some(curves),
            chances: &chances(),
        })
    }

    /// Sets the top-1 of the net named `net` (e.g. `random0/baseB`).
    pub fn set(&mut self, net: &str, top1: f64) {
        let row = self
            .rows
            .iter_mut()
            .find(|r| r.cell.to_string() == net)
            .unwrap_or_else(|| panic!("no {net}"));
        row.top1 = top1;
    }

    /// The top-1 of the net named `net`.
    pub fn top1(&self, net: &str) -> f64 {
        self.rows
            .iter()
            .find(|r| r.cell.to_string() == net)
            .unwrap_or_else(|| panic!("no {net}"))
            .top1
    }

    /// Flat learning curves that end at each base net's top-1 (converged).
    pub fn flat_curves(&self) -> Vec<LearningCurve> {
        self.rows
            .iter()
            .filter(|r| r.mode == Mode::Base)
            .map(|b| curve(&b.cell.to_string(), |i| if i < 300 { 0.3 } else { b.top1 }))
            .collect()
    }
}

/// A learning curve of eight evaluations, 100 iterations apart.
pub fn curve(cell: &str, top1: impl Fn(u64) -> f64) -> LearningCurve {
    LearningCurve {
        cell: cell.parse().unwrap(),
        points: (1..=8).map(|i| (i * 100, top1(i * 100))).collect(),
    }
}

/// The standard error of quantity `index` of finding `id` in an assessment.
pub fn se(assessment: &Assessment, id: FindingId, index: usize) -> f64 {
    assessment.finding(id).unwrap().quantities[index]
        .estimate
        .se
}

/// A transfer profile's rows: two target base nets (80% and 82%, 1000 validation images),
/// frozen transfers falling away after n = 3, fine-tuned ones 4 and 3.5 points above the base
/// at n = 1 and 2, 1 point at n = 3, level after.
pub fn profile_rows() -> Vec<CellResult> {
    let frozen = [0.81, 0.80, 0.79, 0.77, 0.70, 0.60, 0.50];
    let finetuned = [0.85, 0.845, 0.82, 0.81, 0.81, 0.81, 0.81];
    let mut rows = vec![
        row("profile", "baseB", 0.80),
        row("profile", "baseB@1", 0.82),
    ];
    for n in 1..=7usize {
        rows.push(row("profile", &format!("A{n}B"), frozen[n - 1]));
        rows.push(row("profile", &format!("A{n}B+"), finetuned[n - 1]));
    }
    for r in &mut rows {
        r.val_images = 1000;
    }
    rows
}
