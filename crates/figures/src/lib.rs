//! The figures of Yosinski et al. (2014), "How transferable are features in deep neural
//! networks?", and an HTML report, drawn from a `results.csv` alone.
//!
//! The rows are [`convnet_results::CellResult`]s, read from `results.csv` with
//! [`convnet_results::read_results`]; the verdicts drawn on them come from
//! [`convnet_findings`], which states the findings. This crate only draws.
//! - [`draw_all`]: `figure2.{svg,png}` (two panels: every network with mean lines; mean lines with
//!   the paper's findings) and `figure3.{svg,png}` (dissimilar split and random filters; relative
//!   top-1 in points), each drawn only when the rows hold data for it.
//! - [`write_report`]: a self-contained `report.html`.
//! - [`draw_profile`], [`draw_comparison`]: a transfer profile's figure, and one base net's
//!   profiles against several targets.
//! - [`draw_estimates`]: transferability estimates per layer beside the measured transfers.
//!
//! Text is drawn with DejaVu Sans embedded through the `dejavu` crate, so figures render on a
//! machine without any system font.
#![warn(missing_docs)]

mod draw;
mod error;
mod estimate;
mod figure2;
mod figure3;
mod font;
mod groups;
mod plot;
mod profile;
mod profile_comparison;
mod report;
mod stats;
mod style;

pub use draw::{draw_all, FigureOptions};
pub use error::FigureError;
pub use estimate::draw_estimates;
pub use profile::draw_profile;
pub use profile_comparison::draw_comparison;
pub use report::{render_report, write_report, Analysis};
