//! LEEP: the log expected empirical prediction of a source classifier.

use crate::labels::class_counts;
use crate::{EstimateError, Matrix};

/// LEEP of Nguyen et al., "LEEP: A New Measure to Evaluate Transferability of
/// Learned Representations" (ICML 2020). Higher is better.
///
/// `source_probabilities` holds one row per target image: the source
/// classifier's probabilities `θ(xᵢ)_z` over its source classes `z`. With the
/// empirical joint `P(y, z) = (1/n) Σᵢ θ(xᵢ)_z [yᵢ = y]` and the conditional
/// `P(y | z) = P(y, z) / Σ_y' P(y', z)`,
/// `LEEP = (1/n) Σᵢ ln Σ_z P(yᵢ | z) θ(xᵢ)_z`.
///
/// Rows need not sum to one; a source class that no row gives any
/// probability to is left out of the sum.
///
/// # Errors
/// [`EstimateError::LabelCount`], [`EstimateError::LabelOutOfRange`] or
/// [`EstimateError::EmptyClass`] for labels that do not fit;
/// [`EstimateError::NegativeProbability`] and
/// [`EstimateError::ZeroProbabilityRow`] for probabilities that cannot be used.
pub fn leep<T: Copy + Into<f64>>(
    source_probabilities: Matrix<'_, T>,
    labels: &[usize],
    classes: usize,
) -> Result<f64, EstimateError> {
    let rows = source_probabilities.rows();
    let source_classes = source_probabilities.columns();
    class_counts(labels, rows, classes)?;
    for row in 0..rows {
        let mut total = 0.0;
        for (column, probability) in source_probabilities.row(row).enumerate() {
            if probability < 0.0 {
                return Err(EstimateError::NegativeProbability { row, column });
            }
            total += probability;
        }
        if total == 0.0 {
            return Err(EstimateError::ZeroProbabilityRow { row });
        }
    }

    // n · P(y, z), row-major: one row of source classes per target class.
    let mut joint = vec![0.0; classes * source_classes];
    for (row, &label) in labels.iter().enumerate() {
        let target_row = &mut joint[label * source_classes..(label + 1) * source_classes];
        for (cell, probability) in target_row.iter_mut().zip(source_probabilities.row(row)) {
            *cell += probability;
        }
    }
    let mut source_totals = vec![0.0; source_classes];
    for target_row in joint.chunks_exact(source_classes) {
        for (total, cell) in source_totals.iter_mut().zip(target_row) {
            *total += cell;
        }
    }

    let mut log_likelihood = 0.0;
    for (row, &label) in labels.iter().enumerate() {
        let target_row = &joint[label * source_classes..(label + 1) * source_classes];
        let expected: f64 = source_probabilities
            .row(row)
            .zip(target_row.iter().zip(&source_totals))
            .filter(|&(_, (_, &total))| total > 0.0)
            .map(|(probability, (&cell, &total))| probability * cell / total)
            .sum();
        log_likelihood += expected.ln();
    }
    Ok(log_likelihood / rows as f64)
}
