//! The ops against finite differences, direct loops and candle's own pooling.

mod common;

use candle_core::{DType, Device, Tensor, Var};
use common::{check_gradients, uniform};
use convnet_ops::{conv2d, lrn, lrn_portable, max_pool, max_pool_portable, LrnParams};

const CAFFE_LRN: LrnParams = LrnParams {
    size: 5,
    alpha: 1e-4,
    beta: 0.75,
    k: 1.0,
};

/// A strong LRN, so that its gradient differs clearly from the identity.
const STRONG_LRN: LrnParams = LrnParams {
    size: 5,
    alpha: 2.0,
    beta: 0.75,
    k: 1.5,
};

#[test]
fn max_pool_overlapping_gradient_matches_finite_differences() {
    // 9 rounds up: ceil((9 - 3) / 2) + 1 = 4; 10 gives ceil(3.5) + 1 = 5 with a clipped window.
    let x = uniform(&[2, 3, 9, 10], 1, DType::F64);
    check_gradients(std::slice::from_ref(&x), |xs| max_pool(&xs[0], 3, 2), 1000);
    check_gradients(&[x], |xs| max_pool_portable(&xs[0], 3, 2), 1000);
}

#[test]
fn max_pool_rounds_output_size_up_like_caffe() {
    let x = uniform(&[1, 2, 32, 32], 2, DType::F32);
    assert_eq!(max_pool(&x, 3, 2).unwrap().dims(), &[1, 2, 16, 16]);
    let x = uniform(&[1, 2, 55, 55], 2, DType::F32);
    assert_eq!(max_pool(&x, 3, 2).unwrap().dims(), &[1, 2, 27, 27]);
    let x = uniform(&[1, 2, 13, 13], 2, DType::F32);
    assert_eq!(max_pool(&x, 3, 2).unwrap().dims(), &[1, 2, 6, 6]);
}

#[test]
fn max_pool_cpu_kernel_equals_portable_version_forward_and_backward() {
    let x = uniform(&[3, 4, 16, 15], 3, DType::F32);
    let var = Var::from_tensor(&x).unwrap();
    let upstream = uniform(&[3, 4, 8, 7], 4, DType::F32);
    let fast = max_pool(var.as_tensor(), 3, 2).unwrap();
    let portable = max_pool_portable(var.as_tensor(), 3, 2).unwrap();
    let diff = (&fast - &portable)
        .unwrap()
        .abs()
        .unwrap()
        .max_all()
        .unwrap();
    assert_eq!(diff.to_scalar::<f32>().unwrap(), 0.0);
    let g_fast = fast
        .mul(&upstream)
        .unwrap()
        .sum_all()
        .unwrap()
        .backward()
        .unwrap();
    let g_port = portable
        .mul(&upstream)
        .unwrap()
        .sum_all()
        .unwrap()
        .backward()
        .unwrap();
    let a = g_fast.get(var.as_tensor()).unwrap();
    let b = g_port.get(var.as_tensor()).unwrap();
    let diff = (a - b).unwrap().abs().unwrap().max_all().unwrap();
    assert!(diff.to_scalar::<f32>().unwrap() < 1e-6);
}

#[test]
fn max_pool_forward_matches_candle_where_sizes_agree() {
    // 55 -> 27 with window 3 stride 2: floor and ceil rounding agree.
    let x = uniform(&[2, 5, 55, 55], 5, DType::F32);
    let ours = max_pool(&x, 3, 2).unwrap();
    let candle = x.max_pool2d_with_stride(3, 2).unwrap();
    let diff = (ours - candle).unwrap().abs().unwrap().max_all().unwrap();
    assert_eq!(diff.to_scalar::<f32>().unwrap(), 0.0);
}

#[test]
fn max_pool_backward_for_non_overlapping_windows_matches_candle_up_to_its_scaling() {
    // candle 0.11's max_pool2d backward multiplies the gradient by (maxima in window) /
    // kernel^2 instead of dividing it by the number of maxima: with a unique maximum it is
    // 1/4 of the true gradient for 2x2 windows. The true gradient is checked numerically
    // below; here ours must be exactly 4x candle's.
    let x = uniform(&[2, 3, 8, 8], 6, DType::F32);
    let var = Var::from_tensor(&x).unwrap();
    let upstream = uniform(&[2, 3, 4, 4], 7, DType::F32);
    let candle = var.as_tensor().max_pool2d_with_stride(2, 2).unwrap();
    let g_candle = candle
        .mul(&upstream)
        .unwrap()
        .sum_all()
        .unwrap()
        .backward()
        .unwrap();
    let g_candle = (g_candle.get(var.as_tensor()).unwrap() * 4.0).unwrap();
    for portable in [false, true] {
        let ours = if portable {
            max_pool_portable(var.as_tensor(), 2, 2).unwrap()
        } else {
            max_pool(var.as_tensor(), 2, 2).unwrap()
        };
        assert_eq!(ours.dims(), candle.dims());
        let g_ours = ours
            .mul(&upstream)
            .unwrap()
            .sum_all()
            .unwrap()
            .backward()
            .unwrap();
        let diff = (g_ours.get(var.as_tensor()).unwrap() - &g_candle)
            .unwrap()
            .abs()
            .unwrap()
            .max_all()
            .unwrap();
        assert_eq!(
            diff.to_scalar::<f32>().unwrap(),
            0.0,
            "portable: {portable}"
        );
    }
    let x = uniform(&[1, 2, 6, 6], 20, DType::F64);
    check_gradients(std::slice::from_ref(&x), |xs| max_pool(&xs[0], 2, 2), 1000);
    check_gradients(&[x], |xs| max_pool_portable(&xs[0], 2, 2), 1000);
}

#[test]
fn max_pool_rejects_a_window_larger_than_the_input() {
    let x = uniform(&[1, 1, 2, 2], 8, DType::F32);
    assert!(max_pool(&x, 3, 2).is_err());
    assert!(max_pool_portable(&x, 3, 2).is_err());
}

/// Caffe's LRN written out element by element.
fn lrn_loop(x: &[f64], dims: [usize; 4], params: &LrnParams) -> Vec<f64> {
    let [n, c, h, w] = dims;
    let half = params.size as isize / 2;
    let at = |b: usize, ch: usize, i: usize| x[((b * c + ch) * h * w) + i];
    let mut y = vec![0.0; x.len()];
    for b in 0..n {
        for ch in 0..c {
            for i in 0..h * w {
                let mut sum = 0.0;
                for o in -half..=half {
                    let j = ch as isize + o;
                    if (0..c as isize).contains(&j) {
                        sum += at(b, j as usize, i).powi(2);
                    }
                }
                let scale = params.k as f64 + params.alpha as f64 / params.size as f64 * sum;
                y[(b * c + ch) * h * w + i] = at(b, ch, i) * scale.powf(-(params.beta as f64));
            }
        }
    }
    y
}

#[test]
fn lrn_forward_matches_a_direct_loop() {
    for params in [CAFFE_LRN, STRONG_LRN] {
        // Pixel-scale values so that Caffe's tiny alpha matters.
        let x = (uniform(&[2, 7, 3, 4], 9, DType::F64) * 200.0).unwrap();
        let values = x.flatten_all().unwrap().to_vec1::<f64>().unwrap();
        let expected = lrn_loop(&values, [2, 7, 3, 4], &params);
        let got = lrn(&x, &params)
            .unwrap()
            .flatten_all()
            .unwrap()
            .to_vec1::<f64>()
            .unwrap();
        for (i, (g, e)) in got.iter().zip(&expected).enumerate() {
            assert!(
                (g - e).abs() <= 1e-9 * e.abs().max(1.0),
                "element {i}: {g} vs {e}"
            );
        }
        // And it is not the identity.
        let changed = got.iter().zip(&values).any(|(g, v)| (g - v).abs() > 1e-3);
        assert!(changed);
    }
}

#[test]
fn lrn_gradient_matches_finite_differences() {
    for op in [lrn, lrn_portable] {
        let x = uniform(&[2, 7, 3, 3], 10, DType::F64);
        check_gradients(&[x], |xs| op(&xs[0], &STRONG_LRN), 1000);
        let x = (uniform(&[1, 6, 2, 2], 11, DType::F64) * 100.0).unwrap();
        check_gradients(&[x], |xs| op(&xs[0], &CAFFE_LRN), 1000);
        // Fewer channels than the window.
        let x = uniform(&[1, 2, 2, 3], 21, DType::F64);
        check_gradients(&[x], |xs| op(&xs[0], &STRONG_LRN), 1000);
    }
}

#[test]
fn grouped_conv_gradient_matches_finite_differences() {
    let x = uniform(&[2, 4, 7, 7], 12, DType::F64);
    let w = uniform(&[6, 2, 3, 3], 13, DType::F64);
    let b = uniform(&[6], 14, DType::F64);
    check_gradients(
        &[x, w, b],
        |xs| conv2d(&xs[0], &xs[1], &xs[2], 2, 1, 2),
        300,
    );
}

#[test]
fn strided_conv_gradient_matches_finite_differences() {
    // conv1's shape: a stride that leaves input columns unused, and an output padding.
    let x = uniform(&[1, 3, 12, 12], 15, DType::F64);
    let w = uniform(&[4, 3, 5, 5], 16, DType::F64);
    let b = uniform(&[4], 17, DType::F64);
    check_gradients(
        &[x, w, b],
        |xs| conv2d(&xs[0], &xs[1], &xs[2], 3, 0, 1),
        300,
    );
}

#[test]
fn grouped_conv_keeps_groups_apart() {
    // With groups 2, output channels of group 0 must not depend on input channels of group 1.
    let x = uniform(&[1, 4, 5, 5], 18, DType::F32);
    let w = uniform(&[2, 2, 3, 3], 19, DType::F32);
    let b = Tensor::zeros(2, DType::F32, &Device::Cpu).unwrap();
    let y = conv2d(&x, &w, &b, 1, 1, 2).unwrap();
    let x2 = Tensor::cat(
        &[
            x.narrow(1, 0, 2).unwrap(),
            (x.narrow(1, 2, 2).unwrap() * 3.0).unwrap(),
        ],
        1,
    )
    .unwrap();
    let y2 = conv2d(&x2, &w, &b, 1, 1, 2).unwrap();
    let same = (y.narrow(1, 0, 1).unwrap() - y2.narrow(1, 0, 1).unwrap())
        .unwrap()
        .abs()
        .unwrap()
        .max_all()
        .unwrap()
        .to_scalar::<f32>()
        .unwrap();
    assert_eq!(same, 0.0);
    let other = (y.narrow(1, 1, 1).unwrap() - y2.narrow(1, 1, 1).unwrap())
        .unwrap()
        .abs()
        .unwrap()
        .max_all()
        .unwrap()
        .to_scalar::<f32>()
        .unwrap();
    assert!(other > 1e-3);
}
