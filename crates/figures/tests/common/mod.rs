//! Synthetic results, generated only to exercise reading, drawing and the report.
//! The numbers follow a made-up formula; they are not measurements of any network.
#![allow(dead_code)]

use convnet_findings::{check_findings, Assessment, Chances, Evidence};
use convnet_results::{Cell, CellResult, Mode};
use std::path::Path;

/// One synthetic row.
pub fn row(
    split: &str,
    source: &str,
    target: &str,
    n: u32,
    mode: Mode,
    seed: u64,
    top1: f64,
) -> CellResult {
    let name = match mode {
        Mode::Base if split == "all" => "base".to_string(),
        Mode::Base => format!("base{target}"),
        Mode::Frozen => format!("{source}{n}{target}"),
        Mode::Finetune => format!("{source}{n}{target}+"),
        Mode::Random => format!("random{n}"),
        Mode::Gaussian => format!("gaussian{n}"),
    };
    let suffix = if seed > 0 {
        format!("@{seed}")
    } else {
        String::new()
    };
    let cell: Cell = format!("{split}/{name}{suffix}").parse().unwrap();
    CellResult {
        split: cell.split.clone(),
        source: cell.source,
        target: cell.target,
        n,
        mode,
        replicate: seed as u32,
        cell,
        top1,
        top1_final: top1 - 0.004,
        top5: (top1 + 0.2).min(1.0),
        iterations: 3000,
        epochs: 30.0,
        train_images: 12_800,
        val_images: 1_000,
        wall_s: 61.5 + n as f64,
        images_per_s: 812.25,
        device: "cpu".into(),
    }
}

/// A deterministic wobble in [-0.005, 0.005] per (seed, n, salt).
fn wobble(seed: u64, n: u32, salt: u64) -> f64 {
    let h = (seed * 7919 + n as u64 * 104_729 + salt * 1_299_709) % 1000;
    (h as f64 / 1000.0 - 0.5) * 0.01
}

/// Every cell of a grid: two random splits with three seeds, a dissimilar split, random filters.
pub fn full_grid() -> Vec<CellResult> {
    let mut rows = Vec::new();
    for split in ["random0", "random1"] {
        for seed in 0..3u64 {
            for half in ["A", "B"] {
                let salt = if half == "A" { 1 } else { 2 };
                rows.push(row(
                    split,
                    "",
                    half,
                    0,
                    Mode::Base,
                    seed,
                    0.50 + wobble(seed, 0, salt),
                ));
            }
            for n in 1..=7u32 {
                let x = n as f64;
                let dip = if (4..=5).contains(&n) { 0.02 } else { 0.0 };
                for (source, target) in [("A", "B"), ("B", "A")] {
                    rows.push(row(
                        split,
                        source,
                        target,
                        n,
                        Mode::Frozen,
                        seed,
                        0.50 - 0.002 * x * x + wobble(seed, n, 3),
                    ));
                    rows.push(row(
                        split,
                        source,
                        target,
                        n,
                        Mode::Finetune,
                        seed,
                        0.515 + wobble(seed, n, 4),
                    ));
                }
                rows.push(row(
                    split,
                    "B",
                    "B",
                    n,
                    Mode::Frozen,
                    seed,
                    0.50 - dip + wobble(seed, n, 5),
                ));
                rows.push(row(
                    split,
                    "B",
                    "B",
                    n,
                    Mode::Finetune,
                    seed,
                    0.505 + wobble(seed, n, 6),
                ));
            }
        }
    }
    rows.push(row("natman", "", "A", 0, Mode::Base, 0, 0.55));
    rows.push(row("natman", "", "B", 0, Mode::Base, 0, 0.45));
    rows.push(row("all", "", "all", 0, Mode::Base, 0, 0.48));
    for n in 1..=7u32 {
        let x = n as f64;
        rows.push(row(
            "natman",
            "A",
            "B",
            n,
            Mode::Frozen,
            0,
            0.45 - 0.004 * x * x,
        ));
        rows.push(row(
            "natman",
            "B",
            "A",
            n,
            Mode::Frozen,
            0,
            0.55 - 0.005 * x * x,
        ));
        let random = if n <= 2 { 0.48 - 0.08 * x } else { 0.01 };
        rows.push(row("all", "", "all", n, Mode::Random, 0, random));
    }
    rows
}

/// A grid still running: one random split, its bases and the first frozen transfers only.
pub fn partial_grid() -> Vec<CellResult> {
    let mut rows = vec![
        row("random0", "", "A", 0, Mode::Base, 0, 0.49),
        row("random0", "", "B", 0, Mode::Base, 0, 0.51),
    ];
    for n in 1..=3u32 {
        rows.push(row(
            "random0",
            "A",
            "B",
            n,
            Mode::Frozen,
            0,
            0.50 - 0.01 * n as f64,
        ));
    }
    rows
}

/// Decodes a PNG and counts dark pixels (luminance below 100) in rows `y0..y1`.
pub fn dark_pixels(path: &Path, y0: u32, y1: u32) -> (u32, u32, usize) {
    let image = image::open(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .to_rgb8();
    let (w, h) = image.dimensions();
    let mut dark = 0;
    for y in y0..y1.min(h) {
        for x in 0..w {
            let p = image.get_pixel(x, y);
            let luminance = 0.299 * p[0] as f64 + 0.587 * p[1] as f64 + 0.114 * p[2] as f64;
            if luminance < 100.0 {
                dark += 1;
            }
        }
    }
    (w, h, dark)
}

/// The findings on synthetic rows (no learning curves, chance unknown).
pub fn assess(rows: &[CellResult]) -> Assessment {
    check_findings(&Evidence {
        rows,
        curves: None,
        chances: &Chances::new(),
    })
}
