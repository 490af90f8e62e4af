//! The published values of Yosinski et al. (2014), from embedded copies of the reference tables.
//!
//! `figure2_aggregates.tsv` holds the per-group means of Figure 2 and the natural/man-made and
//! random-filter numbers of Figure 3; `figure2_points.tsv` holds one row per network of Figure 2.
//! All values are top-1 accuracies (mean of the 10 best validation evaluations of a net).

use crate::table::Chances;
use crate::FindingsError;
use convnet_results::{Cell, CellResult};
use convnet_splits::{HalfId, SplitName};

/// The embedded `figure2_aggregates.tsv`.
pub const AGGREGATES_TSV: &str = include_str!("../data/figure2_aggregates.tsv");
/// The embedded `figure2_points.tsv`.
pub const POINTS_TSV: &str = include_str!("../data/figure2_points.tsv");

const AGGREGATES_NAME: &str = "figure2_aggregates.tsv";

/// Top-1 of guessing among ILSVRC-2012's 1000 classes: what the random-filter nets are
/// compared with.
pub const CHANCE: f64 = 0.001;
/// Validation images per ILSVRC-2012 class.
const VAL_PER_CLASS: u64 = 50;
const POINTS_NAME: &str = "figure2_points.tsv";

/// The paper's aggregate numbers; arrays are indexed by `n - 1` for `n = 1..=7`.
#[derive(Debug, Clone, PartialEq)]
pub struct Aggregates {
    /// Mean top-1 of the 8 random-split base nets.
    pub base_b: f64,
    /// Selffer BnB (frozen), per n.
    pub bnb: [f64; 7],
    /// Transfer AnB (frozen), per n.
    pub anb: [f64; 7],
    /// Selffer BnB+ (fine-tuned), per n.
    pub bnb_plus: [f64; 7],
    /// Transfer AnB+ (fine-tuned), per n.
    pub anb_plus: [f64; 7],
    /// Base net of the natural half (`natman/baseA`).
    pub natman_base_natural: f64,
    /// Base net of the man-made half (`natman/baseB`).
    pub natman_base_man_made: f64,
    /// Natural -> man-made transfers (`natman/AnB`), per n.
    pub natman_to_man_made: [f64; 7],
    /// Man-made -> natural transfers (`natman/BnA`), per n.
    pub natman_to_natural: [f64; 7],
    /// Natural/man-made transfers relative to their target's base, mean of both directions.
    pub natman_relative: [f64; 7],
    /// Random-split AnB minus baseB.
    pub random_split_relative: [f64; 7],
    /// The 1000-class base net (`all/base`).
    pub all_base: f64,
    /// Random frozen filters in layers 1..n (`all/random<n>`), absolute.
    pub random_filters: [f64; 7],
    /// Random frozen filters minus the 1000-class base.
    pub random_filters_relative: [f64; 7],
}

/// Parses the first number of a cell such as `0.6267 (4)` or `+0.0016`.
fn number(cell: &str, line: usize) -> Result<f64, FindingsError> {
    let token = cell.split_whitespace().next().unwrap_or("");
    token
        .trim_start_matches('+')
        .parse()
        .map_err(|_| FindingsError::PaperTable {
            table: AGGREGATES_NAME,
            line,
            message: format!("`{cell}` is not a number"),
        })
}

/// The seven per-layer values following the label of a row.
fn seven(fields: &[&str], line: usize) -> Result<[f64; 7], FindingsError> {
    if fields.len() < 8 {
        return Err(FindingsError::PaperTable {
            table: AGGREGATES_NAME,
            line,
            message: format!("{} values where 7 are expected", fields.len() - 1),
        });
    }
    let mut values = [0.0; 7];
    for (value, cell) in values.iter_mut().zip(&fields[1..8]) {
        *value = number(cell, line)?;
    }
    Ok(values)
}

/// Parses the embedded aggregate table.
pub fn aggregates() -> Result<Aggregates, FindingsError> {
    let mut found: std::collections::HashMap<&str, (Vec<&str>, usize)> = Default::default();
    for (index, text) in AGGREGATES_TSV.lines().enumerate() {
        let fields: Vec<&str> = text.split('\t').collect();
        found.insert(fields[0], (fields, index + 1));
    }
    let row = |label: &'static str| {
        found.get(label).ok_or(FindingsError::PaperTable {
            table: AGGREGATES_NAME,
            line: 0,
            message: format!("no row labelled `{label}`"),
        })
    };
    let per_layer = |label: &'static str| row(label).and_then(|(f, line)| seven(f, *line));
    let scalar = |label: &'static str, column: usize| {
        row(label).and_then(|(f, line)| {
            f.get(column)
                .ok_or(FindingsError::PaperTable {
                    table: AGGREGATES_NAME,
                    line: *line,
                    message: format!("`{label}` has no column {column}"),
                })
                .and_then(|cell| number(cell, *line))
        })
    };
    let natman_bases = "natman: base natural (halfnatmanA)";
    Ok(Aggregates {
        base_b: scalar("baseB (mean of 8 half* nets)", 1)?,
        bnb: per_layer("selffer BnB (transfer?A?A)")?,
        anb: per_layer("transfer AnB (transfer?A?B,?B?A)")?,
        bnb_plus: per_layer("selffer BnB+ (transfer-ft?A?A)")?,
        anb_plus: per_layer("transfer AnB+ (transfer-ft?A?B,?B?A)")?,
        natman_base_natural: scalar(natman_bases, 1)?,
        natman_base_man_made: scalar(natman_bases, 3)?,
        natman_to_man_made: per_layer(
            "natman target man-made (natural->man-made, transfernatmanAB)",
        )?,
        natman_to_natural: per_layer(
            "natman target natural (man-made->natural, transfernatmanBA)",
        )?,
        natman_relative: per_layer("natman mean relative (Fig 3 bottom, orange)")?,
        random_split_relative: per_layer("random-split AnB relative (Fig 3 bottom, red)")?,
        all_base: scalar("random filters: netbase (1000-class, full ImageNet)", 1)?,
        random_filters: per_layer("random filters nolearn_1_n absolute")?,
        random_filters_relative: per_layer("random filters relative (Fig 3 bottom, yellow)")?,
    })
}

/// Top-1 of guessing in every half the paper trained on (`1 / classes`): its four random
/// splits, the natural/man-made split (`natman`) and split `all`.
pub fn chances() -> Chances {
    let mut chances = Chances::new();
    let splits = (0..4)
        .map(SplitName::Random)
        .chain([SplitName::Dissimilar("natman".into())]);
    for split in splits {
        for half in [HalfId::A, HalfId::B] {
            let cell = Cell::base(&split, half, 0);
            chances.insert((split.clone(), half), 1.0 / classes_of(&cell) as f64);
        }
    }
    chances.insert((SplitName::All, HalfId::All), CHANCE);
    chances
}

/// The boost of fine-tuned transfers over fine-tuned selffers as the paper's Figure 2 shows
/// it, in points: the mean over n = 1..7 of `AnB+ − BnB+`, both groups against the mean of
/// every base net.
pub fn figure2_boost() -> f64 {
    let paper = aggregates().expect("the embedded aggregate table parses");
    let gaps: f64 = paper
        .anb_plus
        .iter()
        .zip(&paper.bnb_plus)
        .map(|(transfer, selffer)| transfer - selffer)
        .sum();
    100.0 * gaps / 7.0
}

/// Classes of each half the paper trained on: random halves 500, the natural half (`A`) 449,
/// the man-made half (`B`) 551, all 1000.
fn classes_of(cell: &Cell) -> u64 {
    match (&cell.split, cell.target) {
        (SplitName::Dissimilar(_), HalfId::A) => 449,
        (SplitName::Dissimilar(_), _) => 551,
        (SplitName::All, _) => 1000,
        _ => 500,
    }
}

/// A result row for one of the paper's networks, named as this project names it; fields the
/// tables do not hold are NaN or 0.
fn paper_row(cell: &str, top1: f64) -> CellResult {
    let cell: Cell = cell.parse().expect("the paper's nets have valid names");
    CellResult {
        split: cell.split.clone(),
        source: cell.source,
        target: cell.target,
        n: cell.n as u32,
        mode: cell.mode,
        replicate: cell.replicate,
        top1,
        top1_final: f64::NAN,
        top5: f64::NAN,
        iterations: 450_000,
        epochs: f64::NAN,
        train_images: 0,
        val_images: VAL_PER_CLASS * classes_of(&cell),
        wall_s: f64::NAN,
        images_per_s: f64::NAN,
        device: "paper".to_string(),
        cell,
    }
}

/// Parses one row of `figure2_points.tsv` into a result row.
fn point_row(fields: &[&str], line: usize) -> Result<CellResult, FindingsError> {
    let bad = |message: String| FindingsError::PaperTable {
        table: POINTS_NAME,
        line,
        message,
    };
    let [group, _net, split, source, target, n, value] = fields else {
        return Err(bad(format!(
            "{} columns where 7 are expected",
            fields.len()
        )));
    };
    let split = format!("random{split}");
    let n: u32 = n
        .parse()
        .map_err(|_| bad(format!("`{n}` is not a layer count")))?;
    let top1: f64 = value
        .parse()
        .map_err(|_| bad(format!("`{value}` is not a number")))?;
    let cell = match *group {
        "baseB" => format!("{split}/base{target}"),
        "BnB" | "AnB" => format!("{split}/{source}{n}{target}"),
        "BnB+" | "AnB+" => format!("{split}/{source}{n}{target}+"),
        other => return Err(bad(format!("unknown group `{other}`"))),
    };
    cell.parse::<Cell>().map_err(|e| bad(e.to_string()))?;
    Ok(paper_row(&cell, top1))
}

/// The paper's networks as result rows: every network of Figure 2 (random splits 0..3), the
/// natural/man-made split (`natman`, natural half = `A`) and the random-filter nets (`all`).
pub fn networks() -> Result<Vec<CellResult>, FindingsError> {
    let mut rows = Vec::new();
    for (index, text) in POINTS_TSV.lines().enumerate().skip(1) {
        if text.trim().is_empty() {
            continue;
        }
        let fields: Vec<&str> = text.split('\t').collect();
        rows.push(point_row(&fields, index + 1)?);
    }
    let paper = aggregates()?;
    rows.push(paper_row("natman/baseA", paper.natman_base_natural));
    rows.push(paper_row("natman/baseB", paper.natman_base_man_made));
    rows.push(paper_row("all/base", paper.all_base));
    for n in 1..=7usize {
        let i = n - 1;
        rows.push(paper_row(
            &format!("natman/A{n}B"),
            paper.natman_to_man_made[i],
        ));
        rows.push(paper_row(
            &format!("natman/B{n}A"),
            paper.natman_to_natural[i],
        ));
        rows.push(paper_row(
            &format!("all/gaussian{n}"),
            paper.random_filters[i],
        ));
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use convnet_results::Mode;

    #[test]
    fn aggregates_match_the_protocol_headline_numbers() {
        let paper = aggregates().unwrap();
        assert_eq!(paper.base_b, 0.6251);
        assert_eq!(paper.anb[6], 0.5425);
        assert_eq!(paper.bnb[4], 0.5935);
        assert_eq!(paper.anb_plus[6], 0.6464);
        assert_eq!(paper.natman_relative[6], -0.2501);
        assert_eq!(paper.all_base, 0.5763);
        assert_eq!(paper.random_filters[2], 0.0011);
    }

    #[test]
    fn networks_reproduce_the_aggregate_means() {
        let rows = networks().unwrap();
        let anb7: Vec<f64> = rows
            .iter()
            .filter(|r| {
                r.mode == Mode::Frozen
                    && r.split.is_random()
                    && r.source != Some(r.target)
                    && r.n == 7
            })
            .map(|r| r.top1)
            .collect();
        assert_eq!(anb7.len(), 8);
        let mean = anb7.iter().sum::<f64>() / 8.0;
        assert!((mean - aggregates().unwrap().anb[6]).abs() < 1e-4, "{mean}");
        assert_eq!(
            rows.iter()
                .filter(|r| r.mode == Mode::Base && r.split.is_random())
                .count(),
            8
        );
    }
}
