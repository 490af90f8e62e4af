//! The figures of Yosinski et al. (2014), "How transferable are features in deep neural
//! networks?", and an HTML report, drawn from a `results.csv` alone.
//!
//! The rows are [`convnet_results::CellResult`]s, read from `results.csv` with
//! [`convnet_results::read_results`]; the findings also read the base nets' learning curves.
//! - [`draw_all`]: `figure2.{svg,png}` (two panels: every network with mean lines; mean lines with
//!   the paper's findings) and `figure3.{svg,png}` (dissimilar split and random filters; relative
//!   top-1 in points), each drawn only when the rows hold data for it.
//! - [`write_report`]: a self-contained `report.html`.
//! - [`check_findings`]: the paper's five findings, checked on a run against their controls,
//!   beyond the noise, from converged base nets: the one place that states them.
//! - [`paper`]: the published values, embedded.
//! - [`TransferProfile`]: a base net from elsewhere on a target dataset, layer by layer: its
//!   table, verdict and figure.
//!
//! Text is drawn with DejaVu Sans embedded through the `dejavu` crate, so figures render on a
//! machine without any system font.
#![warn(missing_docs)]

mod draw;
mod error;
mod figure2;
mod figure3;
mod findings;
mod font;
mod groups;
pub mod paper;
mod plot;
mod profile;
mod profile_comparison;
mod report;
mod stats;
mod style;

pub use draw::{draw_all, FigureOptions};
pub use error::FigureError;
pub use findings::{
    check_findings, comparison_markdown, findings_markdown, Assessment, Evidence, Finding,
    LearningCurve, Noise, Plateau, PlateauStatus, Verdict, CRITERIA, F1_RESOLUTION, NEAR_CHANCE,
    WELL_ABOVE_CHANCE, Z,
};
pub use profile::{ProfileRow, TransferProfile};
pub use profile_comparison::{ComparedTarget, ProfileComparison};
pub use report::{render_report, write_report, Analysis};
