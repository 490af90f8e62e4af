//! H-score and its shrinkage-regularised variant.

use faer::MatRef;

use crate::labels::class_counts;
use crate::spectrum::ClassSpectrum;
use crate::{EstimateError, Matrix};

/// Eigenvalues of `cov(f)` at most this fraction of the largest are left out
/// of its pseudo-inverse in [`h_score`].
const PSEUDO_INVERSE_CUTOFF: f64 = 1e-10;

/// H-score of Bao et al., "An Information-Theoretic Approach to
/// Transferability in Task Transfer Learning" (ICIP 2019):
/// `H = tr(cov(f)⁺ cov(E[f | y]))` for the frozen `features` (one row per
/// image) and the target `labels`. Higher is better.
///
/// As in the authors' code (`getDiffNN` in
/// github.com/YaojieBao/An-Information-theoretic-Metric-of-Transferability):
/// the features are centred, both covariances divide by `n − 1`, and the
/// pseudo-inverse leaves out the eigenvalues of `cov(f)` at most `10⁻¹⁰`
/// times the largest (numpy's `pinv(cov, rcond=1e-10)`).
///
/// It is computed from the singular vectors `uᵢ` of the centred `n × d`
/// features as `H = Σᵢ Σ_k (uᵢᵀ y_k)² / n_k` over the kept components, with
/// `y_k` the indicator of class `k` and `n_k` its number of images. Hence
/// `0 ≤ H ≤ classes − 1`, and whenever the centred features have rank `n − 1`
/// (in general, when `d ≥ n − 1`) `H = classes − 1` whatever the features:
/// use [`shrinkage_h_score`] there.
///
/// # Errors
/// [`EstimateError::LabelCount`], [`EstimateError::LabelOutOfRange`] or
/// [`EstimateError::EmptyClass`] for labels that do not fit;
/// [`EstimateError::NoConvergence`] if the eigendecomposition fails.
pub fn h_score<T: Copy + Into<f64>>(
    features: Matrix<'_, T>,
    labels: &[usize],
    classes: usize,
) -> Result<f64, EstimateError> {
    let counts = class_counts(labels, features.rows(), classes)?;
    let spectrum = ClassSpectrum::new(features.to_centred_mat().as_ref(), labels, classes)?;
    let cutoff = PSEUDO_INVERSE_CUTOFF * spectrum.largest_squared_singular_value();
    Ok(spectrum
        .components()
        .filter(|&(squared_singular_value, _)| squared_singular_value > cutoff)
        .map(|(_, class_sums)| between_class_share(class_sums, &counts))
        .sum())
}

/// H-score with a shrinkage estimate of `cov(f)`, after Ibrahim et al., "Newer
/// is not always better: Rethinking transferability metrics, their
/// peculiarities, stability and performance" (ECML PKDD 2022):
/// `H_a = tr(cov_a(f)⁻¹ (1 − a) cov(E[f | y]))`. Higher is better.
///
/// As in `regularized_h_score` of the Transfer-Learning-Library
/// (github.com/thuml/Transfer-Learning-Library, `tllib/ranking/hscore.py`):
/// the features are centred; `cov_a(f) = (1 − a) S + a μ I` is the
/// Ledoit–Wolf estimate, with `S = FᵀF / n`, `μ = tr(S) / d` and the
/// shrinkage `a` of scikit-learn's `ledoit_wolf_shrinkage`; `cov(E[f | y])`
/// divides by `n − 1` (so at `a = 0` this is about `n / (n − 1)` times
/// [`h_score`]). `cov_a(f)` is invertible for `a > 0`, and unlike [`h_score`]
/// the score still depends on the features when `d ≥ n − 1`.
///
/// # Errors
/// As [`h_score`].
pub fn shrinkage_h_score<T: Copy + Into<f64>>(
    features: Matrix<'_, T>,
    labels: &[usize],
    classes: usize,
) -> Result<f64, EstimateError> {
    let counts = class_counts(labels, features.rows(), classes)?;
    let centred = features.to_centred_mat();
    let spectrum = ClassSpectrum::new(centred.as_ref(), labels, classes)?;
    let images = features.rows() as f64;
    let estimate = LedoitWolf::new(centred.as_ref(), &spectrum);
    let kept = 1.0 - estimate.shrinkage;
    Ok(spectrum
        .components()
        .filter_map(|(squared_singular_value, class_sums)| {
            // The eigenvalue of cov_a(f) for this component.
            let eigenvalue = kept * squared_singular_value / images
                + estimate.shrinkage * estimate.mean_variance;
            (eigenvalue > 0.0).then(|| {
                kept * squared_singular_value * between_class_share(class_sums, &counts)
                    / ((images - 1.0) * eigenvalue)
            })
        })
        .sum())
}

/// `Σ_k (uᵀ y_k)² / n_k`: the squared length of the projection of a unit
/// vector `u` onto the span of the class indicators, from its class sums.
fn between_class_share(class_sums: &[f64], counts: &[usize]) -> f64 {
    class_sums
        .iter()
        .zip(counts)
        .map(|(&sum, &count)| sum * sum / count as f64)
        .sum()
}

/// The Ledoit–Wolf shrinkage of the covariance of centred features.
struct LedoitWolf {
    /// `a`, in `[0, 1]`.
    shrinkage: f64,
    /// `μ = tr(S) / d`.
    mean_variance: f64,
}

impl LedoitWolf {
    /// The estimate for the centred `n × d` features, whose spectrum is `spectrum`.
    fn new(centred: MatRef<'_, f64>, spectrum: &ClassSpectrum) -> Self {
        let (rows, columns) = centred.shape();
        let (images, dimensions) = (rows as f64, columns as f64);
        let mut squared_row_norms = vec![0.0; rows];
        for column in 0..columns {
            for (norm, &value) in squared_row_norms.iter_mut().zip(centred.col(column).iter()) {
                *norm += value * value;
            }
        }
        let trace = squared_row_norms.iter().sum::<f64>() / images;
        let mean_variance = trace / dimensions;
        // ‖S‖²_F from the eigenvalues of FᵀF, which are n times those of S.
        let squared_frobenius = spectrum
            .components()
            .map(|(squared_singular_value, _)| (squared_singular_value / images).powi(2))
            .sum::<f64>();
        let fourth_moments = squared_row_norms
            .iter()
            .map(|norm| norm * norm)
            .sum::<f64>();
        // scikit-learn's delta: ‖S − μI‖²_F / d.
        let dispersion =
            (squared_frobenius - dimensions * mean_variance * mean_variance) / dimensions;
        // scikit-learn's beta: the estimated error of S, capped at delta.
        let estimation_error =
            ((fourth_moments / images - squared_frobenius) / (dimensions * images)).min(dispersion);
        let shrinkage = if estimation_error > 0.0 {
            estimation_error / dispersion
        } else {
            0.0
        };
        Self {
            shrinkage,
            mean_variance,
        }
    }
}
