//! Packed datasets: the same catalog, images, labels and batches as the dataset they were packed
//! from, bit for bit; unreadable images refused or left out; damaged and foreign packs refused
//! with the file's name and what is wrong.

mod common;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use candle_core::Device;
use common::*;
use convnet_data::{
    scan_images, write_pack, Batch, DataError, DatasetConfig, DatasetKind, Loader, MeanImage,
    Preprocess, Source, Subset, Unreadable,
};
use convnet_splits::{Catalog, Grouping, Half, HalfId, Split};

/// The config of the pack at `pack` made from `config`.
fn packed(config: &DatasetConfig, pack: &Path) -> DatasetConfig {
    DatasetConfig {
        kind: DatasetKind::Packed,
        path: Some(pack.to_path_buf()),
        group_file: None,
        ..config.clone()
    }
}

/// Packs `config` into `dir/data.pack`; returns the pack's config.
fn pack(config: &DatasetConfig, dir: &Path) -> DatasetConfig {
    let summary = write_pack(config, &dir.join("data.pack"), |_, _| {}).unwrap();
    assert!(summary.skipped.is_empty());
    packed(config, &summary.path)
}

/// Every value of a batch as bits, and its labels.
fn bits(batch: Batch) -> (Vec<u32>, Vec<u32>) {
    let values = batch
        .images
        .flatten_all()
        .unwrap()
        .to_vec1::<f32>()
        .unwrap();
    let labels = batch.labels.to_vec1::<u32>().unwrap();
    (values.into_iter().map(f32::to_bits).collect(), labels)
}

/// The first `count` training batches (or every validation batch) of `half` from `source`,
/// leaving out `unreadable`.
fn batches(
    source: &Arc<dyn Source>,
    half: &Half,
    preprocess: &Preprocess,
    subset: Subset,
    unreadable: &[Unreadable],
) -> Vec<(Vec<u32>, Vec<u32>)> {
    let (batch, seed, count) = (5, 11, 12);
    let loader = match subset {
        Subset::Train => {
            let loader = Loader::train(
                source.clone(),
                half,
                preprocess.clone(),
                batch,
                seed,
                0,
                &Device::Cpu,
            );
            loader.unwrap().without(unreadable).take(count)
        }
        Subset::Val => {
            let loader = Loader::val(
                source.clone(),
                half,
                preprocess.clone(),
                batch,
                &Device::Cpu,
            );
            loader.unwrap().without(unreadable).take(usize::MAX)
        }
    };
    loader.map(|b| bits(b.unwrap())).collect()
}

/// Every one of `halves` gives the same mean image, training batches (seeded crops and mirrors)
/// and validation batches from both sources.
fn assert_same_batches(
    config: &DatasetConfig,
    halves: &[&Half],
    files: &Arc<dyn Source>,
    pack: &Arc<dyn Source>,
    unreadable: &[Unreadable],
) {
    for &half in halves {
        let mean = MeanImage::compute(files.as_ref(), half, true).unwrap();
        assert_eq!(mean, MeanImage::compute(pack.as_ref(), half, true).unwrap());
        let preprocess = Preprocess::from_config(config, mean).unwrap();
        for subset in [Subset::Train, Subset::Val] {
            let from_files = batches(files, half, &preprocess, subset, unreadable);
            let from_pack = batches(pack, half, &preprocess, subset, &[]);
            assert!(!from_files.is_empty());
            assert_eq!(
                from_files,
                from_pack,
                "{subset:?} batches of {:?}",
                half.id()
            );
        }
    }
}

#[test]
fn a_pack_gives_the_batches_of_its_jpeg_and_png_files_bit_for_bit() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("data");
    folder_tree(&root, &["cat", "dog", "eel", "fox"], 6, 3);
    let config = DatasetConfig {
        scale: 0.5,
        ..folder_config(&root, 12, 10)
    };
    let pack_config = pack(&config, dir.path());
    let (files, pack) = (open(&config), open(&pack_config));
    assert_eq!(files.catalog(), pack.catalog());
    assert_eq!(pack.stored_size(), 12);
    for subset in [Subset::Train, Subset::Val] {
        let (a, b) = (
            subset.samples(files.as_ref()),
            subset.samples(pack.as_ref()),
        );
        assert_eq!(a.len(), b.len());
        for (a, b) in a.iter().zip(b) {
            assert_eq!(a.class, b.class);
            assert_eq!(files.load(a).unwrap(), pack.load(b).unwrap());
        }
    }
    // Images are named by their original files, relative to the dataset's root.
    let name = pack.describe(&pack.val()[1]);
    assert!(
        name.starts_with("val/cat/cat_1.png (image 25 of "),
        "{name}"
    );
    // Both halves of the random split 1 and the whole dataset.
    let random = Split::random(files.catalog(), 1).unwrap();
    let all = Split::all(files.catalog()).unwrap();
    let halves = [
        random.half(HalfId::A).unwrap(),
        random.half(HalfId::B).unwrap(),
        all.half(HalfId::All).unwrap(),
    ];
    assert_same_batches(&config, &halves, &files, &pack, &[]);

    // Per-class limits keep the same first images of each class.
    let limited = |config: &DatasetConfig| {
        let source = open(&DatasetConfig {
            max_train_per_class: Some(2),
            max_val_per_class: Some(1),
            ..config.clone()
        });
        let classes = |samples: &[convnet_data::Sample]| -> Vec<usize> {
            samples.iter().map(|s| s.class).collect()
        };
        let loaded: Vec<_> = source
            .train()
            .iter()
            .map(|s| source.load(s).unwrap())
            .collect();
        (classes(source.train()), classes(source.val()), loaded)
    };
    assert_eq!(limited(&config), limited(&pack_config));
}

#[test]
fn unreadable_images_stop_the_pack_unless_skipped_and_the_batches_still_match() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("data");
    let (truncated, not_an_image) = tree_with_bad_files(&root);
    let config = folder_config(&root, 8, 6);
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let error = write_pack(&config, &out, |_, _| {}).unwrap_err();
    assert!(
        matches!(error, DataError::UnreadableImages { count: 2, .. }),
        "{error}"
    );
    let message = error.to_string();
    for file in [&truncated, &not_an_image] {
        assert!(message.contains(&file.display().to_string()), "{message}");
    }
    assert_eq!(
        std::fs::read_dir(&out).unwrap().count(),
        0,
        "nothing written"
    );

    let skipping = DatasetConfig {
        skip_bad_images: true,
        ..config
    };
    let summary = write_pack(&skipping, &out, |_, _| {}).unwrap();
    assert_eq!(summary.path, out.join("data-8.pack"));
    assert_eq!((summary.train, summary.val), (7, 3));
    let skipped: Vec<&str> = summary.skipped.iter().map(|u| u.name.as_str()).collect();
    let expected = [
        truncated.display().to_string(),
        not_an_image.display().to_string(),
    ];
    assert_eq!(skipped, expected);
    let expected_bytes = 4096 + 10 * 8 * 8 * 3;
    assert!(summary.bytes > expected_bytes, "{}", summary.bytes);
    assert_eq!(
        std::fs::metadata(&summary.path).unwrap().len(),
        summary.bytes
    );

    // The folder's loader leaves out what the image check found; the pack holds the rest.
    let files = open(&skipping);
    let halves = [all_half(files.catalog())];
    let scan = scan_images(files.as_ref(), &halves, &[Subset::Train, Subset::Val]).unwrap();
    assert_eq!(scan.unreadable.len(), 2);
    let pack = open(&packed(&skipping, &summary.path));
    let halves: Vec<&Half> = halves.iter().collect();
    assert_same_batches(&skipping, &halves, &files, &pack, &scan.unreadable);
}

#[test]
fn a_packed_tiny_imagenet_keeps_its_wnids_and_groups_by_the_configuration() {
    // street_sign is man-made in the paper's lists and not under WordNet's artifact rule.
    let wnids = ["n01443537", "n06794110", "n01641577"];
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("tiny");
    fake_tiny(&root, &wnids, &[2, 1, 1]);
    let mut config = DatasetConfig::on_disk(DatasetKind::TinyImageNet, &root, 64, 56);
    let pack_config = pack(&config, dir.path());
    let ids: Vec<String> = wnids.iter().map(|w| w.to_string()).collect();
    for grouping in [Grouping::Paper, Grouping::WordNetArtifact] {
        config.grouping = grouping;
        let packed = open(&DatasetConfig {
            grouping,
            ..pack_config.clone()
        });
        let expected = Catalog::tiny_imagenet(&ids, grouping).unwrap();
        assert_eq!(packed.catalog(), &expected);
        assert_eq!(open(&config).catalog(), &expected);
    }
    assert_ne!(
        Catalog::tiny_imagenet(&ids, Grouping::Paper).unwrap(),
        Catalog::tiny_imagenet(&ids, Grouping::WordNetArtifact).unwrap()
    );
}

/// A packed folder dataset at stored size 8, and its bytes.
fn small_pack(dir: &Path) -> (DatasetConfig, PathBuf, Vec<u8>) {
    let root = dir.join("data");
    folder_tree(&root, &["a", "b"], 2, 1);
    let config = pack(&folder_config(&root, 8, 6), dir);
    let path = config.path.clone().unwrap();
    let bytes = std::fs::read(&path).unwrap();
    (config, path, bytes)
}

/// The error of opening `config` with its pack's bytes replaced by `bytes`.
fn open_error(config: &DatasetConfig, path: &Path, bytes: &[u8]) -> String {
    std::fs::write(path, bytes).unwrap();
    let error = convnet_data::open(config).err().unwrap();
    assert!(matches!(error, DataError::BadPack { .. }), "{error}");
    let message = error.to_string();
    assert!(message.contains(&path.display().to_string()), "{message}");
    message
}

#[test]
fn damaged_and_foreign_packs_are_refused_with_the_file_and_the_fault() {
    let dir = tempfile::tempdir().unwrap();
    let (config, path, bytes) = small_pack(dir.path());
    open(&config);

    let message = open_error(&config, &path, &bytes[..bytes.len() - 1]);
    assert!(message.contains("is truncated"), "{message}");
    let message = open_error(&config, &path, &bytes[..4096 + 100]);
    assert!(message.contains("is truncated"), "{message}");
    let message = open_error(&config, &path, &bytes[..20]);
    assert!(
        message.contains("shorter than the 64-byte header"),
        "{message}"
    );
    let message = open_error(&config, &path, &[bytes.as_slice(), b"x"].concat());
    assert!(message.contains("1 more than its header says"), "{message}");

    let mut foreign = bytes.clone();
    foreign[..8].copy_from_slice(b"\x89PNG\r\n\x1a\n");
    let message = open_error(&config, &path, &foreign);
    assert!(message.contains("not a packed dataset"), "{message}");

    let mut newer = bytes.clone();
    newer[8..12].copy_from_slice(&2u32.to_le_bytes());
    let message = open_error(&config, &path, &newer);
    assert!(message.contains("format version 2"), "{message}");

    let mut damaged = bytes.clone();
    let last = damaged.len() - 1;
    damaged[last] ^= 1;
    let message = open_error(&config, &path, &damaged);
    assert!(message.contains("checksum"), "{message}");
}

#[test]
fn a_pack_of_another_stored_size_than_the_configuration_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (config, path, _) = small_pack(dir.path());
    let larger = DatasetConfig {
        stored_size: 16,
        crop_size: 14,
        ..config
    };
    let message = open_error(&larger, &path, &std::fs::read(&path).unwrap());
    assert!(
        message.contains("holds 8x8 images, the configuration's stored_size is 16"),
        "{message}"
    );
    let error = write_pack(&larger, dir.path(), |_, _| {}).unwrap_err();
    assert!(error.to_string().contains("packed already"), "{error}");
}
