//! The figure of a transfer profile: top-1 on the target against the layers copied, frozen and
//! fine-tuned, beside the target's own base net with its noise band.

use std::path::{Path, PathBuf};

use convnet_findings::TransferProfile;

use crate::draw::{render, FigureOptions};
use crate::figure2::{jittered_points, X_LABEL, Y_LABEL};
use crate::groups::Observation;
use crate::plot::{Annotation, Panel, Series};
use crate::stats::{summarise, Summary};
use crate::style::{ANB, ANB_PLUS, BASE_B};
use crate::FigureError;

/// The one panel: top-1 against n, frozen and fine-tuned, the base net as a line with its
/// noise band.
fn panel(profile: &TransferProfile) -> Panel {
    let last = profile.rows.iter().map(|r| r.n).max().unwrap_or(7) as f64;
    let band = Summary {
        mean: profile.base,
        band: Some((profile.base - profile.band(), profile.base + profile.band())),
    };
    let curve = |values: Vec<(u32, f64)>| -> Vec<(f64, Summary)> {
        values
            .into_iter()
            .map(|(n, v)| (n as f64, summarise(&[v], false)))
            .collect()
    };
    let frozen: Vec<(u32, f64)> = profile
        .rows
        .iter()
        .filter_map(|r| Some((r.n, r.frozen?)))
        .collect();
    let finetuned: Vec<(u32, f64)> = profile
        .rows
        .iter()
        .filter_map(|r| Some((r.n, r.finetuned?)))
        .collect();
    let points = |values: &[(u32, f64)], offset: f64| {
        let curve = values
            .iter()
            .map(|(n, v)| {
                (
                    *n,
                    vec![Observation {
                        replicate: 0,
                        value: *v,
                    }],
                )
            })
            .collect();
        jittered_points(&curve, offset)
    };
    Panel {
        caption: "Transfer profile: top-1 on the target against the layers copied".into(),
        x_label: X_LABEL.into(),
        y_label: Y_LABEL.into(),
        series: vec![
            Series {
                label: "target's base net ±2 SD".into(),
                style: BASE_B,
                points: Vec::new(),
                line: vec![(0.0, band), (last, band)],
            },
            Series {
                label: "copied, frozen".into(),
                style: ANB,
                points: points(&frozen, -0.05),
                line: curve(frozen),
            },
            Series {
                label: "copied, fine-tuned".into(),
                style: ANB_PLUS,
                points: points(&finetuned, 0.05),
                line: curve(finetuned),
            },
        ],
        annotations: advice(profile).into_iter().collect(),
        ..Panel::default()
    }
}

/// The verdict on the figure, at the deepest frozen transfer within the noise of the best.
fn advice(profile: &TransferProfile) -> Option<Annotation> {
    let n = profile.deepest_frozen()?;
    let frozen = profile.rows.iter().find(|r| r.n == n)?.frozen?;
    Some(Annotation {
        lines: vec![
            format!("freeze layers 1-{n}"),
            "the deepest frozen transfer".into(),
            "within the noise of the best".into(),
        ],
        anchor: (n as f64, frozen),
        color: ANB.color,
        below_first: true,
    })
}

/// Writes a transfer profile's figure, `profile.svg` and `profile.png`, into `out_dir`;
/// returns their paths.
pub fn draw_profile(
    profile: &TransferProfile,
    out_dir: &Path,
    options: &FigureOptions,
) -> Result<Vec<PathBuf>, FigureError> {
    crate::font::ensure_registered()?;
    std::fs::create_dir_all(out_dir).map_err(|e| FigureError::io(out_dir, e))?;
    let title = if options.title.is_empty() {
        "Transfer profile".to_string()
    } else {
        format!("{}: transfer profile", options.title)
    };
    render(out_dir, "profile", &title, &[panel(profile)])
}
