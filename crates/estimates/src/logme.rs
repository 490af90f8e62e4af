//! LogME: the maximum log evidence of Bayesian linear regression on the features.

use std::f64::consts::PI;

use crate::labels::class_counts;
use crate::spectrum::ClassSpectrum;
use crate::{EstimateError, Matrix};

/// Most fixed-point updates of `α` and `β` per class.
const MAX_ITERATIONS: usize = 11;
/// The iteration stops once `α/β` changes by at most this fraction.
const TOLERANCE: f64 = 1e-3;
/// Added to `m²` and to the residual in the updates of `α` and `β`.
const DENOMINATOR_EPSILON: f64 = 1e-5;

/// LogME of You et al., "LogME: Practical Assessment of Pre-trained Models for
/// Transfer Learning" (ICML 2021): how well the frozen `features` (one row per
/// image) explain the target `labels`, as a log evidence per image. Higher is
/// better.
///
/// For each class `k` the target is the one-hot column `y`, modelled as
/// `y = F w + noise` with prior `w ~ N(0, α⁻¹ I)` and noise precision `β`.
/// The evidence is maximised over `α` and `β`, divided by `n`, and LogME is the
/// mean over the classes.
///
/// This is the computation of `LogME.fit` in the authors' reference code
/// (github.com/thuml/LogME, `LogME.py`, the default fixed-point path
/// `_fit_fixed_point`), step by step:
///
/// 1. In the basis of the singular vectors of `F` (`n × d`): the `min(n, d)`
///    squared singular values `σᵢ²` and `zᵢ = uᵢᵀ y`. For `n > d` they come
///    from the eigendecomposition of `FᵀF`, and the components with
///    `σᵢ² ≤ σ_max² · max(n, d) · ε`, rounding noise of zero singular values,
///    are set to `σᵢ² = 0`, `zᵢ = 0`; for `n ≤ d` from the eigendecomposition of
///    `FFᵀ` (the reference takes the SVD of `F` here, which has the same `σᵢ²`
///    and `uᵢ`).
/// 2. `α = β = 1`; then at most 11 times: `t = α/β`,
///    `γ = Σ σᵢ²/(σᵢ² + t)`, `m² = Σ σᵢ² zᵢ²/(σᵢ² + t)²`,
///    `r² = Σ zᵢ²/(1 + σᵢ²/t)² + (yᵀy − Σ zᵢ²)`,
///    `α ← γ/(m² + 10⁻⁵)`, `β ← (n − γ)/(r² + 10⁻⁵)`, stopping once
///    `|α/β − t| / t ≤ 10⁻³`.
/// 3. With the final `α`, `β` and the `m²`, `r²` of the last iteration:
///    `(d/2 ln α + n/2 ln β − ½ Σ ln(α + β σᵢ²) − β/2 r² − α/2 m² − n/2 ln 2π) / n`.
///
/// Two properties of the reference are worth knowing:
///
/// * the sum `Σ ln(α + β σᵢ²)` runs over the `min(n, d)` singular values of
///   `F`, while the log determinant of `αI + βFᵀF` in the evidence runs over
///   all `d` eigenvalues of `FᵀF`. When `n < d` the score therefore exceeds
///   the log evidence by `(d − n) ln α / (2n)` for the final `α` of each
///   class, a term that grows with `d`; [`exact_logme`] sums over all `d`;
/// * for `n > d` the reference removes the components with `σᵢ ≤ 10⁻¹⁰` from
///   the sum altogether (an absolute cut-off, which depends on the scale of the
///   features), and keeps those above it even when they are rounding noise, as
///   for features with a dead (all-zero) unit: its score then depends on
///   rounding. Here such components are counted as zero singular values, as
///   in step 1. For features of ordinary scale and full column rank the two
///   agree.
///
/// # Errors
/// [`EstimateError::LabelCount`], [`EstimateError::LabelOutOfRange`] or
/// [`EstimateError::EmptyClass`] for labels that do not fit; [`EstimateError::NoConvergence`]
/// if the eigendecomposition fails; [`EstimateError::DegenerateEvidence`] when
/// the evidence of a class is not finite (for example all-zero features).
pub fn logme<T: Copy + Into<f64>>(
    features: Matrix<'_, T>,
    labels: &[usize],
    classes: usize,
) -> Result<f64, EstimateError> {
    mean_evidence(features, labels, classes, LogDeterminant::SingularValues)
}

/// LogME as [`logme`], except that the log determinant of `αI + βFᵀF` runs
/// over all `d` eigenvalues of `FᵀF`, the `d − min(n, d)` beyond the singular
/// values of `F` adding `ln α` each. This is the log evidence itself, as in
/// the ICML 2021 paper and the reference's `_fit_icml`. It equals [`logme`]
/// when `n ≥ d`, and is lower by `(d − n) ln α / (2n)` per class when `n < d`:
/// use it to compare features of different dimensions `d` above `n`.
///
/// # Errors
/// As [`logme`].
pub fn exact_logme<T: Copy + Into<f64>>(
    features: Matrix<'_, T>,
    labels: &[usize],
    classes: usize,
) -> Result<f64, EstimateError> {
    mean_evidence(features, labels, classes, LogDeterminant::AllDimensions)
}

/// Which eigenvalues of `FᵀF` the log determinant of `αI + βFᵀF` sums over.
#[derive(Debug, Clone, Copy)]
enum LogDeterminant {
    /// The `min(n, d)` squared singular values of `F`, as the reference code.
    SingularValues,
    /// All `d`, those beyond the `min(n, d)` singular values adding `ln α` each.
    AllDimensions,
}

/// The mean over the classes of the maximised log evidence per image.
fn mean_evidence<T: Copy + Into<f64>>(
    features: Matrix<'_, T>,
    labels: &[usize],
    classes: usize,
    log_determinant: LogDeterminant,
) -> Result<f64, EstimateError> {
    let counts = class_counts(labels, features.rows(), classes)?;
    let spectrum = ClassSpectrum::new(features.to_mat().as_ref(), labels, classes)?;
    let images = features.rows() as f64;
    let dimensions = features.columns() as f64;
    let mut total = 0.0;
    for (class, &count) in counts.iter().enumerate() {
        let evidence = class_evidence(
            &spectrum,
            class,
            count as f64,
            images,
            dimensions,
            log_determinant,
        );
        if !evidence.is_finite() {
            return Err(EstimateError::DegenerateEvidence { class });
        }
        total += evidence;
    }
    Ok(total / classes as f64)
}

/// The maximised log evidence per image for the one-hot target of `class`,
/// which has `count` images.
fn class_evidence(
    spectrum: &ClassSpectrum,
    class: usize,
    count: f64,
    images: f64,
    dimensions: f64,
    log_determinant: LogDeterminant,
) -> f64 {
    let components: Vec<(f64, f64)> = spectrum
        .class_components(class)
        .map(|(squared_singular_value, projection)| {
            (squared_singular_value, projection * projection)
        })
        .collect();
    // yᵀy minus its part in the span of the components.
    let outside_residual = count - components.iter().map(|&(_, z2)| z2).sum::<f64>();

    let (mut alpha, mut beta) = (1.0_f64, 1.0_f64);
    let (mut m2, mut residual) = (0.0, 0.0);
    for _ in 0..MAX_ITERATIONS {
        let t = alpha / beta;
        let gamma: f64 = components.iter().map(|&(s, _)| s / (s + t)).sum();
        m2 = components
            .iter()
            .map(|&(s, z2)| s * z2 / ((s + t) * (s + t)))
            .sum();
        residual = components
            .iter()
            .map(|&(s, z2)| z2 / ((1.0 + s / t) * (1.0 + s / t)))
            .sum::<f64>()
            + outside_residual;
        alpha = gamma / (m2 + DENOMINATOR_EPSILON);
        beta = (images - gamma) / (residual + DENOMINATOR_EPSILON);
        if ((alpha / beta - t) / t).abs() <= TOLERANCE {
            break;
        }
    }
    let extra_zero_eigenvalues = match log_determinant {
        LogDeterminant::SingularValues => 0.0,
        LogDeterminant::AllDimensions => dimensions - components.len() as f64,
    };
    let log_determinant = components
        .iter()
        .map(|&(s, _)| (alpha + beta * s).ln())
        .sum::<f64>()
        + extra_zero_eigenvalues * alpha.ln();
    (dimensions / 2.0 * alpha.ln() + images / 2.0 * beta.ln()
        - 0.5 * log_determinant
        - beta / 2.0 * residual
        - alpha / 2.0 * m2
        - images / 2.0 * (2.0 * PI).ln())
        / images
}
