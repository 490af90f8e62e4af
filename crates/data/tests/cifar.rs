//! CIFAR-100 and CIFAR-10 binary records.

mod common;

use std::path::Path;

use common::*;
use convnet_data::{DataError, DatasetConfig, DatasetKind};

/// A CIFAR record's pixels: channel planes, values derived from `seed`.
fn planes(seed: usize) -> Vec<u8> {
    (0..3072)
        .map(|i| ((i * 3 + seed * 11) % 256) as u8)
        .collect()
}

fn cifar100_file(path: &Path, records: &[(u8, u8)]) {
    let mut bytes = Vec::new();
    for (i, &(coarse, fine)) in records.iter().enumerate() {
        bytes.push(coarse);
        bytes.push(fine);
        bytes.extend(planes(i));
    }
    std::fs::write(path, bytes).unwrap();
}

#[test]
fn cifar100_records_become_hwc_images_with_fine_labels() {
    let dir = tempfile::tempdir().unwrap();
    cifar100_file(&dir.path().join("train.bin"), &[(4, 30), (1, 99), (4, 30)]);
    cifar100_file(&dir.path().join("test.bin"), &[(0, 7)]);
    let config = DatasetConfig::on_disk(DatasetKind::Cifar100, dir.path(), 32, 28);
    let source = open(&config);
    assert_eq!(source.catalog().len(), 100);
    let classes: Vec<usize> = source.train().iter().map(|s| s.class).collect();
    assert_eq!(classes, vec![30, 99, 30]);
    assert_eq!(source.val()[0].class, 7);
    let image = source.load(&source.train()[1]).unwrap();
    let expected = planes(1);
    // Pixel (x=5, y=2) is element 2*32+5 of each plane.
    let at = 2 * 32 + 5;
    assert_eq!(
        image.get_pixel(5, 2).0,
        [expected[at], expected[1024 + at], expected[2048 + at]]
    );
    // Stored at 64: resized on load.
    let mut larger = config.clone();
    larger.stored_size = 64;
    let source = open(&larger);
    assert_eq!(
        source.load(&source.val()[0]).unwrap().dimensions(),
        (64, 64)
    );
}

#[test]
fn short_cifar100_file_names_the_path() {
    let dir = tempfile::tempdir().unwrap();
    cifar100_file(&dir.path().join("train.bin"), &[(0, 1), (0, 2)]);
    let test = dir.path().join("test.bin");
    cifar100_file(&test, &[(0, 1)]);
    let bytes = std::fs::read(&test).unwrap();
    std::fs::write(&test, &bytes[..3000]).unwrap();
    let config = DatasetConfig::on_disk(DatasetKind::Cifar100, dir.path(), 32, 28);
    let error = convnet_data::open(&config).err().unwrap();
    assert!(
        matches!(error, DataError::ShortFile { len: 3000, .. }),
        "{error}"
    );
    assert!(error.to_string().contains("test.bin"), "{error}");
}

#[test]
fn cifar100_label_out_of_range_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    cifar100_file(&dir.path().join("train.bin"), &[(0, 1), (0, 100)]);
    cifar100_file(&dir.path().join("test.bin"), &[(0, 1)]);
    let config = DatasetConfig::on_disk(DatasetKind::Cifar100, dir.path(), 32, 28);
    let error = convnet_data::open(&config).err().unwrap();
    assert!(
        matches!(
            error,
            DataError::BadRecordLabel {
                record: 1,
                label: 100,
                ..
            }
        ),
        "{error}"
    );
}

const CIFAR10_FILES: [&str; 6] = [
    "data_batch_1.bin",
    "data_batch_2.bin",
    "data_batch_3.bin",
    "data_batch_4.bin",
    "data_batch_5.bin",
    "test_batch.bin",
];

/// Writes the six CIFAR-10 files, 10000 records each; record `r` of file
/// `f` has label `(f + r) % 10` and a pixel pattern from `f * 10000 + r` in its first bytes.
fn cifar10_tree(root: &Path) {
    for (f, name) in CIFAR10_FILES.iter().enumerate() {
        let mut bytes = vec![0u8; 10_000 * 3073];
        for (r, record) in bytes.chunks_exact_mut(3073).enumerate() {
            record[0] = ((f + r) % 10) as u8;
            let id = f * 10_000 + r;
            record[1] = (id % 251) as u8; // red (0, 0)
            record[1 + 1024] = (id % 241) as u8; // green (0, 0)
            record[1 + 2048 + 33] = 200; // blue (1, 1)
        }
        std::fs::write(root.join(name), bytes).unwrap();
    }
}

#[test]
fn cifar10_binary_files() {
    let dir = tempfile::tempdir().unwrap();
    cifar10_tree(dir.path());
    let mut config = DatasetConfig::on_disk(DatasetKind::Cifar10, dir.path(), 32, 28);
    config.max_val_per_class = Some(3);
    let source = open(&config);
    assert_eq!(source.catalog().len(), 10);
    assert_eq!(source.train().len(), 50_000);
    assert_eq!(source.val().len(), 30);
    let sample = &source.train()[12_345];
    assert_eq!(sample.class, (1 + 2_345) % 10);
    let image = source.load(sample).unwrap();
    assert_eq!(
        image.get_pixel(0, 0).0,
        [(12_345 % 251) as u8, (12_345 % 241) as u8, 0]
    );
    assert_eq!(image.get_pixel(1, 1).0, [0, 0, 200]);
}

#[test]
fn short_cifar10_file_names_the_path() {
    let dir = tempfile::tempdir().unwrap();
    for name in CIFAR10_FILES {
        std::fs::write(dir.path().join(name), vec![0u8; 3073 * 10 + 100]).unwrap();
    }
    let config = DatasetConfig::on_disk(DatasetKind::Cifar10, dir.path(), 32, 28);
    let error = convnet_data::open(&config).err().unwrap();
    assert!(matches!(error, DataError::ShortFile { .. }), "{error}");
    assert!(error.to_string().contains("data_batch_1.bin"), "{error}");
}
