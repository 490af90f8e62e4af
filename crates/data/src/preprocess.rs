//! Caffe's data transform: subtract the mean image, crop (random or centre), mirror, scale;
//! output f32 CHW in RGB order.

use std::sync::Arc;

use image::RgbImage;
use rand::Rng;

use crate::config::DatasetConfig;
use crate::error::{DataError, Result};
use crate::mean::MeanImage;

/// Where to crop one image and whether to mirror it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Augment {
    /// Row of the crop's top-left corner in the stored image.
    pub top: usize,
    /// Column of the crop's top-left corner in the stored image.
    pub left: usize,
    /// Whether the crop is flipped left to right.
    pub mirror: bool,
}

/// The transform from a stored-size u8 image to the network's f32 input.
#[derive(Debug, Clone)]
pub struct Preprocess {
    stored: usize,
    crop: usize,
    scale: f32,
    mirror: bool,
    mean: Arc<MeanImage>,
}

impl Preprocess {
    /// A transform with these sizes; `mean` must be `stored` x `stored`.
    pub fn new(
        stored: usize,
        crop: usize,
        scale: f32,
        mirror: bool,
        mean: MeanImage,
    ) -> Result<Self> {
        if crop == 0 || crop > stored {
            return Err(DataError::config(
                "crop_size",
                format!("{crop} must be in 1..={stored} (stored_size)"),
            ));
        }
        if mean.size() != stored {
            return Err(DataError::config(
                "stored_size",
                format!(
                    "{stored} differs from the mean image's size {}",
                    mean.size()
                ),
            ));
        }
        Ok(Preprocess {
            stored,
            crop,
            scale,
            mirror,
            mean: Arc::new(mean),
        })
    }

    /// The transform a dataset config asks for, with this mean image.
    pub fn from_config(config: &DatasetConfig, mean: MeanImage) -> Result<Self> {
        Preprocess::new(
            config.stored_size,
            config.crop_size,
            config.scale,
            config.mirror,
            mean,
        )
    }

    /// The side of the stored images.
    pub fn stored_size(&self) -> usize {
        self.stored
    }

    /// The side of the crops fed to the network.
    pub fn crop_size(&self) -> usize {
        self.crop
    }

    /// The factor applied to `pixel - mean`.
    pub fn scale(&self) -> f32 {
        self.scale
    }

    /// Whether training crops are randomly mirrored.
    pub fn mirror(&self) -> bool {
        self.mirror
    }

    /// The mean image subtracted from every image.
    pub fn mean(&self) -> &MeanImage {
        &self.mean
    }

    /// Number of f32 values of one preprocessed image (3 x crop x crop).
    pub fn image_len(&self) -> usize {
        3 * self.crop * self.crop
    }

    /// A random crop position (uniform over all positions, as Caffe) and, when mirroring is on,
    /// a fair coin for the mirror.
    pub fn random_augment<R: Rng>(&self, rng: &mut R) -> Augment {
        let range = self.stored - self.crop + 1;
        let top = rng.random_range(0..range);
        let left = rng.random_range(0..range);
        let mirror = self.mirror && rng.random_bool(0.5);
        Augment { top, left, mirror }
    }

    /// The centre crop (Caffe's test-phase offsets), never mirrored.
    pub fn centre(&self) -> Augment {
        let offset = (self.stored - self.crop) / 2;
        Augment {
            top: offset,
            left: offset,
            mirror: false,
        }
    }

    /// Writes `(image - mean)` cropped at `augment`, mirrored if asked, times `scale`, into `out`
    /// as CHW RGB. As in Caffe, the mean is taken at the source pixel before mirroring.
    pub fn apply(&self, image: &RgbImage, augment: Augment, out: &mut [f32]) -> Result<()> {
        let (width, height) = image.dimensions();
        if width as usize != self.stored || height as usize != self.stored {
            return Err(DataError::BadImage {
                path: format!("{width}x{height} image"),
                reason: format!("expected the stored size {0}x{0}", self.stored),
            });
        }
        assert_eq!(out.len(), self.image_len(), "output buffer length");
        let (stored, crop) = (self.stored, self.crop);
        let pixels = image.as_raw();
        let mean = self.mean.as_slice();
        let plane = stored * stored;
        for y in 0..crop {
            let source_row = augment.top + y;
            for x in 0..crop {
                let source_col = augment.left + x;
                let target_col = if augment.mirror { crop - 1 - x } else { x };
                let pixel = (source_row * stored + source_col) * 3;
                let at = source_row * stored + source_col;
                for c in 0..3 {
                    let value = pixels[pixel + c] as f32 - mean[c * plane + at];
                    out[c * crop * crop + y * crop + target_col] = value * self.scale;
                }
            }
        }
        Ok(())
    }
}
