//! The CPU convolution kernel against candle's own convolution and finite differences.

mod common;

use candle_core::{DType, Tensor, Var};
use common::{check_gradients, uniform};
use convnet_alexnet::ops::{conv2d, conv2d_portable, conv2d_relu};

/// `(batch, channels, size, outputs, kernel, stride, pad, groups)`.
type Case = (usize, usize, usize, usize, usize, usize, usize, usize);

const CASES: [Case; 10] = [
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
];

/// Largest `|a - b| / max(1, |b|)`; NaN anywhere gives NaN.
fn relative_error(a: &Tensor, b: &Tensor) -> f64 {
    assert_eq!(a.dims(), b.dims());
    let a = a.to_dtype(DType::F64).unwrap().flatten_all().unwrap();
    let b = b.to_dtype(DType::F64).unwrap().flatten_all().unwrap();
    let a = a.to_vec1::<f64>().unwrap();
    let b = b.to_vec1::<f64>().unwrap();
    a.iter()
        .zip(&b)
        .map(|(x, y)| (x - y).abs() / y.abs().max(1.0))
        .fold(0.0, |m: f64, e| {
            if e.is_nan() || m.is_nan() {
                f64::NAN
            } else {
                m.max(e)
            }
        })
}

fn assert_close(a: &Tensor, b: &Tensor, tolerance: f64, what: &str) {
    let err = relative_error(a, b);
    assert!(err <= tolerance, "{what}: relative error {err}");
}

/// Forward and all three gradients of [`conv2d`] equal those of candle's convolution (on
/// square inputs: candle 0.11's input gradient has the wrong width for strided convolutions
/// of non-square inputs; those are checked by finite differences).
fn compare_with_candle(case: Case, dtype: DType, seed: u64, tolerance: f64) {
    let (n, c, size, o, k, stride, pad, groups) = case;
    let x = Var::from_tensor(&uniform(&[n, c, size, size], seed, dtype)).unwrap();
    let w = Var::from_tensor(&uniform(&[o, c / groups, k, k], seed + 1, dtype)).unwrap();
    let b = Var::from_tensor(&uniform(&[o], seed + 2, dtype)).unwrap();
    let ours = conv2d(&x, &w, &b, stride, pad, groups).unwrap();
    let reference = conv2d_portable(&x, &w, &b, stride, pad, groups).unwrap();
    assert_close(&ours, &reference, tolerance, &format!("{case:?} forward"));
    let upstream = uniform(ours.dims(), seed + 3, dtype);
    let g_ours = (ours * &upstream)
        .unwrap()
        .sum_all()
        .unwrap()
        .backward()
        .unwrap();
    let g_ref = (reference * &upstream)
        .unwrap()
        .sum_all()
        .unwrap()
        .backward()
        .unwrap();
    for (name, var) in [("input", &x), ("weight", &w), ("bias", &b)] {
        assert_close(
            g_ours.get(var).unwrap(),
            g_ref.get(var).unwrap(),
            tolerance,
            &format!("{case:?} {name} gradient"),
        );
    }
}

#[test]
fn conv_matches_candle_in_f32_forward_and_backward() {
    for (i, case) in CASES.iter().enumerate() {
        compare_with_candle(*case, DType::F32, 100 + 10 * i as u64, 1e-4);
    }
}

#[test]
fn conv_matches_candle_in_f64_forward_and_backward() {
    for (i, case) in CASES.iter().enumerate() {
        compare_with_candle(*case, DType::F64, 300 + 10 * i as u64, 1e-10);
    }
}

#[test]
fn conv_matches_candle_on_alexnet32_layer_shapes() {
    // conv1..conv5 of alexnet-32 at batch 3 (conv1 on its 32x32 input; the others on their
    // inputs' spatial sizes, channels halved to keep the test quick).
    let cases: [Case; 5] = [
        (3, 3, 32, 48, 5, 2, 2, 1),
        (3, 24, 8, 64, 5, 1, 2, 2),
        (3, 64, 4, 96, 3, 1, 1, 1),
        (3, 96, 4, 96, 3, 1, 1, 2),
        (3, 96, 4, 64, 3, 1, 1, 2),
    ];
    for (i, case) in cases.iter().enumerate() {
        compare_with_candle(*case, DType::F32, 500 + 10 * i as u64, 1e-4);
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
    // 3x3, stride 1, padding 1: the Winograd kernel, with 5x7 planes whose last 2x2 output
    // tiles are clipped on both sides, and groups.
    let x = uniform(&[2, 4, 5, 7], 49, DType::F64);
    let w = uniform(&[6, 2, 3, 3], 50, DType::F64);
    let b = uniform(&[6], 51, DType::F64);
    check_gradients(
        &[x, w, b],
        |xs| conv2d(&xs[0], &xs[1], &xs[2], 1, 1, 2),
        300,
    );
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
    compare_with_candle((64, 3, 227, 4, 11, 4, 0, 1), DType::F64, 900, 1e-10);
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
