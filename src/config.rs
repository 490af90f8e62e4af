//! An experiment's configuration: one TOML file in `configs/`.
//!
//! ```toml
//! name = "embedded"          # the run directory is runs/<name> unless [output] says otherwise
//! seed = 0                   # seeds every cell's initialisation, data order and dropout
//! device = "auto"            # auto | cpu | cuda[:i]
//!
//! [dataset]                  # convnet_data::DatasetConfig
//! [splits]                   # random seeds, the dissimilar split
//! [model]                    # preset or full spec, fc8's width
//! [solver]                   # convnet_train::SolverConfig
//! [grid]                     # which cells
//! [output]                   # run directory, figures, report
//! [profile]                  # a transfer profile's base net (instead of the grid)
//! ```
//! Unknown keys are errors that name the key; [`ExperimentConfig::validate`] checks values.

use std::path::{Path, PathBuf};

use convnet_alexnet::ArchSpec;
use convnet_data::DatasetConfig;
use convnet_results::Mode;
use convnet_splits::{Grouping, SplitName};
use convnet_train::{DeviceChoice, SolverConfig};
use convnet_transfer::Layout;
use serde::{Deserialize, Serialize};

use crate::error::ExperimentError;
use crate::run_dir::RunDir;

/// The whole configuration of an experiment.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExperimentConfig {
    /// Name of the experiment; the run directory defaults to `runs/<name>`.
    pub name: String,
    /// Seed of every random choice of the run (per cell, mixed with the cell's name).
    #[serde(default)]
    pub seed: u64,
    /// Device to train on.
    #[serde(default)]
    pub device: DeviceChoice,
    /// The images.
    pub dataset: DatasetConfig,
    /// How classes are split into halves.
    #[serde(default)]
    pub splits: SplitsConfig,
    /// The network.
    pub model: ModelConfig,
    /// The solver of every cell.
    pub solver: SolverConfig,
    /// Which cells the grid holds.
    #[serde(default)]
    pub grid: GridConfig,
    /// A transfer profile instead of the paper's grid: a base net from elsewhere, profiled on
    /// this configuration's data (`[splits]` and `[grid]` are then left aside, but for the
    /// layers and replicates).
    #[serde(default)]
    pub profile: Option<ProfileConfig>,
    /// Where results go.
    #[serde(default)]
    pub output: OutputConfig,
}

/// `[profile]`: the base net whose layers a transfer profile copies.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileConfig {
    /// Its weights: a checkpoint of this project (a base net's `checkpoint.safetensors`, from
    /// any run and dataset) or a PyTorch AlexNet state dict (`.pth` or `.safetensors`).
    pub base: PathBuf,
    /// How its tensors are named: `"convnet"` (this project) or `"torchvision"`.
    #[serde(default)]
    pub layout: Layout,
    /// The target's classes: those of these coarse groups (`[dataset] grouping`), e.g.
    /// `["symbols"]` of the embedded dataset; default: every class.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub target_groups: Vec<String>,
}

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

/// `[model]`: the architecture, from a preset or given in full.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelConfig {
    /// A preset name: `caffenet`, `alexnet-32`, `alexnet-64`, `torchvision-alexnet`.
    #[serde(default)]
    pub preset: Option<String>,
    /// A full architecture spec (instead of `preset`), without fc8's width.
    #[serde(default)]
    pub spec: Option<ArchSpec>,
    /// The width of fc8: `"classes"` (the classes of the half the net trains on) or a number
    /// (the paper: 1000 in every net).
    #[serde(default)]
    pub fc8_outputs: Outputs,
}

/// The width of fc8.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Outputs {
    /// As many outputs as the half the net trains on has classes.
    #[default]
    Classes,
    /// A fixed number, at least the classes of every half.
    Fixed(usize),
}

impl Serialize for Outputs {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Outputs::Classes => serializer.serialize_str("classes"),
            Outputs::Fixed(n) => serializer.serialize_u64(*n as u64),
        }
    }
}

impl<'de> Deserialize<'de> for Outputs {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Word(String),
            Number(u64),
        }
        match Raw::deserialize(deserializer)? {
            Raw::Word(w) if w == "classes" => Ok(Outputs::Classes),
            Raw::Word(w) => Err(serde::de::Error::custom(format!(
                "fc8_outputs must be \"classes\" or a number, not \"{w}\""
            ))),
            Raw::Number(n) => Ok(Outputs::Fixed(n as usize)),
        }
    }
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
fn default_layers() -> Vec<usize> {
    (1..=7).collect()
}
fn default_directions() -> Vec<Direction> {
    vec![Direction::AToB, Direction::BToA]
}
fn yes() -> bool {
    true
}
fn one() -> u32 {
    1
}

/// `[output]`: where results go and what is drawn.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutputConfig {
    /// Run directory; default `runs/<name>`.
    #[serde(default)]
    pub run_dir: Option<PathBuf>,
    /// Overlay the paper's published values on the figures.
    #[serde(default)]
    pub paper_overlay: bool,
    /// Which finished cells keep their weights: `"bases"` (the default: the nets other cells
    /// copy from) or `"all"`. No finished cell keeps its momentum buffers.
    #[serde(default)]
    pub keep_weights: KeepWeights,
}

/// Which finished cells keep their weights (`[output] keep_weights`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KeepWeights {
    /// Base nets only: the nets whose layers other cells copy.
    #[default]
    Bases,
    /// Every net.
    All,
}

impl ExperimentConfig {
    /// The configuration file a command applies: the one given (`--config`), else the one a run
    /// directory saved (`<run>/config.toml`, so that a run carries on as it began), else
    /// `default`.
    pub fn choose(given: Option<&Path>, run_dir: Option<&Path>, default: &Path) -> PathBuf {
        let saved = run_dir.map(|dir| RunDir::new(dir).config());
        match (given, saved) {
            (Some(path), _) => path.to_path_buf(),
            (None, Some(saved)) if saved.is_file() => saved,
            (None, _) => default.to_path_buf(),
        }
    }

    /// Reads and validates a configuration file.
    pub fn load(path: &Path) -> Result<Self, ExperimentError> {
        let text = std::fs::read_to_string(path).map_err(|source| ExperimentError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Self::parse(&text, &path.display().to_string())
    }

    /// Parses and validates configuration text; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<Self, ExperimentError> {
        let error = |message: String| ExperimentError::Config {
            origin: origin.to_string(),
            message,
        };
        let table: toml::Table = toml::from_str(text).map_err(|e| error(e.to_string()))?;
        if let Some(message) = renamed_key(&table) {
            return Err(error(message));
        }
        let config: ExperimentConfig = table.try_into().map_err(|e| error(e.to_string()))?;
        config.validate().map_err(|e| match e {
            ExperimentError::Invalid { key, reason } => ExperimentError::Config {
                origin: origin.to_string(),
                message: format!("{key}: {reason}"),
            },
            other => other,
        })?;
        Ok(config)
    }

    /// The resolved configuration as TOML, as saved in the run directory.
    pub fn to_toml(&self) -> String {
        toml::to_string_pretty(self).expect("a configuration serialises to TOML")
    }

    /// The dataset as the data crate opens it: `[dataset]`, with the grouping of
    /// `[splits.dissimilar]`.
    pub fn dataset_config(&self) -> DatasetConfig {
        let mut dataset = self.dataset.clone();
        if let Some(dissimilar) = &self.splits.dissimilar {
            dataset.grouping = dissimilar.grouping;
        }
        dataset
    }

    /// The seeds of the random splits: `[splits] random_splits`, or the run's `seed`.
    pub fn random_split_seeds(&self) -> Vec<u64> {
        self.splits
            .random_splits
            .clone()
            .unwrap_or_else(|| vec![self.seed])
    }

    /// Whether the fine-tuned nets train on the random split `split`.
    pub fn finetunes(&self, split: &SplitName) -> bool {
        match &self.grid.finetune_splits {
            Some(splits) => splits.contains(split),
            None => true,
        }
    }

    /// The same experiment with another run seed: `seed` replaced (and with it the random
    /// split where `[splits] random_splits` is not given), the name suffixed `-seed<seed>` so
    /// that its run directory is another one.
    pub fn with_seed(&self, seed: u64) -> ExperimentConfig {
        let mut config = self.clone();
        if seed != self.seed {
            config.seed = seed;
            config.name = format!("{}-seed{seed}", self.name);
        }
        config
    }

    /// The run directory: `[output] run_dir`, or `runs/<name>`.
    pub fn run_dir(&self) -> PathBuf {
        self.output
            .run_dir
            .clone()
            .unwrap_or_else(|| Path::new("runs").join(&self.name))
    }

    /// The architecture of a cell whose target half has `classes` classes.
    pub fn arch(&self, classes: usize) -> Result<ArchSpec, ExperimentError> {
        let outputs = match self.model.fc8_outputs {
            Outputs::Classes => classes,
            Outputs::Fixed(n) => n,
        };
        let mut spec = match (&self.model.preset, &self.model.spec) {
            (Some(name), None) => ArchSpec::preset(name, outputs)?,
            (None, Some(spec)) => spec.clone(),
            _ => return Err(invalid("model", "give exactly one of `preset` and `spec`")),
        };
        spec.outputs = outputs;
        spec.validate()?;
        Ok(spec)
    }

    /// Checks values the types cannot; errors name the key.
    pub fn validate(&self) -> Result<(), ExperimentError> {
        if self.name.is_empty() || self.name.contains(['/', '\\']) {
            return Err(invalid("name", "must be a non-empty name without `/`"));
        }
        self.dataset
            .validate()
            .map_err(|e| invalid("dataset", &e.to_string()))?;
        self.solver
            .validate()
            .map_err(|e| invalid("solver", &e.to_string()))?;
        let arch = self.arch(2)?;
        if arch.input_size != self.dataset.crop_size {
            return Err(invalid(
                "dataset.crop_size",
                &format!(
                    "{} does not match the net's input size {}",
                    self.dataset.crop_size, arch.input_size
                ),
            ));
        }
        if let Outputs::Fixed(0) = self.model.fc8_outputs {
            return Err(invalid("model.fc8_outputs", "must be at least 2"));
        }
        if self.grid.layers.is_empty() || self.grid.layers.iter().any(|n| !(1..=7).contains(n)) {
            return Err(invalid("grid.layers", "every n must be between 1 and 7"));
        }
        if self.grid.directions.is_empty() {
            return Err(invalid(
                "grid.directions",
                "give at least one of \"AB\", \"BA\"",
            ));
        }
        if let Some(directions) = &self.grid.finetune_directions {
            if directions.is_empty() || directions.iter().any(|d| !self.grid.directions.contains(d))
            {
                return Err(invalid(
                    "grid.finetune_directions",
                    "give one or more of the directions in grid.directions",
                ));
            }
        }
        if self.grid.replicates == 0 {
            return Err(invalid("grid.replicates", "must be at least 1"));
        }
        let inits = &self.grid.random_filter_inits;
        if self.grid.random_filters
            && (inits.is_empty() || (1..inits.len()).any(|i| inits[..i].contains(&inits[i])))
        {
            return Err(invalid(
                "grid.random_filter_inits",
                "give \"net\", \"gaussian\" or both, each once",
            ));
        }
        let random_splits: Vec<SplitName> = self
            .random_split_seeds()
            .into_iter()
            .map(SplitName::Random)
            .collect();
        for split in self.grid.finetune_splits.iter().flatten() {
            if !random_splits.contains(split) {
                let names: Vec<String> = random_splits.iter().map(|s| s.to_string()).collect();
                return Err(invalid(
                    "grid.finetune_splits",
                    &format!("`{split}` is not one of the random splits {names:?}"),
                ));
            }
        }
        if self.grid.paper_nets_only {
            let needs = [
                (
                    self.random_split_seeds() == [0, 1, 2, 3],
                    "splits.random_splits = [0, 1, 2, 3]",
                ),
                (
                    self.grid.directions.len() == 2,
                    "grid.directions = [\"AB\", \"BA\"]",
                ),
                (
                    self.grid.layers == default_layers(),
                    "grid.layers = [1, 2, 3, 4, 5, 6, 7]",
                ),
                (
                    self.finetunes(&SplitName::Random(0)) && self.finetunes(&SplitName::Random(1)),
                    "grid.finetune_splits with \"random0\" and \"random1\"",
                ),
                (self.grid.replicates == 1, "grid.replicates = 1"),
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

/// Keys of earlier configurations and what became of them: `(old key, new key, note)`.
const RENAMED: [(&str, &str, &str); 7] = [
    (
        "model.outputs",
        "model.fc8_outputs",
        "\"half\" is now \"classes\"",
    ),
    (
        "model.spec.outputs",
        "model.fc8_outputs",
        "a spec no longer says fc8's width",
    ),
    (
        "dataset.grouping",
        "splits.dissimilar.grouping",
        "it says what the groups mean",
    ),
    (
        "dataset.embedded.seed",
        "dataset.embedded.image_seed",
        "the images' own seed",
    ),
    (
        "splits.random_seeds",
        "splits.random_splits",
        "the numbers of the random splits",
    ),
    (
        "model.spec.pool",
        "model.spec.pooling_param",
        "Caffe's name, with `kernel_size` and `stride`",
    ),
    (
        "model.spec.lrn",
        "model.spec.lrn_param",
        "Caffe's name, with `local_size`, `alpha`, `beta` and `k`",
    ),
];

/// The message for the first key of an earlier configuration that `table` still uses.
fn renamed_key(table: &toml::Table) -> Option<String> {
    RENAMED.iter().find_map(|(old, new, note)| {
        let mut value = None::<&toml::Value>;
        for (i, part) in old.split('.').enumerate() {
            value = if i == 0 {
                table.get(part)
            } else {
                value?.as_table()?.get(part)
            };
        }
        value
            .is_some()
            .then(|| format!("`{old}` is now `{new}` ({note})"))
    })
}

fn invalid(key: &str, reason: &str) -> ExperimentError {
    ExperimentError::Invalid {
        key: key.to_string(),
        reason: reason.to_string(),
    }
}
