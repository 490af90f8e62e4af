//! What a run of the transferability grid produces, for whoever reads it: cell names in the
//! paper's notation ([`Cell`]), one row per finished net ([`CellResult`], a line of
//! `results.csv` and a cell's `result.json`), and the evaluations along a net's schedule
//! ([`Evaluation`], a line of `metrics.jsonl`). No tensor library: the figures, the findings
//! and any reader of a run need only this crate.
//!
//! ```
//! use convnet_results::{Cell, Mode};
//!
//! let cell: Cell = "random0/A3B+".parse().unwrap();
//! assert_eq!(cell.mode, Mode::Finetune);
//! assert_eq!(cell.base_cell().unwrap().to_string(), "random0/baseA");
//! ```
#![warn(missing_docs)]

mod cell;
mod error;
mod metrics;
mod result;

pub use cell::{Cell, Mode, MAX_N};
pub use error::ResultsError;
pub use metrics::{read_metrics, write_metrics, Evaluation};
pub use result::{
    format_results, parse_results, read_result, read_results, write_result, write_results,
    CellResult, COLUMNS,
};
