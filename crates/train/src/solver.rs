//! The solver settings of a cell: Caffe's `solver.prototxt`, in the configuration's `[solver]`.

use serde::{Deserialize, Serialize};

use crate::error::TrainError;

/// SGD settings and the step learning-rate schedule, counted in iterations.
///
/// The paper's values: `base_lr = 0.01`, `momentum = 0.9`, `weight_decay = 5e-4`,
/// `gamma = 0.1`, `step_size = 100_000`, `max_iter = 450_000`, `batch_size = 256`,
/// `test_interval = 1000`, `best_k = 10`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SolverConfig {
    /// Learning rate at iteration 0.
    pub base_lr: f64,
    /// Momentum of the velocity.
    pub momentum: f64,
    /// L2 weight decay.
    pub weight_decay: f64,
    /// The learning rate is multiplied by `gamma` every `step_size` iterations.
    pub gamma: f64,
    /// Iterations between learning-rate steps.
    pub step_size: u64,
    /// Iterations to train.
    pub max_iter: u64,
    /// Images per iteration.
    pub batch_size: usize,
    /// Iterations between evaluations on the validation set (and one at the end).
    pub test_interval: u64,
    /// Iterations between checkpoints (and one at the end).
    pub snapshot_interval: u64,
    /// The cell's top-1 is the mean of this many best validation evaluations.
    pub best_k: usize,
    /// Learning-rate multiplier of biases (Caffe's convention: 2).
    #[serde(default = "default_bias_lr_mult")]
    pub bias_lr_mult: f64,
    /// Weight-decay multiplier of biases (Caffe's convention: 0).
    #[serde(default)]
    pub bias_decay_mult: f64,
    /// Memory for the outputs of a frozen prefix, computed once per image and reused by every
    /// later step and evaluation (MiB; 0 turns it off). Where they do not fit, the prefix runs
    /// in every step as before. See `docs/performance.md`.
    #[serde(default = "default_feature_cache_mib")]
    pub feature_cache_mib: u64,
}

fn default_feature_cache_mib() -> u64 {
    2048
}

fn default_bias_lr_mult() -> f64 {
    2.0
}

impl SolverConfig {
    /// The paper's solver (PROTOCOL.md).
    pub fn paper() -> Self {
        SolverConfig {
            base_lr: 0.01,
            momentum: 0.9,
            weight_decay: 5e-4,
            gamma: 0.1,
            step_size: 100_000,
            max_iter: 450_000,
            batch_size: 256,
            test_interval: 1000,
            snapshot_interval: 10_000,
            best_k: 10,
            bias_lr_mult: 2.0,
            bias_decay_mult: 0.0,
            feature_cache_mib: default_feature_cache_mib(),
        }
    }

    /// The learning rate of iteration `iteration` (0-based).
    pub fn lr_at(&self, iteration: u64) -> f64 {
        let steps = iteration / self.step_size;
        self.base_lr * self.gamma.powi(steps.min(i32::MAX as u64) as i32)
    }

    /// Checks every value; the error names the key under `[solver]`.
    pub fn validate(&self) -> Result<(), TrainError> {
        let bad = |field, reason: &str| {
            Err(TrainError::BadSolver {
                field,
                reason: reason.to_string(),
            })
        };
        let finite_non_negative = |v: f64| v.is_finite() && v >= 0.0;
        if !(self.base_lr.is_finite() && self.base_lr > 0.0) {
            return bad("base_lr", "must be a positive number");
        }
        if !(finite_non_negative(self.momentum) && self.momentum < 1.0) {
            return bad("momentum", "must be in [0, 1)");
        }
        if !finite_non_negative(self.weight_decay) {
            return bad("weight_decay", "must be a non-negative number");
        }
        if !(self.gamma.is_finite() && self.gamma > 0.0 && self.gamma <= 1.0) {
            return bad("gamma", "must be in (0, 1]");
        }
        if !finite_non_negative(self.bias_lr_mult) {
            return bad("bias_lr_mult", "must be a non-negative number");
        }
        if !finite_non_negative(self.bias_decay_mult) {
            return bad("bias_decay_mult", "must be a non-negative number");
        }
        for (field, value) in [
            ("step_size", self.step_size),
            ("max_iter", self.max_iter),
            ("test_interval", self.test_interval),
            ("snapshot_interval", self.snapshot_interval),
        ] {
            if value == 0 {
                return bad(field, "must be at least 1");
            }
        }
        if self.batch_size == 0 {
            return bad("batch_size", "must be at least 1");
        }
        if self.best_k == 0 {
            return bad("best_k", "must be at least 1");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn step_schedule() {
        let s = SolverConfig::paper();
        assert_eq!(s.lr_at(0), 0.01);
        assert_eq!(s.lr_at(99_999), 0.01);
        assert!((s.lr_at(100_000) - 0.001).abs() < 1e-12);
        assert!((s.lr_at(449_999) - 1e-6).abs() < 1e-15);
        s.validate().unwrap();
    }

    #[test]
    fn errors_name_the_key() {
        let mut s = SolverConfig::paper();
        s.momentum = 1.5;
        assert!(s
            .validate()
            .unwrap_err()
            .to_string()
            .starts_with("solver.momentum"));
        let mut s = SolverConfig::paper();
        s.test_interval = 0;
        assert!(s
            .validate()
            .unwrap_err()
            .to_string()
            .starts_with("solver.test_interval"));
        let mut s = SolverConfig::paper();
        s.base_lr = f64::NAN;
        assert!(s
            .validate()
            .unwrap_err()
            .to_string()
            .starts_with("solver.base_lr"));
    }
}
