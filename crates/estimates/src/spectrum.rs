//! The singular spectrum of a feature matrix, seen from the target classes.

use faer::linalg::matmul::triangular::{self, BlockStructure};
use faer::{Accum, Mat, MatRef, Side};

use crate::EstimateError;

/// The squared singular values `σᵢ²` of an `n × d` feature matrix `F`, each
/// with `uᵢᵀ y_k` for every class `k`: the sum, over the images of class `k`,
/// of the unit left singular vector `uᵢ`.
///
/// It is computed from the eigendecomposition of the smaller Gram matrix:
///
/// * `n > d`: `FᵀF = V diag(σ²) Vᵀ`, so `uᵢᵀ y_k = vᵢᵀ (Fᵀ y_k) / σᵢ`. The
///   components with `σᵢ² ≤ σ_max² · max(n, d) · ε` (below the numerical rank
///   of a Gram matrix in `f64`) are rounding noise of zero singular values:
///   they are set to `σᵢ² = 0` with zero class sums.
/// * `n ≤ d`: `FFᵀ = U diag(σ²) Uᵀ`, with rounding-negative eigenvalues
///   raised to zero.
///
/// Either way there are `min(n, d)` components.
pub(crate) struct ClassSpectrum {
    squared_singular_values: Vec<f64>,
    /// Row-major, one row of `classes` sums per component.
    class_sums: Vec<f64>,
    classes: usize,
}

impl ClassSpectrum {
    /// The spectrum of `features` (rows are images) for `labels`, each below `classes`.
    pub(crate) fn new(
        features: MatRef<'_, f64>,
        labels: &[usize],
        classes: usize,
    ) -> Result<Self, EstimateError> {
        if features.nrows() > features.ncols() {
            Self::from_feature_gram(features, labels, classes)
        } else {
            Self::from_image_gram(features, labels, classes)
        }
    }

    fn from_feature_gram(
        features: MatRef<'_, f64>,
        labels: &[usize],
        classes: usize,
    ) -> Result<Self, EstimateError> {
        let (rows, columns) = features.shape();
        let eigen = lower_gram(features.transpose())
            .self_adjoint_eigen(Side::Lower)
            .map_err(|_| EstimateError::NoConvergence)?;
        let eigenvalues = eigen.S().column_vector();
        let largest = eigenvalues.iter().copied().fold(0.0, f64::max);
        let cutoff = largest * rows.max(columns) as f64 * f64::EPSILON;

        let mut class_feature_sums = Mat::<f64>::zeros(columns, classes);
        for column in 0..columns {
            for (&label, &value) in labels.iter().zip(features.col(column).iter()) {
                class_feature_sums[(column, label)] += value;
            }
        }
        let projected = eigen.U().transpose() * &class_feature_sums;

        let mut spectrum = Self::empty(classes);
        for (component, &eigenvalue) in eigenvalues.iter().enumerate() {
            if eigenvalue > cutoff {
                let singular_value = eigenvalue.sqrt();
                spectrum.push(
                    eigenvalue,
                    (0..classes).map(|class| projected[(component, class)] / singular_value),
                );
            } else {
                spectrum.push(0.0, vec![0.0; classes]);
            }
        }
        Ok(spectrum)
    }

    fn from_image_gram(
        features: MatRef<'_, f64>,
        labels: &[usize],
        classes: usize,
    ) -> Result<Self, EstimateError> {
        let eigen = lower_gram(features)
            .self_adjoint_eigen(Side::Lower)
            .map_err(|_| EstimateError::NoConvergence)?;
        let mut spectrum = Self::empty(classes);
        for (component, &eigenvalue) in eigen.S().column_vector().iter().enumerate() {
            let mut sums = vec![0.0; classes];
            for (&label, &value) in labels.iter().zip(eigen.U().col(component).iter()) {
                sums[label] += value;
            }
            spectrum.push(eigenvalue.max(0.0), sums);
        }
        Ok(spectrum)
    }

    fn empty(classes: usize) -> Self {
        Self {
            squared_singular_values: Vec::new(),
            class_sums: Vec::new(),
            classes,
        }
    }

    fn push(&mut self, squared_singular_value: f64, class_sums: impl IntoIterator<Item = f64>) {
        self.squared_singular_values.push(squared_singular_value);
        self.class_sums.extend(class_sums);
    }

    /// `σᵢ²` and the class sums `(uᵢᵀ y_k)_k` of every component.
    pub(crate) fn components(&self) -> impl Iterator<Item = (f64, &[f64])> {
        self.squared_singular_values
            .iter()
            .copied()
            .zip(self.class_sums.chunks_exact(self.classes))
    }

    /// `σᵢ²` and `uᵢᵀ y_k` of every component, for class `k`.
    pub(crate) fn class_components(&self, class: usize) -> impl Iterator<Item = (f64, f64)> + '_ {
        self.components()
            .map(move |(squared_singular_value, sums)| (squared_singular_value, sums[class]))
    }

    /// The largest `σᵢ²`.
    pub(crate) fn largest_squared_singular_value(&self) -> f64 {
        self.squared_singular_values
            .iter()
            .copied()
            .fold(0.0, f64::max)
    }
}

/// The lower triangle of `a aᵀ` (the upper triangle is left at zero).
fn lower_gram(a: MatRef<'_, f64>) -> Mat<f64> {
    let mut gram = Mat::<f64>::zeros(a.nrows(), a.nrows());
    triangular::matmul(
        gram.as_mut(),
        BlockStructure::TriangularLower,
        Accum::Replace,
        a,
        BlockStructure::Rectangular,
        a.transpose(),
        BlockStructure::Rectangular,
        1.0,
        faer::get_global_parallelism(),
    );
    gram
}
