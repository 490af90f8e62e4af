//! Means and confidence intervals of replicate values.

/// Two-sided 95% quantiles of Student's t for 1..=30 degrees of freedom.
const T_975: [f64; 30] = [
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160,
    2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056,
    2.052, 2.048, 2.045, 2.042,
];

/// The 0.975 quantile of Student's t with `df` degrees of freedom.
pub(crate) fn t_quantile_975(df: usize) -> f64 {
    match df {
        0 => f64::NAN,
        1..=30 => T_975[df - 1],
        // Cornish-Fisher style correction of the normal quantile; exact to 3 decimals above 30.
        _ => {
            let z: f64 = 1.959_964;
            let d = df as f64;
            z + (z.powi(3) + z) / (4.0 * d)
                + (5.0 * z.powi(5) + 16.0 * z.powi(3) + 3.0 * z) / (96.0 * d * d)
        }
    }
}

/// The arithmetic mean; NaN for no values.
pub(crate) fn mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len() as f64
}

/// Mean of a set of values and, where asked, an uncertainty band around it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Summary {
    /// The mean.
    pub mean: f64,
    /// Lower and upper edge of the band, if one is drawn.
    pub band: Option<(f64, f64)>,
}

/// Summarises `values`; with `band`, adds min-max for two values and the 95% t-interval for more.
pub(crate) fn summarise(values: &[f64], band: bool) -> Summary {
    let m = mean(values);
    let band = match values.len() {
        _ if !band => None,
        0 | 1 => None,
        2 => Some((values[0].min(values[1]), values[0].max(values[1]))),
        count => {
            let variance =
                values.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (count as f64 - 1.0);
            let half = t_quantile_975(count - 1) * (variance / count as f64).sqrt();
            Some((m - half, m + half))
        }
    };
    Summary { mean: m, band }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn t_interval_of_three_values() {
        let s = summarise(&[1.0, 2.0, 3.0], true);
        assert_eq!(s.mean, 2.0);
        let (lo, hi) = s.band.unwrap();
        // sd = 1, se = 1/sqrt(3), t(2) = 4.303
        assert!((hi - 2.0 - 4.303 / 3f64.sqrt()).abs() < 1e-9);
        assert!((2.0 - lo - 4.303 / 3f64.sqrt()).abs() < 1e-9);
    }

    #[test]
    fn two_values_give_min_max_and_no_band_when_not_asked() {
        assert_eq!(summarise(&[0.4, 0.2], true).band, Some((0.2, 0.4)));
        assert_eq!(summarise(&[0.4, 0.2], false).band, None);
        assert_eq!(summarise(&[0.4], true).band, None);
    }

    #[test]
    fn large_df_quantile_is_close_to_tables() {
        assert!((t_quantile_975(40) - 2.021).abs() < 2e-3);
        assert!((t_quantile_975(120) - 1.980).abs() < 2e-3);
    }
}
