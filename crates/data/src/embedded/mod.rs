//! The embedded dataset: glyphs of many scripts drawn from the DejaVu fonts with random
//! deformations, colours, clutter and noise, generated from a seed with no files.
//! `docs/embedded-dataset.md` describes the design.

pub mod canvas;
pub mod fonts;
pub mod glyphs;
pub mod render;

use convnet_splits::{Catalog, ClassInfo};
use rayon::prelude::*;

use crate::config::EmbeddedConfig;
use crate::error::{DataError, Result};
use crate::seeding::rng_for;

pub use glyphs::{GlyphClass, LETTERS, SYMBOLS};

const STREAM: u64 = 0x0065_6d62_6564;

/// The generated images of one subset, class by class, `per_class` images each, u8 HWC.
pub struct Generated {
    /// The classes, in catalog order.
    pub classes: Vec<GlyphClass>,
    /// Training images, `classes.len() * train_per_class` of them, class-major.
    pub train: Vec<u8>,
    /// Validation images, `classes.len() * val_per_class` of them, class-major.
    pub val: Vec<u8>,
}

/// The catalog of the embedded dataset: ids `u<codepoint>`, names with the glyph and its script,
/// groups `letters` and `symbols`.
pub fn catalog(classes: &[GlyphClass]) -> Result<Catalog> {
    let infos = classes
        .iter()
        .enumerate()
        .map(|(index, class)| ClassInfo {
            index,
            id: format!("u{:04x}", class.ch as u32),
            name: format!("{} ({})", class.ch, class.script),
            group: Some(class.group.to_string()),
        })
        .collect();
    Catalog::new("embedded", infos).map_err(|source| DataError::Catalog {
        dataset: "embedded".to_string(),
        source,
    })
}

/// One image: a pure function of `(seed, class, subset, index)` and the config.
pub fn image(
    config: &EmbeddedConfig,
    masks: &fonts::GlyphMasks,
    class: usize,
    subset: u64,
    index: usize,
) -> Vec<u8> {
    let mut rng = rng_for(&[
        config.image_seed,
        STREAM,
        class as u64,
        subset,
        index as u64,
    ]);
    render::render(&mut rng, class, masks, config)
}

/// Generates every image of the dataset, in parallel; the result does not depend on the number
/// of threads.
pub fn generate(config: &EmbeddedConfig) -> Result<Generated> {
    config.validate()?;
    let classes = glyphs::select(config.classes)?;
    let mask_size = (2 * config.image_size).max(64);
    let masks = fonts::GlyphMasks::render(&classes, mask_size)?;
    let bytes = config.image_size * config.image_size * 3;
    let subset = |subset: u64, per_class: usize| -> Vec<u8> {
        let mut pixels = vec![0u8; classes.len() * per_class * bytes];
        pixels
            .par_chunks_mut(bytes)
            .enumerate()
            .for_each(|(i, out)| {
                out.copy_from_slice(&image(config, &masks, i / per_class, subset, i % per_class));
            });
        pixels
    };
    let train = subset(0, config.train_per_class);
    let val = subset(1, config.val_per_class);
    Ok(Generated {
        classes,
        train,
        val,
    })
}
