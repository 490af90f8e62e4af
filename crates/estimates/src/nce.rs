//! NCE: the negative conditional entropy of target labels given source labels.

use std::collections::BTreeMap;

use crate::labels::class_counts;
use crate::EstimateError;

/// NCE of Tran et al., "Transferability and Hardness of Supervised
/// Classification Tasks" (ICCV 2019): `−H(Y | Z)` in nats, for the hard
/// labels `source_labels` (for example a source classifier's arg-max) and the
/// target `labels` of the same images, from their empirical joint
/// distribution. At most zero; higher is better.
///
/// Source labels are any identifiers (they need not be dense); `0 ln 0 = 0`.
///
/// # Errors
/// [`EstimateError::NoRows`] for no images; [`EstimateError::LabelCount`] when
/// the two label lists differ in length; [`EstimateError::LabelOutOfRange`] or
/// [`EstimateError::EmptyClass`] for target labels that do not fit.
pub fn nce(
    source_labels: &[usize],
    labels: &[usize],
    classes: usize,
) -> Result<f64, EstimateError> {
    class_counts(labels, source_labels.len(), classes)?;
    // Per source label, the number of images of each target class.
    let mut joint_counts: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (&source, &label) in source_labels.iter().zip(labels) {
        joint_counts
            .entry(source)
            .or_insert_with(|| vec![0; classes])[label] += 1;
    }
    let images = labels.len() as f64;
    let mut negative_entropy = 0.0;
    for counts in joint_counts.values() {
        let source_count = counts.iter().sum::<usize>() as f64;
        for &count in counts.iter().filter(|&&count| count > 0) {
            let count = count as f64;
            negative_entropy += count / images * (count / source_count).ln();
        }
    }
    Ok(negative_entropy)
}
