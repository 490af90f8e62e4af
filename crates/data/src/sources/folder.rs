//! A generic class-per-folder tree: `train/<class>/*` and `val/<class>/*`, JPEG or PNG.
//! Classes are the folders of `train/` (see `Catalog::from_folder`); every class must also have
//! a validation folder.

use convnet_splits::Catalog;

use crate::config::DatasetConfig;
use crate::error::{DataError, Result};
use crate::sources::class_folders::list_class_folders;
use crate::sources::file_source::FileSource;

/// Opens a class-per-folder tree; images are decoded when loaded.
pub fn open(config: &DatasetConfig) -> Result<FileSource> {
    let root = config.root()?;
    let train_dir = root.join("train");
    let catalog =
        Catalog::from_folder(&train_dir, config.group_file.as_deref()).map_err(|source| {
            DataError::Catalog {
                dataset: format!("folder {}", train_dir.display()),
                source,
            }
        })?;
    let train = list_class_folders(&train_dir, &catalog, None, config.max_train_per_class)?;
    let val = list_class_folders(&root.join("val"), &catalog, None, config.max_val_per_class)?;
    Ok(FileSource::new(catalog, train, val, config.stored_size))
}
