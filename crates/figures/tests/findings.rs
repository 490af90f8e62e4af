//! The five findings' criteria: all hold on the paper's own numbers; a head start (every copied
//! net a fixed amount above its base) holds none of F1, F3, F4; a table with no effects holds
//! none of F2-F5; each criterion flips at its threshold; no verdict without a noise estimate
//! or from base nets still improving.

use convnet_figures::paper;
use convnet_figures::{check_findings, Assessment, Evidence, LearningCurve, Verdict, Z};
use convnet_results::{Cell, CellResult, Mode};
use convnet_splits::{HalfId, SplitName};

fn verdicts(assessment: &Assessment) -> Vec<Verdict> {
    assessment
        .findings
        .iter()
        .map(|f| f.verdict.clone())
        .collect()
}

fn assess(rows: &[CellResult], chance: f64) -> Assessment {
    check_findings(&Evidence {
        rows,
        curves: None,
        chance: Some(chance),
    })
}

/// Top-1 of the base net of the row's own target half.
fn own_base(rows: &[CellResult], row: &CellResult) -> f64 {
    rows.iter()
        .find(|b| b.mode == Mode::Base && b.split == row.split && b.target == row.target)
        .map(|b| b.top1)
        .unwrap()
}

/// The paper's nets with every copied net (frozen and fine-tuned, both splits kinds) set to its
/// own base plus `lift` and a small wobble, and the random filters to all/base plus `rf_lift`.
fn flattened(lift: f64, rf_lift: f64) -> Vec<CellResult> {
    let paper = paper::networks().unwrap();
    let mut rows = paper.clone();
    for (i, row) in rows.iter_mut().enumerate() {
        let wobble = [0.002, -0.002, 0.001, -0.001][i % 4];
        match row.mode {
            Mode::Frozen | Mode::Finetune => row.top1 = own_base(&paper, row) + lift + wobble,
            Mode::Random => row.top1 = own_base(&paper, row) + rf_lift + wobble,
            Mode::Base => {}
        }
    }
    rows
}

#[test]
fn on_the_papers_own_numbers_four_findings_hold_and_the_boost_is_the_halves() {
    let assessment = assess(&paper::networks().unwrap(), paper::CHANCE);
    assert!(assessment.noise.measured(), "{:?}", assessment.noise);
    for f in &assessment.findings {
        let expected = if f.number == 4 {
            Verdict::DoesNotHold
        } else {
            Verdict::Holds
        };
        assert_eq!(f.verdict, expected, "finding {}: {}", f.number, f.evidence);
    }
    // The paper's AnB+ nets trained on half B, its BnB+ nets on half A, the harder half of
    // split 0 by 1.9 points: each relative to its own base, both gain the same ~1 point.
    let f4 = &assessment.findings[3].evidence;
    assert!(f4.starts_with("AnB+ - BnB+ over n = 1..7: +0.03"), "{f4}");
    assert!(f4.contains("AnB+ - baseB: +0.97"), "{f4}");
}

#[test]
fn a_head_start_holds_none_of_f1_f3_f4() {
    // Every copied net 5 points above its own base, as nets copied from bases still improving.
    let assessment = assess(&flattened(0.05, -0.3), paper::CHANCE);
    let v = verdicts(&assessment);
    for i in [0, 2, 3] {
        assert_eq!(
            v[i],
            Verdict::DoesNotHold,
            "F{}: {}",
            i + 1,
            assessment.findings[i].evidence
        );
    }
}

#[test]
fn a_table_without_effects_holds_none_of_f2_to_f5() {
    let assessment = assess(&flattened(0.0, 0.0), paper::CHANCE);
    let v = verdicts(&assessment);
    assert_eq!(v[0], Verdict::Holds, "no loss at all is no loss");
    for (f, verdict) in assessment.findings.iter().zip(&v).skip(1) {
        assert_eq!(
            *verdict,
            Verdict::DoesNotHold,
            "F{}: {}",
            f.number,
            f.evidence
        );
    }
}

/// A synthetic run: two random splits in both directions, a dissimilar split both ways, and
/// random filters, every copied net its own base plus `effect(kind, n)` points plus a wobble of
/// ±0.5 points that alternates over the nets of one group (so the noise is known).
struct Table {
    rows: Vec<CellResult>,
}

/// What a synthetic net is.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    BnB,
    AnB,
    BnBPlus,
    AnBPlus,
    Dissimilar,
    /// Points above chance, not relative to a base.
    RandomFilters,
}

const CHANCE: f64 = 0.01;
const ALL_BASE: f64 = 0.50;

fn row(
    split: &str,
    cell: &str,
    source: &str,
    target: &str,
    n: u32,
    mode: Mode,
    top1: f64,
) -> CellResult {
    let cell: Cell = format!("{split}/{cell}").parse().unwrap();
    assert_eq!(
        cell.source.map(|h| h.to_string()).unwrap_or_default(),
        source
    );
    assert_eq!(cell.target.to_string(), target);
    assert_eq!((cell.n as u32, cell.mode), (n, mode));
    CellResult {
        split: cell.split.clone(),
        source: cell.source,
        target: cell.target,
        n,
        mode,
        replicate: 0,
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

impl Table {
    fn new(effect: impl Fn(Kind, u32) -> f64) -> Table {
        let mut rows = Vec::new();
        // The four nets of a group (two splits, two directions) at +0.5, -0.5, -0.5, +0.5
        // points; the two of a dissimilar group at +0.5, -0.5.
        let wobble = |unit: usize| [0.005, -0.005, -0.005, 0.005][unit];
        for (s, (split, bases)) in [("random0", [0.60, 0.62]), ("random1", [0.61, 0.63])]
            .into_iter()
            .enumerate()
        {
            rows.push(row(split, "baseA", "", "A", 0, Mode::Base, bases[0]));
            rows.push(row(split, "baseB", "", "B", 0, Mode::Base, bases[1]));
            for n in 1..=7u32 {
                for (d, (source, target, base)) in [("A", "B", bases[1]), ("B", "A", bases[0])]
                    .into_iter()
                    .enumerate()
                {
                    let cases = [
                        (Kind::BnB, target, ""),
                        (Kind::AnB, source, ""),
                        (Kind::BnBPlus, target, "+"),
                        (Kind::AnBPlus, source, "+"),
                    ];
                    for (kind, from, plus) in cases {
                        let mode = if plus.is_empty() {
                            Mode::Frozen
                        } else {
                            Mode::Finetune
                        };
                        let top1 = base + effect(kind, n) / 100.0 + wobble(2 * s + d);
                        rows.push(row(
                            split,
                            &format!("{from}{n}{target}{plus}"),
                            from,
                            target,
                            n,
                            mode,
                            top1,
                        ));
                    }
                }
            }
        }
        rows.push(row("natman", "baseA", "", "A", 0, Mode::Base, 0.65));
        rows.push(row("natman", "baseB", "", "B", 0, Mode::Base, 0.55));
        rows.push(row("all", "base", "", "all", 0, Mode::Base, ALL_BASE));
        for n in 1..=7u32 {
            for (d, (source, target, base)) in
                [("A", "B", 0.55), ("B", "A", 0.65)].into_iter().enumerate()
            {
                let top1 = base + effect(Kind::Dissimilar, n) / 100.0 + wobble(d);
                rows.push(row(
                    "natman",
                    &format!("{source}{n}{target}"),
                    source,
                    target,
                    n,
                    Mode::Frozen,
                    top1,
                ));
            }
            let top1 = CHANCE + effect(Kind::RandomFilters, n) / 100.0;
            rows.push(row(
                "all",
                &format!("random{n}"),
                "",
                "all",
                n,
                Mode::Random,
                top1,
            ));
        }
        Table { rows }
    }

    fn assess(&self) -> Assessment {
        assess(&self.rows, CHANCE)
    }
}

/// Effects that satisfy every criterion by a wide margin, with `change` applied on top.
fn effects(change: impl Fn(Kind, u32) -> Option<f64>) -> impl Fn(Kind, u32) -> f64 {
    move |kind, n| {
        change(kind, n).unwrap_or(match kind {
            Kind::BnB if (3..=5).contains(&n) => -3.0,
            Kind::AnB if n >= 6 => -8.0,
            Kind::AnBPlus => 2.0,
            Kind::Dissimilar if n >= 6 => -20.0,
            Kind::RandomFilters if n >= 3 => 1.0,
            Kind::RandomFilters => 40.0,
            _ => 0.0,
        })
    }
}

/// The noise of one net in these tables.
fn noise() -> f64 {
    let sd = Table::new(effects(|_, _| None)).assess().noise.sd;
    // 28 groups of four nets at ±0.5 (3 degrees of freedom, squares 1.0 each) and 7 dissimilar
    // groups of two (1 degree of freedom, squares 0.5 each).
    let pooled: f64 = ((28.0 * 1.0 + 7.0 * 0.5) / (28.0 * 3.0 + 7.0f64)).sqrt();
    assert!((sd - pooled).abs() < 1e-9, "{sd} vs {pooled}");
    sd
}

fn verdict_of(number: usize, change: impl Fn(Kind, u32) -> Option<f64>) -> Verdict {
    Table::new(effects(change)).assess().findings[number - 1]
        .verdict
        .clone()
}

#[test]
fn the_synthetic_table_holds_all_five() {
    let assessment = Table::new(effects(|_, _| None)).assess();
    assert_eq!(
        assessment.holding(),
        5,
        "{}",
        assessment.to_text("the synthetic table")
    );
}

#[test]
fn f1_flips_at_the_noise_band_of_one_net() {
    let band = Z * noise();
    assert_eq!(
        verdict_of(1, |k, n| (k == Kind::AnB && n == 1).then_some(0.9 * band)),
        Verdict::Holds
    );
    assert_eq!(
        verdict_of(1, |k, n| (k == Kind::AnB && n == 2).then_some(-1.1 * band)),
        Verdict::DoesNotHold
    );
    assert_eq!(
        verdict_of(1, |k, n| (k == Kind::AnB && n == 1).then_some(1.1 * band)),
        Verdict::DoesNotHold
    );
}

#[test]
fn f2_needs_both_the_dip_and_the_recovery() {
    let s = noise();
    // The dip: a mean over n = 3..5 of four nets each: se = s / sqrt(12).
    let dip_band = Z * s / 12f64.sqrt();
    // The recovery adds the mean over n = 6..7: se = s * sqrt(1/12 + 1/8).
    let recovery_band = Z * s * (1.0 / 12.0 + 1.0 / 8.0f64).sqrt();
    let bnb = |middle: f64, top: f64| {
        move |k: Kind, n: u32| match (k, n) {
            (Kind::BnB, 3..=5) => Some(middle),
            (Kind::BnB, 6..=7) => Some(top),
            _ => None,
        }
    };
    assert_eq!(verdict_of(2, bnb(-1.1 * dip_band, 2.0)), Verdict::Holds);
    assert_eq!(
        verdict_of(2, bnb(-0.9 * dip_band, 2.0)),
        Verdict::DoesNotHold
    );
    let middle = -2.0 * dip_band;
    assert_eq!(
        verdict_of(2, bnb(middle, middle + 1.1 * recovery_band)),
        Verdict::Holds
    );
    assert_eq!(
        verdict_of(2, bnb(middle, middle + 0.9 * recovery_band)),
        Verdict::DoesNotHold
    );
}

#[test]
fn f3_reads_the_gap_against_its_control() {
    // The growth of BnB - AnB from n = 1..2 to 6..7: eight means of four nets, se = s / sqrt(2).
    let band = Z * noise() / 2f64.sqrt();
    let falls_with_bnb = |drop: f64| {
        move |k: Kind, n: u32| match (k, n) {
            (Kind::AnB, 6..=7) => Some(-drop),
            (Kind::BnB, 3..=5) => Some(-3.0),
            (Kind::BnB, 6..=7) => Some(-drop + 1.1 * band),
            _ => None,
        }
    };
    assert_eq!(verdict_of(3, falls_with_bnb(8.0)), Verdict::Holds);
    let shared = |k: Kind, n: u32| match (k, n) {
        (Kind::AnB | Kind::BnB, 6..=7) => Some(-8.0),
        _ => None,
    };
    assert_eq!(
        verdict_of(3, shared),
        Verdict::DoesNotHold,
        "a fall BnB shares is no specificity"
    );
    let just_under = move |k: Kind, n: u32| match (k, n) {
        (Kind::AnB, 6..=7) => Some(-8.0),
        (Kind::BnB, 6..=7) => Some(-8.0 + 0.9 * band),
        _ => None,
    };
    assert_eq!(verdict_of(3, just_under), Verdict::DoesNotHold);
}

#[test]
fn f4_compares_anb_plus_with_bnb_plus_and_baseb() {
    // Two means over n = 1..7 of four nets each: se = s * sqrt(2 / 28).
    let band = Z * noise() * (2.0 / 28.0f64).sqrt();
    let plus = |transfer: f64, selffer: f64| {
        move |k: Kind, _| match k {
            Kind::AnBPlus => Some(transfer),
            Kind::BnBPlus => Some(selffer),
            _ => None,
        }
    };
    assert_eq!(verdict_of(4, plus(1.1 * band, 0.0)), Verdict::Holds);
    assert_eq!(verdict_of(4, plus(0.9 * band, 0.0)), Verdict::DoesNotHold);
    assert_eq!(
        verdict_of(4, plus(3.0, 3.0)),
        Verdict::DoesNotHold,
        "a shared head start is no boost"
    );
    assert_eq!(
        verdict_of(4, plus(-1.0, -3.0)),
        Verdict::DoesNotHold,
        "below baseB"
    );
}

#[test]
fn f5_needs_the_dissimilar_drop_and_the_collapse() {
    // AnB over n = 6..7 (four nets each) minus the dissimilar split's (two nets each).
    let s = noise();
    let band = Z * s * (1.0 / 8.0 + 1.0 / 4.0f64).sqrt();
    let dissimilar =
        |drop: f64| move |k: Kind, n: u32| (k == Kind::Dissimilar && n >= 6).then_some(-8.0 - drop);
    assert_eq!(verdict_of(5, dissimilar(1.1 * band)), Verdict::Holds);
    assert_eq!(verdict_of(5, dissimilar(0.9 * band)), Verdict::DoesNotHold);
    // Random filters: all/base is 49 points above chance; near chance is within 4.9.
    let margin = 100.0 * (ALL_BASE - CHANCE);
    let filters = |at5: f64, at1: f64| {
        move |k: Kind, n: u32| match (k, n) {
            (Kind::RandomFilters, 5) => Some(at5),
            (Kind::RandomFilters, 1) => Some(at1),
            _ => None,
        }
    };
    assert_eq!(
        verdict_of(5, filters(0.09 * margin, 0.6 * margin)),
        Verdict::Holds
    );
    assert_eq!(
        verdict_of(5, filters(0.11 * margin, 0.6 * margin)),
        Verdict::DoesNotHold
    );
    assert_eq!(
        verdict_of(5, filters(0.05 * margin, 0.4 * margin)),
        Verdict::DoesNotHold
    );
}

#[test]
fn without_two_nets_of_one_treatment_nothing_is_measurable() {
    let table = Table::new(effects(|_, _| None));
    let one_direction: Vec<CellResult> = table
        .rows
        .into_iter()
        .filter(|r| matches!(r.split, SplitName::Random(0) | SplitName::All))
        .filter(|r| r.mode == Mode::Base || r.target != HalfId::A)
        .collect();
    let assessment = assess(&one_direction, CHANCE);
    assert!(!assessment.noise.measured());
    for f in &assessment.findings {
        assert!(
            matches!(f.verdict, Verdict::NotMeasurable(_)),
            "F{}: {:?}",
            f.number,
            f.verdict
        );
    }
}

fn curve(cell: &str, top1: impl Fn(u64) -> f64) -> LearningCurve {
    LearningCurve {
        cell: cell.parse().unwrap(),
        points: (1..=8).map(|i| (i * 100, top1(i * 100))).collect(),
    }
}

#[test]
fn base_nets_still_improving_allow_no_verdict() {
    let table = Table::new(effects(|_, _| None));
    let bases: Vec<&CellResult> = table.rows.iter().filter(|r| r.mode == Mode::Base).collect();
    let flat: Vec<LearningCurve> = bases
        .iter()
        .map(|b| curve(&b.cell.to_string(), |i| if i < 300 { 0.3 } else { b.top1 }))
        .collect();
    let run = |curves: &[LearningCurve]| {
        check_findings(&Evidence {
            rows: &table.rows,
            curves: Some(curves),
            chance: Some(CHANCE),
        })
    };
    let converged = run(&flat);
    assert!(
        converged.unconverged().is_empty(),
        "{:?}",
        converged.plateaus
    );
    assert_eq!(converged.holding(), 5);

    // random0/baseA gains 4 points in the last quarter of its schedule: F1-F5 read it.
    let mut climbing = flat.clone();
    climbing[0] = curve(&bases[0].cell.to_string(), |i| {
        0.5 + 0.01 * (i / 100) as f64
    });
    let assessment = run(&climbing);
    assert_eq!(assessment.unconverged().len(), 1);
    for f in &assessment.findings {
        match &f.verdict {
            Verdict::NotMeasurable(why) => {
                assert!(
                    why.contains("random0/baseA") && why.contains("still improving"),
                    "{why}"
                )
            }
            other => panic!("F{}: {other:?}", f.number),
        }
    }
    // natman/baseB still improving leaves F1-F4, which do not read it.
    let natman = bases
        .iter()
        .position(|b| b.cell.to_string() == "natman/baseB")
        .unwrap();
    let mut climbing = flat;
    climbing[natman] = curve("natman/baseB", |i| 0.3 + 0.02 * (i / 100) as f64);
    let v = verdicts(&run(&climbing));
    assert_eq!(
        &v[..4],
        &[
            Verdict::Holds,
            Verdict::Holds,
            Verdict::Holds,
            Verdict::Holds
        ]
    );
    assert!(matches!(v[4], Verdict::NotMeasurable(_)));
}
