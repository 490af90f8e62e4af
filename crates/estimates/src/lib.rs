//! Transferability estimators: scores of how well frozen features, or a
//! source classifier's outputs, suit a target labelling, computed without
//! training.
//!
//! * From features (one row per image, one column per feature dimension):
//!   [`logme`] and [`exact_logme`] (You et al., ICML 2021), [`h_score`] (Bao
//!   et al., ICIP 2019) and [`shrinkage_h_score`] (Ibrahim et al., 2022). When
//!   there are more feature dimensions than images, prefer [`exact_logme`]
//!   and [`shrinkage_h_score`]: [`logme`] then grows with the dimension and
//!   [`h_score`] no longer depends on the features (see their documentation).
//! * From a source classifier: [`leep`] (Nguyen et al., ICML 2020) from its
//!   probabilities, [`nce`] (Tran et al., ICCV 2019) from its hard labels.
//! * To compare scores with measured transfer accuracy: [`spearman`].
//! * Per layer of a base net: [`Reduction`] makes a layer's maps one feature
//!   vector per image, [`LayerEstimate`] computes every [`LayerEstimator`] on
//!   it, [`ClassifierEstimate`] LEEP and NCE of the base's own classifier, and
//!   [`ProfileEstimate`] holds them beside the measured frozen transfers, with
//!   their rank agreement ([`ProfileEstimate::agreement`],
//!   [`agreement_across`] targets) and `estimate.csv` ([`estimates_csv`]).
//!   Every [`LayerScore`] is ranked alike: the estimators, and the two
//!   [`Control`]s an estimator must beat to say something about the layers
//!   that their depth and width do not ([`ProfileEstimate::beating_depth`]).
//!
//! Inputs are borrowed row-major slices wrapped in a [`Matrix`], which checks
//! their shape and that every value is finite; target labels are
//! `0..classes`, and every class must have an image. Every computation is in
//! `f64`; the eigendecompositions use [`faer`], parallel over its global
//! thread setting (all cores by default).
//!
//! ```
//! use convnet_estimates::{h_score, logme, spearman, Matrix};
//!
//! // Six images with two features each; the first feature tells the classes apart.
//! let features = [
//!     0.9, 0.3, 1.1, -0.2, 1.0, 0.1, //
//!     -1.0, 0.2, -0.9, -0.1, -1.1, 0.0,
//! ];
//! let labels = [0, 0, 0, 1, 1, 1];
//! let matrix = Matrix::new(&features, 6, 2)?;
//!
//! let evidence = logme(matrix, &labels, 2)?;
//! let shuffled = logme(matrix, &[0, 1, 0, 1, 0, 1], 2)?;
//! assert!(evidence > shuffled);
//!
//! let h = h_score(matrix, &labels, 2)?;
//! assert!(h > 0.9 && h <= 1.0);
//!
//! // Rank agreement between scores and accuracies, e.g. over layers.
//! let rho = spearman(&[0.2, 0.5, 0.4], &[61.0, 70.5, 66.0]);
//! assert_eq!(rho, Some(1.0));
//! # Ok::<(), convnet_estimates::EstimateError>(())
//! ```

#![warn(missing_docs)]

mod error;
mod h_score;
mod labels;
mod leep;
mod logme;
mod matrix;
mod nce;
mod profile;
mod rank;
mod reduce;
mod spectrum;

pub use error::EstimateError;
pub use h_score::{h_score, shrinkage_h_score};
pub use leep::leep;
pub use logme::{exact_logme, logme};
pub use matrix::Matrix;
pub use nce::nce;
pub use profile::{
    agreement_across, decimals_between, estimates_csv, ClassifierEstimate, Control, LayerEstimate,
    LayerEstimator, LayerScore, ProfileEstimate,
};
pub use rank::spearman;
pub use reduce::{Reduction, FIT_DIMENSIONS};
