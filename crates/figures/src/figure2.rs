//! Figure 2: top-1 against n for baseB, BnB, BnB+, AnB, AnB+ on the random splits.

use crate::groups::{figure2_curves, mean_at, mean_line, Curve, Figure2Group};
use crate::paper::Aggregates;
use crate::plot::{Annotation, Overlay, Panel, Reference, Series};
use crate::stats::{summarise, Summary};
use crate::style::{CurveStyle, ANB, ANB_PLUS, BASE_B, BNB, BNB_PLUS};
use convnet_transfer::CellResult;
use std::collections::BTreeMap;

/// The x-axis description of every figure.
pub(crate) const X_LABEL: &str = "Layer n at which network is chopped and retrained";
/// The y-axis description of absolute panels.
pub(crate) const Y_LABEL: &str = "Top-1 accuracy (higher is better)";

/// The paper's colour and marker of a group.
fn style_of(group: Figure2Group) -> CurveStyle {
    match group {
        Figure2Group::BaseB => BASE_B,
        Figure2Group::BnB => BNB,
        Figure2Group::BnBPlus => BNB_PLUS,
        Figure2Group::AnB => ANB,
        Figure2Group::AnBPlus => ANB_PLUS,
    }
}

/// Horizontal offset of a group's markers, so groups at one n do not overlap.
fn group_offset(group: Figure2Group) -> f64 {
    match group {
        Figure2Group::BaseB => 0.0,
        Figure2Group::BnB => -0.16,
        Figure2Group::BnBPlus => -0.08,
        Figure2Group::AnB => 0.08,
        Figure2Group::AnBPlus => 0.16,
    }
}

/// One point per network, spread a little around `n + offset`.
pub(crate) fn jittered_points(curve: &Curve, offset: f64) -> Vec<(f64, f64)> {
    let mut points = Vec::new();
    for (&n, observations) in curve {
        let count = observations.len();
        let step = if count > 1 {
            (0.07 / (count - 1) as f64).min(0.025)
        } else {
            0.0
        };
        for (i, o) in observations.iter().enumerate() {
            let spread = (i as f64 - (count - 1) as f64 / 2.0) * step;
            points.push((n as f64 + offset + spread, o.value));
        }
    }
    points
}

/// The mean line of a group, starting from the mean baseB at n = 0.
fn group_line(curve: &Curve, base_b: Option<f64>) -> Vec<(f64, Summary)> {
    let mut line: Vec<(f64, Summary)> = Vec::new();
    if let (Some(base), false) = (base_b, curve.contains_key(&0)) {
        line.push((0.0, summarise(&[base], false)));
    }
    line.extend(mean_line(curve).into_iter().map(|(n, s)| (n as f64, s)));
    line
}

/// The paper's mean line of a group, from its baseB.
fn paper_line(group: Figure2Group, paper: &Aggregates) -> Option<Vec<(f64, f64)>> {
    let values = match group {
        Figure2Group::BaseB => return None,
        Figure2Group::BnB => paper.bnb,
        Figure2Group::BnBPlus => paper.bnb_plus,
        Figure2Group::AnB => paper.anb,
        Figure2Group::AnBPlus => paper.anb_plus,
    };
    let mut line = vec![(0.0, paper.base_b)];
    line.extend(values.iter().enumerate().map(|(i, v)| (i as f64 + 1.0, *v)));
    Some(line)
}

/// The four findings of the paper, placed at the data they are read from, each with the value
/// measured here.
fn findings(curves: &BTreeMap<Figure2Group, Curve>, base_b: f64) -> Vec<Annotation> {
    let points = |v: f64| format!("{:+.1} pts vs baseB", 100.0 * (v - base_b));
    let mut notes = Vec::new();
    let early: Vec<(u32, f64)> = (1..=3)
        .filter_map(|n| mean_at(curves, Figure2Group::AnB, n).map(|v| (n, v)))
        .collect();
    if let Some(&(n, v)) = early.iter().find(|(n, _)| *n == 2).or(early.last()) {
        let mean = early.iter().map(|e| e.1).sum::<f64>() / early.len() as f64;
        notes.push(Annotation {
            lines: vec![
                "1: layers 1-3 transfer".into(),
                format!("AnB at n=1-3: {}", points(mean)),
            ],
            anchor: (n as f64, v),
            color: ANB.color,
            below_first: false,
        });
    }
    let dip = [4, 5]
        .into_iter()
        .filter_map(|n| mean_at(curves, Figure2Group::BnB, n).map(|v| (n, v)))
        .min_by(|a, b| a.1.total_cmp(&b.1));
    if let Some((n, v)) = dip {
        notes.push(Annotation {
            lines: vec![
                "2: fragile co-adaptation (BnB dips at 4-5)".into(),
                format!("BnB at n={n}: {}", points(v)),
            ],
            anchor: (n as f64, v),
            color: BNB.color,
            below_first: true,
        });
    }
    let last_anb = curves
        .get(&Figure2Group::AnB)
        .and_then(|c| c.keys().rfind(|n| **n > 0).copied());
    if let Some(n) = last_anb {
        if let Some(v) = mean_at(curves, Figure2Group::AnB, n) {
            notes.push(Annotation {
                lines: vec![
                    "3: specificity (AnB falls)".into(),
                    format!("AnB at n={n}: {}", points(v)),
                ],
                anchor: (n as f64, v),
                color: ANB.color,
                below_first: true,
            });
        }
    }
    if let Some(curve) = curves.get(&Figure2Group::AnBPlus) {
        let values: Vec<(u32, f64)> = curve
            .keys()
            .filter(|n| **n > 0)
            .filter_map(|&n| mean_at(curves, Figure2Group::AnBPlus, n).map(|v| (n, v)))
            .collect();
        if let Some(&(n, v)) = values.iter().max_by(|a, b| a.1.total_cmp(&b.1)) {
            let mean = values.iter().map(|e| e.1).sum::<f64>() / values.len() as f64;
            notes.push(Annotation {
                lines: vec![
                    "4: transfer + fine-tuning beats baseB".into(),
                    format!("AnB+ mean over n: {}", points(mean)),
                ],
                anchor: (n as f64, v),
                color: ANB_PLUS.color,
                below_first: false,
            });
        }
    }
    notes
}

/// The two panels of Figure 2; empty when the rows hold no random-split network beyond n = 0.
pub(crate) fn figure2_panels(rows: &[CellResult], paper: Option<&Aggregates>) -> Vec<Panel> {
    let curves = figure2_curves(rows);
    let base_values: Vec<f64> = curves
        .get(&Figure2Group::BaseB)
        .map(|c| c.values().flatten().map(|o| o.value).collect())
        .unwrap_or_default();
    let base_b = (!base_values.is_empty())
        .then(|| base_values.iter().sum::<f64>() / base_values.len() as f64);
    let mut top = Panel {
        caption: "Every network (markers) and the mean of each treatment (lines)".into(),
        x_label: X_LABEL.into(),
        y_label: Y_LABEL.into(),
        ..Panel::default()
    };
    let mut bottom = Panel {
        caption: "Mean lines and the paper's four findings".into(),
        ..top.clone()
    };
    for group in Figure2Group::ALL {
        let Some(curve) = curves.get(&group) else {
            continue;
        };
        let style = style_of(group);
        let base = if group == Figure2Group::BaseB {
            None
        } else {
            base_b
        };
        let line = group_line(curve, base);
        top.series.push(Series {
            label: group.label().into(),
            style,
            points: jittered_points(curve, group_offset(group)),
            line: line.clone(),
        });
        if group != Figure2Group::BaseB {
            bottom.series.push(Series {
                label: group.label().into(),
                style,
                points: Vec::new(),
                line,
            });
        }
        if let Some(points) = paper.and_then(|p| paper_line(group, p)) {
            let overlay = Overlay { style, points };
            top.overlays.push(overlay.clone());
            bottom.overlays.push(overlay);
        }
    }
    if let Some(base) = base_b {
        bottom.references.push(Reference {
            label: "baseB (mean)".into(),
            y: base,
        });
        bottom.annotations = findings(&curves, base);
    }
    [top, bottom]
        .into_iter()
        .filter(Panel::has_layers)
        .collect()
}
