//! Helpers shared by the tests: small image trees written into temporary folders.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use convnet_data::{DatasetConfig, DatasetKind, MeanImage, Preprocess, Source};
use convnet_splits::{Catalog, Half, HalfId, Split};
use image::{Rgb, RgbImage};

/// A deterministic test image whose pixels encode `seed`.
pub fn pattern(width: u32, height: u32, seed: u32) -> RgbImage {
    RgbImage::from_fn(width, height, |x, y| {
        Rgb([
            ((x * 7 + seed * 31) % 256) as u8,
            ((y * 5 + seed * 17) % 256) as u8,
            ((x + y + seed * 3) % 256) as u8,
        ])
    })
}

/// Writes `image` to `path` (format from the extension), creating folders.
pub fn write_image(path: &Path, image: &RgbImage) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    image.save(path).unwrap();
}

/// A folder tree `train/<class>/*` and `val/<class>/*` with `train` and `val` images per class,
/// alternating JPEG and PNG.
pub fn folder_tree(root: &Path, classes: &[&str], train: usize, val: usize) {
    for (c, class) in classes.iter().enumerate() {
        for (subset, count) in [("train", train), ("val", val)] {
            for i in 0..count {
                let ext = if i % 2 == 0 { "jpg" } else { "png" };
                let path = root
                    .join(subset)
                    .join(class)
                    .join(format!("{class}_{i}.{ext}"));
                write_image(&path, &pattern(20 + i as u32, 16, (c * 100 + i) as u32));
            }
        }
    }
}

/// The one half holding every class of a catalog.
pub fn all_half(catalog: &Catalog) -> Half {
    Split::all(catalog)
        .unwrap()
        .half(HalfId::All)
        .unwrap()
        .clone()
}

/// Half `id` of the random split `seed` of a catalog.
pub fn random_half(catalog: &Catalog, seed: u64, id: HalfId) -> Half {
    Split::random(catalog, seed)
        .unwrap()
        .half(id)
        .unwrap()
        .clone()
}

/// A folder-kind config for `root` at the given sizes.
pub fn folder_config(root: &Path, stored: usize, crop: usize) -> DatasetConfig {
    DatasetConfig::on_disk(DatasetKind::Folder, root, stored, crop)
}

/// The preprocessing of a config with a zero mean.
pub fn plain_preprocess(config: &DatasetConfig) -> Preprocess {
    Preprocess::from_config(config, MeanImage::zeros(config.stored_size)).unwrap()
}

/// A small embedded dataset config: `classes` classes, few images, 16x16 stored, 12 crop.
pub fn small_embedded(classes: usize, train: usize, val: usize) -> DatasetConfig {
    let mut config = DatasetConfig::default();
    config.embedded.classes = classes;
    config.embedded.train_per_class = train;
    config.embedded.val_per_class = val;
    config.embedded.image_size = 16;
    config.stored_size = 16;
    config.crop_size = 12;
    config
}

/// Opens a source, panicking with the error.
pub fn open(config: &DatasetConfig) -> Arc<dyn Source> {
    convnet_data::open(config).unwrap_or_else(|e| panic!("open failed: {e}"))
}

/// `../shared/data` relative to the repository root, if present.
pub fn shared_data() -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data");
    path.is_dir().then_some(path)
}
