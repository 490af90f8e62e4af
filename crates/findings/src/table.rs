//! What the findings read: every net relative to the base net it is measured against, which
//! base that is, and the levels (base nets, chance) the criteria are scaled by.

use std::collections::BTreeMap;

use convnet_results::CellResult;
use convnet_splits::{HalfId, SplitName};

use crate::nets::{is_base, own_bases, Treatment};

/// Top-1 of guessing, per split and half (`1 / classes`), as fractions.
pub type Chances = BTreeMap<(SplitName, HalfId), f64>;

/// One net the findings read.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Net {
    /// Its treatment.
    pub treatment: Treatment,
    /// Layers copied (or random and frozen).
    pub n: u32,
    /// Its top-1 minus the top-1 of its own base net, in points.
    pub relative: f64,
    /// Its top-1 minus chance among its classes, in points (`NaN` when chance is unknown).
    pub above_chance: f64,
    /// The base net it is measured against: an index into [`Table::bases`].
    pub base: usize,
}

/// A base net, or the mean of the base nets a net is measured against.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct BaseNet {
    /// Its split.
    pub split: SplitName,
    /// Its half.
    pub target: HalfId,
    /// Its replicate (the replicate of the nets measured against it).
    pub replicate: u32,
    /// Top-1 in points.
    pub top1: f64,
}

/// The levels the findings are scaled by, in percentage points of top-1.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Levels {
    /// Mean top-1 of the random splits' base nets (`baseB`).
    pub base_b: Option<f64>,
    /// Chance among the classes of a random half.
    pub chance_b: Option<f64>,
    /// Mean top-1 of `all/base`.
    pub all_base: Option<f64>,
    /// Chance among every class (split `all`).
    pub chance_all: Option<f64>,
    /// Mean validation images of the random splits' base nets (0 when unknown).
    pub val_images: f64,
}

impl Levels {
    /// How far `baseB` stands above chance: the most a transfer of a random split can lose.
    pub fn margin_b(&self) -> Option<f64> {
        Some(self.base_b? - self.chance_b?)
    }

    /// How far `all/base` stands above chance: the most random filters can lose.
    pub fn margin_all(&self) -> Option<f64> {
        Some(self.all_base? - self.chance_all?)
    }
}

/// Every net the findings read, the base nets they are measured against and the levels.
#[derive(Debug, Clone, Default)]
pub(crate) struct Table {
    /// The nets with a treatment and a base net to compare with.
    pub nets: Vec<Net>,
    /// The base nets, each at most once.
    pub bases: Vec<BaseNet>,
    /// Levels of top-1 and chance.
    pub levels: Levels,
}

impl Table {
    /// The table of `rows`, with chance from `chances`. A net whose own base net is missing is
    /// left out.
    pub(crate) fn of(rows: &[CellResult], chances: &Chances) -> Table {
        let mut table = Table::default();
        let mut index: BTreeMap<(SplitName, HalfId, u32), usize> = BTreeMap::new();
        for row in rows {
            let Some(treatment) = Treatment::of(row) else {
                continue;
            };
            let bases = own_bases(rows, row);
            let Some(first) = bases.first() else {
                continue;
            };
            let key = (row.split.clone(), row.target, first.replicate);
            let base = *index.entry(key).or_insert_with(|| {
                table.bases.push(BaseNet {
                    split: row.split.clone(),
                    target: row.target,
                    replicate: first.replicate,
                    top1: 100.0 * bases.iter().map(|b| b.top1).sum::<f64>() / bases.len() as f64,
                });
                table.bases.len() - 1
            });
            let chance = chances
                .get(&(row.split.clone(), row.target))
                .map_or(f64::NAN, |c| 100.0 * c);
            table.nets.push(Net {
                treatment,
                n: row.n,
                relative: 100.0 * row.top1 - table.bases[base].top1,
                above_chance: 100.0 * row.top1 - chance,
                base,
            });
        }
        table.levels = levels(rows, chances);
        table
    }

    /// The nets of a treatment at `n`, as indices into [`Table::nets`].
    pub(crate) fn at(&self, treatment: Treatment, n: u32) -> Vec<usize> {
        (0..self.nets.len())
            .filter(|&i| self.nets[i].treatment == treatment && self.nets[i].n == n)
            .collect()
    }
}

/// The levels of `rows`: base nets of the random splits and of split `all`, and chance.
fn levels(rows: &[CellResult], chances: &Chances) -> Levels {
    let mean = |v: &[f64]| (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64);
    let random_bases: Vec<&CellResult> = rows
        .iter()
        .filter(|r| is_base(r) && r.split.is_random())
        .collect();
    let all_bases: Vec<f64> = rows
        .iter()
        .filter(|r| is_base(r) && r.split == SplitName::All)
        .map(|r| 100.0 * r.top1)
        .collect();
    let top1: Vec<f64> = random_bases.iter().map(|r| 100.0 * r.top1).collect();
    let val: Vec<f64> = random_bases.iter().map(|r| r.val_images as f64).collect();
    let chance_b = random_bases
        .iter()
        .find_map(|r| chances.get(&(r.split.clone(), r.target)))
        .map(|c| 100.0 * c);
    Levels {
        base_b: mean(&top1),
        chance_b,
        all_base: mean(&all_bases),
        chance_all: chances
            .get(&(SplitName::All, HalfId::All))
            .map(|c| 100.0 * c),
        val_images: mean(&val).unwrap_or(0.0),
    }
}
