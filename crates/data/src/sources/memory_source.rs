//! A source whose images are held decoded in memory as u8 (CIFAR, the embedded dataset).

use convnet_splits::Catalog;
use image::RgbImage;

use crate::error::{DataError, Result};
use crate::imaging;
use crate::source::{Location, Sample, Source};

/// Square RGB images of one native size, stored contiguously as u8 HWC.
pub struct MemorySource {
    name: String,
    catalog: Catalog,
    native_size: usize,
    pixels: Vec<u8>,
    train: Vec<Sample>,
    val: Vec<Sample>,
    stored_size: usize,
}

impl MemorySource {
    /// A source over `pixels` (`n` images of `native_size`² x 3 bytes, HWC RGB). Samples point
    /// into it with [`Location::Memory`]; `name` describes the dataset in messages.
    pub fn new(
        name: impl Into<String>,
        catalog: Catalog,
        native_size: usize,
        pixels: Vec<u8>,
        train: Vec<Sample>,
        val: Vec<Sample>,
        stored_size: usize,
    ) -> Self {
        MemorySource {
            name: name.into(),
            catalog,
            native_size,
            pixels,
            train,
            val,
            stored_size,
        }
    }

    /// The side of the images as held in memory.
    pub fn native_size(&self) -> usize {
        self.native_size
    }

    /// The raw HWC bytes of the `index`-th image held in memory.
    pub fn pixels(&self, index: usize) -> Option<&[u8]> {
        let len = self.native_size * self.native_size * 3;
        self.pixels.get(index * len..(index + 1) * len)
    }
}

impl Source for MemorySource {
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
        let index = match &sample.location {
            Location::Memory(index) => *index,
            Location::File(path) => {
                return imaging::load_file(path, self.stored_size);
            }
        };
        let bytes = self.pixels(index).ok_or_else(|| DataError::BadImage {
            path: self.describe(sample),
            reason: "record index out of range".to_string(),
        })?;
        let side = self.native_size as u32;
        let image =
            RgbImage::from_raw(side, side, bytes.to_vec()).ok_or_else(|| DataError::BadImage {
                path: self.describe(sample),
                reason: "record has the wrong length".to_string(),
            })?;
        imaging::resize_square(image, self.stored_size)
    }

    fn describe(&self, sample: &Sample) -> String {
        match &sample.location {
            Location::Memory(index) => format!(
                "{} image {index} (class `{}`)",
                self.name,
                self.catalog
                    .classes()
                    .get(sample.class)
                    .map(|c| c.id.as_str())
                    .unwrap_or("?")
            ),
            Location::File(path) => path.display().to_string(),
        }
    }

    fn stored_size(&self) -> usize {
        self.stored_size
    }
}
