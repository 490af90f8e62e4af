//! The class-per-folder source: JPEG and PNG files, missing folders, corrupt files.

mod common;

use candle_core::Device;
use common::*;
use convnet_data::{DataError, Loader, Location};

#[test]
fn reads_jpeg_and_png_class_folders() {
    let dir = tempfile::tempdir().unwrap();
    folder_tree(dir.path(), &["cat", "dog", "eel"], 4, 2);
    let config = folder_config(dir.path(), 12, 8);
    let source = open(&config);
    assert_eq!(source.catalog().len(), 3);
    assert_eq!(source.catalog().class(1).id, "dog");
    assert_eq!(source.train().len(), 12);
    assert_eq!(source.val().len(), 6);
    // Class by class, files sorted by name.
    let classes: Vec<usize> = source.train().iter().map(|s| s.class).collect();
    assert_eq!(classes, vec![0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2]);
    for sample in source.train() {
        let image = source.load(sample).unwrap();
        assert_eq!(image.dimensions(), (12, 12));
    }
    // A PNG decodes losslessly: resized from 21x16 its colours stay in the written range.
    let Location::File(path) = &source.train()[1].location else {
        panic!("file source")
    };
    assert!(path.to_string_lossy().ends_with("cat_1.png"));
}

#[test]
fn max_per_class_keeps_the_first_files() {
    let dir = tempfile::tempdir().unwrap();
    folder_tree(dir.path(), &["a", "b"], 5, 3);
    let mut config = folder_config(dir.path(), 8, 8);
    config.max_train_per_class = Some(2);
    config.max_val_per_class = Some(1);
    let source = open(&config);
    assert_eq!(source.train().len(), 4);
    assert_eq!(source.val().len(), 2);
}

#[test]
fn missing_validation_class_folder_names_the_class_and_path() {
    let dir = tempfile::tempdir().unwrap();
    folder_tree(dir.path(), &["a", "b"], 2, 1);
    std::fs::remove_dir_all(dir.path().join("val/b")).unwrap();
    let error = convnet_data::open(&folder_config(dir.path(), 8, 8))
        .err()
        .unwrap();
    assert!(
        matches!(error, DataError::MissingClassFolder { .. }),
        "{error}"
    );
    let message = error.to_string();
    assert!(
        message.contains("`b`") && message.contains("val/b"),
        "{message}"
    );
}

#[test]
fn empty_class_folder_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    folder_tree(dir.path(), &["a", "b"], 2, 1);
    std::fs::create_dir_all(dir.path().join("train/c")).unwrap();
    std::fs::create_dir_all(dir.path().join("val/c")).unwrap();
    let error = convnet_data::open(&folder_config(dir.path(), 8, 8))
        .err()
        .unwrap();
    assert!(
        matches!(error, DataError::EmptyClassFolder { .. }),
        "{error}"
    );
    assert!(error.to_string().contains("train/c"), "{error}");
}

#[test]
fn corrupt_file_error_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let (truncated, not_an_image) = tree_with_bad_files(dir.path());
    let config = folder_config(dir.path(), 8, 6);
    let source = open(&config);
    let bad = source
        .train()
        .iter()
        .find(|s| s.location == Location::File(truncated.clone()))
        .unwrap();
    let error = source.load(bad).unwrap_err();
    assert!(error.is_bad_image());
    assert!(error.to_string().contains("a_2.jpg"), "{error}");

    // The loader fails with the file's name too.
    let half = all_half(source.catalog());
    let loader = Loader::val(
        source.clone(),
        &half,
        plain_preprocess(&config),
        2,
        &Device::Cpu,
    )
    .unwrap();
    let errors: Vec<String> = loader
        .filter_map(|b| b.err())
        .map(|e| e.to_string())
        .collect();
    assert_eq!(errors.len(), 1);
    assert!(
        errors[0].contains(&not_an_image.display().to_string()),
        "{}",
        errors[0]
    );
}

#[test]
fn skip_mode_counts_bad_files_and_keeps_going() {
    let dir = tempfile::tempdir().unwrap();
    tree_with_bad_files(dir.path());
    let config = folder_config(dir.path(), 8, 6);
    let source = open(&config);
    let half = all_half(source.catalog());

    let mut val = Loader::val(
        source.clone(),
        &half,
        plain_preprocess(&config),
        3,
        &Device::Cpu,
    )
    .unwrap()
    .skip_bad_images(true);
    let mut images = 0;
    for batch in val.by_ref() {
        images += batch.unwrap().len();
    }
    assert_eq!(images, 3, "4 validation images, one unreadable");
    assert_eq!(val.skipped(), 1);

    // Training: batches stay full, each bad file is counted once however often it comes up.
    let mut train = Loader::train(
        source,
        &half,
        plain_preprocess(&config),
        4,
        7,
        0,
        &Device::Cpu,
    )
    .unwrap()
    .skip_bad_images(true);
    for _ in 0..6 {
        let batch = train.next().unwrap().unwrap();
        assert_eq!(batch.images.dims(), &[4, 3, 6, 6]);
    }
    assert_eq!(train.skipped(), 1);
}
