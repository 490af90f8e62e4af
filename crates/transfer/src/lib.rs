//! The initial weights of a cell's net: copy, freeze, fine-tune, re-initialise; from a base net
//! of this project or a PyTorch AlexNet in torchvision's layout ([`Base`]).
//!
//! A [`Cell`] (from `convnet-results`) is one network of Yosinski et al. (2014): a base net of
//! a half, a selffer or transfer with layers `1..n` copied from a base net (frozen or
//! fine-tuned), or a net whose layers `1..n` are random and frozen. [`initialise`] builds its
//! starting parameters: layers `1..n` copied bitwise from the base checkpoint (or left random
//! for mode `random`), the layers above freshly drawn, and the [`Trainable`] mask saying which
//! layers the optimizer may touch.
//!
//! ```
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use candle_core::Device;
//! use convnet_alexnet::{init_params, ArchSpec};
//! use convnet_transfer::{initialise, Base, Cell, Trainable};
//!
//! // A base net's weights, saved as a run saves them.
//! let spec = ArchSpec::preset("alexnet-32", 10)?;
//! let base = std::env::temp_dir().join(format!("base-{}.safetensors", std::process::id()));
//! let weights: std::collections::HashMap<_, _> = init_params(&spec, 1, &Device::Cpu)?.into_iter().collect();
//! candle_core::safetensors::save(&weights, &base)?;
//!
//! // A3B: conv1-conv3 copied from it and frozen, the layers above drawn afresh.
//! let cell: Cell = "random0/A3B".parse()?;
//! let start = initialise(&cell, &spec, 2, Some(&Base::checkpoint(&base)), &Device::Cpu)?;
//! assert_eq!(start.trainable, Trainable::above(3));
//! assert_eq!(start.copied.len(), 6);
//! std::fs::remove_file(&base)?;
//! # Ok(()) }
//! ```
#![warn(missing_docs)]

mod base;
mod error;
mod init;
mod trainable;

pub use base::{Base, BaseWeights, Layout, TORCHVISION_KEYS};
pub use convnet_results::{Cell, Mode};
pub use error::TransferError;
pub use init::{initialise, Initialised};
pub use trainable::Trainable;
