//! Caffe's transform: mean subtraction, crop, mirror, scale.

use convnet_data::{Augment, MeanImage, Preprocess};
use image::{Rgb, RgbImage};
use rand::SeedableRng;

fn image() -> RgbImage {
    RgbImage::from_fn(6, 6, |x, y| {
        Rgb([(10 * y + x) as u8, 100 + x as u8, 200 - y as u8])
    })
}

#[test]
fn crop_subtracts_the_mean_and_scales() {
    let mean: Vec<f32> = (0..3 * 36).map(|i| (i % 7) as f32).collect();
    let preprocess = Preprocess::new(
        6,
        4,
        0.5,
        true,
        MeanImage::from_chw(6, mean.clone()).unwrap(),
    )
    .unwrap();
    let mut out = vec![0f32; preprocess.image_len()];
    assert_eq!(out.len(), 3 * 4 * 4);
    let augment = Augment {
        top: 1,
        left: 2,
        mirror: false,
    };
    preprocess.apply(&image(), augment, &mut out).unwrap();
    for c in 0..3 {
        for y in 0..4 {
            for x in 0..4 {
                let (sy, sx) = (y + 1, x + 2);
                let pixel = image().get_pixel(sx as u32, sy as u32).0[c] as f32;
                let expected = (pixel - mean[c * 36 + sy * 6 + sx]) * 0.5;
                assert_eq!(out[c * 16 + y * 4 + x], expected);
            }
        }
    }
}

#[test]
fn mirror_flips_the_crop_left_to_right() {
    let preprocess = Preprocess::new(6, 4, 1.0, true, MeanImage::zeros(6)).unwrap();
    let mut plain = vec![0f32; 48];
    let mut mirrored = vec![0f32; 48];
    let at = Augment {
        top: 0,
        left: 1,
        mirror: false,
    };
    preprocess.apply(&image(), at, &mut plain).unwrap();
    preprocess
        .apply(&image(), Augment { mirror: true, ..at }, &mut mirrored)
        .unwrap();
    for c in 0..3 {
        for y in 0..4 {
            for x in 0..4 {
                assert_eq!(
                    mirrored[c * 16 + y * 4 + x],
                    plain[c * 16 + y * 4 + (3 - x)]
                );
            }
        }
    }
    assert_ne!(plain, mirrored);
}

#[test]
fn centre_crop_and_random_crops_stay_inside() {
    let preprocess = Preprocess::new(7, 4, 1.0, true, MeanImage::zeros(7)).unwrap();
    assert_eq!(
        preprocess.centre(),
        Augment {
            top: 1,
            left: 1,
            mirror: false
        }
    );
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
    let mut mirrors = 0;
    let mut corners = std::collections::HashSet::new();
    for _ in 0..400 {
        let a = preprocess.random_augment(&mut rng);
        assert!(a.top <= 3 && a.left <= 3);
        corners.insert((a.top, a.left));
        mirrors += a.mirror as usize;
    }
    assert_eq!(corners.len(), 16, "every crop position occurs");
    assert!((150..250).contains(&mirrors), "{mirrors} mirrors of 400");
    let no_mirror = Preprocess::new(7, 4, 1.0, false, MeanImage::zeros(7)).unwrap();
    assert!((0..50).all(|_| !no_mirror.random_augment(&mut rng).mirror));
}

#[test]
fn sizes_are_checked() {
    assert!(Preprocess::new(6, 7, 1.0, false, MeanImage::zeros(6)).is_err());
    assert!(Preprocess::new(6, 4, 1.0, false, MeanImage::zeros(5)).is_err());
    let preprocess = Preprocess::new(5, 4, 1.0, false, MeanImage::zeros(5)).unwrap();
    let mut out = vec![0f32; 48];
    let error = preprocess
        .apply(&image(), preprocess.centre(), &mut out)
        .unwrap_err();
    assert!(error.to_string().contains("5x5"), "{error}");
}
