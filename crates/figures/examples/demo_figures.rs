//! Draws the paper's own published networks as a results set, to compare with the paper's figures.
//!
//! `cargo run -p convnet-figures --example demo_figures -- [out_dir]` writes `results.csv`,
//! `figure2.{svg,png}`, `figure3.{svg,png}` (with the paper's aggregate curves overlaid) and
//! `report.html` into `out_dir` (default `target/demo-figures`).

use convnet_figures::{draw_all, write_report, Analysis, FigureOptions};
use convnet_findings::{check_findings, paper, Evidence};
use convnet_results::write_results;
use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out_dir = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("target/demo-figures"));
    let rows = paper::networks()?;
    write_results(&out_dir.join("results.csv"), &rows)?;
    let options = FigureOptions {
        title: "ImageNet, Yosinski et al. 2014 (published)".into(),
        paper_overlay: true,
    };
    let assessment = check_findings(&Evidence {
        rows: &rows,
        curves: None,
        chances: &paper::chances(),
    });
    let figures = draw_all(&rows, &assessment, &out_dir, &options)?;
    let config = "# The paper's own networks, from the embedded reference tables.\n";
    write_report(
        &rows,
        Analysis::Findings(&assessment),
        &out_dir,
        config,
        &out_dir.join("report.html"),
        &options.title,
    )?;
    for path in &figures {
        println!("{}", path.display());
    }
    println!("{}", out_dir.join("report.html").display());
    Ok(())
}
