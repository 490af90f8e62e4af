//! Rendering the figures the rows allow, as SVG and PNG.

use crate::figure2::figure2_panels;
use crate::figure3::figure3_panels;
use crate::font::ensure_registered;
use crate::plot::{draw_figure, figure_width, Panel, PANEL_HEIGHT, TITLE_BAND};
use crate::FigureError;
use convnet_findings::{paper, Assessment};
use convnet_results::CellResult;
use plotters::prelude::*;
use std::path::{Path, PathBuf};

/// What goes on the figures besides the data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FigureOptions {
    /// Dataset and run name, shown in every figure's title.
    pub title: String,
    /// Overlay the paper's published values as dashed, muted lines.
    pub paper_overlay: bool,
}

/// Draws one figure (stacked panels) to `<out_dir>/<stem>.svg` and `<stem>.png`.
pub(crate) fn render(
    out_dir: &Path,
    stem: &str,
    title: &str,
    panels: &[Panel],
) -> Result<Vec<PathBuf>, FigureError> {
    let size = (
        figure_width(panels),
        TITLE_BAND + PANEL_HEIGHT * panels.len() as u32,
    );
    let svg_path = out_dir.join(format!("{stem}.svg"));
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        draw_figure(&root, title, panels, &format!("{stem}.svg"))?;
    }
    convnet_files::write_atomic(&svg_path, svg.as_bytes())
        .map_err(|e| FigureError::io(&svg_path, e))?;

    let png_path = out_dir.join(format!("{stem}.png"));
    convnet_files::write_through_temporary(&png_path, |temporary| {
        let root = BitMapBackend::new(temporary, size).into_drawing_area();
        draw_figure(&root, title, panels, &format!("{stem}.png"))
    })
    .map_err(|e| FigureError::io(&png_path, e))??;
    Ok(vec![svg_path, png_path])
}

/// Writes SVG and PNG of every figure the rows allow into `out_dir` and returns their paths.
///
/// Files: `figure2.svg`/`figure2.png` (top: every network and the mean lines; bottom: the mean
/// lines with the verdicts of findings 1-4 from `assessment`) when the rows hold random-split transfers, and
/// `figure3.svg`/`figure3.png` (top: dissimilar split and random filters, absolute; bottom:
/// relative top-1 in points) when they hold any transfer or random-filter net. A figure or panel
/// without data is left out; no rows at all give no files.
pub fn draw_all(
    rows: &[CellResult],
    assessment: &Assessment,
    out_dir: &Path,
    options: &FigureOptions,
) -> Result<Vec<PathBuf>, FigureError> {
    ensure_registered()?;
    std::fs::create_dir_all(out_dir).map_err(|e| FigureError::io(out_dir, e))?;
    let published = if options.paper_overlay {
        Some(paper::aggregates()?)
    } else {
        None
    };
    let figures = [
        (
            "figure2",
            "Figure 2",
            figure2_panels(rows, assessment, published.as_ref()),
        ),
        (
            "figure3",
            "Figure 3",
            figure3_panels(rows, assessment, published.as_ref()),
        ),
    ];
    let mut written = Vec::new();
    for (stem, name, panels) in figures {
        if panels.is_empty() {
            continue;
        }
        let title = if options.title.is_empty() {
            name.to_string()
        } else {
            format!("{}: {name}", options.title)
        };
        written.extend(render(out_dir, stem, &title, &panels)?);
    }
    Ok(written)
}
