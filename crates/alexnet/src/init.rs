//! Seeded, per-layer parameter initialisation.

use std::collections::BTreeMap;

use candle_core::{Device, Tensor, Var};
use candle_nn::VarMap;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

use crate::error::AlexNetError;
use crate::spec::{ArchSpec, LAYER_NAMES};

/// The RNG of layer `layer` for `seed`: ChaCha8 seeded by `seed`, on stream `layer`, so every
/// layer's draw is independent of the others.
fn layer_rng(seed: u64, layer: usize) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(layer as u64);
    rng
}

/// Fresh parameters `(weight, bias)` of one layer (1-based `layer`, 1..=8), as `f32` on `device`.
///
/// The weights come from a ChaCha RNG seeded by `(seed, layer)`: layer k's init does not depend
/// on the other layers, so re-initialising layers n+1..8 is reproducible. Conv weights are
/// `[out, in / groups, k, k]`, fc weights `[out, in]`; biases are the layer's constant.
pub fn init_layer(
    spec: &ArchSpec,
    layer: usize,
    seed: u64,
    device: &Device,
) -> Result<(Tensor, Tensor), AlexNetError> {
    if !(1..=8).contains(&layer) {
        return Err(AlexNetError::LayerOutOfRange { layer });
    }
    spec.validate()?;
    let (shape, fan_in, init) = spec.layer_weight(layer)?;
    let std = init.weight.std(fan_in);
    let count: usize = shape.iter().product();
    let mut rng = layer_rng(seed, layer);
    let values: Vec<f32> = (0..count)
        .map(|_| {
            let z: f32 = StandardNormal.sample(&mut rng);
            z * std
        })
        .collect();
    let name = LAYER_NAMES[layer - 1];
    let weight = Tensor::from_vec(values, shape.as_slice(), device)
        .map_err(AlexNetError::in_layer(format!("{name}.weight")))?;
    let bias = Tensor::full(init.bias, shape[0], device)
        .map_err(AlexNetError::in_layer(format!("{name}.bias")))?;
    Ok((weight, bias))
}

/// Fresh parameters of all 8 layers, keyed `"conv1.weight"`, `"conv1.bias"`, ..., `"fc8.bias"`.
pub fn init_params(
    spec: &ArchSpec,
    seed: u64,
    device: &Device,
) -> Result<BTreeMap<String, Tensor>, AlexNetError> {
    let mut params = BTreeMap::new();
    for (k, name) in LAYER_NAMES.iter().enumerate() {
        let (weight, bias) = init_layer(spec, k + 1, seed, device)?;
        params.insert(format!("{name}.weight"), weight);
        params.insert(format!("{name}.bias"), bias);
    }
    Ok(params)
}

/// A `VarMap` holding trainable copies of `params` under their keys, ready for
/// `VarBuilder::from_varmap` and an optimizer.
pub fn varmap_from_params(params: &BTreeMap<String, Tensor>) -> Result<VarMap, AlexNetError> {
    let varmap = VarMap::new();
    {
        let mut data = varmap
            .data()
            .lock()
            .expect("a fresh VarMap lock is not poisoned");
        for (key, tensor) in params {
            let var = Var::from_tensor(tensor).map_err(AlexNetError::in_layer(key.clone()))?;
            data.insert(key.clone(), var);
        }
    }
    Ok(varmap)
}

/// Fresh parameters of all 8 layers ([`init_params`]) in a `VarMap`.
pub fn init_varmap(spec: &ArchSpec, seed: u64, device: &Device) -> Result<VarMap, AlexNetError> {
    varmap_from_params(&init_params(spec, seed, device)?)
}
