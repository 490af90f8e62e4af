//! Spearman rank correlation.

/// Spearman's rank correlation of `a` and `b`: the Pearson correlation of
/// their ranks, with tied values given the average of their ranks (as
/// `scipy.stats.spearmanr`).
///
/// `None` when it is undefined: fewer than two pairs, `a` and `b` of different
/// lengths, a value that is not finite, or an input whose values are all equal.
///
/// ```
/// use convnet_estimates::spearman;
///
/// assert_eq!(spearman(&[1.0, 2.0, 3.0], &[10.0, 20.0, 40.0]), Some(1.0));
/// assert_eq!(spearman(&[1.0, 2.0, 3.0], &[5.0, 5.0, 5.0]), None);
/// ```
pub fn spearman(a: &[f64], b: &[f64]) -> Option<f64> {
    if a.len() != b.len() || a.len() < 2 || a.iter().chain(b).any(|value| !value.is_finite()) {
        return None;
    }
    pearson(&average_ranks(a), &average_ranks(b))
}

/// The rank of each value (1 for the smallest), ties sharing their mean rank.
fn average_ranks(values: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&i, &j| values[i].total_cmp(&values[j]));
    let mut ranks = vec![0.0; values.len()];
    let mut start = 0;
    while start < order.len() {
        let tied = order[start..]
            .iter()
            .take_while(|&&index| values[index] == values[order[start]])
            .count();
        // Ranks start + 1 ..= start + tied, averaged.
        let rank = start as f64 + (tied as f64 + 1.0) / 2.0;
        for &index in &order[start..start + tied] {
            ranks[index] = rank;
        }
        start += tied;
    }
    ranks
}

/// Pearson's correlation, `None` when either input has no spread.
fn pearson(a: &[f64], b: &[f64]) -> Option<f64> {
    let count = a.len() as f64;
    let mean_a = a.iter().sum::<f64>() / count;
    let mean_b = b.iter().sum::<f64>() / count;
    let (mut covariance, mut variance_a, mut variance_b) = (0.0, 0.0, 0.0);
    for (&x, &y) in a.iter().zip(b) {
        covariance += (x - mean_a) * (y - mean_b);
        variance_a += (x - mean_a) * (x - mean_a);
        variance_b += (y - mean_b) * (y - mean_b);
    }
    if variance_a == 0.0 || variance_b == 0.0 {
        return None;
    }
    Some((covariance / (variance_a * variance_b).sqrt()).clamp(-1.0, 1.0))
}
