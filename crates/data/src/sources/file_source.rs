//! A source whose images are files, decoded and resized on every load (nothing held in memory).

use convnet_splits::Catalog;
use image::RgbImage;

use crate::error::{DataError, Result};
use crate::imaging;
use crate::source::{Location, Sample, Source};

/// Images as files on disk: ImageNet, Tiny ImageNet, class-per-folder trees.
pub struct FileSource {
    catalog: Catalog,
    train: Vec<Sample>,
    val: Vec<Sample>,
    stored_size: usize,
}

impl FileSource {
    /// A source over these samples; every sample's location must be a file.
    pub fn new(catalog: Catalog, train: Vec<Sample>, val: Vec<Sample>, stored_size: usize) -> Self {
        FileSource {
            catalog,
            train,
            val,
            stored_size,
        }
    }
}

impl Source for FileSource {
    fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    fn train(&self) -> &[Sample] {
        &self.train
    }

    fn val(&self) -> &[Sample] {
        &self.val
    }

    fn load(&self, sample: &Sample) -> Result<RgbImage, DataError> {
        match &sample.location {
            Location::File(path) => imaging::load_file(path, self.stored_size),
            Location::Memory(index) => Err(DataError::BadImage {
                path: format!("record {index}"),
                reason: "this source reads files, not records".to_string(),
            }),
        }
    }

    fn describe(&self, sample: &Sample) -> String {
        match &sample.location {
            Location::File(path) => path.display().to_string(),
            Location::Memory(index) => format!("record {index}"),
        }
    }

    fn stored_size(&self) -> usize {
        self.stored_size
    }
}
