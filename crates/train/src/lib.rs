//! Training one cell of the transferability grid.
//!
//! [`train_cell`] takes a cell, its data and a [`SolverConfig`], and trains the net the way
//! Caffe's solver did for Yosinski et al. (2014): SGD with momentum and weight decay, with
//! per-variable multipliers (weights lr x1 / decay x1, biases lr x2 / decay x0, frozen layers
//! left out), a step learning-rate schedule counted in iterations, evaluation on the target
//! half every `test_interval` iterations, and the paper's metric (the mean of the `best_k`
//! best validation top-1 values).
//!
//! Every `snapshot_interval` iterations, at the end, and when asked to stop, the cell's
//! state is checkpointed atomically (weights, momentum buffers, iteration, seed, trainable
//! mask); running the cell again resumes from there and yields the same weights as a run
//! that never stopped.
//!
//! A cell computes in the [`Precision`] its job says: f32, TF32 on CUDA, or bf16 mixed
//! precision (f32 weights, momentum and loss).
//!
//! [`prefix_features`] computes, without training, the features a cell's frozen prefix
//! computes once per image (what transferability estimates score), and [`base_classifier`]
//! the base net's own classifier on them.
#![warn(missing_docs)]

mod checkpoint;
mod device;
mod error;
mod evaluate;
mod features;
mod precision;
mod prefix;
mod progress;
mod sgd;
mod sgd_cpu;
mod solver;
mod trainer;

pub use checkpoint::{finish_checkpoint, Checkpoint, TrainingState};
pub use convnet_results::Evaluation;
pub use device::{device_for_this_thread, DeviceChoice};
pub use error::TrainError;
pub use evaluate::evaluate;
pub use precision::Precision;
pub use prefix::{base_classifier, prefix_features, LayerFeatures};
pub use progress::{OnStep, Progress, Step};
pub use sgd::{MomentumSgd, Multipliers};
pub use solver::SolverConfig;
pub use trainer::{train_cell, CellData, CellFiles, CellJob, Outcome};
