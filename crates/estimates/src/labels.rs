//! Checks on target labels.

use crate::EstimateError;

/// Checks that `labels` gives one label below `classes` to each of `rows`
/// images and that every class has an image; returns the number of images of
/// each class.
pub(crate) fn class_counts(
    labels: &[usize],
    rows: usize,
    classes: usize,
) -> Result<Vec<usize>, EstimateError> {
    if rows == 0 {
        return Err(EstimateError::NoRows);
    }
    if labels.len() != rows {
        return Err(EstimateError::LabelCount {
            labels: labels.len(),
            rows,
        });
    }
    let mut counts = vec![0; classes];
    for (row, &label) in labels.iter().enumerate() {
        let count = counts
            .get_mut(label)
            .ok_or(EstimateError::LabelOutOfRange {
                row,
                label,
                classes,
            })?;
        *count += 1;
    }
    match counts.iter().position(|&count| count == 0) {
        Some(class) => Err(EstimateError::EmptyClass { class }),
        None => Ok(counts),
    }
}
