//! The batch loader: shapes, labels, determinism across thread counts, resume, validation order.

mod common;

use std::sync::Arc;

use candle_core::Device;
use common::*;
use convnet_data::{Batch, Loader, Source};
use convnet_splits::{Half, HalfId};

fn source_and_half() -> (Arc<dyn Source>, Half, convnet_data::DatasetConfig) {
    let config = small_embedded(6, 7, 3);
    let source = open(&config);
    let half = random_half(source.catalog(), 1, HalfId::B);
    (source, half, config)
}

fn values(batch: &Batch) -> (Vec<f32>, Vec<u32>) {
    (
        batch
            .images
            .flatten_all()
            .unwrap()
            .to_vec1::<f32>()
            .unwrap(),
        batch.labels.to_vec1::<u32>().unwrap(),
    )
}

fn take(loader: Loader, n: usize) -> Vec<(Vec<f32>, Vec<u32>)> {
    loader.take(n).map(|b| values(&b.unwrap())).collect()
}

#[test]
fn training_batches_have_the_crop_shape_and_half_labels() {
    let (source, half, config) = source_and_half();
    assert_eq!(half.len(), 3);
    let loader = Loader::train(
        source,
        &half,
        plain_preprocess(&config),
        5,
        3,
        0,
        &Device::Cpu,
    )
    .unwrap();
    assert_eq!(loader.len_images(), 21);
    assert_eq!(loader.batches_per_epoch(), 5);
    let mut seen = vec![0usize; 3];
    for batch in loader.take(21) {
        let batch = batch.unwrap();
        assert_eq!(batch.images.dims(), &[5, 3, 12, 12]);
        assert_eq!(batch.labels.dims(), &[5]);
        for label in batch.labels.to_vec1::<u32>().unwrap() {
            seen[label as usize] += 1;
        }
    }
    // 21 batches of 5 = exactly 5 epochs of 21 images (wrapping across epoch ends).
    assert_eq!(seen, vec![35, 35, 35]);
}

#[test]
fn same_seed_same_batches_for_any_thread_count() {
    let (source, half, config) = source_and_half();
    let make = |threads: usize, seed: u64| {
        Loader::train(
            source.clone(),
            &half,
            plain_preprocess(&config),
            4,
            seed,
            0,
            &Device::Cpu,
        )
        .unwrap()
        .with_threads(threads)
    };
    let one = take(make(1, 9), 12);
    let three = take(make(3, 9), 12);
    assert_eq!(one, three);
    let other_seed = take(make(3, 10), 12);
    assert_ne!(one, other_seed);
}

#[test]
fn resuming_at_an_iteration_matches_a_straight_run() {
    let (source, half, config) = source_and_half();
    let straight = take(
        Loader::train(
            source.clone(),
            &half,
            plain_preprocess(&config),
            4,
            5,
            0,
            &Device::Cpu,
        )
        .unwrap(),
        11,
    );
    let resumed = take(
        Loader::train(
            source,
            &half,
            plain_preprocess(&config),
            4,
            5,
            7,
            &Device::Cpu,
        )
        .unwrap()
        .with_prefetch(1),
        4,
    );
    assert_eq!(&straight[7..], &resumed[..]);
}

#[test]
fn epochs_are_different_permutations() {
    let (source, half, config) = source_and_half();
    // Batch = the whole half: each batch is one epoch.
    let epochs = take(
        Loader::train(
            source,
            &half,
            plain_preprocess(&config),
            21,
            2,
            0,
            &Device::Cpu,
        )
        .unwrap(),
        2,
    );
    let mut first = epochs[0].1.clone();
    let mut second = epochs[1].1.clone();
    assert_ne!(first, second, "orders of epochs 0 and 1");
    first.sort();
    second.sort();
    assert_eq!(first, second);
}

#[test]
fn validation_visits_every_image_once_in_order() {
    let (source, half, config) = source_and_half();
    let loader = Loader::val(
        source.clone(),
        &half,
        plain_preprocess(&config),
        4,
        &Device::Cpu,
    )
    .unwrap();
    let batches: Vec<Batch> = loader.map(|b| b.unwrap()).collect();
    let sizes: Vec<usize> = batches.iter().map(Batch::len).collect();
    assert_eq!(sizes, vec![4, 4, 1]);
    let labels: Vec<u32> = batches
        .iter()
        .flat_map(|b| b.labels.to_vec1::<u32>().unwrap())
        .collect();
    let expected: Vec<u32> = source
        .val()
        .iter()
        .filter_map(|s| half.label_of(s.class).map(|l| l as u32))
        .collect();
    assert_eq!(labels, expected);
    // Centre crop of the first image, unscaled, zero mean: the stored pixels themselves.
    let first = source
        .val()
        .iter()
        .find(|s| half.label_of(s.class).is_some())
        .unwrap();
    let image = source.load(first).unwrap();
    let values = batches[0].images.get(0).unwrap().to_vec3::<f32>().unwrap();
    assert_eq!(values[1][0][0], image.get_pixel(2, 2).0[1] as f32);
    // A second pass gives the same batches.
    let again: Vec<Batch> = Loader::val(source, &half, plain_preprocess(&config), 4, &Device::Cpu)
        .unwrap()
        .map(|b| b.unwrap())
        .collect();
    assert_eq!(values_of(&batches), values_of(&again));
}

fn values_of(batches: &[Batch]) -> Vec<(Vec<f32>, Vec<u32>)> {
    batches.iter().map(values).collect()
}

#[test]
fn mismatched_stored_size_is_rejected() {
    let (source, half, mut config) = source_and_half();
    config.stored_size = 20;
    config.crop_size = 16;
    let error = Loader::val(source, &half, plain_preprocess(&config), 4, &Device::Cpu)
        .err()
        .unwrap();
    assert!(error.to_string().contains("stored_size"), "{error}");
}
