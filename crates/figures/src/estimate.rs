//! The figure of transferability estimates: per base net and target, the estimates of every
//! layer beside the measured frozen transfers, on one axis.

use std::path::{Path, PathBuf};

use convnet_estimates::{decimals_between, Control, LayerEstimator, LayerScore, ProfileEstimate};

use crate::draw::{render, FigureOptions};
use crate::figure2::X_LABEL;
use crate::plot::{Panel, Series};
use crate::stats::summarise;
use crate::style::{ANB, ESTIMATORS};
use crate::FigureError;

/// `values` moved linearly so that their lowest and highest land on `lo` and `hi` (all on the
/// middle when they are all equal).
fn rescale(values: &[f64], (lo, hi): (f64, f64)) -> Vec<f64> {
    let min = values.iter().copied().fold(f64::INFINITY, f64::min);
    let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    values
        .iter()
        .map(|v| {
            if max > min {
                lo + (v - min) / (max - min) * (hi - lo)
            } else {
                (lo + hi) / 2.0
            }
        })
        .collect()
}

/// The lowest and highest of `values`.
fn range(values: impl Iterator<Item = f64>) -> Option<(f64, f64)> {
    values.fold(None, |range, v| match range {
        None => Some((v, v)),
        Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
    })
}

/// One panel: the measured frozen transfers in top-1 and every estimator rescaled onto their
/// range (onto 0..1 where nothing was measured), its own range and rank agreement in the legend.
fn panel(profile: &ProfileEstimate) -> Panel {
    let measured_range = range(profile.measured.iter().map(|(_, v)| *v));
    let mut series = Vec::new();
    if !profile.measured.is_empty() {
        let depth = profile
            .agreement(Control::Depth)
            .map_or_else(String::new, |rho| format!("; depth alone ρ {rho:+.2}"));
        series.push(Series {
            label: format!("measured frozen transfer{depth}"),
            style: ANB,
            points: Vec::new(),
            line: profile
                .measured
                .iter()
                .map(|(n, v)| (f64::from(*n), summarise(&[*v], false)))
                .collect(),
        });
    }
    for (estimator, style) in LayerEstimator::ALL.into_iter().zip(ESTIMATORS) {
        let values: Vec<f64> = profile.layers.iter().map(|l| estimator.of(l)).collect();
        let Some((lo, hi)) = range(values.iter().copied()) else {
            continue;
        };
        let agreement = profile
            .agreement(estimator)
            .map_or_else(String::new, |rho| format!(", ρ {rho:+.2}"));
        let rescaled = rescale(&values, measured_range.unwrap_or((0.0, 1.0)));
        let decimals = decimals_between(&values);
        series.push(Series {
            label: format!(
                "{} {lo:.decimals$} to {hi:.decimals$}{agreement}",
                estimator.name()
            ),
            style,
            points: Vec::new(),
            line: profile
                .layers
                .iter()
                .zip(rescaled)
                .map(|(l, v)| (f64::from(l.n), summarise(&[v], false)))
                .collect(),
        });
    }
    let leep = profile
        .classifier
        .map_or_else(String::new, |c| format!("; LEEP at n = 7: {:.2}", c.leep));
    Panel {
        caption: format!("{} on {}{leep}", profile.base, profile.target),
        x_label: X_LABEL.into(),
        y_label: if measured_range.is_some() {
            "Top-1; estimates rescaled to its range".into()
        } else {
            "Estimate, rescaled to 0..1".into()
        },
        series,
        ..Panel::default()
    }
}

/// Writes `estimate.svg` and `estimate.png` into `out_dir`, one panel per profile in
/// `profiles` (none: no files); returns their paths.
pub fn draw_estimates(
    profiles: &[&ProfileEstimate],
    out_dir: &Path,
    options: &FigureOptions,
) -> Result<Vec<PathBuf>, FigureError> {
    if profiles.is_empty() {
        return Ok(Vec::new());
    }
    crate::font::ensure_registered()?;
    std::fs::create_dir_all(out_dir).map_err(|e| FigureError::io(out_dir, e))?;
    let title = if options.title.is_empty() {
        "Transferability estimates".to_string()
    } else {
        format!("{}: transferability estimates", options.title)
    };
    let panels: Vec<Panel> = profiles.iter().map(|p| panel(p)).collect();
    render(out_dir, "estimate", &title, &panels)
}

#[cfg(test)]
mod tests {
    use super::*;
    use convnet_estimates::{LayerEstimate, Reduction};

    fn profile(measured: Vec<(u32, f64)>) -> ProfileEstimate {
        ProfileEstimate {
            base: "random0/baseA".into(),
            target: "random0/B".into(),
            images: 100,
            classes: 4,
            reduction: Reduction::Grid(2),
            layers: (1..=3)
                .map(|n| LayerEstimate {
                    n,
                    dimensions: 8,
                    logme: -f64::from(n),
                    h_score: f64::from(n),
                    shrinkage_h_score: 1.0,
                })
                .collect(),
            classifier: None,
            measured,
        }
    }

    fn assert_close(found: &[f64], expected: &[f64]) {
        assert_eq!(found.len(), expected.len());
        for (f, e) in found.iter().zip(expected) {
            assert!((f - e).abs() < 1e-12, "{found:?} against {expected:?}");
        }
    }

    #[test]
    fn estimates_are_rescaled_onto_the_measured_range() {
        assert_close(&rescale(&[-3.0, -1.0, -2.0], (0.5, 0.7)), &[0.5, 0.7, 0.6]);
        assert_close(&rescale(&[2.0, 2.0], (0.0, 1.0)), &[0.5, 0.5]);
        let measured = panel(&profile(vec![(1, 0.6), (2, 0.5), (3, 0.4)]));
        assert_eq!(
            measured.series[0].label,
            "measured frozen transfer; depth alone ρ +1.00"
        );
        let logme = &measured.series[1];
        assert_eq!(logme.label, "LogME -3.00 to -1.00, ρ +1.00");
        let heights: Vec<f64> = logme.line.iter().map(|(_, s)| s.mean).collect();
        assert_close(&heights, &[0.6, 0.5, 0.4]);
        assert!(measured.y_label.starts_with("Top-1"));
        let unmeasured = panel(&profile(Vec::new()));
        assert_eq!(unmeasured.series.len(), 3);
        assert_eq!(unmeasured.series[1].label, "H-score 1.00 to 3.00");
        assert!(unmeasured.y_label.contains("0..1"));
    }

    #[test]
    fn a_figure_has_a_panel_per_profile_and_none_without_profiles() {
        let dir = tempfile::tempdir().unwrap();
        let options = FigureOptions {
            title: "test".into(),
            paper_overlay: false,
        };
        assert!(draw_estimates(&[], dir.path(), &options)
            .unwrap()
            .is_empty());
        let (a, b) = (profile(vec![(1, 0.5), (3, 0.6)]), profile(Vec::new()));
        let written = draw_estimates(&[&a, &b], dir.path(), &options).unwrap();
        assert_eq!(written.len(), 2);
        let png = image::open(dir.path().join("estimate.png")).unwrap();
        assert!(png.height() > 2 * 800, "two panels: {}", png.height());
    }
}
