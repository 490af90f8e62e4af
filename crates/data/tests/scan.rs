//! The image check before training: truncated JPEGs are errors, every image is decoded once,
//! the means of every half come out of the same pass.

mod common;

use candle_core::Device;
use common::*;
use convnet_data::{imaging, scan_images, unreadable_error, Loader, Location, MeanImage, Subset};
use convnet_splits::HalfId;
use image::{Rgb, RgbImage};

/// A noisy 64x64 picture: its JPEG is several kilobytes, so that cutting it keeps the headers
/// and part of the image data (what an interrupted copy leaves).
fn noisy(seed: u32) -> RgbImage {
    RgbImage::from_fn(64, 64, |x, y| {
        let v = (x * 31 + y * 17 + seed * 101).wrapping_mul(2_654_435_761) >> 24;
        Rgb([v as u8, (v * 7) as u8, (x * 4 + y) as u8])
    })
}

#[test]
fn a_truncated_jpeg_is_an_error_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cut.jpg");
    noisy(1).save(&path).unwrap();
    let whole = std::fs::read(&path).unwrap();
    assert!(whole.len() > 2000, "{} bytes", whole.len());
    assert!(imaging::decode_file(&path).is_ok());
    for cut in [700, whole.len() / 2, whole.len() - 100] {
        std::fs::write(&path, &whole[..cut]).unwrap();
        // A lenient decoder fills the missing part in and reports nothing.
        assert!(
            image::load_from_memory(&whole[..cut]).is_ok(),
            "cut at {cut}"
        );
        let error = imaging::decode_file(&path).unwrap_err();
        assert!(error.is_bad_image(), "{error}");
        let text = error.to_string();
        assert!(
            text.contains("cut.jpg") && text.contains("truncated JPEG"),
            "cut at {cut}: {text}"
        );
    }
}

#[test]
fn a_scan_lists_unreadable_images_and_sums_every_half_once() {
    let dir = tempfile::tempdir().unwrap();
    folder_tree(dir.path(), &["a", "b", "c", "d"], 4, 2);
    let cut = dir.path().join("train/b/b_0.jpg");
    noisy(2).save(&cut).unwrap();
    let bytes = std::fs::read(&cut).unwrap();
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let text = dir.path().join("val/d/d_9.jpg");
    std::fs::write(&text, b"not an image").unwrap();
    let mut config = folder_config(dir.path(), 8, 6);
    config.skip_bad_images = true;
    let source = open(&config);
    let halves = [
        random_half(source.catalog(), 0, HalfId::A),
        random_half(source.catalog(), 0, HalfId::B),
        all_half(source.catalog()),
    ];
    let scan = scan_images(source.as_ref(), &halves, &[Subset::Train, Subset::Val]).unwrap();
    assert_eq!(scan.checked, 16 + 9);
    let names: Vec<(Subset, String)> = scan
        .unreadable
        .iter()
        .map(|u| (u.subset, u.name.clone()))
        .collect();
    assert_eq!(
        names,
        [
            (Subset::Train, cut.display().to_string()),
            (Subset::Val, text.display().to_string())
        ]
    );
    // Each half's mean is the mean of its readable training images, as computed alone.
    for (half, mean) in halves.iter().zip(&scan.means) {
        let alone = MeanImage::compute(source.as_ref(), half, true).unwrap();
        assert_eq!(mean.as_ref(), Some(&alone));
    }
    let error = unreadable_error(&scan.unreadable, scan.checked).to_string();
    assert!(
        error.starts_with("2 of the 25 train and val images checked"),
        "{error}"
    );

    // A loader told about them never loads them: validation has 8 readable images.
    let val = Loader::val(
        source.clone(),
        &halves[2],
        plain_preprocess(&config),
        3,
        &Device::Cpu,
    )
    .unwrap()
    .without(&scan.unreadable);
    let images: usize = val.map(|b| b.unwrap().len()).sum();
    assert_eq!(images, 8);
    let bad_index = source
        .train()
        .iter()
        .position(|s| s.location == Location::File(cut.clone()))
        .unwrap();
    assert!(scan.unreadable.iter().any(|u| u.index == bad_index));
}
