//! Estimates of a transfer profile: the estimators at every layer of a base net on one target,
//! beside the measured frozen transfers, and how well they rank the layers.

use std::fmt::Write as _;

use crate::{exact_logme, h_score, leep, nce, shrinkage_h_score, spearman};
use crate::{EstimateError, Matrix, Reduction};

/// An estimator computed from the features of every layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LayerEstimator {
    /// LogME as [`exact_logme`] computes it.
    Logme,
    /// [`h_score`].
    HScore,
    /// [`shrinkage_h_score`].
    ShrinkageHScore,
}

impl LayerEstimator {
    /// Every estimator, in the order of the tables.
    pub const ALL: [LayerEstimator; 3] = [
        LayerEstimator::Logme,
        LayerEstimator::HScore,
        LayerEstimator::ShrinkageHScore,
    ];

    /// Its column in `estimate.csv`.
    pub fn column(self) -> &'static str {
        match self {
            LayerEstimator::Logme => "logme",
            LayerEstimator::HScore => "h_score",
            LayerEstimator::ShrinkageHScore => "shrinkage_h_score",
        }
    }
}

/// A score of every layer: an estimator or a control, ranked against the measured top-1 alike.
pub trait LayerScore: Copy {
    /// Its name in text and figures.
    fn name(self) -> &'static str;
    /// Its value at `layer`.
    fn of(self, layer: &LayerEstimate) -> f64;
}

impl LayerScore for LayerEstimator {
    fn name(self) -> &'static str {
        match self {
            LayerEstimator::Logme => "LogME",
            LayerEstimator::HScore => "H-score",
            LayerEstimator::ShrinkageHScore => "shrinkage H-score",
        }
    }

    fn of(self, layer: &LayerEstimate) -> f64 {
        match self {
            LayerEstimator::Logme => layer.logme,
            LayerEstimator::HScore => layer.h_score,
            LayerEstimator::ShrinkageHScore => layer.shrinkage_h_score,
        }
    }
}

/// A prediction of a profile that reads no features: what an estimator must beat to say
/// something about the layers that their depth and width do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    /// The lower the layer, the better it transfers frozen (the paper's finding): `-n`.
    Depth,
    /// The more dimensions the reduced features keep, the better.
    Width,
}

impl Control {
    /// Both controls, in the order of the tables.
    pub const ALL: [Control; 2] = [Control::Depth, Control::Width];
}

impl LayerScore for Control {
    fn name(self) -> &'static str {
        match self {
            Control::Depth => "depth alone",
            Control::Width => "width alone",
        }
    }

    fn of(self, layer: &LayerEstimate) -> f64 {
        match self {
            Control::Depth => -f64::from(layer.n),
            Control::Width => layer.dimensions as f64,
        }
    }
}

/// The estimates of the features of layers `1..n` of a base net, the output of layer `n`.
#[derive(Debug, Clone, PartialEq)]
pub struct LayerEstimate {
    /// The layer (1..=7).
    pub n: u32,
    /// Feature dimensions after the reduction.
    pub dimensions: usize,
    /// [`exact_logme`].
    pub logme: f64,
    /// [`h_score`].
    pub h_score: f64,
    /// [`shrinkage_h_score`].
    pub shrinkage_h_score: f64,
}

impl LayerEstimate {
    /// Every [`LayerEstimator`] on the features of layer `n` (one row per target image).
    ///
    /// # Errors
    /// Those of the estimators.
    pub fn compute<T: Copy + Into<f64>>(
        n: u32,
        features: Matrix<'_, T>,
        labels: &[usize],
        classes: usize,
    ) -> Result<Self, EstimateError> {
        Ok(LayerEstimate {
            n,
            dimensions: features.columns(),
            logme: exact_logme(features, labels, classes)?,
            h_score: h_score(features, labels, classes)?,
            shrinkage_h_score: shrinkage_h_score(features, labels, classes)?,
        })
    }
}

/// The estimates of a base net's own classifier (its fc8 on its fc7 features, at `n = 7`) on
/// the target's images: they apply only where the whole base net reads the target's images.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClassifierEstimate {
    /// [`leep`] of the softmax of the classifier's outputs.
    pub leep: f64,
    /// [`nce`] of the arg-max of its outputs.
    pub nce: f64,
}

impl ClassifierEstimate {
    /// LEEP and NCE from the classifier's `logits`, one row per target image and one column per
    /// source class.
    ///
    /// # Errors
    /// Those of [`leep`] and [`nce`].
    pub fn from_logits<T: Copy + Into<f64>>(
        logits: Matrix<'_, T>,
        labels: &[usize],
        classes: usize,
    ) -> Result<Self, EstimateError> {
        let columns = logits.columns();
        let mut probabilities = Vec::with_capacity(logits.rows() * columns);
        let mut predicted = Vec::with_capacity(logits.rows());
        for row in 0..logits.rows() {
            let values: Vec<f64> = logits.row(row).collect();
            let (arg_max, max) =
                values
                    .iter()
                    .copied()
                    .enumerate()
                    .fold((0, f64::NEG_INFINITY), |best, (i, v)| {
                        if v > best.1 {
                            (i, v)
                        } else {
                            best
                        }
                    });
            let exps: Vec<f64> = values.iter().map(|v| (v - max).exp()).collect();
            let total: f64 = exps.iter().sum();
            probabilities.extend(exps.iter().map(|e| e / total));
            predicted.push(arg_max);
        }
        let probabilities = Matrix::new(&probabilities, logits.rows(), columns)?;
        Ok(ClassifierEstimate {
            leep: leep(probabilities, labels, classes)?,
            nce: nce(&predicted, labels, classes)?,
        })
    }
}

/// A base net's estimates on one target, layer by layer, with the frozen transfers measured
/// from the same base on the same target where there are any.
#[derive(Debug, Clone, PartialEq)]
pub struct ProfileEstimate {
    /// The base net: a cell of a grid (`random0/baseA`) or a profile's base.
    pub base: String,
    /// The target: the images scored and the frozen transfers measured (`random0/B`).
    pub target: String,
    /// Target images scored.
    pub images: usize,
    /// Target classes.
    pub classes: usize,
    /// How the layers' maps were reduced.
    pub reduction: Reduction,
    /// One per layer, ascending `n`.
    pub layers: Vec<LayerEstimate>,
    /// The base's own classifier at `n = 7`; `None` where it does not apply.
    pub classifier: Option<ClassifierEstimate>,
    /// Measured top-1 of the frozen transfers (`AnB`, the mean of their replicates) by `n`,
    /// ascending; empty when none was measured.
    pub measured: Vec<(u32, f64)>,
}

impl ProfileEstimate {
    /// The measured top-1 at layer `n`.
    pub fn measured_at(&self, n: u32) -> Option<f64> {
        self.measured.iter().find(|(m, _)| *m == n).map(|(_, v)| *v)
    }

    /// The pairs `(score, measured top-1)` of `score` at every measured layer.
    fn pairs(&self, score: impl LayerScore) -> (Vec<f64>, Vec<f64>) {
        self.layers
            .iter()
            .filter_map(|layer| Some((score.of(layer), self.measured_at(layer.n)?)))
            .unzip()
    }

    /// Spearman's rank correlation of `score` (an estimator or a [`Control`]) and the measured
    /// top-1 over the layers: 1 when it orders the layers as the measurements do.
    pub fn agreement(&self, score: impl LayerScore) -> Option<f64> {
        let (estimates, measured) = self.pairs(score);
        spearman(&estimates, &measured)
    }

    /// The estimators whose rank agreement is above that of depth alone: those that say
    /// something about the layers that "the lower, the better" does not. `None` where nothing
    /// was measured, or the measurements cannot be ranked.
    pub fn beating_depth(&self) -> Option<Vec<LayerEstimator>> {
        let depth = self.agreement(Control::Depth)?;
        Some(
            LayerEstimator::ALL
                .into_iter()
                .filter(|&e| self.agreement(e).is_some_and(|rho| rho > depth))
                .collect(),
        )
    }

    /// The layer where `estimator` is highest.
    pub fn peak(&self, estimator: LayerEstimator) -> Option<u32> {
        self.layers
            .iter()
            .max_by(|a, b| estimator.of(a).total_cmp(&estimator.of(b)))
            .map(|layer| layer.n)
    }

    /// The layer whose frozen transfer measured highest.
    pub fn measured_peak(&self) -> Option<u32> {
        self.measured
            .iter()
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(n, _)| *n)
    }

    /// A few lines: per estimator its rank agreement with the measurements and where it peaks
    /// against where they do, or its values alone where nothing was measured; then the base
    /// classifier's LEEP and NCE, or why they do not apply.
    pub fn summary(&self) -> String {
        let mut out = format!(
            "{} on {} ({} images, {} classes, maps reduced {}):\n",
            self.base, self.target, self.images, self.classes, self.reduction
        );
        let measured_peak = self.measured_peak();
        for estimator in LayerEstimator::ALL {
            let values: Vec<f64> = self.layers.iter().map(|l| estimator.of(l)).collect();
            let decimals = decimals_between(&values).max(3);
            let values: Vec<String> = values.iter().map(|v| format!("{v:.decimals$}")).collect();
            let peak = self.peak(estimator).map_or("–".into(), |n| n.to_string());
            let _ = write!(
                out,
                "  {:<18} {}; peaks at n = {peak}",
                estimator.name(),
                values.join(" ")
            );
            match (self.agreement(estimator), measured_peak) {
                (Some(rho), Some(best)) => {
                    let _ = writeln!(
                        out,
                        ", measured at n = {best}; rank agreement with the measured top-1 {rho:+.2}{}",
                        if rho < 0.0 {
                            " (ranks the layers the wrong way round)"
                        } else {
                            ""
                        }
                    );
                }
                _ => out.push('\n'),
            }
        }
        if !self.measured.is_empty() {
            let measured: Vec<String> = self
                .measured
                .iter()
                .map(|(n, v)| format!("{n}: {:.1}%", 100.0 * v))
                .collect();
            let _ = writeln!(out, "  measured top-1      {}", measured.join(", "));
            let controls: Vec<String> = Control::ALL
                .into_iter()
                .filter_map(|c| Some(format!("{} {:+.2}", c.name(), self.agreement(c)?)))
                .collect();
            if let Some(beating) = self.beating_depth() {
                let names: Vec<&str> = beating.iter().map(|e| e.name()).collect();
                let _ = writeln!(
                    out,
                    "  controls: {}; {}",
                    controls.join(", "),
                    if names.is_empty() {
                        "no estimator ranks the layers better than depth alone".to_string()
                    } else {
                        let verb = if names.len() == 1 { "ranks" } else { "rank" };
                        format!(
                            "{} {verb} the layers better than depth alone",
                            names.join(", ")
                        )
                    }
                );
            }
        }
        match &self.classifier {
            Some(c) => {
                let _ = writeln!(
                    out,
                    "  base classifier at n = 7: LEEP {:.3}, NCE {:.3}",
                    c.leep, c.nce
                );
            }
            None => out.push_str(
                "  LEEP and NCE do not apply: the base's fc6-fc8 do not read the target's images\n",
            ),
        }
        out
    }
}

/// How many decimals tell `values` apart: enough for two significant digits of their range,
/// at least two and at most six.
///
/// ```
/// use convnet_estimates::decimals_between;
///
/// assert_eq!(decimals_between(&[1.78, 5.0, 13.10]), 2);
/// assert_eq!(decimals_between(&[0.264, 0.192]), 3);
/// assert_eq!(decimals_between(&[0.8980, 0.9027]), 4); // 0.8980 to 0.9027, not 0.90 to 0.90
/// assert_eq!(decimals_between(&[0.5, 0.5]), 2);
/// ```
pub fn decimals_between(values: &[f64]) -> usize {
    let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if hi > lo && (hi - lo).is_finite() {
        (1 - (hi - lo).log10().floor() as i32).clamp(2, 6) as usize
    } else {
        2
    }
}

/// Spearman's rank correlation of `estimator` and the measured top-1 over every measured layer
/// of every profile in `profiles` together: for profiles of one base on several targets, whether
/// the estimator orders the targets and layers as the measurements do.
pub fn agreement_across(profiles: &[&ProfileEstimate], estimator: impl LayerScore) -> Option<f64> {
    let (estimates, measured): (Vec<Vec<f64>>, Vec<Vec<f64>>) =
        profiles.iter().map(|p| p.pairs(estimator)).unzip();
    spearman(&estimates.concat(), &measured.concat())
}

/// `estimate.csv`: one row per profile and layer, with every estimator, the base classifier's
/// LEEP and NCE on the row `n = 7` (empty elsewhere, and where they do not apply) and the
/// measured top-1 (empty where not measured).
pub fn estimates_csv(profiles: &[ProfileEstimate]) -> String {
    let mut out = String::from("base,target,n,images,classes,reduction,dimensions");
    for estimator in LayerEstimator::ALL {
        out.push(',');
        out.push_str(estimator.column());
    }
    out.push_str(",leep,nce,measured_top1\n");
    let cell = |v: Option<f64>| v.map_or_else(String::new, |v| format!("{v:.6}"));
    for profile in profiles {
        for layer in &profile.layers {
            let _ = write!(
                out,
                "{},{},{},{},{},{},{}",
                profile.base,
                profile.target,
                layer.n,
                profile.images,
                profile.classes,
                profile.reduction,
                layer.dimensions
            );
            for estimator in LayerEstimator::ALL {
                let _ = write!(out, ",{:.6}", estimator.of(layer));
            }
            let classifier = profile.classifier.filter(|_| layer.n == 7);
            let _ = writeln!(
                out,
                ",{},{},{}",
                cell(classifier.map(|c| c.leep)),
                cell(classifier.map(|c| c.nce)),
                cell(profile.measured_at(layer.n))
            );
        }
    }
    out
}
