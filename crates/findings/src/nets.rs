//! Which treatment a net belongs to, and the base net each is measured against.

use convnet_results::{CellResult, Mode};
use convnet_splits::{HalfId, SplitName};

/// A treatment of the paper's figures: the nets compared with a base net.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Treatment {
    /// Frozen selffers of the random splits (`BnB`, and `AnA`).
    BnB,
    /// Frozen transfers of the random splits (`AnB`, and `BnA`).
    AnB,
    /// Fine-tuned selffers of the random splits.
    BnBPlus,
    /// Fine-tuned transfers of the random splits.
    AnBPlus,
    /// Frozen transfers of a dissimilar split (e.g. natural to man-made).
    Dissimilar,
    /// Layers `1..n` random (the net's own initialisation) and frozen, trained on every class
    /// (split `all`).
    RandomFilters,
    /// Layers `1..n` random from Caffe's Gaussian filler (σ = 0.01, the paper's random
    /// filters) and frozen, trained on every class (split `all`).
    GaussianFilters,
}

impl Treatment {
    /// The paper's name of the treatment.
    pub fn label(self) -> &'static str {
        match self {
            Treatment::BnB => "BnB",
            Treatment::AnB => "AnB",
            Treatment::BnBPlus => "BnB+",
            Treatment::AnBPlus => "AnB+",
            Treatment::Dissimilar => "dissimilar AnB",
            Treatment::RandomFilters => "random filters",
            Treatment::GaussianFilters => "random filters (Gaussian, σ 0.01)",
        }
    }

    /// The treatment of a row; `None` for base nets and for nets no figure shows (a fine-tuned
    /// net of a dissimilar split, a frozen selffer of one).
    pub fn of(row: &CellResult) -> Option<Treatment> {
        let selffer = row.source == Some(row.target);
        if row.split.is_random() {
            return match row.mode {
                Mode::Frozen if selffer => Some(Treatment::BnB),
                Mode::Frozen => Some(Treatment::AnB),
                Mode::Finetune if selffer => Some(Treatment::BnBPlus),
                Mode::Finetune => Some(Treatment::AnBPlus),
                Mode::Base | Mode::Random | Mode::Gaussian => None,
            };
        }
        match (&row.split, row.mode) {
            (SplitName::Dissimilar(_), Mode::Frozen) if !selffer => Some(Treatment::Dissimilar),
            (SplitName::All, Mode::Random) => Some(Treatment::RandomFilters),
            (SplitName::All, Mode::Gaussian) => Some(Treatment::GaussianFilters),
            _ => None,
        }
    }
}

/// Whether a row is a base net (`n = 0`).
pub fn is_base(row: &CellResult) -> bool {
    row.mode == Mode::Base && row.n == 0
}

/// A net of a dissimilar split that Figure 3 shows: a base, or a frozen transfer.
pub fn dissimilar_net(row: &CellResult) -> bool {
    matches!(row.split, SplitName::Dissimilar(_))
        && (is_base(row) || Treatment::of(row) == Some(Treatment::Dissimilar))
}

/// A net of split `all` that Figure 3 shows: the base, or a random-filter net drawn by `mode`
/// ([`Mode::Random`] or [`Mode::Gaussian`]).
pub fn random_filter_net(row: &CellResult, mode: Mode) -> bool {
    row.split == SplitName::All && (is_base(row) || row.mode == mode)
}

/// The base nets a row is measured against: those of its own split and target half with its
/// replicate, or, where that replicate has none, those of every replicate.
pub fn own_bases<'a>(rows: &'a [CellResult], row: &CellResult) -> Vec<&'a CellResult> {
    bases_of(rows, &row.split, row.target, row.replicate)
}

/// The base nets of (`split`, `target`) with `replicate`, or of every replicate if that one
/// has none.
pub fn bases_of<'a>(
    rows: &'a [CellResult],
    split: &SplitName,
    target: HalfId,
    replicate: u32,
) -> Vec<&'a CellResult> {
    let bases: Vec<&CellResult> = rows
        .iter()
        .filter(|r| is_base(r) && r.split == *split && r.target == target)
        .collect();
    let same: Vec<&CellResult> = bases
        .iter()
        .copied()
        .filter(|r| r.replicate == replicate)
        .collect();
    if same.is_empty() {
        bases
    } else {
        same
    }
}

/// Mean top-1 of the base nets of (`split`, `target`) with `replicate` (see [`bases_of`]).
pub fn base_of(
    rows: &[CellResult],
    split: &SplitName,
    target: HalfId,
    replicate: u32,
) -> Option<f64> {
    let bases = bases_of(rows, split, target, replicate);
    (!bases.is_empty()).then(|| bases.iter().map(|r| r.top1).sum::<f64>() / bases.len() as f64)
}

/// A row's top-1 minus its own base's, in percentage points.
pub fn relative_to_own_base(rows: &[CellResult], row: &CellResult) -> Option<f64> {
    base_of(rows, &row.split, row.target, row.replicate).map(|base| 100.0 * (row.top1 - base))
}
