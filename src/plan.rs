//! The grid of cells an experiment trains: stage 1 the bases, stage 2 what copies from them.

use std::collections::BTreeSet;

use convnet_results::{Cell, Mode};
use convnet_splits::{HalfId, SplitName};
use serde::Serialize;

use crate::config::{Direction, ExperimentConfig};
use crate::error::ExperimentError;

/// One cell of the plan, with its stable index.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PlannedCell {
    /// Position in the plan: stage 1 cells first. The index of a cell does not change as long
    /// as the configuration's grid does not.
    pub index: usize,
    /// The cell.
    pub cell: Cell,
    /// 1 for bases and random-filter nets, 2 for cells that copy from a base.
    pub stage: u8,
    /// The base cell it copies from, if any.
    pub base: Option<Cell>,
}

/// Every cell of an experiment, in the order they are run.
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    cells: Vec<PlannedCell>,
}

impl Plan {
    /// The grid that `config` describes.
    ///
    /// For every replicate: on each random split, both bases, then for every direction and n
    /// the frozen selffer and transfer, and on the fine-tune splits their `+` versions; on the
    /// dissimilar split both bases and frozen transfers in both directions; on split `all`,
    /// the all-classes base and the random-filter nets.
    pub fn from_config(config: &ExperimentConfig) -> Plan {
        if config.profile.is_some() {
            return Plan::profile(config);
        }
        let grid = &config.grid;
        let mut cells: Vec<Cell> = Vec::new();
        for replicate in 0..grid.replicates {
            for seed in config.random_split_seeds() {
                let split = SplitName::Random(seed);
                cells.push(Cell::base(&split, HalfId::A, replicate));
                cells.push(Cell::base(&split, HalfId::B, replicate));
                let finetune = config.finetunes(&split);
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
            if let Some(dissimilar) = &config.splits.dissimilar {
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
        Plan::from_cells(cells)
    }

    /// A transfer profile: the target's own base net `profile/baseB`, then for every n of
    /// `[grid] layers` the frozen transfer `profile/AnB` and the fine-tuned `profile/AnB+`, whose
    /// base `profile/baseA` is the `[profile]` net; for every replicate.
    fn profile(config: &ExperimentConfig) -> Plan {
        let split = SplitName::Profile;
        let mut cells = Vec::new();
        for replicate in 0..config.grid.replicates {
            cells.push(Cell::base(&split, HalfId::B, replicate));
            for &n in &config.grid.layers {
                for mode in [Mode::Frozen, Mode::Finetune] {
                    cells.push(Cell::copied(
                        &split,
                        HalfId::A,
                        HalfId::B,
                        n,
                        mode,
                        replicate,
                    ));
                }
            }
        }
        Plan::from_cells(cells)
    }

    /// A plan of the given cells (duplicates dropped), stage 1 first, otherwise in the given order.
    pub fn from_cells(cells: impl IntoIterator<Item = Cell>) -> Plan {
        let mut seen = BTreeSet::new();
        let unique: Vec<Cell> = cells
            .into_iter()
            .filter(|c| seen.insert(c.to_string()))
            .collect();
        let (stage1, stage2): (Vec<Cell>, Vec<Cell>) =
            unique.into_iter().partition(|c| c.stage() == 1);
        let cells = stage1
            .into_iter()
            .chain(stage2)
            .enumerate()
            .map(|(index, cell)| PlannedCell {
                index,
                stage: cell.stage(),
                base: cell.base_cell(),
                cell,
            })
            .collect();
        Plan { cells }
    }

    /// Every cell, stage 1 first.
    pub fn cells(&self) -> &[PlannedCell] {
        &self.cells
    }

    /// Cells of one stage.
    pub fn stage(&self, stage: u8) -> impl Iterator<Item = &PlannedCell> {
        self.cells.iter().filter(move |c| c.stage == stage)
    }

    /// The cell at `index` (`run-cell --index`, a Slurm array task's number).
    pub fn at(&self, index: usize) -> Result<&PlannedCell, ExperimentError> {
        self.cells.get(index).ok_or(ExperimentError::BadIndex {
            index,
            len: self.cells.len(),
        })
    }

    /// The cell named `name`.
    pub fn find(&self, name: &str) -> Option<&PlannedCell> {
        self.cells.iter().find(|c| c.cell.to_string() == name)
    }

    /// The cells whose names match `pattern` (`*` matches any run of characters, e.g.
    /// `random0/*`, `*A3B*`), and the bases they copy from.
    pub fn only(&self, pattern: &str) -> Vec<&PlannedCell> {
        let chosen: BTreeSet<String> = self
            .cells
            .iter()
            .filter(|c| wildcard_match(pattern, &c.cell.to_string()))
            .flat_map(|c| {
                std::iter::once(c.cell.to_string()).chain(c.base.as_ref().map(Cell::to_string))
            })
            .collect();
        self.cells
            .iter()
            .filter(|c| chosen.contains(&c.cell.to_string()))
            .collect()
    }

    /// The grid manifest: one JSON object per line (`index`, `cell`, `stage`, `base`).
    pub fn manifest(&self) -> String {
        self.cells
            .iter()
            .map(|c| serde_json::to_string(c).expect("a planned cell serialises") + "\n")
            .collect()
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

/// Matches `text` against `pattern`, where `*` stands for any run of characters.
fn wildcard_match(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !text.starts_with(first) || !text[first.len()..].ends_with(last) {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for part in &parts[1..parts.len() - 1] {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards() {
        assert!(wildcard_match("random0/*", "random0/A3B+"));
        assert!(wildcard_match("*A3B*", "random1/A3B+"));
        assert!(wildcard_match("*", "all/base"));
        assert!(wildcard_match("all/base", "all/base"));
        assert!(!wildcard_match("all/base", "all/base@1"));
        assert!(!wildcard_match("random0/*", "random1/baseA"));
        assert!(!wildcard_match("*A3B", "random0/A3B+"));
        assert!(wildcard_match("r*0/*B", "random0/A3B"));
    }
}
