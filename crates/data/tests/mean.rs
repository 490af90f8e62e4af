//! The per-pixel mean image: exact values, caching, and a cache from another half.

mod common;

use common::*;
use convnet_data::{half_samples, MeanImage, Subset};
use convnet_splits::HalfId;

#[test]
fn mean_is_the_per_pixel_average_of_the_half_training_images() {
    let config = small_embedded(4, 3, 1);
    let source = open(&config);
    let half = random_half(source.catalog(), 0, HalfId::A);
    let mean = MeanImage::compute(source.as_ref(), &half, false).unwrap();
    assert_eq!(mean.size(), 16);
    let samples = half_samples(source.as_ref(), &half, Subset::Train);
    assert_eq!(samples.len(), 6);
    let mut expected = vec![0f64; 3 * 256];
    for (index, _) in &samples {
        let image = source.load(&source.train()[*index]).unwrap();
        for (i, px) in image.as_raw().chunks_exact(3).enumerate() {
            for c in 0..3 {
                expected[c * 256 + i] += px[c] as f64 / samples.len() as f64;
            }
        }
    }
    for (got, want) in mean.as_slice().iter().zip(&expected) {
        assert!((*got as f64 - want).abs() < 1e-4, "{got} vs {want}");
    }
    // The other half has another mean.
    let other = random_half(source.catalog(), 0, HalfId::B);
    assert_ne!(
        MeanImage::compute(source.as_ref(), &other, false).unwrap(),
        mean
    );
}

#[test]
fn mean_is_cached_and_checked_against_the_half() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mean/A.safetensors");
    let config = small_embedded(4, 2, 1);
    let source = open(&config);
    let half = random_half(source.catalog(), 0, HalfId::A);
    let computed = MeanImage::load_or_compute(&path, source.as_ref(), &half, false).unwrap();
    assert!(path.is_file());
    let leftovers: Vec<_> = std::fs::read_dir(path.parent().unwrap()).unwrap().collect();
    assert_eq!(leftovers.len(), 1, "no temporary file left behind");
    let (loaded, metadata) = MeanImage::load(&path).unwrap();
    assert_eq!(loaded, computed);
    assert_eq!(metadata["dataset"], "embedded");
    assert_eq!(
        MeanImage::load_or_compute(&path, source.as_ref(), &half, false).unwrap(),
        computed
    );
    let other = random_half(source.catalog(), 0, HalfId::B);
    let error = MeanImage::load_or_compute(&path, source.as_ref(), &other, false).unwrap_err();
    assert!(error.to_string().contains("A.safetensors"), "{error}");
    assert!(error.to_string().contains("classes"), "{error}");
}

#[test]
fn channel_means_of_a_constant_mean() {
    let mean =
        MeanImage::from_chw(2, vec![1., 1., 1., 1., 2., 2., 2., 2., 3., 5., 3., 5.]).unwrap();
    assert_eq!(mean.channel_means(), [1.0, 2.0, 4.0]);
    assert!(MeanImage::from_chw(2, vec![0.0; 11]).is_err());
}
