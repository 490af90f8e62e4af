//! The grid of cells an experiment trains: stage 1 the bases, stage 2 what copies from them.

use std::collections::BTreeSet;

use convnet_results::Cell;
use serde::Serialize;

use crate::config::ExperimentConfig;
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
    /// The plan of `config`'s study: its cells, stage 1 first.
    pub fn from_config(config: &ExperimentConfig) -> Plan {
        Plan::from_cells(config.study.cells(config.seed))
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
