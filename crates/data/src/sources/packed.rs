//! A packed dataset ([`crate::pack`]) as a source: the pack's images, memory-mapped, under the
//! catalog of the dataset that was packed.

use convnet_splits::{Catalog, Grouping};
use image::RgbImage;

use crate::config::{DatasetConfig, DatasetKind};
use crate::error::{DataError, Result};
use crate::pack::{PackFile, PackIndex, PackedImage};
use crate::source::{Location, Sample, Source};
use crate::sources::class_folders::limit_per_class;

/// The images of a pack file, read from its memory map: nothing is decoded.
pub struct PackedSource {
    pack: PackFile,
    catalog: Catalog,
    train: Vec<Sample>,
    val: Vec<Sample>,
}

/// Opens the pack at the config's `path`. Its stored size must be the config's; its catalog is
/// the packed dataset's (for ImageNet and Tiny ImageNet grouped by the config's natural /
/// man-made grouping, as their own sources group them); `max_train_per_class` and
/// `max_val_per_class` keep the first images of each class, in the packed dataset's order.
pub fn open(config: &DatasetConfig) -> Result<PackedSource> {
    let path = config.root()?;
    let pack = PackFile::open(path)?;
    let bad = |reason: String| DataError::BadPack {
        path: path.clone(),
        reason,
    };
    let stored = pack.stored_size();
    if stored != config.stored_size {
        return Err(bad(format!(
            "holds {stored}x{stored} images, the configuration's stored_size is {0}: pack the \
             dataset again with stored_size = {0}, or set stored_size = {stored}",
            config.stored_size
        )));
    }
    let index = pack.index();
    let catalog = catalog(index, config.grouping).map_err(bad)?;
    let samples = |images: &[PackedImage], first: usize| -> Vec<Sample> {
        images
            .iter()
            .enumerate()
            .map(|(i, image)| Sample {
                class: image.class,
                location: Location::Memory(first + i),
            })
            .collect()
    };
    let classes = catalog.len();
    let train = samples(&index.train, 0);
    let val = samples(&index.val, index.train.len());
    Ok(PackedSource {
        train: limit_per_class(train, classes, config.max_train_per_class),
        val: limit_per_class(val, classes, config.max_val_per_class),
        catalog,
        pack,
    })
}

/// The packed dataset's catalog as its own source makes it under `grouping`: ImageNet's and
/// Tiny ImageNet's classes take their groups from the grouping; other kinds' catalogs are as
/// packed.
fn catalog(index: &PackIndex, grouping: Grouping) -> Result<Catalog, String> {
    let packed = &index.catalog;
    let ids: Vec<String> = packed.classes().iter().map(|c| c.id.clone()).collect();
    let catalog = match index.kind {
        DatasetKind::ImageNet => Catalog::ilsvrc2012(grouping),
        DatasetKind::TinyImageNet => {
            Catalog::tiny_imagenet(&ids, grouping).map_err(|e| e.to_string())?
        }
        _ => return Ok(packed.clone()),
    };
    let same_ids = catalog.classes().iter().map(|c| &c.id).eq(ids.iter());
    if catalog.dataset() != packed.dataset() || !same_ids {
        return Err(format!(
            "its classes are not those of the {} catalog `{}`",
            index.kind.name(),
            catalog.dataset()
        ));
    }
    Ok(catalog)
}

impl PackedSource {
    /// The packed image at `index` (training images first), if the pack has one there.
    fn image(&self, index: usize) -> Option<&PackedImage> {
        let packed = self.pack.index();
        match index.checked_sub(packed.train.len()) {
            None => packed.train.get(index),
            Some(val) => packed.val.get(val),
        }
    }
}

impl Source for PackedSource {
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
        let pixels = match &sample.location {
            Location::Memory(index) => self.pack.pixels(*index),
            Location::File(_) => None,
        };
        let pixels = pixels.ok_or_else(|| DataError::BadImage {
            path: self.describe(sample),
            reason: "not an image of this pack".to_string(),
        })?;
        let side = self.pack.stored_size() as u32;
        Ok(RgbImage::from_raw(side, side, pixels.to_vec())
            .expect("a packed image holds stored_size² x 3 bytes"))
    }

    fn describe(&self, sample: &Sample) -> String {
        let pack = self.pack.path().display();
        match &sample.location {
            Location::Memory(index) => match self.image(*index) {
                Some(image) => format!("{} (image {index} of {pack})", image.name),
                None => format!("image {index} of {pack}"),
            },
            Location::File(path) => path.display().to_string(),
        }
    }

    fn stored_size(&self) -> usize {
        self.pack.stored_size()
    }
}
