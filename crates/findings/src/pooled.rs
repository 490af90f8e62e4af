//! Several runs pooled, as the paper pooled its four splits: each run's numbers (their own
//! noise model inside the run) combined with the run, its split, initialisation and data
//! order, as a random effect.
//!
//! **The estimator** (DerSimonian and Laird, 1986) for one number read by `k` runs as `θᵢ ± sᵢ`:
//! weights `wᵢ = 1 / sᵢ²`, the fixed-effect mean `θ̄ = Σ wᵢ θᵢ / Σ wᵢ`, heterogeneity
//! `Q = Σ wᵢ (θᵢ − θ̄)²`, the between-run variance
//! `τ² = max(0, (Q − (k − 1)) / (Σ wᵢ − Σ wᵢ² / Σ wᵢ))`, and the pooled value
//! `θ = Σ wᵢ* θᵢ / Σ wᵢ*` with `wᵢ* = 1 / (sᵢ² + τ²)` and standard error `sqrt(1 / Σ wᵢ*)`.
//! Runs that agree beyond their own noise pool like more nets; runs that disagree widen the
//! pooled error by their spread. The pooled verdict is then judged by the same tests.

use crate::assessment::{judge, with_paper, Assessment, Basis, Finding, Verdict};
use crate::noise::Estimate;
use crate::quantity::Quantity;
use crate::table::Levels;

/// The findings of `runs` (name and assessment of each, two or more) pooled. A finding not
/// measurable on any run is not measurable pooled, naming the run and why; its pooled numbers
/// are still given, to read, as a single run's are.
pub fn pool(runs: &[(String, Assessment)]) -> Assessment {
    let levels = mean_levels(runs.iter().map(|(_, a)| &a.levels));
    let ids = runs
        .first()
        .map(|(_, a)| a.findings.iter().map(|f| f.id).collect::<Vec<_>>())
        .unwrap_or_default();
    let findings = ids
        .into_iter()
        .map(|id| {
            let per_run: Vec<(&str, &Finding)> = runs
                .iter()
                .filter_map(|(name, a)| Some((name.as_str(), a.finding(id)?)))
                .collect();
            let blocked = per_run.iter().find_map(|(name, f)| match &f.verdict {
                Verdict::NotMeasurable(why) => Some(format!("{name}: {why}")),
                _ => None,
            });
            if per_run.len() < runs.len() {
                return Finding {
                    id,
                    quantities: Vec::new(),
                    verdict: Verdict::NotMeasurable("a run does not read this finding".into()),
                };
            }
            // A run blocked before it measured reads no numbers: then none are pooled.
            let count = per_run[0].1.quantities.len();
            let agree = per_run.iter().all(|(_, f)| f.quantities.len() == count);
            let count = if agree { count } else { 0 };
            let quantities: Vec<Quantity> = (0..count)
                .map(|i| {
                    let estimates: Vec<Estimate> = per_run
                        .iter()
                        .map(|(_, f)| f.quantities[i].estimate)
                        .collect();
                    let (estimate, tau) = random_effects(&estimates);
                    let first = &per_run[0].1.quantities[i];
                    let mut q =
                        Quantity::new(first.name.clone(), estimate, first.test, first.scale);
                    q.between_runs = Some(tau);
                    q
                })
                .collect();
            let quantities = with_paper(id, quantities, &levels);
            let verdict = match blocked {
                Some(why) => Verdict::NotMeasurable(why),
                None if !agree => {
                    Verdict::NotMeasurable("the runs read this finding differently".into())
                }
                None => judge(&quantities, &levels),
            };
            Finding {
                id,
                quantities,
                verdict,
            }
        })
        .collect();
    Assessment {
        basis: Basis::Pooled {
            runs: runs.iter().map(|(name, _)| name.clone()).collect(),
        },
        levels,
        findings,
    }
}

/// The DerSimonian-Laird random-effects mean of `estimates`, and `τ`, the standard deviation
/// between them beyond their own errors.
pub(crate) fn random_effects(estimates: &[Estimate]) -> (Estimate, f64) {
    let k = estimates.len() as f64;
    let weights: Vec<f64> = estimates.iter().map(|e| 1.0 / e.se.powi(2)).collect();
    let total: f64 = weights.iter().sum();
    let fixed = estimates
        .iter()
        .zip(&weights)
        .map(|(e, w)| w * e.value)
        .sum::<f64>()
        / total;
    let q: f64 = estimates
        .iter()
        .zip(&weights)
        .map(|(e, w)| w * (e.value - fixed).powi(2))
        .sum();
    let scale = total - weights.iter().map(|w| w * w).sum::<f64>() / total;
    let tau2 = if scale > 0.0 {
        ((q - (k - 1.0)) / scale).max(0.0)
    } else {
        0.0
    };
    let star: Vec<f64> = estimates
        .iter()
        .map(|e| 1.0 / (e.se.powi(2) + tau2))
        .collect();
    let total_star: f64 = star.iter().sum();
    let value = estimates
        .iter()
        .zip(&star)
        .map(|(e, w)| w * e.value)
        .sum::<f64>()
        / total_star;
    (
        Estimate {
            value,
            se: (1.0 / total_star).sqrt(),
        },
        tau2.sqrt(),
    )
}

/// The mean of each level over the runs that know it.
fn mean_levels<'a>(levels: impl Iterator<Item = &'a Levels> + Clone) -> Levels {
    let mean = |pick: fn(&Levels) -> Option<f64>| {
        let values: Vec<f64> = levels.clone().filter_map(pick).collect();
        (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
    };
    Levels {
        base_b: mean(|l| l.base_b),
        chance_b: mean(|l| l.chance_b),
        all_base: mean(|l| l.all_base),
        chance_all: mean(|l| l.chance_all),
        val_images: mean(|l| Some(l.val_images)).unwrap_or(0.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agreeing_runs_pool_like_more_nets() {
        let runs = [Estimate {
            value: 1.0,
            se: 1.0,
        }; 4];
        let (pooled, tau) = random_effects(&runs);
        assert_eq!(tau, 0.0);
        assert!((pooled.value - 1.0).abs() < 1e-12);
        assert!((pooled.se - 0.5).abs() < 1e-12);
    }

    #[test]
    fn disagreeing_runs_widen_the_error_by_their_spread() {
        let runs = [
            Estimate {
                value: -3.0,
                se: 0.5,
            },
            Estimate {
                value: 0.0,
                se: 0.5,
            },
            Estimate {
                value: 3.0,
                se: 0.5,
            },
        ];
        let (pooled, tau) = random_effects(&runs);
        // Q = 4 * 18 = 72, scale = 12 - 48/12 = 8, tau² = (72 - 2) / 8 = 8.75.
        assert!((tau - 8.75f64.sqrt()).abs() < 1e-12, "{tau}");
        assert!(pooled.value.abs() < 1e-12);
        assert!((pooled.se - ((0.25 + 8.75) / 3.0f64).sqrt()).abs() < 1e-12);
    }
}
