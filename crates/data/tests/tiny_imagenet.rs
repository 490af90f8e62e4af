//! Tiny ImageNet in its own layout: a fake tree written here, and the real subset in
//! `../shared/data`.

mod common;

use std::path::Path;

use common::*;
use convnet_data::{DataError, DatasetConfig, DatasetKind};

const WNIDS: [&str; 3] = ["n01443537", "n01629819", "n01641577"];

fn tiny_config(root: &Path) -> DatasetConfig {
    DatasetConfig::on_disk(DatasetKind::TinyImageNet, root, 64, 56)
}

#[test]
fn reads_the_tiny_imagenet_layout_with_any_images_per_class() {
    let dir = tempfile::tempdir().unwrap();
    fake_tiny(dir.path(), &WNIDS, &[3, 1, 2]);
    let source = open(&tiny_config(dir.path()));
    assert_eq!(source.catalog().len(), 3);
    assert_eq!(source.catalog().class(2).id, WNIDS[2]);
    let train: Vec<usize> = source.train().iter().map(|s| s.class).collect();
    assert_eq!(train, vec![0, 0, 0, 1, 2, 2]);
    // Validation keeps the annotation order; the third class has no validation image.
    let val: Vec<usize> = source.val().iter().map(|s| s.class).collect();
    assert_eq!(val, vec![0, 1, 0, 1, 0, 1]);
    assert!(source
        .describe(&source.val()[3])
        .ends_with("val/images/val_3.JPEG"));
    let image = source.load(&source.val()[0]).unwrap();
    assert_eq!(image.dimensions(), (64, 64));
    // Stored as written: a 64x64 JPEG at stored size 64 is not resized.
    let decoded = image::open(dir.path().join("val/images/val_0.JPEG"))
        .unwrap()
        .to_rgb8();
    assert_eq!(image, decoded);
}

#[test]
fn unknown_wnid_in_the_annotations_names_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    fake_tiny(dir.path(), &WNIDS, &[1, 1, 1]);
    let path = dir.path().join("val/val_annotations.txt");
    let mut text = std::fs::read_to_string(&path).unwrap();
    text.push_str("val_9.JPEG\tn99999999\t0\t0\t1\t1\n");
    std::fs::write(&path, text).unwrap();
    let error = convnet_data::open(&tiny_config(dir.path())).err().unwrap();
    assert!(
        matches!(error, DataError::UnknownClass { line: 7, .. }),
        "{error}"
    );
    assert!(error.to_string().contains("n99999999"), "{error}");
    assert!(error.to_string().contains("val_annotations.txt"), "{error}");
}

#[test]
fn missing_training_folder_names_the_wnid() {
    let dir = tempfile::tempdir().unwrap();
    fake_tiny(dir.path(), &WNIDS, &[1, 1, 1]);
    std::fs::remove_dir_all(dir.path().join(format!("train/{}", WNIDS[1]))).unwrap();
    let error = convnet_data::open(&tiny_config(dir.path())).err().unwrap();
    assert!(
        matches!(error, DataError::MissingClassFolder { .. }),
        "{error}"
    );
    assert!(error.to_string().contains(WNIDS[1]), "{error}");
}

#[test]
#[ignore = "needs ../shared/data"]
fn shared_subset_has_200_classes_of_100_train_and_50_val_images() {
    let root = shared_data()
        .expect("../shared/data is missing")
        .join("tiny-imagenet-200-subset");
    let source = open(&tiny_config(&root));
    assert_eq!(source.catalog().len(), 200);
    assert_eq!(source.train().len(), 200 * 100);
    assert_eq!(source.val().len(), 200 * 50);
    let mut train = vec![0usize; 200];
    let mut val = vec![0usize; 200];
    source.train().iter().for_each(|s| train[s.class] += 1);
    source.val().iter().for_each(|s| val[s.class] += 1);
    assert!(train.iter().all(|&n| n == 100));
    assert!(val.iter().all(|&n| n == 50));
    for sample in source
        .train()
        .iter()
        .step_by(997)
        .chain(source.val().iter().step_by(499))
    {
        assert_eq!(source.load(sample).unwrap().dimensions(), (64, 64));
    }
}
