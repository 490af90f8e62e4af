//! The initial parameters of a cell's net.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use candle_core::{Device, Tensor};
use convnet_alexnet::{init_params, ArchSpec, LAYER_NAMES};

use convnet_results::{Cell, Mode};

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

/// Reads every tensor of a safetensors checkpoint onto `device`.
pub fn load_checkpoint(
    path: &Path,
    device: &Device,
) -> Result<HashMap<String, Tensor>, TransferError> {
    candle_core::safetensors::load(path, device).map_err(|source| TransferError::ReadCheckpoint {
        path: path.to_path_buf(),
        source: Box::new(source),
    })
}

/// Builds the initial parameters of `cell` for the architecture `spec`.
///
/// Every layer is first drawn fresh from `seed` (see [`convnet_alexnet::init_layer`]). For
/// frozen and fine-tuned cells, layers `1..n` are then replaced bitwise by the tensors of the
/// base net's checkpoint `base_checkpoint`; layers `n+1..8` stay fresh (fc8 always, also at
/// `n = 7`). Random-filter cells keep their fresh layers `1..n` and freeze them.
pub fn initialise(
    cell: &Cell,
    spec: &ArchSpec,
    seed: u64,
    base_checkpoint: Option<&Path>,
    device: &Device,
) -> Result<Initialised, TransferError> {
    let mut params = init_params(spec, seed, device)?;
    let mut copied = Vec::new();
    if let Some(base) = cell.base_cell() {
        debug_assert!(matches!(cell.mode, Mode::Frozen | Mode::Finetune));
        let path =
            base_checkpoint
                .filter(|p| p.is_file())
                .ok_or_else(|| TransferError::MissingBase {
                    cell: cell.to_string(),
                    base: base.to_string(),
                    path: base_checkpoint.map_or_else(PathBuf::new, Path::to_path_buf),
                })?;
        let base_params = load_checkpoint(path, device)?;
        let shapes: HashMap<String, Vec<usize>> = spec.param_shapes().into_iter().collect();
        for layer in &LAYER_NAMES[..cell.n] {
            for part in ["weight", "bias"] {
                let key = format!("{layer}.{part}");
                let tensor = base_params
                    .get(&key)
                    .ok_or_else(|| missing_layer(path, &key, &base_params))?;
                let expected = &shapes[&key];
                if tensor.dims() != expected.as_slice() {
                    return Err(TransferError::ShapeMismatch {
                        path: path.to_path_buf(),
                        key,
                        found: tensor.dims().to_vec(),
                        expected: expected.clone(),
                    });
                }
                params.insert(key.clone(), tensor.clone());
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

fn missing_layer(path: &Path, key: &str, held: &HashMap<String, Tensor>) -> TransferError {
    let mut keys: Vec<&str> = held.keys().map(String::as_str).collect();
    keys.sort_unstable();
    let found = if keys.len() > 6 {
        format!("{}, ... ({} keys)", keys[..6].join(", "), keys.len())
    } else if keys.is_empty() {
        "nothing".to_string()
    } else {
        keys.join(", ")
    };
    TransferError::MissingLayer {
        path: path.to_path_buf(),
        key: key.to_string(),
        found,
    }
}
