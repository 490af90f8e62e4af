//! An experiment's configuration: one TOML file in `configs/`.
//!
//! ```toml
//! name = "embedded"          # the run directory is runs/<name> unless [output] says otherwise
//! seed = 0                   # seeds every cell's initialisation, data order and dropout
//! device = "auto"            # auto | cpu | cuda[:i]
//! precision = "fp32"         # fp32 | tf32 | bf16 (mixed: f32 weights, bf16 layers)
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
use convnet_train::{DeviceChoice, Precision, SolverConfig};
use serde::{Deserialize, Serialize};

use crate::error::ExperimentError;
use crate::grid::{GridConfig, SplitsConfig};
use crate::run_dir::RunDir;
use crate::study::{invalid, GridStudy, ProfileStudy, Study};

/// The whole configuration of an experiment.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "ConfigFile", into = "ConfigFile")]
pub struct ExperimentConfig {
    /// Name of the experiment; the run directory defaults to `runs/<name>`.
    pub name: String,
    /// Seed of every random choice of the run (per cell, mixed with the cell's name).
    pub seed: u64,
    /// Device to train on.
    pub device: DeviceChoice,
    /// The arithmetic every net computes in; part of the experiment (a run directory holds
    /// one precision's nets).
    pub precision: Precision,
    /// The images.
    pub dataset: DatasetConfig,
    /// The network.
    pub model: ModelConfig,
    /// The solver of every cell.
    pub solver: SolverConfig,
    /// What it studies: the paper's grid (`[splits]`, `[grid]`) or a transfer profile
    /// (`[profile]`).
    pub study: Study,
    /// Where results go.
    pub output: OutputConfig,
}

/// The configuration as the file lays it out: a grid's `[splits]` and `[grid]`, or a profile's
/// `[profile]`.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    name: String,
    #[serde(default)]
    seed: u64,
    #[serde(default)]
    device: DeviceChoice,
    #[serde(default)]
    precision: Precision,
    dataset: DatasetConfig,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    splits: Option<SplitsConfig>,
    model: ModelConfig,
    solver: SolverConfig,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    grid: Option<GridConfig>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    profile: Option<ProfileStudy>,
    #[serde(default)]
    output: OutputConfig,
}

impl TryFrom<ConfigFile> for ExperimentConfig {
    type Error = String;

    fn try_from(file: ConfigFile) -> Result<Self, Self::Error> {
        let study = match (file.profile, file.splits, file.grid) {
            (Some(profile), None, None) => Study::Profile(profile),
            (Some(_), _, grid) => {
                let extra = if grid.is_some() { "[grid]" } else { "[splits]" };
                return Err(format!(
                    "a transfer profile has no {extra}: its layers and replicates are \
                     `profile.layers` and `profile.replicates`"
                ));
            }
            (None, splits, grid) => Study::Grid(GridStudy {
                splits: splits.unwrap_or_default(),
                grid: grid.unwrap_or_default(),
            }),
        };
        Ok(ExperimentConfig {
            name: file.name,
            seed: file.seed,
            device: file.device,
            precision: file.precision,
            dataset: file.dataset,
            model: file.model,
            solver: file.solver,
            study,
            output: file.output,
        })
    }
}

impl From<ExperimentConfig> for ConfigFile {
    fn from(config: ExperimentConfig) -> Self {
        let (splits, grid, profile) = match config.study {
            Study::Grid(g) => (Some(g.splits), Some(g.grid), None),
            Study::Profile(p) => (None, None, Some(p)),
        };
        ConfigFile {
            name: config.name,
            seed: config.seed,
            device: config.device,
            precision: config.precision,
            dataset: config.dataset,
            splits,
            model: config.model,
            solver: config.solver,
            grid,
            profile,
            output: config.output,
        }
    }
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
        if let Some(grouping) = self.study.grouping() {
            dataset.grouping = grouping;
        }
        dataset
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

    /// This configuration computing in `precision`; another precision than the file's renames
    /// the experiment `<name>-<precision>`, so that it goes to a run directory of its own
    /// (`runs/<name>-bf16`) beside the file's.
    pub fn with_precision(&self, precision: Precision) -> ExperimentConfig {
        let mut config = self.clone();
        if precision != self.precision {
            config.precision = precision;
            config.name = format!("{}-{precision}", self.name);
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
        self.study.validate(self.seed)?;
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
