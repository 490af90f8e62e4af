//! Tiny ImageNet in its own layout: `wnids.txt`, `train/<wnid>/images/*.JPEG`,
//! `val/val_annotations.txt` (`<file>\t<wnid>\t<box>`) and `val/images/`.

use std::path::Path;

use convnet_splits::Catalog;

use crate::config::DatasetConfig;
use crate::error::{DataError, Result};
use crate::source::{Location, Sample};
use crate::sources::class_folders::{limit_per_class, list_class_folders};
use crate::sources::file_source::FileSource;

/// Opens a Tiny ImageNet tree. Any number of images per class; images are decoded when loaded.
pub fn open(config: &DatasetConfig) -> Result<FileSource> {
    let root = config.root()?;
    let wnids = read_wnids(&root.join("wnids.txt"))?;
    let catalog =
        Catalog::tiny_imagenet(&wnids, config.grouping).map_err(|source| DataError::Catalog {
            dataset: format!("tiny-imagenet at {}", root.display()),
            source,
        })?;
    let train = list_class_folders(
        &root.join("train"),
        &catalog,
        Some("images"),
        config.max_train_per_class,
    )?;
    let val = read_annotations(&root.join("val"), &catalog)?;
    let val = limit_per_class(val, catalog.len(), config.max_val_per_class);
    Ok(FileSource::new(catalog, train, val, config.stored_size))
}

/// The wnids listed one per line.
pub fn read_wnids(path: &Path) -> Result<Vec<String>> {
    let text = std::fs::read_to_string(path).map_err(|e| DataError::io(path, e))?;
    let wnids: Vec<String> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect();
    if wnids.is_empty() {
        return Err(DataError::BadListLine {
            path: path.to_path_buf(),
            line: 1,
            reason: "no wnid listed".to_string(),
        });
    }
    Ok(wnids)
}

/// The validation samples from `val/val_annotations.txt`, in its order; files in `val/images/`.
pub fn read_annotations(val_dir: &Path, catalog: &Catalog) -> Result<Vec<Sample>> {
    let list = val_dir.join("val_annotations.txt");
    let text = std::fs::read_to_string(&list).map_err(|e| DataError::io(&list, e))?;
    let images = val_dir.join("images");
    let mut samples = Vec::new();
    for (number, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let mut fields = line.split('\t');
        let (Some(file), Some(wnid)) = (fields.next(), fields.next()) else {
            return Err(DataError::BadListLine {
                path: list.clone(),
                line: number + 1,
                reason: format!("expected `<file>\\t<wnid>\\t...`, found `{line}`"),
            });
        };
        let class = catalog
            .find(wnid.trim())
            .map_err(|_| DataError::UnknownClass {
                path: list.clone(),
                line: number + 1,
                class: wnid.trim().to_string(),
            })?;
        samples.push(Sample {
            class: class.index,
            location: Location::File(images.join(file.trim())),
        });
    }
    Ok(samples)
}
