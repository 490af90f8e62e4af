//! The figures of Yosinski et al. (2014), "How transferable are features in deep neural
//! networks?", and an HTML report, drawn from a `results.csv` alone.
//!
//! - [`read_results`] / [`write_results`]: the `results.csv` contract (header checked; errors name
//!   file, line and column; writes are atomic).
//! - [`draw_all`]: `figure2.{svg,png}` (two panels: every network with mean lines; mean lines with
//!   the paper's findings) and `figure3.{svg,png}` (dissimilar split and random filters; relative
//!   top-1 in points), each drawn only when the rows hold data for it.
//! - [`write_report`]: a self-contained `report.html`.
//! - [`paper`]: the published values, embedded.
//!
//! Text is drawn with DejaVu Sans embedded through the `dejavu` crate, so figures render on a
//! machine without any system font.
#![warn(missing_docs)]

mod atomic;
mod base64;
mod csv_io;
mod draw;
mod error;
mod figure2;
mod figure3;
mod font;
mod groups;
pub mod paper;
mod plot;
mod report;
mod results;
mod stats;
mod style;

pub use csv_io::{format_results, parse_results, read_results, write_results};
pub use draw::{draw_all, FigureOptions};
pub use error::FigureError;
pub use report::{render_report, write_report};
pub use results::{Mode, ResultRow, COLUMNS};
