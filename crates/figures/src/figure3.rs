//! Figure 3: the dissimilar split and random filters (top), and every treatment relative to its
//! base, in percentage points (bottom).

use crate::figure2::{jittered_points, note_lines, X_LABEL, Y_LABEL};
use crate::groups::{
    dissimilar_curves, mean_line, random_filter_curve, relative_curves, Curve, RelativeCurves,
};
use crate::plot::{Annotation, Overlay, Panel, Reference, Series};
use crate::stats::Summary;
use crate::style::{
    CurveStyle, DISSIMILAR_1, DISSIMILAR_2, DISSIMILAR_RELATIVE, GAUSSIAN_FILTERS, RANDOM_FILTERS,
    RANDOM_SPLIT_RELATIVE,
};
use convnet_findings::paper::Aggregates;
use convnet_findings::{Assessment, Finding, FindingId};
use convnet_results::{CellResult, Mode};
use convnet_splits::HalfId;

/// The mean line of a curve, as plot coordinates.
fn line_of(curve: &Curve) -> Vec<(f64, Summary)> {
    mean_line(curve)
        .into_iter()
        .map(|(n, s)| (n as f64, s))
        .collect()
}

/// A published curve that starts at `base` for n = 0.
fn from_base(base: f64, values: &[f64; 7]) -> Vec<(f64, f64)> {
    std::iter::once((0.0, base))
        .chain(values.iter().enumerate().map(|(i, v)| (i as f64 + 1.0, *v)))
        .collect()
}

/// Figure 3 top: absolute top-1 of the dissimilar split (both directions) and random filters.
fn top_panel(rows: &[CellResult], paper: Option<&Aggregates>) -> Panel {
    let mut panel = Panel {
        caption: "Dissimilar split (frozen transfers) and random frozen filters".into(),
        x_label: X_LABEL.into(),
        y_label: Y_LABEL.into(),
        ..Panel::default()
    };
    let styles = [DISSIMILAR_1, DISSIMILAR_2];
    for (i, d) in dissimilar_curves(rows).iter().enumerate() {
        let style: CurveStyle = styles[i % 2];
        let label = match d.source {
            None => format!("{} base{}", d.split, d.target),
            Some(source) => format!("{} {source}n{}", d.split, d.target),
        };
        panel.series.push(Series {
            label,
            style,
            points: jittered_points(&d.curve, -0.08 + 0.08 * (i % 2) as f64),
            line: line_of(&d.curve),
        });
        if let Some(p) = paper {
            // The paper's natural half is A: target B is the man-made half.
            let points = if d.target == HalfId::B {
                from_base(p.natman_base_man_made, &p.natman_to_man_made)
            } else {
                from_base(p.natman_base_natural, &p.natman_to_natural)
            };
            panel.overlays.push(Overlay { style, points });
        }
    }
    // The paper's random filters are Caffe's Gaussian ones: its curve goes beside those where
    // the run has them, else beside the net's own.
    let gaussian = random_filter_curve(rows, Mode::Gaussian);
    let has_gaussian = gaussian.keys().any(|n| *n > 0);
    let sets = [
        (
            "random filters",
            RANDOM_FILTERS,
            random_filter_curve(rows, Mode::Random),
            !has_gaussian,
        ),
        (
            "random filters, Gaussian σ 0.01",
            GAUSSIAN_FILTERS,
            gaussian,
            has_gaussian,
        ),
    ];
    for (i, (label, style, curve, overlaid)) in sets.into_iter().enumerate() {
        if curve.is_empty() || (i > 0 && !has_gaussian) {
            continue;
        }
        panel.series.push(Series {
            label: label.into(),
            style,
            points: jittered_points(&curve, 0.12 + 0.06 * i as f64),
            line: line_of(&curve),
        });
        if let Some(p) = paper.filter(|_| overlaid) {
            panel.overlays.push(Overlay {
                style,
                points: from_base(p.all_base, &p.random_filters),
            });
        }
    }
    panel
}

/// The verdicts of finding 5, at the dissimilar split's lowest mean (or the random filters').
fn finding_five(relative: &RelativeCurves, assessment: &Assessment) -> Option<Annotation> {
    let read: Vec<&Finding> = [FindingId::F5a, FindingId::F5b]
        .iter()
        .filter_map(|id| assessment.finding(*id))
        .collect();
    if read.is_empty() {
        return None;
    }
    let (curve, color) = if relative.dissimilar.keys().any(|n| *n > 0) {
        (&relative.dissimilar, DISSIMILAR_RELATIVE.color)
    } else if relative.gaussian_filters.keys().any(|n| *n > 0) {
        (&relative.gaussian_filters, GAUSSIAN_FILTERS.color)
    } else {
        (&relative.random_filters, RANDOM_FILTERS.color)
    };
    let (n, summary) = mean_line(curve)
        .into_iter()
        .filter(|(n, _)| *n > 0)
        .min_by(|a, b| a.1.mean.total_cmp(&b.1.mean))?;
    Some(Annotation {
        lines: note_lines("5: dissimilar split and random filters", &read),
        anchor: (n as f64, summary.mean),
        color,
        below_first: false,
    })
}

/// Figure 3 bottom: each treatment relative to its base, in percentage points, with the
/// verdict of finding 5.
fn bottom_panel(rows: &[CellResult], assessment: &Assessment, paper: Option<&Aggregates>) -> Panel {
    let relative = relative_curves(rows);
    let mut panel = Panel {
        caption: "Top-1 relative to the matching base net".into(),
        x_label: X_LABEL.into(),
        y_label: "Top-1 minus own base, points (higher is better)".into(),
        y_in_points: true,
        references: vec![Reference {
            label: "no change".into(),
            y: 0.0,
        }],
        ..Panel::default()
    };
    let curves = [
        (
            "random split AnB",
            RANDOM_SPLIT_RELATIVE,
            &relative.random_split,
            paper.map(|p| p.random_split_relative),
        ),
        (
            "dissimilar split AnB",
            DISSIMILAR_RELATIVE,
            &relative.dissimilar,
            paper.map(|p| p.natman_relative),
        ),
        (
            "random filters",
            RANDOM_FILTERS,
            &relative.random_filters,
            paper
                .filter(|_| !relative.gaussian_filters.keys().any(|n| *n > 0))
                .map(|p| p.random_filters_relative),
        ),
        (
            "random filters, Gaussian σ 0.01",
            GAUSSIAN_FILTERS,
            &relative.gaussian_filters,
            paper.map(|p| p.random_filters_relative),
        ),
    ];
    for (label, style, curve, published) in curves {
        if !curve.keys().any(|n| *n > 0) {
            continue;
        }
        panel.series.push(Series {
            label: label.into(),
            style,
            points: Vec::new(),
            line: line_of(curve),
        });
        if let Some(values) = published {
            let points_scale = values.map(|v| 100.0 * v);
            panel.overlays.push(Overlay {
                style,
                points: from_base(0.0, &points_scale),
            });
        }
    }
    panel
        .annotations
        .extend(finding_five(&relative, assessment));
    panel
}

/// The panels of Figure 3 that the rows allow (possibly none).
pub(crate) fn figure3_panels(
    rows: &[CellResult],
    assessment: &Assessment,
    paper: Option<&Aggregates>,
) -> Vec<Panel> {
    [
        top_panel(rows, paper),
        bottom_panel(rows, assessment, paper),
    ]
    .into_iter()
    .filter(Panel::has_layers)
    .collect()
}
