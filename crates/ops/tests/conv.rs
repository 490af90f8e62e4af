//! The CPU convolution kernel against candle's own convolution and finite differences.

mod common;

use candle_core::{DType, Tensor, Var};
use common::{check_gradients, uniform};
use convnet_ops::{conv2d, conv2d_portable, conv2d_relu};

/// `(batch, channels, size, outputs, kernel, stride, pad, groups)`.
type Case = (usize, usize, usize, usize, usize, usize, usize, usize);

/// Small cases: the im2col kernel (strides 1-4, paddings, groups, batch 1, 1x1 and 11x11
/// kernels) and each Winograd tiling: F(2x2, 3x3) for 3x3 at stride 1 with padding 1,
/// F(4x4, 5x5) for 5x5 with padding 2 on planes of at least four 4x4 tiles (10x10, 8x8 with
/// their last tiles clipped), F(2x2, 5x5) on smaller planes (4x4).
const CASES: [Case; 11] = [
    (1, 3, 11, 4, 3, 1, 0, 1),
    (2, 4, 9, 6, 3, 1, 1, 2),
    (3, 3, 13, 8, 5, 2, 2, 1),
    (2, 3, 19, 5, 11, 4, 0, 1),
    (2, 6, 10, 4, 5, 1, 2, 2),
    (1, 4, 7, 8, 3, 2, 1, 2),
    (5, 2, 6, 3, 1, 1, 0, 1),
    (2, 4, 8, 6, 3, 4, 3, 2),
    (4, 8, 4, 12, 3, 1, 1, 2),
    (3, 3, 12, 4, 5, 3, 0, 1),
    (3, 4, 4, 6, 5, 1, 2, 2),
];

/// `max |a - b| / max |b|`: the error relative to the reference's largest magnitude (the
/// norm-wise error, as rounding in sums of hundreds of terms is measured: an output that
/// cancels to nearly zero keeps the absolute error of the terms it summed). NaN anywhere
/// gives NaN.
fn relative_error(a: &Tensor, b: &Tensor) -> f64 {
    assert_eq!(a.dims(), b.dims());
    let a = a.to_dtype(DType::F64).unwrap().flatten_all().unwrap();
    let b = b.to_dtype(DType::F64).unwrap().flatten_all().unwrap();
    let a = a.to_vec1::<f64>().unwrap();
    let b = b.to_vec1::<f64>().unwrap();
    let nan_max = |m: f64, e: f64| {
        if e.is_nan() || m.is_nan() {
            f64::NAN
        } else {
            m.max(e)
        }
    };
    let scale = b.iter().map(|v| v.abs()).fold(0.0, nan_max);
    let error = a
        .iter()
        .zip(&b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, nan_max);
    error / scale.max(f64::MIN_POSITIVE)
}

fn assert_close(a: &Tensor, b: &Tensor, tolerance: f64, what: &str) {
    let err = relative_error(a, b);
    assert!(err <= tolerance, "{what}: relative error {err}");
}

/// Forward and all three gradients of [`conv2d`] in `dtype` equal those of candle's
/// convolution in f64 (on square inputs: candle 0.11's input gradient has the wrong width for
/// strided convolutions of non-square inputs; those are checked by finite differences).
fn compare_with_candle(case: Case, dtype: DType, seed: u64, tolerance: f64) {
    let (n, c, size, o, k, stride, pad, groups) = case;
    let inputs = [
        uniform(&[n, c, size, size], seed, DType::F64),
        uniform(&[o, c / groups, k, k], seed + 1, DType::F64),
        uniform(&[o], seed + 2, DType::F64),
    ];
    let run = |dtype: DType, conv: &dyn Fn(&Tensor, &Tensor, &Tensor) -> Tensor| {
        let [x, w, b] = inputs
            .clone()
            .map(|t| Var::from_tensor(&t.to_dtype(dtype).unwrap()).unwrap());
        let y = conv(&x, &w, &b);
        let upstream = uniform(y.dims(), seed + 3, dtype);
        let grads = (&y * &upstream)
            .unwrap()
            .sum_all()
            .unwrap()
            .backward()
            .unwrap();
        let [dx, dw, db] = [&x, &w, &b].map(|v| grads.get(v).unwrap().clone());
        [y, dx, dw, db]
    };
    let ours = run(dtype, &|x, w, b| {
        conv2d(x, w, b, stride, pad, groups).unwrap()
    });
    let reference = run(DType::F64, &|x, w, b| {
        conv2d_portable(x, w, b, stride, pad, groups).unwrap()
    });
    let names = [
        "forward",
        "input gradient",
        "weight gradient",
        "bias gradient",
    ];
    for ((ours, reference), name) in ours.iter().zip(&reference).zip(names) {
        assert_close(ours, reference, tolerance, &format!("{case:?} {name}"));
    }
}

/// The f32 tolerance: rounding only. Candle's direct f32 convolution lands about 1e-6 from
/// the f64 result on the full-size layer shapes; Winograd's transforms add to it (up to
/// 9e-6 measured, F(2x2, 5x5) and F(4x4, 5x5) alike).
const F32_TOLERANCE: f64 = 2e-5;

#[test]
fn conv_matches_candle_in_f32_forward_and_backward() {
    for (i, case) in CASES.iter().enumerate() {
        compare_with_candle(*case, DType::F32, 100 + 10 * i as u64, F32_TOLERANCE);
    }
}

#[test]
fn conv_matches_candle_in_f64_forward_and_backward() {
    for (i, case) in CASES.iter().enumerate() {
        compare_with_candle(*case, DType::F64, 300 + 10 * i as u64, 1e-12);
    }
}

#[test]
fn conv_matches_candle_on_full_size_layer_shapes() {
    // conv1..conv5 of alexnet-32 at batch 2, then conv2 and conv3 of CaffeNet at batch 1
    // (27x27 and 13x13 planes, whose last tiles are clipped).
    let cases: [Case; 7] = [
        (2, 3, 32, 48, 5, 2, 2, 1),
        (2, 48, 8, 128, 5, 1, 2, 2),
        (2, 128, 4, 192, 3, 1, 1, 1),
        (2, 192, 4, 192, 3, 1, 1, 2),
        (2, 192, 4, 128, 3, 1, 1, 2),
        (1, 96, 27, 256, 5, 1, 2, 2),
        (1, 256, 13, 384, 3, 1, 1, 1),
    ];
    for (i, case) in cases.iter().enumerate() {
        compare_with_candle(*case, DType::F32, 500 + 10 * i as u64, F32_TOLERANCE);
    }
}

#[test]
fn conv_gradient_matches_finite_differences_with_stride_4_and_batch_1() {
    let x = uniform(&[1, 2, 13, 14], 40, DType::F64);
    let w = uniform(&[3, 2, 5, 5], 41, DType::F64);
    let b = uniform(&[3], 42, DType::F64);
    check_gradients(
        &[x, w, b],
        |xs| conv2d(&xs[0], &xs[1], &xs[2], 4, 1, 1),
        300,
    );
}

#[test]
fn conv_gradient_matches_finite_differences_with_groups_and_odd_sizes() {
    let x = uniform(&[3, 4, 5, 7], 43, DType::F64);
    let w = uniform(&[4, 2, 3, 3], 44, DType::F64);
    let b = uniform(&[4], 45, DType::F64);
    check_gradients(
        &[x, w, b],
        |xs| conv2d(&xs[0], &xs[1], &xs[2], 1, 2, 2),
        300,
    );
}

#[test]
fn winograd_conv_gradient_matches_finite_differences_on_odd_non_square_planes() {
    // The Winograd kernels with groups, on planes whose last output tiles are clipped on both
    // sides: F(2x2, 3x3) on 5x7, F(4x4, 5x5) on 7x9.
    for (seed, (h, w), k) in [(49, (5, 7), 3), (52, (7, 9), 5)] {
        let x = uniform(&[2, 4, h, w], seed, DType::F64);
        let w = uniform(&[6, 2, k, k], seed + 1, DType::F64);
        let b = uniform(&[6], seed + 2, DType::F64);
        check_gradients(
            &[x, w, b],
            |xs| conv2d(&xs[0], &xs[1], &xs[2], 1, k / 2, 2),
            300,
        );
    }
}

#[test]
fn conv_skips_the_gradient_of_an_input_that_needs_none() {
    let x = uniform(&[2, 3, 6, 6], 46, DType::F32);
    let w = Var::from_tensor(&uniform(&[4, 3, 3, 3], 47, DType::F32)).unwrap();
    let b = Var::from_tensor(&uniform(&[4], 48, DType::F32)).unwrap();
    let grads = conv2d(&x, &w, &b, 1, 1, 1)
        .unwrap()
        .sum_all()
        .unwrap()
        .backward()
        .unwrap();
    assert!(grads.get(&x).is_none());
    assert!(grads.get(&w).is_some());
    assert!(grads.get(&b).is_some());
}

#[test]
fn conv_rejects_mismatched_shapes() {
    let x = uniform(&[1, 3, 6, 6], 49, DType::F32);
    let w = uniform(&[4, 2, 3, 3], 50, DType::F32);
    let b = uniform(&[4], 51, DType::F32);
    assert!(conv2d(&x, &w, &b, 1, 1, 1).is_err());
    let w = uniform(&[4, 3, 7, 7], 52, DType::F32);
    assert!(conv2d(&x, &w, &b, 1, 0, 1).is_err());
    let w = uniform(&[4, 3, 3, 3], 53, DType::F32);
    let b = uniform(&[5], 54, DType::F32);
    assert!(conv2d(&x, &w, &b, 1, 1, 1).is_err());
}

#[test]
fn fused_conv_relu_matches_conv_then_relu_forward_and_backward() {
    for (i, (n, c, size, o, k, stride, pad, groups)) in CASES.iter().copied().enumerate() {
        let seed = 700 + 10 * i as u64;
        let x = Var::from_tensor(&uniform(&[n, c, size, size + 2], seed, DType::F32)).unwrap();
        let w = Var::from_tensor(&uniform(&[o, c / groups, k, k], seed + 1, DType::F32)).unwrap();
        let b = Var::from_tensor(&uniform(&[o], seed + 2, DType::F32)).unwrap();
        let fused = conv2d_relu(&x, &w, &b, stride, pad, groups).unwrap();
        let plain = conv2d(&x, &w, &b, stride, pad, groups)
            .unwrap()
            .relu()
            .unwrap();
        assert_close(&fused, &plain, 1e-6, "fused forward");
        let zeros = fused.eq(0f32).unwrap().to_dtype(DType::F32).unwrap();
        assert!(zeros.sum_all().unwrap().to_scalar::<f32>().unwrap() > 0.0);
        let upstream = uniform(fused.dims(), seed + 3, DType::F32);
        let g_fused = (fused * &upstream)
            .unwrap()
            .sum_all()
            .unwrap()
            .backward()
            .unwrap();
        let g_plain = (plain * &upstream)
            .unwrap()
            .sum_all()
            .unwrap()
            .backward()
            .unwrap();
        for var in [&x, &w, &b] {
            assert_close(
                g_fused.get(var).unwrap(),
                g_plain.get(var).unwrap(),
                1e-5,
                "fused gradient",
            );
        }
    }
}

#[test]
fn fused_conv_relu_gradient_matches_finite_differences() {
    let x = uniform(&[2, 4, 6, 7], 60, DType::F64);
    let w = uniform(&[4, 2, 3, 3], 61, DType::F64);
    let b = uniform(&[4], 62, DType::F64);
    check_gradients(
        &[x, w, b],
        |xs| conv2d_relu(&xs[0], &xs[1], &xs[2], 2, 1, 2),
        300,
    );
}

#[test]
fn conv_matches_candle_when_a_chunk_of_images_is_split_into_several_gemms() {
    // conv1 of CaffeNet with few outputs: one image's columns (363 x 3025) are a quarter of
    // a thread's column budget, so a chunk of 8 images runs as gemms of 3, 3 and 2 images.
    compare_with_candle((64, 3, 227, 4, 11, 4, 0, 1), DType::F64, 900, 1e-12);
}

/// With only one of input, weight and bias tracked (a frozen image batch, a frozen bias), the
/// fused backward computes that gradient alone, and it equals the one computed with all three
/// tracked, through the fused ReLU too.
#[test]
fn each_gradient_alone_equals_it_computed_with_the_others() {
    let (n, c, size, o, k, stride, pad, groups) = (3, 4, 9, 6, 3, 2, 1, 2);
    let x = uniform(&[n, c, size, size], 900, DType::F32);
    let w = uniform(&[o, c / groups, k, k], 901, DType::F32);
    let b = uniform(&[o], 902, DType::F32);
    let upstream = uniform(&[n, o, 5, 5], 903, DType::F32);
    let gradients = |track: [bool; 3]| {
        let var = |t: &Tensor, on: bool| {
            if on {
                Var::from_tensor(t).unwrap().as_tensor().clone()
            } else {
                t.clone()
            }
        };
        let (xv, wv, bv) = (var(&x, track[0]), var(&w, track[1]), var(&b, track[2]));
        let y = conv2d_relu(&xv, &wv, &bv, stride, pad, groups).unwrap();
        let grads = (y * &upstream)
            .unwrap()
            .sum_all()
            .unwrap()
            .backward()
            .unwrap();
        [&xv, &wv, &bv].map(|t| grads.get(t).cloned())
    };
    let all = gradients([true, true, true]);
    for alone in 0..3 {
        let mut track = [false; 3];
        track[alone] = true;
        let one = gradients(track);
        for (i, grad) in one.iter().enumerate() {
            assert_eq!(
                grad.is_some(),
                i == alone,
                "gradient {i} with only {alone} tracked"
            );
        }
        let (a, b) = (one[alone].as_ref().unwrap(), all[alone].as_ref().unwrap());
        assert_close(a, b, 1e-6, &format!("gradient {alone} alone"));
    }
}
