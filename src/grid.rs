//! The paper's grid: `[splits]` (the random splits, the dissimilar split) and `[grid]` (which
//! cells), their partitions and cells.

use convnet_results::{Cell, Mode};
use convnet_splits::{Grouping, HalfId, PartitionSpec, SplitName};
use serde::{Deserialize, Serialize};

use crate::error::ExperimentError;
use crate::study::{check_layers, default_layers, invalid, one, GridStudy};

/// `[splits]`: the random splits and the dissimilar split.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SplitsConfig {
    /// One random split `random<k>` per number `k`, drawn by numpy's legacy
    /// `RandomState([k])` as the paper's splits were; default: one split, `random<seed>` of the
    /// run's `seed`.
    #[serde(default)]
    pub random_splits: Option<Vec<u64>>,
    /// The dissimilar split by coarse group, if any.
    #[serde(default)]
    pub dissimilar: Option<DissimilarConfig>,
}

/// `[splits.dissimilar]`: halves by coarse group.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DissimilarConfig {
    /// The split's name in cell names (`natman/A7B`): a word that is neither `all` nor starts
    /// with `random`.
    #[serde(default = "default_dissimilar_name")]
    pub name: SplitName,
    /// Groups of half A; empty with two groups in the catalog: natural is A.
    #[serde(default)]
    pub a_groups: Vec<String>,
    /// Groups of half B; empty: every group not in A.
    #[serde(default)]
    pub b_groups: Vec<String>,
    /// Which natural / man-made lists an ImageNet-derived dataset's groups follow: `"paper"`
    /// (the authors' lists) or `"wordnet-artifact"` (the WordNet rule).
    #[serde(default)]
    pub grouping: Grouping,
}

fn default_dissimilar_name() -> SplitName {
    SplitName::Dissimilar("natman".to_string())
}

/// A direction of transfer: copy from one half, train on the other.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Direction {
    /// Copy from A, train on B (`AnB`, and the selffer `BnB`).
    #[serde(rename = "AB")]
    AToB,
    /// Copy from B, train on A (`BnA`, and the selffer `AnA`).
    #[serde(rename = "BA")]
    BToA,
}

/// `[grid]`: which cells to train.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GridConfig {
    /// The values of n (1..=7).
    #[serde(default = "default_layers")]
    pub layers: Vec<usize>,
    /// Directions of the random splits: `["AB"]` or `["AB", "BA"]`.
    #[serde(default = "default_directions")]
    pub directions: Vec<Direction>,
    /// Frozen selffers (`BnB`) on every random split.
    #[serde(default = "yes")]
    pub frozen_selffers: bool,
    /// Frozen transfers (`AnB`) on every random split.
    #[serde(default = "yes")]
    pub frozen_transfers: bool,
    /// Random splits on which fine-tuned selffers and transfers (`BnB+`, `AnB+`) train;
    /// default: every random split.
    #[serde(default)]
    pub finetune_splits: Option<Vec<SplitName>>,
    /// Directions of the fine-tuned nets, each one of `directions`; default: all of them.
    #[serde(default)]
    pub finetune_directions: Option<Vec<Direction>>,
    /// Frozen transfers of the dissimilar split, both directions.
    #[serde(default = "yes")]
    pub dissimilar_transfers: bool,
    /// Random-filter nets, and with them `all/base`, the net trained on every class that they
    /// are compared with (split `all`).
    #[serde(default = "yes")]
    pub random_filters: bool,
    /// How the random filters are drawn, one set of nets for each: `"net"` (the net's own
    /// initialisation, `all/random<n>`) and `"gaussian"` (Caffe's Gaussian filler, σ = 0.01,
    /// as in the paper's nets, `all/gaussian<n>`).
    #[serde(default = "default_random_filter_inits")]
    pub random_filter_inits: Vec<RandomFilterInit>,
    /// Replicates of every cell (each with its own bases and seeds).
    #[serde(default = "one")]
    pub replicates: u32,
    /// Only the nets the paper trained (`PROTOCOL.md`: 136 on ImageNet): frozen selffers in one
    /// direction (`AnA`), fine-tuned nets as the authors' logs hold them on splits 0 and 1.
    /// Needs random splits 0-3, both directions, n = 1..7, fine-tuning on `random0` and
    /// `random1`, one replicate. Off: the fuller grid the other keys describe.
    #[serde(default)]
    pub paper_nets_only: bool,
}

impl Default for GridConfig {
    /// Every n, both directions, every kind of net, one replicate.
    fn default() -> Self {
        GridConfig {
            layers: default_layers(),
            directions: default_directions(),
            frozen_selffers: true,
            frozen_transfers: true,
            finetune_splits: None,
            finetune_directions: None,
            dissimilar_transfers: true,
            random_filters: true,
            random_filter_inits: default_random_filter_inits(),
            replicates: 1,
            paper_nets_only: false,
        }
    }
}

/// How the frozen random layers of a random-filter net are drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RandomFilterInit {
    /// The net's own initialisation of each layer, as its spec draws it.
    Net,
    /// Caffe's Gaussian filler, σ = 0.01, as in the paper's nets (biases as the spec).
    Gaussian,
}

impl RandomFilterInit {
    /// The mode of the cells this initialisation draws.
    pub fn mode(self) -> Mode {
        match self {
            RandomFilterInit::Net => Mode::Random,
            RandomFilterInit::Gaussian => Mode::Gaussian,
        }
    }
}

fn default_random_filter_inits() -> Vec<RandomFilterInit> {
    vec![RandomFilterInit::Net]
}
fn default_directions() -> Vec<Direction> {
    vec![Direction::AToB, Direction::BToA]
}
fn yes() -> bool {
    true
}

impl GridStudy {
    /// The seeds of the random splits: `[splits] random_splits`, or the run's `seed`.
    pub fn random_split_seeds(&self, seed: u64) -> Vec<u64> {
        self.splits
            .random_splits
            .clone()
            .unwrap_or_else(|| vec![seed])
    }

    /// Whether the fine-tuned nets train on the random split `split`.
    pub fn finetunes(&self, split: &SplitName) -> bool {
        match &self.grid.finetune_splits {
            Some(splits) => splits.contains(split),
            None => true,
        }
    }

    /// Every random split, the dissimilar split and split `all`, with their partitions.
    pub(crate) fn partitions(&self, seed: u64) -> Vec<(SplitName, PartitionSpec)> {
        let mut specs: Vec<(SplitName, PartitionSpec)> = self
            .random_split_seeds(seed)
            .into_iter()
            .map(|seed| (SplitName::Random(seed), PartitionSpec::Random { seed }))
            .collect();
        if let Some(d) = &self.splits.dissimilar {
            specs.push((
                d.name.clone(),
                PartitionSpec::Dissimilar {
                    a_groups: d.a_groups.clone(),
                    b_groups: d.b_groups.clone(),
                },
            ));
        }
        if self.grid.random_filters {
            specs.push((SplitName::All, PartitionSpec::All));
        }
        specs
    }

    /// The grid's cells. For every replicate: on each random split, both bases, then for every
    /// direction and n the frozen selffer and transfer, and on the fine-tune splits their `+`
    /// versions; on the dissimilar split both bases and frozen transfers in both directions; on
    /// split `all`, the all-classes base and the random-filter nets of every initialisation.
    pub(crate) fn cells(&self, seed: u64) -> Vec<Cell> {
        let grid = &self.grid;
        let mut cells: Vec<Cell> = Vec::new();
        for replicate in 0..grid.replicates {
            for split_seed in self.random_split_seeds(seed) {
                let split = SplitName::Random(split_seed);
                cells.push(Cell::base(&split, HalfId::A, replicate));
                cells.push(Cell::base(&split, HalfId::B, replicate));
                let finetune = self.finetunes(&split);
                for &direction in &grid.directions {
                    let (source, target) = match direction {
                        Direction::AToB => (HalfId::A, HalfId::B),
                        Direction::BToA => (HalfId::B, HalfId::A),
                    };
                    for &n in &grid.layers {
                        let mut add = |source, mode| {
                            cells.push(Cell::copied(&split, source, target, n, mode, replicate))
                        };
                        if grid.frozen_selffers {
                            add(target, Mode::Frozen);
                        }
                        if grid.frozen_transfers {
                            add(source, Mode::Frozen);
                        }
                        let finetune_direction = grid
                            .finetune_directions
                            .as_ref()
                            .is_none_or(|ds| ds.contains(&direction));
                        if finetune && finetune_direction {
                            add(target, Mode::Finetune);
                            add(source, Mode::Finetune);
                        }
                    }
                }
            }
            if let Some(dissimilar) = &self.splits.dissimilar {
                let split = &dissimilar.name;
                cells.push(Cell::base(split, HalfId::A, replicate));
                cells.push(Cell::base(split, HalfId::B, replicate));
                if grid.dissimilar_transfers {
                    for (source, target) in [(HalfId::A, HalfId::B), (HalfId::B, HalfId::A)] {
                        for &n in &grid.layers {
                            cells.push(Cell::copied(
                                split,
                                source,
                                target,
                                n,
                                Mode::Frozen,
                                replicate,
                            ));
                        }
                    }
                }
            }
            if grid.random_filters {
                cells.push(Cell::base(&SplitName::All, HalfId::All, replicate));
                for init in &grid.random_filter_inits {
                    for &n in &grid.layers {
                        cells.push(Cell::random_filters(n, init.mode(), replicate));
                    }
                }
            }
        }
        if grid.paper_nets_only {
            cells.retain(trained_by_the_paper);
        }
        cells
    }

    /// Checks values the types cannot; errors name the key.
    pub(crate) fn validate(&self, seed: u64) -> Result<(), ExperimentError> {
        let grid = &self.grid;
        check_layers("grid", &grid.layers, grid.replicates)?;
        if grid.directions.is_empty() {
            return Err(invalid(
                "grid.directions",
                "give at least one of \"AB\", \"BA\"",
            ));
        }
        if let Some(directions) = &grid.finetune_directions {
            if directions.is_empty() || directions.iter().any(|d| !grid.directions.contains(d)) {
                return Err(invalid(
                    "grid.finetune_directions",
                    "give one or more of the directions in grid.directions",
                ));
            }
        }
        let inits = &grid.random_filter_inits;
        if grid.random_filters
            && (inits.is_empty() || (1..inits.len()).any(|i| inits[..i].contains(&inits[i])))
        {
            return Err(invalid(
                "grid.random_filter_inits",
                "give \"net\", \"gaussian\" or both, each once",
            ));
        }
        let random_splits: Vec<SplitName> = self
            .random_split_seeds(seed)
            .into_iter()
            .map(SplitName::Random)
            .collect();
        for split in grid.finetune_splits.iter().flatten() {
            if !random_splits.contains(split) {
                let names: Vec<String> = random_splits.iter().map(|s| s.to_string()).collect();
                return Err(invalid(
                    "grid.finetune_splits",
                    &format!("`{split}` is not one of the random splits {names:?}"),
                ));
            }
        }
        if grid.paper_nets_only {
            let needs = [
                (
                    self.random_split_seeds(seed) == [0, 1, 2, 3],
                    "splits.random_splits = [0, 1, 2, 3]",
                ),
                (
                    grid.directions.len() == 2,
                    "grid.directions = [\"AB\", \"BA\"]",
                ),
                (
                    grid.layers == default_layers(),
                    "grid.layers = [1, 2, 3, 4, 5, 6, 7]",
                ),
                (
                    self.finetunes(&SplitName::Random(0)) && self.finetunes(&SplitName::Random(1)),
                    "grid.finetune_splits with \"random0\" and \"random1\"",
                ),
                (grid.replicates == 1, "grid.replicates = 1"),
            ];
            if let Some((_, need)) = needs.iter().find(|(ok, _)| !ok) {
                return Err(invalid(
                    "grid.paper_nets_only",
                    &format!("the paper's nets need {need}"),
                ));
            }
        }
        if let Some(d) = &self.splits.dissimilar {
            if !matches!(d.name, SplitName::Dissimilar(_)) {
                return Err(invalid(
                    "splits.dissimilar.name",
                    &format!("`{}` must not be `all` or start with `random`", d.name),
                ));
            }
        }
        Ok(())
    }
}

/// The fine-tuned nets of the authors' logs (`PROTOCOL.md`): split, copied half, trained half
/// and the values of n. Split 0 has every n; split 1 the rest of the 10 + 10.
const PAPER_FINETUNED: [(u64, HalfId, HalfId, &[usize]); 4] = [
    (0, HalfId::A, HalfId::B, &[1, 2, 3, 4, 5, 6, 7]),
    (0, HalfId::A, HalfId::A, &[1, 2, 3, 4, 5, 6, 7]),
    (1, HalfId::A, HalfId::B, &[2, 3, 4]),
    (1, HalfId::A, HalfId::A, &[3, 5, 6]),
];

/// Whether the paper trained a net like `cell`: every base, frozen transfer, dissimilar and
/// random-filter net; frozen selffers only as `AnA`; the fine-tuned nets of its logs.
fn trained_by_the_paper(cell: &Cell) -> bool {
    match cell.mode {
        Mode::Frozen if cell.split.is_random() && cell.source == Some(cell.target) => {
            cell.target == HalfId::A
        }
        Mode::Finetune => PAPER_FINETUNED.iter().any(|(seed, source, target, ns)| {
            cell.split == SplitName::Random(*seed)
                && cell.source == Some(*source)
                && cell.target == *target
                && ns.contains(&cell.n)
        }),
        _ => true,
    }
}
