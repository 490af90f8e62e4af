//! Listing the images of class-per-folder trees: `<root>/<class id>[/<inner>]/*.{jpg,jpeg,png}`.

use std::path::Path;

use convnet_splits::Catalog;
use rayon::prelude::*;

use crate::error::{DataError, Result};
use crate::imaging;
use crate::source::{Location, Sample};

/// The samples of every catalog class, class by class in catalog order, files sorted by name.
/// Each class must have a folder `root/<id>/<inner>` with at least one image; `limit` keeps the
/// first images of each class.
pub fn list_class_folders(
    root: &Path,
    catalog: &Catalog,
    inner: Option<&str>,
    limit: Option<usize>,
) -> Result<Vec<Sample>> {
    let per_class: Vec<Vec<Sample>> = catalog
        .classes()
        .par_iter()
        .map(|class| {
            let mut dir = root.join(&class.id);
            if let Some(inner) = inner {
                dir = dir.join(inner);
            }
            if !dir.is_dir() {
                return Err(DataError::MissingClassFolder {
                    class: class.id.clone(),
                    path: dir,
                });
            }
            let mut files = imaging::list_images(&dir)?;
            if files.is_empty() {
                return Err(DataError::EmptyClassFolder {
                    class: class.id.clone(),
                    path: dir,
                });
            }
            if let Some(limit) = limit {
                files.truncate(limit);
            }
            Ok(files
                .into_iter()
                .map(|path| Sample {
                    class: class.index,
                    location: Location::File(path),
                })
                .collect())
        })
        .collect::<Result<_>>()?;
    Ok(per_class.into_iter().flatten().collect())
}

/// Keeps at most `limit` samples of each class, in order.
pub fn limit_per_class(samples: Vec<Sample>, classes: usize, limit: Option<usize>) -> Vec<Sample> {
    let Some(limit) = limit else {
        return samples;
    };
    let mut counts = vec![0usize; classes];
    samples
        .into_iter()
        .filter(|sample| {
            let count = &mut counts[sample.class];
            *count += 1;
            *count <= limit
        })
        .collect()
}
