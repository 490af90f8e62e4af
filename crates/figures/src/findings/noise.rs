//! The noise the findings are judged against.
//!
//! The estimator: every copied net's top-1 is taken relative to the base net of its own target
//! half (same split, same replicate), which removes the difference between the halves. Nets of
//! one treatment at one n (both directions of a split, every random split, every replicate)
//! then differ only by noise: the pooled within-group variance of those relative values,
//!
//! `s² = Σ_groups Σ_nets (x − mean_group)² / Σ_groups (k_group − 1)`,
//!
//! over every treatment and n with two nets or more, is the noise of one net, with
//! `Σ (k − 1)` degrees of freedom. It cannot be smaller than the validation set's own sampling
//! error of one evaluation, `sqrt(p (1 − p) / N)` at the base nets' top-1 `p` on `N` images,
//! which is its floor. A mean of `k` nets has the standard error `s / sqrt(k)`; a mean over
//! several n, or a difference of such means, adds their variances. A difference is beyond the
//! noise when it exceeds [`Z`] standard errors. Where no treatment has two nets at one n (one
//! direction, one split, one replicate), there is no spread to measure, and the binomial floor
//! alone would understate the noise: the findings are then not measurable.

use super::evidence::{Relative, Treatment};

/// How many standard errors a difference must exceed to be beyond the noise (about 97.7 %
/// one-sided under a normal model).
pub const Z: f64 = 2.0;

/// The noise of one net's top-1, in percentage points.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Noise {
    /// The standard deviation of one net: the pooled spread, at least the binomial floor.
    pub sd: f64,
    /// The pooled spread alone (`NaN` without degrees of freedom).
    pub spread: f64,
    /// Its degrees of freedom: nets minus groups, over every group of two nets or more.
    pub df: usize,
    /// The binomial error of one evaluation on the validation set (`NaN` when its size is
    /// unknown).
    pub binomial: f64,
}

impl Noise {
    /// The noise of the relative values.
    pub(crate) fn of(relative: &Relative) -> Noise {
        let (mut squares, mut df) = (0.0, 0usize);
        for ((treatment, _), values) in &relative.values {
            if values.len() < 2 || !Treatment::POOLED.contains(treatment) {
                continue;
            }
            let mean = values.iter().sum::<f64>() / values.len() as f64;
            squares += values.iter().map(|v| (v - mean).powi(2)).sum::<f64>();
            df += values.len() - 1;
        }
        let spread = if df > 0 {
            (squares / df as f64).sqrt()
        } else {
            f64::NAN
        };
        let binomial = match relative.base_b {
            Some(p) if relative.val_images > 0.0 => {
                let p = p / 100.0;
                100.0 * (p * (1.0 - p) / relative.val_images).sqrt()
            }
            _ => f64::NAN,
        };
        let sd = match (spread.is_finite(), binomial.is_finite()) {
            (true, true) => spread.max(binomial),
            (true, false) => spread,
            _ => f64::NAN,
        };
        Noise {
            sd,
            spread,
            df,
            binomial,
        }
    }

    /// Whether the nets' spread could be measured.
    pub fn measured(&self) -> bool {
        self.df > 0 && self.sd.is_finite()
    }

    /// One line: the estimate and where it comes from.
    pub fn describe(&self) -> String {
        if !self.measured() {
            return format!(
                "not measurable: no two nets of one treatment at one n (add a direction, a random \
                 split or replicates); the validation set's binomial error alone ({:.2} pts) \
                 understates it",
                self.binomial
            );
        }
        let floor = if self.binomial.is_finite() && self.binomial > self.spread {
            format!(
                ", raised to the validation set's binomial error {:.2}",
                self.binomial
            )
        } else if self.binomial.is_finite() {
            format!(" (validation binomial error {:.2})", self.binomial)
        } else {
            String::new()
        };
        format!(
            "one net {:.2} pts: the spread between nets of one treatment at one n, each relative \
             to its own base, {:.2} pts on {} degrees of freedom{floor}",
            self.sd, self.spread, self.df
        )
    }
}

/// A value with its standard error, in percentage points.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Estimate {
    /// The value.
    pub value: f64,
    /// Its standard error.
    pub se: f64,
}

impl Estimate {
    /// `self − other`, the two taken as independent.
    pub(crate) fn minus(self, other: Estimate) -> Estimate {
        Estimate {
            value: self.value - other.value,
            se: self.se.hypot(other.se),
        }
    }

    /// Whether the value is above zero by more than [`Z`] standard errors.
    pub(crate) fn clearly_positive(self) -> bool {
        self.value > Z * self.se
    }

    /// `value ± Z·se` in points, for messages.
    pub(crate) fn show(self) -> String {
        format!("{:+.2} ± {:.2} pts", self.value, Z * self.se)
    }
}

/// The mean over `ns` of a treatment's mean at each n, with its standard error; `Err` names the
/// first n without a net.
pub(crate) fn mean_over(
    relative: &Relative,
    noise: &Noise,
    treatment: Treatment,
    ns: &[u32],
) -> Result<Estimate, String> {
    let mut sum = 0.0;
    let mut variance = 0.0;
    for &n in ns {
        let values = relative.at(treatment, n);
        if values.is_empty() {
            return Err(format!("no {} net at n = {n}", treatment.label()));
        }
        sum += values.iter().sum::<f64>() / values.len() as f64;
        variance += noise.sd.powi(2) / values.len() as f64;
    }
    let count = ns.len() as f64;
    Ok(Estimate {
        value: sum / count,
        se: variance.sqrt() / count,
    })
}
