//! Writes a contact sheet of the embedded dataset: every class of the default configuration,
//! four training images each, letters in the top half, symbols in the bottom half.
//!
//! `cargo run -p convnet-data --release --example contact_sheet [-- <out.png>]`
//! (default: `docs/embedded-samples.png` at the repository root).

use std::path::PathBuf;

use convnet_data::embedded::{self, fonts::GlyphMasks, glyphs};
use convnet_data::EmbeddedConfig;
use image::{imageops, Rgb, RgbImage};

const PER_CLASS: usize = 4;
const COLUMNS: usize = 10;
const ZOOM: u32 = 2;
const GAP: u32 = 6;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/embedded-samples.png")
        });
    let config = EmbeddedConfig::default();
    let classes = glyphs::select(config.classes)?;
    let masks = GlyphMasks::render(&classes, (2 * config.image_size).max(64))?;
    let side = config.image_size as u32 * ZOOM;
    let cell = 2 * side + 2;
    let rows = classes.len().div_ceil(COLUMNS);
    let mut sheet = RgbImage::from_pixel(
        COLUMNS as u32 * (cell + GAP) + GAP,
        rows as u32 * (cell + GAP) + GAP,
        Rgb([255, 255, 255]),
    );
    for class in 0..classes.len() {
        let (row, column) = ((class / COLUMNS) as u32, (class % COLUMNS) as u32);
        for k in 0..PER_CLASS {
            let pixels = embedded::image(&config, &masks, class, 0, k);
            let size = config.image_size as u32;
            let tile = RgbImage::from_raw(size, size, pixels).ok_or("tile size")?;
            let tile = imageops::resize(&tile, side, side, imageops::FilterType::Nearest);
            let x = GAP + column * (cell + GAP) + (k as u32 % 2) * (side + 2);
            let y = GAP + row * (cell + GAP) + (k as u32 / 2) * (side + 2);
            imageops::overlay(&mut sheet, &tile, x as i64, y as i64);
        }
    }
    if let Some(parent) = out.parent() {
        std::fs::create_dir_all(parent)?;
    }
    sheet.save(&out)?;
    println!(
        "wrote {} ({} classes x {PER_CLASS} images)",
        out.display(),
        classes.len()
    );
    Ok(())
}
