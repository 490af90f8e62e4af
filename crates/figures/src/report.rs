//! `report.html`: one self-contained page with the figures, every cell and the configuration.

use crate::FigureError;
use base64::Engine as _;
use convnet_findings::{Assessment, Basis, TransferProfile, Verdict, RISE_LIMIT, SECOND_RUN_LIMIT};
use convnet_results::CellResult;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Plain CSS; the page needs no JavaScript and no network.
const STYLE: &str = "
body { font-family: 'DejaVu Sans', Helvetica, Arial, sans-serif; margin: 2em auto; max-width: 1240px;
       padding: 0 1em; color: #222; background: #fff; line-height: 1.45; }
h1 { font-size: 1.7em; margin-bottom: 0.2em; }
h2 { font-size: 1.3em; margin-top: 2em; border-bottom: 1px solid #ddd; padding-bottom: 0.2em; }
p.meta { color: #666; margin-top: 0; }
figure { margin: 1.5em 0; }
figure img { width: 100%; height: auto; border: 1px solid #e4e4e4; }
figcaption { color: #555; font-size: 0.9em; }
div.table { overflow-x: auto; border: 1px solid #e4e4e4; }
table { border-collapse: collapse; font-size: 0.8em; width: 100%; }
th, td { padding: 0.22em 0.45em; border-bottom: 1px solid #eee; text-align: right; white-space: nowrap; }
th { background: #f4f4f4; }
td.text, th.text { text-align: left; }
td.wrap { white-space: normal; min-width: 12em; }
tbody tr:nth-child(even) { background: #fafafa; }
dl.summary { display: grid; grid-template-columns: max-content auto; gap: 0.2em 1.5em; }
dl.summary dt { color: #555; }
dl.summary dd { margin: 0; }
pre { background: #f6f6f6; padding: 1em; overflow-x: auto; font-size: 0.85em; border: 1px solid #e4e4e4; }
";

/// Escapes text for HTML.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A number with `decimals`, or a dash when it is not finite.
fn number(value: f64, decimals: usize) -> String {
    if value.is_finite() {
        format!("{value:.decimals$}")
    } else {
        "–".into()
    }
}

/// Seconds as `h:mm:ss`, or a dash.
fn duration(seconds: f64) -> String {
    if !seconds.is_finite() || seconds < 0.0 {
        return "–".into();
    }
    let s = seconds.round() as u64;
    format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
}

/// The PNG figures in `figures_dir` (`figure*.png` and `profile.png`, by name; other images
/// there are not figures).
fn figure_files(figures_dir: &Path) -> Result<Vec<PathBuf>, FigureError> {
    if !figures_dir.exists() {
        return Ok(Vec::new());
    }
    let entries = std::fs::read_dir(figures_dir).map_err(|e| FigureError::io(figures_dir, e))?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            (name.starts_with("figure") || name.starts_with("profile")) && name.ends_with(".png")
        })
        .collect();
    files.sort();
    Ok(files)
}

/// The `<figure>` elements, each PNG inlined as base64.
fn figures_html(figures_dir: &Path) -> Result<String, FigureError> {
    let mut html = String::new();
    for path in figure_files(figures_dir)? {
        let bytes = std::fs::read(&path).map_err(|e| FigureError::io(&path, e))?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let _ = writeln!(
            html,
            "<figure><img alt=\"{name}\" src=\"data:image/png;base64,{}\"><figcaption>{name}</figcaption></figure>",
            base64::engine::general_purpose::STANDARD.encode(&bytes),
            name = escape(&name)
        );
    }
    if html.is_empty() {
        html.push_str("<p>No figures: the results do not hold enough cells yet.</p>\n");
    }
    Ok(html)
}

/// The summary list: cells, training time, throughput, devices.
fn summary_html(rows: &[CellResult]) -> String {
    let wall: f64 = rows
        .iter()
        .map(|r| r.wall_s)
        .filter(|w| w.is_finite())
        .sum();
    let rates: Vec<f64> = rows
        .iter()
        .map(|r| r.images_per_s)
        .filter(|v| v.is_finite())
        .collect();
    let mean_rate = if rates.is_empty() {
        f64::NAN
    } else {
        rates.iter().sum::<f64>() / rates.len() as f64
    };
    let mut devices: Vec<&str> = rows.iter().map(|r| r.device.as_str()).collect();
    devices.sort_unstable();
    devices.dedup();
    let mut splits: Vec<String> = rows.iter().map(|r| r.split.to_string()).collect();
    splits.sort_unstable();
    splits.dedup();
    format!(
        "<dl class=\"summary\"><dt>Cells</dt><dd>{}</dd><dt>Splits</dt><dd>{}</dd>\
         <dt>Total training time</dt><dd>{} ({} s)</dd><dt>Mean throughput</dt><dd>{} images/s</dd>\
         <dt>Devices</dt><dd>{}</dd></dl>\n",
        rows.len(),
        escape(&splits.join(", ")),
        duration(wall),
        number(wall, 0),
        number(mean_rate, 0),
        escape(&devices.join(", "))
    )
}

/// The table of every cell, sorted by split, then cell.
fn table_html(rows: &[CellResult]) -> String {
    let mut sorted: Vec<&CellResult> = rows.iter().collect();
    sorted.sort_by_key(|r| (r.split.to_string(), r.cell.to_string()));
    let headers = [
        ("split", true),
        ("cell", true),
        ("source", true),
        ("target", true),
        ("n", false),
        ("mode", true),
        ("replicate", false),
        ("top1", false),
        ("top1 final", false),
        ("top5", false),
        ("iterations", false),
        ("epochs", false),
        ("train images", false),
        ("val images", false),
        ("wall time", false),
        ("images/s", false),
        ("device", true),
    ];
    let mut html = String::from("<div class=\"table\">\n<table>\n<thead><tr>");
    for (name, text) in headers {
        let class = if text { " class=\"text\"" } else { "" };
        let _ = write!(html, "<th{class}>{name}</th>");
    }
    html.push_str("</tr></thead>\n<tbody>\n");
    for r in sorted {
        let cells = [
            (escape(&r.split.to_string()), true),
            (escape(&r.cell.to_string()), true),
            (r.source.map_or_else(String::new, |h| h.to_string()), true),
            (r.target.to_string(), true),
            (r.n.to_string(), false),
            (r.mode.to_string(), true),
            (r.replicate.to_string(), false),
            (number(r.top1, 4), false),
            (number(r.top1_final, 4), false),
            (number(r.top5, 4), false),
            (r.iterations.to_string(), false),
            (number(r.epochs, 1), false),
            (r.train_images.to_string(), false),
            (r.val_images.to_string(), false),
            (duration(r.wall_s), false),
            (number(r.images_per_s, 0), false),
            (escape(&r.device), true),
        ];
        html.push_str("<tr>");
        for (value, text) in cells {
            let class = if text { " class=\"text\"" } else { "" };
            let _ = write!(html, "<td{class}>{value}</td>");
        }
        html.push_str("</tr>\n");
    }
    html.push_str("</tbody>\n</table>\n</div>\n");
    html
}

/// The findings as a table, then the noise and every base net's convergence.
fn findings_html(assessment: &Assessment) -> String {
    let mut html = String::from(
        "<div class=\"table\">\n<table>\n<thead><tr><th>#</th><th class=\"text\">finding</th>\
         <th class=\"text\">criterion</th><th class=\"text\">measured (value ± 2 SE, points)</th><th class=\"text\">verdict</th></tr></thead>\n<tbody>\n",
    );
    for f in &assessment.findings {
        let verdict = match &f.verdict {
            Verdict::Holds => "<b>holds</b>".to_string(),
            Verdict::DoesNotHold(power) => {
                format!("<b>does not hold</b>: {}", escape(&power.describe()))
            }
            Verdict::NotMeasurable(why) => {
                format!("<b>not measurable</b>: {}", escape(why))
            }
        };
        let _ = writeln!(
            html,
            "<tr><td>{}</td><td class=\"text wrap\">{}</td><td class=\"text wrap\">{}</td>\
             <td class=\"text wrap\">{}</td><td class=\"text wrap\">{verdict}</td></tr>",
            f.id,
            escape(f.id.claim()),
            escape(f.id.criterion()),
            escape(&f.evidence()),
        );
    }
    html.push_str("</tbody>\n</table>\n</div>\n");
    let Basis::Run {
        noise,
        convergence,
        curves_recorded,
    } = &assessment.basis
    else {
        return html;
    };
    let _ = writeln!(html, "<p>Noise: {}.</p>", escape(&noise.describe()));
    if !curves_recorded {
        html.push_str("<p>Base nets: no learning curves recorded; convergence not checked.</p>\n");
    }
    let _ = writeln!(
        html,
        "<p>Base nets: converged when the last quarter of the schedule rose by at most {:.0}% \
         of the net's margin over chance over the quarter before, and a second run of it (BnB+ \
         at n = 7, where the grid has one) adds at most {:.0}%.</p>\n\
         <div class=\"table\">\n<table>\n<thead><tr><th class=\"text\">base net</th>\
         <th>last quarter</th><th>second run</th><th>margin over chance</th>\
         <th class=\"text\">status</th></tr></thead>\n<tbody>",
        100.0 * RISE_LIMIT,
        100.0 * SECOND_RUN_LIMIT
    );
    let points = |v: Option<f64>| v.map_or_else(|| "–".to_string(), |v| format!("{v:+.2} pts"));
    for c in convergence {
        let _ = writeln!(
            html,
            "<tr><td class=\"text\">{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"text\">{}</td></tr>",
            escape(&c.cell.to_string()),
            points(c.rise),
            points(c.second_run),
            c.margin.map_or_else(|| "–".to_string(), |m| format!("{m:.1} pts")),
            c.label()
        );
    }
    html.push_str("</tbody>\n</table>\n</div>\n");
    html
}

/// What a report says about its rows: the paper's findings (a grid), or a transfer profile.
#[derive(Debug, Clone, Copy)]
pub enum Analysis<'a> {
    /// The findings, with the noise and the base nets' convergence.
    Findings(&'a Assessment),
    /// A transfer profile's verdict.
    Profile(&'a TransferProfile),
}

impl Analysis<'_> {
    /// The section's heading and HTML.
    fn html(&self) -> (&'static str, String) {
        match self {
            Analysis::Findings(assessment) => ("The findings", findings_html(assessment)),
            Analysis::Profile(profile) => (
                "What transfers",
                format!("<pre>{}</pre>\n", escape(&profile.verdict())),
            ),
        }
    }
}

/// The whole page: the rows' summary, the figures of `figures_dir`, the `analysis`, every cell
/// and the configuration.
pub fn render_report(
    rows: &[CellResult],
    analysis: Analysis,
    figures_dir: &Path,
    config_toml: &str,
    title: &str,
) -> Result<String, FigureError> {
    let title = escape(title);
    let (heading, analysis) = analysis.html();
    Ok(format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n\
         <h1>{title}</h1>\n<p class=\"meta\">How transferable are features in deep neural networks? \
         (Yosinski et al., 2014), reproduced. top1 is the mean of the best validation top-1 values of a net.</p>\n\
         <h2>Summary</h2>\n{}<h2>Figures</h2>\n{}<h2>{heading}</h2>\n{analysis}<h2>Every cell</h2>\n{}<h2>Configuration</h2>\n<pre>{}</pre>\n\
         </body>\n</html>\n",
        summary_html(rows),
        figures_html(figures_dir)?,
        table_html(rows),
        escape(config_toml)
    ))
}

/// Writes `out` (normally `report.html`): the PNG figures of `figures_dir` inlined, the
/// `analysis` (the findings with the noise and the base nets' convergence, or a transfer
/// profile's verdict), the table of every cell sorted by
/// split then cell, wall times and throughput, and `config_toml` as text.
pub fn write_report(
    rows: &[CellResult],
    analysis: Analysis,
    figures_dir: &Path,
    config_toml: &str,
    out: &Path,
    title: &str,
) -> Result<(), FigureError> {
    let html = render_report(rows, analysis, figures_dir, config_toml, title)?;
    convnet_files::write_atomic(out, html.as_bytes()).map_err(|e| FigureError::io(out, e))
}
