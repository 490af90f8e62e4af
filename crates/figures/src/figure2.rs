//! Figure 2: top-1 against n for baseB, BnB, BnB+, AnB, AnB+ on the random splits.

use crate::groups::{figure2_curves, mean_at, mean_line, Curve, Figure2Group};
use crate::plot::{Annotation, Overlay, Panel, Reference, Series};
use crate::stats::{summarise, Summary};
use crate::style::{CurveStyle, ANB, ANB_PLUS, BASE_B, BNB, BNB_PLUS};
use convnet_findings::paper::Aggregates;
use convnet_findings::{Assessment, Finding, FindingId, Verdict};
use convnet_results::CellResult;
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

/// The notes of Figure 2: a short name, the findings it gives the verdicts of, the group it is
/// read from and the layers it points at.
const NOTES: [(&str, &[FindingId], Figure2Group, [u32; 2]); 4] = [
    (
        "1: the first layers transfer",
        &[FindingId::F1],
        Figure2Group::AnB,
        [1, 2],
    ),
    (
        "2: fragile co-adaptation",
        &[FindingId::F2],
        Figure2Group::BnB,
        [3, 5],
    ),
    (
        "3: specificity",
        &[FindingId::F3],
        Figure2Group::AnB,
        [6, 7],
    ),
    (
        "4: lingering boost of AnB+",
        &[FindingId::F4a, FindingId::F4b],
        Figure2Group::AnBPlus,
        [1, 7],
    ),
];

/// The widest line of a reason in a figure's note, in characters.
const REASON_CHARS: usize = 66;

/// The lines of a note on `findings`: `title: verdict` (one line per finding where there are
/// several), then for a finding that cannot be measured the first clause of its reason
/// (wrapped to fit), then its main numbers.
pub(crate) fn note_lines(title: &str, findings: &[&Finding]) -> Vec<String> {
    let mut lines = Vec::new();
    if let [finding] = findings {
        lines.push(format!("{title}: {}", finding.verdict.short()));
    } else {
        lines.push(title.to_string());
        for f in findings {
            lines.push(format!("{}: {}", f.id, f.verdict.short()));
        }
    }
    for f in findings {
        if let Verdict::NotMeasurable(why) = &f.verdict {
            let reason = why.split(':').next().unwrap_or_default();
            lines.extend(wrap(reason, REASON_CHARS));
        }
        let headline = f.headline();
        if !headline.is_empty() {
            lines.push(if findings.len() > 1 {
                format!("{}: {headline}", f.id)
            } else {
                headline
            });
        }
    }
    lines
}

/// `text` broken at spaces into lines of at most `width` characters (a longer word keeps a
/// line of its own).
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for word in text.split_whitespace() {
        match lines.last_mut() {
            Some(line) if line.chars().count() + 1 + word.chars().count() <= width => {
                line.push(' ');
                line.push_str(word);
            }
            _ => lines.push(word.to_owned()),
        }
    }
    lines
}

/// The verdicts of findings 1 to 4, each placed at the data it reads, with its main numbers.
fn findings(curves: &BTreeMap<Figure2Group, Curve>, assessment: &Assessment) -> Vec<Annotation> {
    let mut notes = Vec::new();
    for (name, ids, group, layers) in NOTES {
        let read: Vec<&Finding> = ids
            .iter()
            .filter_map(|id| assessment.finding(*id))
            .collect();
        if read.is_empty() {
            continue;
        }
        // The lowest (F2, F3) or highest (F1, F4) mean of the group over its layers.
        let values: Vec<(u32, f64)> = (layers[0]..=layers[1])
            .filter_map(|n| mean_at(curves, group, n).map(|v| (n, v)))
            .collect();
        let below = matches!(group, Figure2Group::BnB) || ids == [FindingId::F3];
        let pick = if below {
            values.iter().min_by(|a, b| a.1.total_cmp(&b.1))
        } else {
            values.iter().max_by(|a, b| a.1.total_cmp(&b.1))
        };
        let Some(&(n, v)) = pick else {
            continue;
        };
        notes.push(Annotation {
            lines: note_lines(name, &read),
            anchor: (n as f64, v),
            color: style_of(group).color,
            below_first: below,
        });
    }
    notes
}

/// The two panels of Figure 2, the bottom one with the verdicts of `assessment`; empty when
/// the rows hold no random-split network beyond n = 0.
pub(crate) fn figure2_panels(
    rows: &[CellResult],
    assessment: &Assessment,
    paper: Option<&Aggregates>,
) -> Vec<Panel> {
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
        caption: "Mean lines and findings 1-4 (verdicts of `cargo xtask findings`)".into(),
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
        bottom.annotations = findings(&curves, assessment);
    }
    [top, bottom]
        .into_iter()
        .filter(Panel::has_layers)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::wrap;

    #[test]
    fn wrap_breaks_at_spaces_and_keeps_every_word() {
        let reason = "the noise band (±4.12 pts) is wider than 5% of baseB (0.61 pts)";
        let lines = wrap(reason, 30);
        assert_eq!(
            lines,
            [
                "the noise band (±4.12 pts) is",
                "wider than 5% of baseB (0.61",
                "pts)"
            ]
        );
        assert!(lines.iter().all(|l| l.chars().count() <= 30));
        assert_eq!(wrap("a verylongword b", 4), ["a", "verylongword", "b"]);
        assert!(wrap("  ", 10).is_empty());
    }
}
