//! Cells of the transferability grid, and the initial weights of a cell's net.
//!
//! A [`Cell`] is one network of Yosinski et al. (2014): a base net of a half, a selffer or
//! transfer with layers `1..n` copied from a base net (frozen or fine-tuned), or a net whose
//! layers `1..n` are random and frozen. Its name is the paper's notation prefixed by the split:
//! `random0/baseB`, `random0/A3B`, `random0/A3B+`, `natman/B5A`, `all/base`, `all/random3`.
//!
//! [`initialise`] builds the cell's starting parameters: layers `1..n` copied bitwise from the
//! base checkpoint (or left random for mode `random`), the layers above freshly drawn, and the
//! [`Trainable`] mask saying which layers the optimizer may touch.
#![warn(missing_docs)]

mod cell;
mod error;
mod init;
mod result;
mod trainable;

pub use cell::{Cell, Mode};
pub use error::TransferError;
pub use init::{initialise, load_checkpoint, Initialised};
pub use result::{format_results, parse_results, read_results, write_results, CellResult, COLUMNS};
pub use trainable::Trainable;
