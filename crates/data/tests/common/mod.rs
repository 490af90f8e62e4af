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

/// A Tiny ImageNet tree of these classes (`wnids.txt`): `per_class[i]` 64x64 training images
/// for class i, and six validation images of the first two classes, alternately.
pub fn fake_tiny(root: &Path, wnids: &[&str], per_class: &[usize]) {
    std::fs::create_dir_all(root).unwrap();
    std::fs::write(root.join("wnids.txt"), wnids.join("\n") + "\n").unwrap();
    for (c, wnid) in wnids.iter().enumerate() {
        for i in 0..per_class[c] {
            let path = root.join(format!("train/{wnid}/images/{wnid}_{i}.JPEG"));
            write_image(&path, &pattern(64, 64, (c * 10 + i) as u32));
        }
        std::fs::write(root.join(format!("train/{wnid}/{wnid}_boxes.txt")), "").unwrap();
    }
    let mut annotations = String::new();
    for k in 0..6 {
        let wnid = wnids[k % 2];
        write_image(
            &root.join(format!("val/images/val_{k}.JPEG")),
            &pattern(64, 64, 50 + k as u32),
        );
        annotations.push_str(&format!("val_{k}.JPEG\t{wnid}\t0\t0\t63\t63\n"));
    }
    std::fs::write(root.join("val/val_annotations.txt"), annotations).unwrap();
}

/// A folder tree of classes `a` and `b` (four training, two validation images each) with a
/// truncated training JPEG and a validation file that is no image; returns those two files.
pub fn tree_with_bad_files(root: &Path) -> (PathBuf, PathBuf) {
    folder_tree(root, &["a", "b"], 4, 2);
    let truncated = root.join("train/a/a_2.jpg");
    let bytes = std::fs::read(&truncated).unwrap();
    std::fs::write(&truncated, &bytes[..bytes.len() / 3]).unwrap();
    let not_an_image = root.join("val/b/b_0.jpg");
    std::fs::write(&not_an_image, b"this is not a JPEG file").unwrap();
    (truncated, not_an_image)
}
