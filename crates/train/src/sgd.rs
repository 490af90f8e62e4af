//! SGD with momentum and weight decay, with per-variable multipliers, as Caffe computes it.

use std::collections::BTreeMap;

use candle_core::backprop::GradStore;
use candle_core::{Tensor, Var};
use convnet_transfer::Trainable;

use crate::error::TrainError;
use crate::sgd_cpu::{update_in_place, Rates};
use crate::solver::SolverConfig;

/// Learning-rate and weight-decay multipliers of one variable (Caffe's `lr_mult`, `decay_mult`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Multipliers {
    /// Multiplies the learning rate.
    pub lr: f64,
    /// Multiplies the weight decay.
    pub decay: f64,
}

impl Multipliers {
    /// Caffe's multipliers of the variable `key` under `solver`: weights lr x1 and decay x1,
    /// biases lr x`bias_lr_mult` and decay x`bias_decay_mult` (Caffe's convention: 2 and 0).
    pub fn caffe(solver: &SolverConfig, key: &str) -> Self {
        if key.ends_with(".bias") {
            Multipliers {
                lr: solver.bias_lr_mult,
                decay: solver.bias_decay_mult,
            }
        } else {
            Multipliers {
                lr: 1.0,
                decay: 1.0,
            }
        }
    }
}

struct Slot {
    var: Var,
    velocity: Tensor,
    multipliers: Multipliers,
}

impl Slot {
    /// The update as tensor ops (any device): a new velocity tensor, the variable set to
    /// `w - v`.
    fn update_by_tensor_ops(&mut self, grad: &Tensor, rates: Rates) -> candle_core::Result<()> {
        // Detached: the update must not carry the step's graph (the gradients hold it), or
        // every momentum buffer would keep every earlier step's activations alive.
        let (grad, w) = (grad.detach(), self.var.as_tensor().detach());
        let direction = if rates.decay == 0.0 {
            grad
        } else {
            (&grad + (&w * rates.decay)?)?
        };
        let velocity = ((&self.velocity * rates.momentum)? + (direction * rates.lr)?)?;
        self.var.set(&(&w - &velocity)?)?;
        self.velocity = velocity;
        Ok(())
    }
}

/// SGD with momentum: for each variable `w` with gradient `g`,
/// `v <- momentum * v + lr * lr_mult * (g + weight_decay * decay_mult * w)` and `w <- w - v`
/// (Caffe's `SGDSolver`). Variables that must not train are simply not given to it.
pub struct MomentumSgd {
    slots: BTreeMap<String, Slot>,
    momentum: f64,
    weight_decay: f64,
}

impl MomentumSgd {
    /// An optimizer over `vars` (checkpoint key, variable, multipliers), velocities at zero.
    pub fn new(
        vars: impl IntoIterator<Item = (String, Var, Multipliers)>,
        momentum: f64,
        weight_decay: f64,
    ) -> Result<Self, TrainError> {
        let mut slots = BTreeMap::new();
        for (key, var, multipliers) in vars {
            let velocity = var.as_tensor().zeros_like()?;
            slots.insert(
                key,
                Slot {
                    var,
                    velocity,
                    multipliers,
                },
            );
        }
        Ok(MomentumSgd {
            slots,
            momentum,
            weight_decay,
        })
    }

    /// Momentum SGD as Caffe's solver runs it: over the variables of `vars` that `trainable`
    /// trains (a frozen layer's are left out), each with Caffe's multipliers
    /// ([`Multipliers::caffe`]), with `solver`'s momentum and weight decay.
    pub fn for_solver(
        vars: impl IntoIterator<Item = (String, Var)>,
        trainable: &Trainable,
        solver: &SolverConfig,
    ) -> Result<Self, TrainError> {
        let trained = vars
            .into_iter()
            .filter(|(key, _)| trainable.trains(key))
            .map(|(key, var)| {
                let multipliers = Multipliers::caffe(solver, &key);
                (key, var, multipliers)
            });
        MomentumSgd::new(trained, solver.momentum, solver.weight_decay)
    }

    /// One update with learning rate `lr`. Variables without a gradient are left alone. On
    /// the CPU the update runs in place, one pass over each velocity and each variable;
    /// elsewhere as tensor ops.
    pub fn step(&mut self, grads: &GradStore, lr: f64) -> Result<(), TrainError> {
        for slot in self.slots.values_mut() {
            let Some(grad) = grads.get(slot.var.as_tensor()) else {
                continue;
            };
            let rates = Rates {
                momentum: self.momentum,
                lr: lr * slot.multipliers.lr,
                decay: self.weight_decay * slot.multipliers.decay,
            };
            if slot.var.device().is_cpu() {
                update_in_place(slot.var.as_tensor(), &slot.velocity, grad, rates)?;
            } else {
                slot.update_by_tensor_ops(grad, rates)?;
            }
        }
        Ok(())
    }

    /// The keys of the variables it trains.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.slots.keys().map(String::as_str)
    }

    /// The momentum buffer of every variable, by key.
    pub fn velocities(&self) -> impl Iterator<Item = (&str, &Tensor)> {
        self.slots.iter().map(|(k, s)| (k.as_str(), &s.velocity))
    }

    /// Restores the momentum buffer of `key` (from a checkpoint).
    pub fn set_velocity(&mut self, key: &str, velocity: Tensor) -> Result<(), TrainError> {
        let slot = self
            .slots
            .get_mut(key)
            .ok_or_else(|| TrainError::BadCheckpoint {
                path: Default::default(),
                reason: format!("momentum buffer for `{key}`, which does not train"),
            })?;
        if velocity.dims() != slot.var.as_tensor().dims() {
            return Err(TrainError::BadCheckpoint {
                path: Default::default(),
                reason: format!(
                    "momentum buffer for `{key}` has shape {:?}, the variable {:?}",
                    velocity.dims(),
                    slot.var.as_tensor().dims()
                ),
            });
        }
        // A copy of its own: the CPU update writes into the buffer.
        slot.velocity = velocity.copy()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::{Device, Tensor};

    /// Two steps by hand against the formula.
    #[test]
    fn caffe_update_rule() -> Result<(), TrainError> {
        let dev = Device::Cpu;
        let w = Var::new(&[1.0f32, -2.0], &dev)?;
        let b = Var::new(&[0.5f32], &dev)?;
        let mults = [
            Multipliers {
                lr: 1.0,
                decay: 1.0,
            },
            Multipliers {
                lr: 2.0,
                decay: 0.0,
            },
        ];
        let mut sgd = MomentumSgd::new(
            [
                ("w".to_string(), w.clone(), mults[0]),
                ("b".to_string(), b.clone(), mults[1]),
            ],
            0.9,
            0.1,
        )?;
        // loss = sum(w * [3, 4]) + 5 * b: grads are [3, 4] and 5.
        let c = Tensor::new(&[3.0f32, 4.0], &dev)?;
        let loss = |w: &Var, b: &Var| -> candle_core::Result<Tensor> {
            (w.as_tensor() * &c)?.sum_all()? + (b.as_tensor() * 5.0)?.sum_all()?
        };
        sgd.step(&loss(&w, &b)?.backward()?, 0.01)?;
        // v_w = 0.01 * ([3,4] + 0.1 * [1,-2]) = [0.031, 0.038]; w = [0.969, -2.038]
        // v_b = 0.02 * 5 = 0.1; b = 0.4
        let wv = w.as_tensor().to_vec1::<f32>()?;
        assert!(
            (wv[0] - 0.969).abs() < 1e-6 && (wv[1] + 2.038).abs() < 1e-6,
            "{wv:?}"
        );
        assert!((b.as_tensor().to_vec1::<f32>()?[0] - 0.4).abs() < 1e-6);
        sgd.step(&loss(&w, &b)?.backward()?, 0.01)?;
        // v_w = 0.9 * 0.031 + 0.01 * (3 + 0.1 * 0.969) = 0.058869
        let wv = w.as_tensor().to_vec1::<f32>()?;
        assert!((wv[0] - (0.969 - 0.058869)).abs() < 1e-6, "{wv:?}");
        // v_b = 0.9 * 0.1 + 0.1 = 0.19; b = 0.21
        assert!((b.as_tensor().to_vec1::<f32>()?[0] - 0.21).abs() < 1e-6);
        // The momentum buffers hold values only, no graph: a buffer that tracked its ops would
        // keep every earlier step's activations alive (memory growing with each iteration).
        for (key, velocity) in sgd.velocities() {
            assert!(
                !velocity.track_op(),
                "momentum buffer `{key}` holds a graph"
            );
        }
        Ok(())
    }

    /// The in-place CPU update and the tensor-op update give the same numbers, step after
    /// step, with and without weight decay.
    #[test]
    fn in_place_update_equals_the_tensor_op_update() -> Result<(), TrainError> {
        let dev = Device::Cpu;
        let init = Tensor::randn(0f32, 1.0, (3, 5), &dev)?;
        let optimizer = |var: &Var, decay: f64| {
            let m = Multipliers { lr: 2.0, decay };
            MomentumSgd::new([("w".to_string(), var.clone(), m)], 0.9, 5e-3)
        };
        for decay in [1.0, 0.0] {
            let (a, b) = (
                Var::from_tensor(&init.copy()?)?,
                Var::from_tensor(&init.copy()?)?,
            );
            let (mut in_place, mut by_ops) = (optimizer(&a, decay)?, optimizer(&b, decay)?);
            for _ in 0..5 {
                let target = Tensor::randn(0f32, 1.0, (3, 5), &dev)?;
                let loss = |v: &Var| (v.as_tensor() - &target)?.sqr()?.sum_all()?.backward();
                in_place.step(&loss(&a)?, 0.01)?;
                let grads = loss(&b)?;
                for slot in by_ops.slots.values_mut() {
                    let rates = Rates {
                        momentum: 0.9,
                        lr: 0.01 * slot.multipliers.lr,
                        decay: 5e-3 * slot.multipliers.decay,
                    };
                    let grad = grads.get(slot.var.as_tensor()).expect("a gradient");
                    slot.update_by_tensor_ops(grad, rates)?;
                }
                let values = |t: &Tensor| t.flatten_all()?.to_vec1::<f32>();
                assert_eq!(values(a.as_tensor())?, values(b.as_tensor())?);
                let (va, vb) = (in_place.velocities().next(), by_ops.velocities().next());
                assert_eq!(values(va.expect("one").1)?, values(vb.expect("one").1)?);
            }
        }
        Ok(())
    }
}
