//! The initial weights of a cell's net: copy, freeze, fine-tune, re-initialise.
//!
//! A [`Cell`] (from `convnet-results`) is one network of Yosinski et al. (2014): a base net of
//! a half, a selffer or transfer with layers `1..n` copied from a base net (frozen or
//! fine-tuned), or a net whose layers `1..n` are random and frozen. [`initialise`] builds its
//! starting parameters: layers `1..n` copied bitwise from the base checkpoint (or left random
//! for mode `random`), the layers above freshly drawn, and the [`Trainable`] mask saying which
//! layers the optimizer may touch.
#![warn(missing_docs)]

mod error;
mod init;
mod trainable;

pub use convnet_results::{Cell, Mode};
pub use error::TransferError;
pub use init::{initialise, load_checkpoint, Initialised};
pub use trainable::Trainable;
