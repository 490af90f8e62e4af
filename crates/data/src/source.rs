//! A dataset as the loader sees it: a catalog, train and validation samples, and a way to load one.

use std::path::PathBuf;
use std::sync::Arc;

use convnet_splits::{Catalog, Half};
use image::RgbImage;
use serde::{Deserialize, Serialize};

use crate::config::{DatasetConfig, DatasetKind};
use crate::error::{DataError, Result};
use crate::sources;

/// Where the pixels of one sample are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// An image file (JPEG or PNG), decoded on every load.
    File(PathBuf),
    /// The `index`-th image held decoded by the source, in memory or in a memory-mapped pack.
    Memory(usize),
}

/// One image of a dataset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sample {
    /// The original class index (position in the catalog), not the label inside a half.
    pub class: usize,
    /// Where its pixels are.
    pub location: Location,
}

/// A dataset: its classes, its samples, and how to load one as a stored-size RGB image.
pub trait Source: Send + Sync {
    /// The classes of the dataset.
    fn catalog(&self) -> &Catalog;
    /// The training samples, in a fixed order.
    fn train(&self) -> &[Sample];
    /// The validation samples, in a fixed order.
    fn val(&self) -> &[Sample];
    /// The sample's pixels: decoded, resized to the stored size, u8 HWC RGB.
    fn load(&self, sample: &Sample) -> Result<RgbImage, DataError>;
    /// The file path or record of a sample, for error messages.
    fn describe(&self, sample: &Sample) -> String;
    /// The side of the square images [`Source::load`] returns.
    fn stored_size(&self) -> usize;
}

/// Reads (or generates) the dataset a config describes.
pub fn open(config: &DatasetConfig) -> Result<Arc<dyn Source>, DataError> {
    config.validate()?;
    let source: Arc<dyn Source> = match config.kind {
        DatasetKind::Embedded => Arc::new(sources::embedded::generate(config)?),
        DatasetKind::ImageNet => Arc::new(sources::imagenet::open(config)?),
        DatasetKind::TinyImageNet => Arc::new(sources::tiny_imagenet::open(config)?),
        DatasetKind::Cifar100 => Arc::new(sources::cifar::open_cifar100(config)?),
        DatasetKind::Cifar10 => Arc::new(sources::cifar::open_cifar10(config)?),
        DatasetKind::Folder => Arc::new(sources::folder::open(config)?),
        DatasetKind::Packed => Arc::new(sources::packed::open(config)?),
    };
    Ok(source)
}

/// Which samples of a source: training or validation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Subset {
    /// The training samples.
    Train,
    /// The validation samples.
    Val,
}

impl Subset {
    /// `train` or `val`.
    pub fn name(self) -> &'static str {
        match self {
            Subset::Train => "train",
            Subset::Val => "val",
        }
    }

    /// The samples of this subset.
    pub fn samples(self, source: &dyn Source) -> &[Sample] {
        match self {
            Subset::Train => source.train(),
            Subset::Val => source.val(),
        }
    }
}

/// The samples of `subset` whose class is in `half`, in the source's order, as
/// `(index into the subset, label inside the half)`.
pub fn half_samples(source: &dyn Source, half: &Half, subset: Subset) -> Vec<(usize, u32)> {
    subset
        .samples(source)
        .iter()
        .enumerate()
        .filter_map(|(index, sample)| half.label_of(sample.class).map(|l| (index, l as u32)))
        .collect()
}
