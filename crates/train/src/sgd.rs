//! SGD with momentum and weight decay, with per-variable multipliers, as Caffe computes it.

use std::collections::BTreeMap;

use candle_core::backprop::GradStore;
use candle_core::{Tensor, Var};

use crate::error::TrainError;

/// Learning-rate and weight-decay multipliers of one variable (Caffe's `lr_mult`, `decay_mult`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Multipliers {
    /// Multiplies the learning rate.
    pub lr: f64,
    /// Multiplies the weight decay.
    pub decay: f64,
}

struct Slot {
    var: Var,
    velocity: Tensor,
    multipliers: Multipliers,
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

    /// One update with learning rate `lr`. Variables without a gradient are left alone.
    pub fn step(&mut self, grads: &GradStore, lr: f64) -> Result<(), TrainError> {
        for slot in self.slots.values_mut() {
            let Some(grad) = grads.get(slot.var.as_tensor()) else {
                continue;
            };
            // Detached: the update must not carry the step's graph (the gradients hold it), or
            // every momentum buffer would keep every earlier step's activations alive.
            let (grad, w) = (grad.detach(), slot.var.as_tensor().detach());
            let decay = self.weight_decay * slot.multipliers.decay;
            let direction = if decay == 0.0 {
                grad.clone()
            } else {
                (&grad + (&w * decay)?)?
            };
            let velocity =
                ((&slot.velocity * self.momentum)? + (direction * (lr * slot.multipliers.lr))?)?;
            slot.var.set(&(&w - &velocity)?)?;
            slot.velocity = velocity;
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
        slot.velocity = velocity;
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
}
