//! The findings of Yosinski et al. (2014), "How transferable are features in deep neural
//! networks?", judged on a grid's results: the one place that states them.
//!
//! Results in, verdicts out; no tensors, no drawing. The rows are
//! [`convnet_results::CellResult`]s (`results.csv`), the base nets' learning curves come from
//! their `metrics.jsonl`.
//!
//! - [`check_findings`]: each finding compares an effect with the paper's control (specificity:
//!   `BnB − AnB`; the lingering boost: `AnB+ − BnB+`, beside the paper's own wording
//!   `AnB+ − baseB`; dissimilarity: the growth of the dissimilar split's loss against the
//!   random split's), beyond the noise of [`Noise`], which knows that every net of one half
//!   shares that half's base net. A verdict needs converged base nets ([`Convergence`]); a
//!   finding that does not hold says whether the run had the [`Power`] to see the paper's
//!   effect, scaled to the run.
//! - [`pool`]: several runs (seeds, splits) pooled as the paper pooled its four splits, the run
//!   as a random effect.
//! - [`paper`]: the published values, embedded, and the paper's networks as result rows.
//! - [`TransferProfile`] and [`ProfileComparison`]: a base net from elsewhere on a target,
//!   layer by layer, and one base net against several targets; their verdicts and tables.
//!
//! ```
//! use convnet_findings::{check_findings, paper, Evidence, FindingId, Verdict};
//!
//! let rows = paper::networks()?;
//! let chances = paper::chances();
//! let assessment = check_findings(&Evidence { rows: &rows, curves: None, chances: &chances });
//! assert_eq!(assessment.finding(FindingId::F3).unwrap().verdict, Verdict::Holds);
//! # Ok::<(), convnet_findings::FindingsError>(())
//! ```
#![warn(missing_docs)]

mod assessment;
mod comparison;
mod convergence;
mod criteria;
mod error;
mod nets;
mod noise;
pub mod paper;
mod pooled;
mod profile;
mod quantity;
mod table;
mod text;

pub use assessment::{check_findings, Assessment, Basis, Evidence, Finding, Power, Verdict};
pub use comparison::{ComparedTarget, ProfileComparison};
pub use convergence::{Convergence, LearningCurve, Status, RISE_LIMIT, SECOND_RUN_LIMIT};
pub use criteria::{FindingId, F1_MARGIN, NEAR_CHANCE, WELL_ABOVE_CHANCE};
pub use error::FindingsError;
pub use nets::{
    base_of, bases_of, dissimilar_net, is_base, own_bases, random_filter_net, relative_to_own_base,
    Treatment,
};
pub use noise::{Estimate, Noise, Z};
pub use pooled::pool;
pub use profile::{ProfileRow, TransferProfile};
pub use quantity::{Limit, Quantity, Scale, Test};
pub use table::{Chances, Levels};
pub use text::{comparison_markdown, findings_markdown, pooled_markdown, pooled_verdicts};
