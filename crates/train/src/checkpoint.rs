//! A cell's checkpoint: one safetensors file holding the weights, the momentum buffers and,
//! in its metadata, the training state. One file, written atomically, so the weights and the
//! iteration they belong to can never disagree.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use candle_core::{Device, Tensor};
use convnet_transfer::Trainable;
use serde::{Deserialize, Serialize};

use crate::error::TrainError;

/// Prefix of momentum-buffer keys: `momentum.conv1.weight` is the buffer of `conv1.weight`.
const MOMENTUM_PREFIX: &str = "momentum.";
/// Metadata key holding the JSON of [`TrainingState`].
const STATE_KEY: &str = "convnet_transfer.state";

/// Where a cell's training stands.
///
/// Every random choice of training (data order, crops, mirrors, dropout masks) is drawn from
/// a generator seeded by `(seed, iteration)`, so `seed` and `iteration` are the whole RNG state.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrainingState {
    /// The cell's name.
    pub cell: String,
    /// Iterations completed.
    pub iteration: u64,
    /// The seed of data order and dropout.
    pub seed: u64,
    /// Which layers train.
    pub trainable: Trainable,
    /// Seconds of training so far, over every session of this cell.
    pub wall_s: f64,
    /// Seconds of those spent in training steps (not evaluation), for the throughput.
    pub train_s: f64,
}

/// Weights, momentum buffers and state, as saved and loaded.
#[derive(Debug)]
pub struct Checkpoint {
    /// Every parameter of the net, by checkpoint key.
    pub weights: BTreeMap<String, Tensor>,
    /// The momentum buffer of every trained parameter, by the parameter's key.
    pub momentum: BTreeMap<String, Tensor>,
    /// Where training stands.
    pub state: TrainingState,
}

impl Checkpoint {
    /// Writes the checkpoint to `path` atomically.
    pub fn save(&self, path: &Path) -> Result<(), TrainError> {
        let mut tensors: Vec<(String, &Tensor)> =
            self.weights.iter().map(|(k, t)| (k.clone(), t)).collect();
        tensors.extend(
            self.momentum
                .iter()
                .map(|(k, t)| (format!("{MOMENTUM_PREFIX}{k}"), t)),
        );
        let state = serde_json::to_string(&self.state).expect("a training state serialises");
        let metadata = HashMap::from([(STATE_KEY.to_string(), state)]);
        let bytes = safetensors::serialize(tensors, Some(metadata)).map_err(|e| {
            TrainError::BadCheckpoint {
                path: path.to_path_buf(),
                reason: e.to_string(),
            }
        })?;
        convnet_files::write_atomic(path, &bytes).map_err(TrainError::io(path))
    }

    /// Reads a checkpoint written by [`Checkpoint::save`] onto `device`.
    pub fn load(path: &Path, device: &Device) -> Result<Self, TrainError> {
        let bad = |reason: String| TrainError::BadCheckpoint {
            path: path.to_path_buf(),
            reason,
        };
        let bytes = std::fs::read(path).map_err(|source| TrainError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let (_, metadata) =
            safetensors::SafeTensors::read_metadata(&bytes).map_err(|e| bad(e.to_string()))?;
        let state_json = metadata
            .metadata()
            .as_ref()
            .and_then(|m| m.get(STATE_KEY))
            .ok_or_else(|| {
                bad(format!(
                    "no `{STATE_KEY}` metadata: not a training checkpoint"
                ))
            })?;
        let state: TrainingState = serde_json::from_str(state_json)
            .map_err(|e| bad(format!("bad training state: {e}")))?;
        let tensors = candle_core::safetensors::load_buffer(&bytes, device)
            .map_err(|e| bad(e.to_string()))?;
        let mut weights = BTreeMap::new();
        let mut momentum = BTreeMap::new();
        for (key, tensor) in tensors {
            match key.strip_prefix(MOMENTUM_PREFIX) {
                Some(param) => momentum.insert(param.to_string(), tensor),
                None => weights.insert(key, tensor),
            };
        }
        Ok(Checkpoint {
            weights,
            momentum,
            state,
        })
    }
}

/// Whether the safetensors file at `path` holds momentum buffers, read from its header alone.
fn has_momentum(path: &Path) -> Result<bool, TrainError> {
    use std::io::Read;
    let io = |source| TrainError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut file = std::fs::File::open(path).map_err(io)?;
    let mut len = [0u8; 8];
    file.read_exact(&mut len).map_err(io)?;
    let mut header = vec![0u8; u64::from_le_bytes(len) as usize];
    file.read_exact(&mut header).map_err(io)?;
    let keys: HashMap<String, serde_json::Value> =
        serde_json::from_slice(&header).map_err(|e| TrainError::BadCheckpoint {
            path: path.to_path_buf(),
            reason: format!("bad safetensors header: {e}"),
        })?;
    Ok(keys.keys().any(|k| k.starts_with(MOMENTUM_PREFIX)))
}

/// What a finished cell keeps of its checkpoint at `path`: with `keep_weights`, the weights and
/// the state, without the momentum buffers (which only a resume needs); otherwise nothing.
/// Does nothing when that is already so, so that it can run on every finished cell.
pub fn finish_checkpoint(path: &Path, keep_weights: bool) -> Result<(), TrainError> {
    if !path.is_file() {
        return Ok(());
    }
    if !keep_weights {
        return std::fs::remove_file(path).map_err(|source| TrainError::Io {
            path: path.to_path_buf(),
            source,
        });
    }
    if has_momentum(path)? {
        let mut checkpoint = Checkpoint::load(path, &Device::Cpu)?;
        checkpoint.momentum.clear();
        checkpoint.save(path)?;
    }
    Ok(())
}
