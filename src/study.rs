//! What an experiment studies: the paper's grid over its splits, or a transfer profile of one
//! base net on one target. Each kind gives its splits with their partitions, its cells and its
//! analysis; nothing outside this module asks which kind a run is.
//!
//! In the configuration file a grid is `[splits]` and `[grid]`, a profile is `[profile]`.

use std::path::PathBuf;

use convnet_findings::TransferProfile;
use convnet_results::{Cell, CellResult, Mode};
use convnet_splits::{Grouping, HalfId, PartitionSpec, SplitName};
use convnet_transfer::{Base, Layout};
use serde::{Deserialize, Serialize};

use crate::analysis::{assess, RunAnalysis};
use crate::error::ExperimentError;
use crate::grid::{GridConfig, SplitsConfig};
use crate::run_dir::RunDir;

/// What an experiment studies.
#[derive(Clone, Debug, PartialEq)]
pub enum Study {
    /// The paper's grid: base nets on the halves of every split, transfers between them,
    /// random filters.
    Grid(GridStudy),
    /// A transfer profile: a base net from elsewhere, profiled on this configuration's data.
    Profile(ProfileStudy),
}

/// The paper's grid: `[splits]` and `[grid]`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct GridStudy {
    /// How classes are split into halves.
    pub splits: SplitsConfig,
    /// Which cells the grid holds.
    pub grid: GridConfig,
}

/// `[profile]`: the base net whose layers a transfer profile copies, and which of them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileStudy {
    /// Its weights: a checkpoint of this project (a base net's `checkpoint.safetensors`, from
    /// any run and dataset) or a PyTorch AlexNet state dict (`.pth` or `.safetensors`).
    pub base: PathBuf,
    /// How its tensors are named: `"convnet"` (this project) or `"torchvision"`.
    #[serde(default)]
    pub layout: Layout,
    /// The target's classes: those of these coarse groups, e.g. `["symbols"]` of the embedded
    /// dataset; default: every class.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub target_groups: Vec<String>,
    /// The values of n (1..=7) whose layers `1..n` are copied.
    #[serde(default = "default_layers")]
    pub layers: Vec<usize>,
    /// Replicates of every net (each with its own target base net and seeds).
    #[serde(default = "one")]
    pub replicates: u32,
}

impl ProfileStudy {
    /// A profile of `base` with the layers and replicates of `grid`.
    pub fn of_grid(grid: &GridConfig, base: PathBuf) -> ProfileStudy {
        ProfileStudy {
            base,
            layout: Layout::default(),
            target_groups: Vec::new(),
            layers: grid.layers.clone(),
            replicates: grid.replicates,
        }
    }

    /// The target's own base net `profile/baseB`, then for every n the frozen transfer
    /// `profile/AnB` and the fine-tuned `profile/AnB+`, whose base `profile/baseA` is the
    /// `[profile]` net; for every replicate.
    fn cells(&self) -> Vec<Cell> {
        let split = SplitName::Profile;
        let mut cells = Vec::new();
        for replicate in 0..self.replicates {
            cells.push(Cell::base(&split, HalfId::B, replicate));
            for &n in &self.layers {
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
        cells
    }
}

impl Study {
    /// The splits the study trains on, each with the partition that makes it.
    pub fn partitions(&self, seed: u64) -> Vec<(SplitName, PartitionSpec)> {
        match self {
            Study::Grid(grid) => grid.partitions(seed),
            Study::Profile(profile) => vec![(
                SplitName::Profile,
                PartitionSpec::Target {
                    groups: profile.target_groups.clone(),
                },
            )],
        }
    }

    /// Every cell the study trains, in the order of its plan (see [`crate::Plan`]).
    pub fn cells(&self, seed: u64) -> Vec<Cell> {
        match self {
            Study::Grid(grid) => grid.cells(seed),
            Study::Profile(profile) => profile.cells(),
        }
    }

    /// The base net from elsewhere that stands for `cell`, finished from the start: a
    /// profile's `[profile]` net for `profile/baseA`.
    pub fn external_base(&self, cell: &Cell) -> Option<Base> {
        let Study::Profile(profile) = self else {
            return None;
        };
        (cell.split == SplitName::Profile && cell.mode == Mode::Base && cell.target == HalfId::A)
            .then(|| Base {
                path: profile.base.clone(),
                layout: profile.layout,
            })
    }

    /// The deepest layer any cell copies.
    pub fn deepest_layer(&self) -> usize {
        let layers = match self {
            Study::Grid(grid) => &grid.grid.layers,
            Study::Profile(profile) => &profile.layers,
        };
        layers.iter().copied().max().unwrap_or(0)
    }

    /// What the coarse groups of an ImageNet-derived dataset mean, where the study says.
    pub fn grouping(&self) -> Option<Grouping> {
        match self {
            Study::Grid(grid) => grid.splits.dissimilar.as_ref().map(|d| d.grouping),
            Study::Profile(_) => None,
        }
    }

    /// The grid, for code that edits one (tests, tools that derive configurations).
    pub fn grid_mut(&mut self) -> Option<&mut GridStudy> {
        match self {
            Study::Grid(grid) => Some(grid),
            Study::Profile(_) => None,
        }
    }

    /// The transfer profile, for code that edits one.
    pub fn profile_mut(&mut self) -> Option<&mut ProfileStudy> {
        match self {
            Study::Profile(profile) => Some(profile),
            Study::Grid(_) => None,
        }
    }

    /// The transfer profile, for the commands that read profiles alone.
    pub fn profile(&self) -> Option<&ProfileStudy> {
        match self {
            Study::Profile(profile) => Some(profile),
            Study::Grid(_) => None,
        }
    }

    /// The same study made a transfer profile: of `base`, with `layout` and `target_groups`
    /// where given, keeping what it has otherwise (a grid's layers and replicates, a profile's
    /// every key).
    pub fn profiling(
        self,
        base: Option<PathBuf>,
        layout: Option<Layout>,
        target_groups: &[String],
    ) -> Result<ProfileStudy, ExperimentError> {
        let mut profile = match (self, base) {
            (Study::Profile(profile), base) => ProfileStudy {
                base: base.unwrap_or(profile.base),
                ..profile
            },
            (Study::Grid(grid), Some(base)) => ProfileStudy::of_grid(&grid.grid, base),
            (Study::Grid(_), None) => {
                return Err(invalid(
                    "profile",
                    "the configuration has no [profile]: give the base net with --base",
                ))
            }
        };
        if let Some(layout) = layout {
            profile.layout = layout;
        }
        if !target_groups.is_empty() {
            profile.target_groups = target_groups.to_vec();
        }
        Ok(profile)
    }

    /// What the finished cells `rows` of the run in `run` say: the paper's findings for a
    /// grid, the profile's table and verdict for a profile.
    pub fn analyse(
        &self,
        run: &RunDir,
        rows: &[CellResult],
    ) -> Result<RunAnalysis, ExperimentError> {
        Ok(match self {
            Study::Grid(_) => RunAnalysis::Findings(assess(run, rows)?),
            Study::Profile(_) => RunAnalysis::Profile(TransferProfile::of(rows)),
        })
    }

    /// Checks values the types cannot; errors name the key.
    pub fn validate(&self, seed: u64) -> Result<(), ExperimentError> {
        match self {
            Study::Grid(grid) => grid.validate(seed),
            Study::Profile(profile) => check_layers("profile", &profile.layers, profile.replicates),
        }
    }
}

/// `[<section>] layers` and `replicates`: every n in 1..=7, at least one replicate.
pub(crate) fn check_layers(
    section: &str,
    layers: &[usize],
    replicates: u32,
) -> Result<(), ExperimentError> {
    if layers.is_empty() || layers.iter().any(|n| !(1..=7).contains(n)) {
        return Err(invalid(
            &format!("{section}.layers"),
            "every n must be between 1 and 7",
        ));
    }
    if replicates == 0 {
        return Err(invalid(
            &format!("{section}.replicates"),
            "must be at least 1",
        ));
    }
    Ok(())
}

/// An invalid value of `key`.
pub(crate) fn invalid(key: &str, reason: &str) -> ExperimentError {
    ExperimentError::Invalid {
        key: key.to_string(),
        reason: reason.to_string(),
    }
}

pub(crate) fn default_layers() -> Vec<usize> {
    (1..=7).collect()
}
pub(crate) fn one() -> u32 {
    1
}
