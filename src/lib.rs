//! How transferable are features in deep neural networks?
//!
//! The umbrella crate of convnet-transfer. It re-exports the crates that together run the
//! grid of Yosinski et al. (2014), and adds the experiment layer on top of them: a TOML
//! [`ExperimentConfig`], the [`Plan`] of cells it describes, the [`RunDir`] layout, an
//! [`Experiment`] that trains any cell of the plan idempotently, [`run_cells`] for a whole
//! grid on one machine, a [`Run`] that reads, analyses and draws a run directory, and
//! [`estimate`]: a run's transfer profiles estimated from frozen features, without training.
#![warn(missing_docs)]

pub use convnet_alexnet as alexnet;
pub use convnet_data as data;
pub use convnet_estimates as estimates;
pub use convnet_figures as figures;
pub use convnet_files as files;
pub use convnet_findings as findings;
pub use convnet_ops as ops;
pub use convnet_results as results;
pub use convnet_splits as splits;
pub use convnet_train as train;
pub use convnet_transfer as transfer;

mod analysis;
mod compare;
mod config;
mod error;
mod estimate;
mod experiment;
mod grid;
mod plan;
mod reproduce;
mod run;
mod run_dir;
mod study;

pub use analysis::{assess, base_curves, chances, RunAnalysis};
pub use compare::{compare_profiles, write_comparison, ProfileRun};
pub use config::{ExperimentConfig, KeepWeights, ModelConfig, OutputConfig, Outputs};
pub use error::ExperimentError;
pub use estimate::{estimate, EstimateProgress, RunEstimate, TimedEstimate};
pub use experiment::{Experiment, ImageCheck};
pub use grid::{Direction, DissimilarConfig, GridConfig, RandomFilterInit, SplitsConfig};
pub use plan::{Plan, PlannedCell};
pub use reproduce::{run_cells, CellEnd, GridProgress, Summary};
pub use run::{Drawn, Run};
pub use run_dir::{size_on_disk, RunDir};
pub use study::{GridStudy, ProfileStudy, Study};
