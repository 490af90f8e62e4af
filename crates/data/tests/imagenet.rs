//! The ImageNet source: class folders for training, a flat validation folder with a label list.

mod common;

use std::path::Path;

use common::*;
use convnet_data::{DataError, DatasetConfig, DatasetKind};
use convnet_splits::{Catalog, Grouping};

/// A tree with one 8x8 training image per ILSVRC-2012 class (two for the first class).
fn imagenet_tree(root: &Path) -> Catalog {
    let catalog = Catalog::ilsvrc2012(Grouping::Paper);
    let tiny = pattern(8, 8, 1);
    for class in catalog.classes() {
        write_image(
            &root.join(format!("train/{}/{}_1.JPEG", class.id, class.id)),
            &tiny,
        );
    }
    let first = &catalog.class(0).id;
    write_image(&root.join(format!("train/{first}/{first}_0.JPEG")), &tiny);
    for k in 1..=3 {
        write_image(&root.join(format!("val/ILSVRC2012_val_{k:08}.JPEG")), &tiny);
    }
    catalog
}

#[test]
fn flat_validation_folder_with_index_or_wnid_labels() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = imagenet_tree(dir.path());
    let list = dir.path().join("val_labels.txt");
    let wnid = &catalog.class(17).id;
    std::fs::write(
        &list,
        format!("ILSVRC2012_val_00000001.JPEG 65\nILSVRC2012_val_00000002.JPEG {wnid}\n\nILSVRC2012_val_00000003.JPEG 999\n"),
    )
    .unwrap();
    let mut config = DatasetConfig::on_disk(DatasetKind::ImageNet, dir.path(), 16, 12);
    config.val_labels = Some(list.clone());
    let source = open(&config);
    assert_eq!(source.catalog().len(), 1000);
    assert_eq!(source.train().len(), 1001);
    // Files of a class sorted by name.
    assert!(source.describe(&source.train()[0]).ends_with("_0.JPEG"));
    let val: Vec<usize> = source.val().iter().map(|s| s.class).collect();
    assert_eq!(val, vec![65, 17, 999]);
    assert_eq!(
        source.load(&source.val()[1]).unwrap().dimensions(),
        (16, 16)
    );

    std::fs::write(&list, "ILSVRC2012_val_00000001.JPEG n00000000\n").unwrap();
    let error = convnet_data::open(&config).err().unwrap();
    assert!(
        matches!(error, DataError::UnknownClass { line: 1, .. }),
        "{error}"
    );
    assert!(error.to_string().contains("val_labels.txt"), "{error}");

    std::fs::write(&list, "ILSVRC2012_val_00000001.JPEG\n").unwrap();
    let error = convnet_data::open(&config).err().unwrap();
    assert!(
        matches!(error, DataError::BadListLine { line: 1, .. }),
        "{error}"
    );
}

#[test]
fn missing_wnid_folder_names_it() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = imagenet_tree(dir.path());
    let wnid = catalog.class(500).id.clone();
    std::fs::remove_dir_all(dir.path().join("train").join(&wnid)).unwrap();
    let config = DatasetConfig::on_disk(DatasetKind::ImageNet, dir.path(), 16, 12);
    let error = convnet_data::open(&config).err().unwrap();
    assert!(
        matches!(error, DataError::MissingClassFolder { .. }),
        "{error}"
    );
    assert!(error.to_string().contains(&wnid), "{error}");
}
