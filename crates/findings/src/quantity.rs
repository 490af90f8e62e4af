//! One number a criterion reads, the test it must pass, and the power of that test: how likely
//! the run was to pass it if the paper's effect were there, scaled to the run.

use crate::noise::{Estimate, Z};
use crate::table::Levels;

/// A bound given as a share of a margin over chance, in points once the levels are known.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Limit {
    /// A share of `baseB`'s top-1.
    ShareOfBaseB(f64),
    /// A share of `all/base`'s margin over chance.
    ShareOfAllMargin(f64),
}

impl Limit {
    /// The bound in points, when the levels it needs are known.
    pub fn points(self, levels: &Levels) -> Option<f64> {
        match self {
            Limit::ShareOfBaseB(share) => Some(share * levels.base_b?),
            Limit::ShareOfAllMargin(share) => Some(share * levels.margin_all()?),
        }
    }

    /// The bound in words.
    fn describe(self) -> String {
        match self {
            Limit::ShareOfBaseB(share) => format!("{:.0}% of baseB", 100.0 * share),
            Limit::ShareOfAllMargin(share) => {
                format!("{:.0}% of all/base's margin over chance", 100.0 * share)
            }
        }
    }
}

/// What a quantity must show.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Test {
    /// Above zero by more than [`Z`] standard errors.
    Positive,
    /// Below zero by more than [`Z`] standard errors.
    Negative,
    /// Equivalence: `|value| + Z·SE` within the limit.
    Within(Limit),
    /// `value + Z·SE` at most the limit.
    AtMost(Limit),
    /// `value − Z·SE` at least the limit.
    AtLeast(Limit),
}

impl Test {
    /// The test in a few words.
    pub fn describe(self) -> String {
        match self {
            Test::Positive => "above zero by more than 2 SE".into(),
            Test::Negative => "below zero by more than 2 SE".into(),
            Test::Within(limit) => format!("|value| + 2 SE within {}", limit.describe()),
            Test::AtMost(limit) => format!("value + 2 SE at most {}", limit.describe()),
            Test::AtLeast(limit) => format!("value - 2 SE at least {}", limit.describe()),
        }
    }

    /// Whether `estimate` passes; `None` when the limit's levels are unknown.
    fn passes(self, estimate: Estimate, levels: &Levels) -> Option<bool> {
        let (value, margin) = (estimate.value, Z * estimate.se);
        Some(match self {
            Test::Positive => value > margin,
            Test::Negative => value < -margin,
            Test::Within(limit) => value.abs() + margin <= limit.points(levels)?,
            Test::AtMost(limit) => value + margin <= limit.points(levels)?,
            Test::AtLeast(limit) => value - margin >= limit.points(levels)?,
        })
    }

    /// The probability of passing with standard error `se` if the true value were `truth`
    /// (normal errors); `None` when the limit's levels are unknown.
    fn power(self, truth: f64, se: f64, levels: &Levels) -> Option<f64> {
        if se <= 0.0 || !se.is_finite() {
            return None;
        }
        let z = |x: f64| normal_cdf(x / se);
        Some(match self {
            Test::Positive => z(truth - Z * se),
            Test::Negative => z(-truth - Z * se),
            Test::Within(limit) => {
                let room = limit.points(levels)? - Z * se;
                if room <= 0.0 {
                    0.0
                } else {
                    (z(room - truth) - z(-room - truth)).max(0.0)
                }
            }
            Test::AtMost(limit) => z(limit.points(levels)? - Z * se - truth),
            Test::AtLeast(limit) => z(truth - Z * se - limit.points(levels)?),
        })
    }
}

/// The margin over chance the paper's effect is scaled by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scale {
    /// `baseB`'s margin over chance (the random and the dissimilar splits).
    BaseB,
    /// `all/base`'s margin over chance (random filters).
    AllBase,
}

impl Scale {
    /// The margin in points, when the levels are known.
    pub fn margin(self, levels: &Levels) -> Option<f64> {
        match self {
            Scale::BaseB => levels.margin_b(),
            Scale::AllBase => levels.margin_all(),
        }
    }
}

/// One number a criterion reads: its estimate, the test, and the paper's value of it.
#[derive(Debug, Clone, PartialEq)]
pub struct Quantity {
    /// What it is, e.g. `AnB - baseB at n = 1`.
    pub name: String,
    /// Its value and standard error in points.
    pub estimate: Estimate,
    /// What it must show.
    pub test: Test,
    /// The margin the paper's value is scaled by.
    pub scale: Scale,
    /// The paper's value of the same number, in the paper's points; `None` where the paper
    /// has none.
    pub paper: Option<f64>,
    /// The paper's value scaled to this run (see [`Quantity::paper_scaled_to`]).
    pub paper_scaled: Option<f64>,
    /// The probability of passing the test had the paper's scaled value been the truth.
    pub power: Option<f64>,
    /// Where runs were pooled: the standard deviation of the value between runs, beyond their
    /// own noise (`τ`).
    pub between_runs: Option<f64>,
}

impl Quantity {
    /// A quantity read from a run, before the paper's value is attached.
    pub(crate) fn new(name: String, estimate: Estimate, test: Test, scale: Scale) -> Quantity {
        Quantity {
            name,
            estimate,
            test,
            scale,
            paper: None,
            paper_scaled: None,
            power: None,
            between_runs: None,
        }
    }

    /// Whether it passes its test; `None` when the levels its limit needs are unknown.
    pub fn passes(&self, levels: &Levels) -> Option<bool> {
        self.test.passes(self.estimate, levels)
    }

    /// The paper's value scaled to a run at `levels`: times the run's margin over chance,
    /// divided by the paper's (at `paper`).
    pub fn paper_scaled_to(&self, levels: &Levels, paper: &Levels) -> Option<f64> {
        let ratio = self.scale.margin(levels)? / self.scale.margin(paper)?;
        Some(self.paper? * ratio)
    }

    /// The probability that a run at `levels` passes the test if the true value were the
    /// paper's, scaled to the run (see [`Quantity::paper_scaled_to`]).
    pub fn power_at(&self, levels: &Levels, paper: &Levels) -> Option<f64> {
        let truth = self.paper_scaled_to(levels, paper)?;
        self.test.power(truth, self.estimate.se, levels)
    }
}

/// The standard normal distribution function (Abramowitz and Stegun 7.1.26 through `erf`,
/// absolute error below 1.5e-7).
pub(crate) fn normal_cdf(x: f64) -> f64 {
    let t = 1.0 / (1.0 + 0.327_591_1 * x.abs() / std::f64::consts::SQRT_2);
    let poly = t
        * (0.254_829_592
            + t * (-0.284_496_736
                + t * (1.421_413_741 + t * (-1.453_152_027 + t * 1.061_405_429))));
    let erf = 1.0 - poly * (-(x * x) / 2.0).exp();
    if x >= 0.0 {
        0.5 * (1.0 + erf)
    } else {
        0.5 * (1.0 - erf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normal_cdf_matches_tables() {
        for (x, expected) in [
            (0.0, 0.5),
            (1.0, 0.841_344_7),
            (-1.0, 0.158_655_3),
            (1.959_964, 0.975),
            (-2.0, 0.022_750_1),
            (3.0, 0.998_650_1),
        ] {
            assert!(
                (normal_cdf(x) - expected).abs() < 2e-7,
                "{x}: {}",
                normal_cdf(x)
            );
        }
    }

    #[test]
    fn power_of_a_positive_test_is_half_at_two_standard_errors() {
        let levels = Levels::default();
        let half = Test::Positive.power(2.0, 1.0, &levels).unwrap();
        assert!((half - 0.5).abs() < 1e-9);
        let strong = Test::Positive.power(4.0, 1.0, &levels).unwrap();
        assert!((strong - 0.977_25).abs() < 1e-4, "{strong}");
        assert!(Test::Negative.power(-4.0, 1.0, &levels).unwrap() > 0.97);
    }

    #[test]
    fn equivalence_has_no_power_when_its_margin_is_narrower_than_two_standard_errors() {
        let levels = Levels {
            base_b: Some(60.0),
            ..Levels::default()
        };
        // 5% of 60 = 3 points.
        let test = Test::Within(Limit::ShareOfBaseB(0.05));
        assert_eq!(test.power(0.0, 1.6, &levels), Some(0.0));
        let power = test.power(0.0, 0.5, &levels).unwrap();
        // room 2 pts = 4 SE each side: P(|N(0,1)| < 4).
        assert!((power - 0.999_937).abs() < 1e-5, "{power}");
        assert_eq!(
            test.passes(
                Estimate {
                    value: 1.0,
                    se: 0.5
                },
                &levels
            ),
            Some(true)
        );
        assert_eq!(
            test.passes(
                Estimate {
                    value: 2.1,
                    se: 0.5
                },
                &levels
            ),
            Some(false)
        );
    }
}
