//! The figure of one base net profiled against several targets: every target's frozen and
//! fine-tuned transfers relative to its own base net, on one scale (the share of its own
//! net's margin over chance).

use std::path::{Path, PathBuf};

use convnet_findings::{ProfileComparison, ProfileRow};

use crate::draw::render;
use crate::figure2::X_LABEL;
use crate::plot::{Panel, Series};
use crate::stats::{summarise, Summary};
use crate::style::COMPARED_TARGETS;
use crate::FigureError;

/// The one panel: per target, frozen and fine-tuned transfers against its own net in
/// percent of its margin over chance, with its noise band around zero.
fn panel(comparison: &ProfileComparison) -> Panel {
    let last = comparison.layers().last().copied().unwrap_or(7) as f64;
    let mut series = Vec::new();
    let count = comparison.targets().len() as f64;
    for (i, (t, (frozen_style, tuned_style, band_style))) in comparison
        .targets()
        .iter()
        .zip(COMPARED_TARGETS)
        .enumerate()
    {
        let p = &t.profile;
        let band = t.share(p.base + p.band());
        let zero = Summary {
            mean: 0.0,
            band: Some((-band, band)),
        };
        series.push(Series {
            label: format!("{}: own net", t.label),
            style: band_style,
            points: Vec::new(),
            line: vec![(0.0, zero), (last, zero)],
        });
        // Each target's markers a little apart, so that equal values stay visible.
        let offset = (i as f64 - (count - 1.0) / 2.0) * 0.08;
        let curve = |value: fn(&ProfileRow) -> Option<f64>| {
            p.rows
                .iter()
                .filter_map(|r| Some((r.n as f64 + offset, t.share(value(r)?))))
                .map(|(x, y)| (x, summarise(&[y], false)))
                .collect::<Vec<_>>()
        };
        series.push(Series {
            label: format!("{}: frozen", t.label),
            style: frozen_style,
            points: Vec::new(),
            line: curve(|r| r.frozen),
        });
        series.push(Series {
            label: format!("{}: fine-tuned", t.label),
            style: tuned_style,
            points: Vec::new(),
            line: curve(|r| r.finetuned),
        });
    }
    Panel {
        caption: "Each target against its own net (circles; band ±2 SD of one net)".into(),
        x_label: X_LABEL.into(),
        y_label: "Change in top-1, % of the own net's margin over chance".into(),
        y_in_points: true,
        series,
        ..Panel::default()
    }
}

/// Writes `profiles.svg` and `profiles.png` into `out_dir`, titled with the base net;
/// returns their paths.
pub fn draw_comparison(
    comparison: &ProfileComparison,
    out_dir: &Path,
) -> Result<Vec<PathBuf>, FigureError> {
    crate::font::ensure_registered()?;
    std::fs::create_dir_all(out_dir).map_err(|e| FigureError::io(out_dir, e))?;
    let title = format!("Transfer profiles of {}", comparison.base());
    render(out_dir, "profiles", &title, &[panel(comparison)])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_colour_for_every_target_a_comparison_takes() {
        assert_eq!(COMPARED_TARGETS.len(), ProfileComparison::MAX_TARGETS);
    }
}
