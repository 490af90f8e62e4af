//! The initial parameters of a cell's net.

use std::collections::BTreeMap;
use std::path::PathBuf;

use candle_core::{Device, Tensor};
use convnet_alexnet::{init_params, ArchSpec, LAYER_NAMES};

use convnet_results::{Cell, Mode};

use crate::base::Base;
use crate::error::TransferError;
use crate::trainable::Trainable;

/// A cell's starting point: every parameter of the net, and which of them train.
#[derive(Debug)]
pub struct Initialised {
    /// Every parameter, keyed by checkpoint key (`conv1.weight`, ..., `fc8.bias`).
    pub params: BTreeMap<String, Tensor>,
    /// Which layers the optimizer may change.
    pub trainable: Trainable,
    /// The keys copied from the base checkpoint (empty for base and random cells).
    pub copied: Vec<String>,
}

/// Builds the initial parameters of `cell` for the architecture `spec`.
///
/// Every layer is first drawn fresh from `seed` (see [`convnet_alexnet::init_layer`]). For
/// frozen and fine-tuned cells, layers `1..n` are then replaced bitwise by the tensors of the
/// base net's weights `base` (their shapes checked against `spec` first); layers `n+1..8` stay fresh (fc8 always, also at
/// `n = 7`). Random-filter cells keep their fresh layers `1..n` and freeze them.
pub fn initialise(
    cell: &Cell,
    spec: &ArchSpec,
    seed: u64,
    base: Option<&Base>,
    device: &Device,
) -> Result<Initialised, TransferError> {
    let mut params = init_params(spec, seed, device)?;
    let mut copied = Vec::new();
    if let Some(base_cell) = cell.base_cell() {
        debug_assert!(matches!(cell.mode, Mode::Frozen | Mode::Finetune));
        let base = base
            .filter(|b| b.path.is_file())
            .ok_or_else(|| TransferError::MissingBase {
                cell: cell.to_string(),
                base: base_cell.to_string(),
                path: base.map_or_else(PathBuf::new, |b| b.path.clone()),
            })?;
        let weights = base.load(device)?;
        weights.check(spec, cell.n)?;
        for layer in &LAYER_NAMES[..cell.n] {
            for part in ["weight", "bias"] {
                let key = format!("{layer}.{part}");
                params.insert(key.clone(), weights.get(&key).clone());
                copied.push(key);
            }
        }
    }
    Ok(Initialised {
        params,
        trainable: Trainable::of(cell),
        copied,
    })
}
