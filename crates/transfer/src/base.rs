//! Where a cell's copied layers come from: a base net's weights, from this project's checkpoint
//! or from a PyTorch AlexNet state dict in torchvision's layout.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use candle_core::{Device, Tensor};
use convnet_alexnet::{ArchSpec, LAYER_NAMES};
use serde::{Deserialize, Serialize};

use crate::error::TransferError;

/// How a base net's tensors are named.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Layout {
    /// This project's keys: `conv1.weight` ... `fc8.bias` (a cell's checkpoint).
    #[default]
    Convnet,
    /// torchvision's `AlexNet`: `features.0` ... `classifier.6` ([`TORCHVISION_KEYS`]).
    Torchvision,
}

impl std::str::FromStr for Layout {
    type Err = String;

    /// `convnet` or `torchvision`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "convnet" => Ok(Layout::Convnet),
            "torchvision" => Ok(Layout::Torchvision),
            other => Err(format!(
                "unknown layout `{other}`: expected `convnet` or `torchvision`"
            )),
        }
    }
}

/// Which module of torchvision's `AlexNet` holds which layer of this net: the five
/// convolutions of `features` and the three linear layers of `classifier`.
pub const TORCHVISION_KEYS: [(&str, &str); 8] = [
    ("features.0", "conv1"),
    ("features.3", "conv2"),
    ("features.6", "conv3"),
    ("features.8", "conv4"),
    ("features.10", "conv5"),
    ("classifier.1", "fc6"),
    ("classifier.4", "fc7"),
    ("classifier.6", "fc8"),
];

/// A base net's weights on disk: a `.safetensors` file (a checkpoint of this project, or a
/// state dict saved with safetensors) or a PyTorch file (`.pth`, `.pt`, `.bin`, read with
/// candle's reader of PyTorch's format), its tensors named as `layout` says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Base {
    /// The file.
    pub path: PathBuf,
    /// How its tensors are named.
    pub layout: Layout,
}

/// A base net's layers under this project's keys, and where each came from (for messages).
#[derive(Debug)]
pub struct BaseWeights {
    /// The file they were read from.
    pub path: PathBuf,
    /// Every weight and bias, by this project's key (`conv3.weight`).
    pub tensors: HashMap<String, Tensor>,
    /// The key each tensor has in the file, by this project's key.
    pub names: BTreeMap<String, String>,
}

impl Base {
    /// A checkpoint of this project.
    pub fn checkpoint(path: impl Into<PathBuf>) -> Self {
        Base {
            path: path.into(),
            layout: Layout::Convnet,
        }
    }

    /// Reads the file onto `device` and names its tensors by this project's keys. Every layer's
    /// weight and bias must be there and nothing else (a checkpoint's momentum buffers are left
    /// aside); the error names what is missing or extra.
    pub fn load(&self, device: &Device) -> Result<BaseWeights, TransferError> {
        let path = &self.path;
        let read_error = |source: candle_core::Error| TransferError::ReadCheckpoint {
            path: path.clone(),
            source: Box::new(source),
        };
        let pytorch = path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| matches!(e, "pth" | "pt" | "bin"));
        let read: Vec<(String, Tensor)> = if pytorch {
            candle_core::pickle::read_all(path).map_err(read_error)?
        } else {
            candle_core::safetensors::load(path, device)
                .map_err(read_error)?
                .into_iter()
                .collect()
        };
        let mut tensors = HashMap::new();
        let mut names = BTreeMap::new();
        let mut extra = Vec::new();
        for (name, tensor) in read {
            match self.key_of(&name) {
                Some(key) => {
                    tensors.insert(key.clone(), tensor.to_device(device)?);
                    names.insert(key, name);
                }
                None if self.layout == Layout::Convnet && name.starts_with("momentum.") => {}
                None => extra.push(name),
            }
        }
        let missing: Vec<String> = expected_keys()
            .filter(|key| !tensors.contains_key(key))
            .map(|key| self.file_name_of(&key))
            .collect();
        if !missing.is_empty() || !extra.is_empty() {
            extra.sort();
            return Err(TransferError::BaseTensors {
                path: path.clone(),
                layout: self.layout,
                missing,
                extra,
            });
        }
        Ok(BaseWeights {
            path: path.clone(),
            tensors,
            names,
        })
    }

    /// This project's key of a tensor named `name` in the file, if the layout has it.
    fn key_of(&self, name: &str) -> Option<String> {
        let (module, part) = name.rsplit_once('.')?;
        if !matches!(part, "weight" | "bias") {
            return None;
        }
        let layer = match self.layout {
            Layout::Convnet => LAYER_NAMES.iter().find(|l| **l == module).copied(),
            Layout::Torchvision => TORCHVISION_KEYS
                .iter()
                .find(|(m, _)| *m == module)
                .map(|(_, l)| *l),
        }?;
        Some(format!("{layer}.{part}"))
    }

    /// The name of this project's key `key` in the file.
    fn file_name_of(&self, key: &str) -> String {
        match self.layout {
            Layout::Convnet => key.to_string(),
            Layout::Torchvision => {
                let (layer, part) = key.rsplit_once('.').unwrap_or((key, ""));
                TORCHVISION_KEYS
                    .iter()
                    .find(|(_, l)| *l == layer)
                    .map_or_else(|| key.to_string(), |(m, _)| format!("{m}.{part} ({key})"))
            }
        }
    }
}

/// Every key a base net holds: each layer's weight and bias.
fn expected_keys() -> impl Iterator<Item = String> {
    LAYER_NAMES
        .iter()
        .flat_map(|layer| [format!("{layer}.weight"), format!("{layer}.bias")])
}

impl BaseWeights {
    /// Checks that layers `1..=n` fit the net `spec` (the layers a cell copies); the error
    /// names the layer, the key in the file and both shapes.
    pub fn check(&self, spec: &ArchSpec, n: usize) -> Result<(), TransferError> {
        let shapes: HashMap<String, Vec<usize>> = spec.param_shapes().into_iter().collect();
        for layer in &LAYER_NAMES[..n] {
            for part in ["weight", "bias"] {
                let key = format!("{layer}.{part}");
                let found = self.tensors[&key].dims();
                let expected = &shapes[&key];
                if found != expected.as_slice() {
                    return Err(TransferError::ShapeMismatch {
                        path: self.path.clone(),
                        key: self.names.get(&key).cloned().unwrap_or_else(|| key.clone()),
                        layer: layer.to_string(),
                        found: found.to_vec(),
                        expected: expected.clone(),
                    });
                }
            }
        }
        Ok(())
    }

    /// The tensor of `key` (this project's key), checked against `spec` by [`Self::check`].
    pub(crate) fn get(&self, key: &str) -> &Tensor {
        &self.tensors[key]
    }
}
