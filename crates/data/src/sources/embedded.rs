//! The embedded dataset as a source: generated at open, held in memory.

use crate::config::DatasetConfig;
use crate::embedded;
use crate::error::Result;
use crate::source::{Location, Sample};
use crate::sources::memory_source::MemorySource;

/// Generates the embedded dataset of the config (train images first, then validation).
pub fn generate(config: &DatasetConfig) -> Result<MemorySource> {
    let parameters = &config.embedded;
    let generated = embedded::generate(parameters)?;
    let catalog = embedded::catalog(&generated.classes)?;
    let classes = generated.classes.len();
    let train_count = classes * parameters.train_per_class;
    let val_count = classes * parameters.val_per_class;
    let samples = |offset: usize, per_class: usize, limit: Option<usize>| -> Vec<Sample> {
        let keep = limit.unwrap_or(per_class).min(per_class);
        (0..classes * per_class)
            .filter(|i| i % per_class < keep)
            .map(|i| Sample {
                class: i / per_class,
                location: Location::Memory(offset + i),
            })
            .collect()
    };
    let train = samples(0, parameters.train_per_class, config.max_train_per_class);
    let val = samples(
        train_count,
        parameters.val_per_class,
        config.max_val_per_class,
    );
    debug_assert_eq!(
        generated.train.len() + generated.val.len(),
        (train_count + val_count) * parameters.image_size * parameters.image_size * 3
    );
    let mut pixels = generated.train;
    pixels.extend_from_slice(&generated.val);
    Ok(MemorySource::new(
        "embedded",
        catalog,
        parameters.image_size,
        pixels,
        train,
        val,
        config.stored_size,
    ))
}
