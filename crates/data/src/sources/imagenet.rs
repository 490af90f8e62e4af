//! ILSVRC-2012: `train/<wnid>/*.JPEG`; validation as `val/<wnid>/*.JPEG`, or a flat `val/`
//! folder plus a `<file> <wnid or class index>` list (e.g. the authors' `whole_valid_files.txt`).

use std::path::Path;

use convnet_splits::Catalog;

use crate::config::DatasetConfig;
use crate::error::{DataError, Result};
use crate::source::{Location, Sample};
use crate::sources::class_folders::{limit_per_class, list_class_folders};
use crate::sources::file_source::FileSource;

/// Opens an ImageNet tree. Only file names are read here; images are decoded when loaded.
pub fn open(config: &DatasetConfig) -> Result<FileSource> {
    let root = config.root()?;
    let catalog = Catalog::ilsvrc2012(config.grouping);
    let train = list_class_folders(
        &root.join("train"),
        &catalog,
        None,
        config.max_train_per_class,
    )?;
    let val_dir = root.join("val");
    let val = match &config.val_labels {
        Some(list) => {
            let samples = read_label_list(list, &val_dir, &catalog)?;
            limit_per_class(samples, catalog.len(), config.max_val_per_class)
        }
        None => {
            if !val_dir.is_dir() {
                return Err(DataError::io(
                    &val_dir,
                    std::io::Error::new(std::io::ErrorKind::NotFound, "no validation folder"),
                ));
            }
            list_class_folders(&val_dir, &catalog, None, config.max_val_per_class)?
        }
    };
    Ok(FileSource::new(catalog, train, val, config.stored_size))
}

/// Reads a `<file> <label>` list; the label is a class id (wnid) or a class index. Files are
/// relative to `dir`. Blank lines are ignored.
pub fn read_label_list(list: &Path, dir: &Path, catalog: &Catalog) -> Result<Vec<Sample>> {
    let text = std::fs::read_to_string(list).map_err(|e| DataError::io(list, e))?;
    let mut samples = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let mut fields = line.split_whitespace();
        let (Some(file), Some(label), None) = (fields.next(), fields.next(), fields.next()) else {
            return Err(DataError::BadListLine {
                path: list.to_path_buf(),
                line: number + 1,
                reason: format!("expected `<file> <label>`, found `{line}`"),
            });
        };
        let class = match label.parse::<usize>() {
            Ok(index) if index < catalog.len() => index,
            _ => match catalog.find(label) {
                Ok(class) => class.index,
                Err(_) => {
                    return Err(DataError::UnknownClass {
                        path: list.to_path_buf(),
                        line: number + 1,
                        class: label.to_string(),
                    })
                }
            },
        };
        samples.push(Sample {
            class,
            location: Location::File(dir.join(file)),
        });
    }
    Ok(samples)
}
