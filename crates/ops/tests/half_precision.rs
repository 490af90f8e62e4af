//! bf16 and f16 on the CPU: each op is its f32 kernel on the widened operands, the output and
//! every gradient rounded back, to the bit; and close to the f32 op on unrounded values.

mod common;

use candle_core::{DType, Result, Tensor, Var};
use common::uniform;
use convnet_ops::{conv2d, conv2d_relu, lrn, max_pool, LrnParams};

const CAFFE_LRN: LrnParams = LrnParams {
    size: 5,
    alpha: 1e-4,
    beta: 0.75,
    k: 1.0,
};

type Op = fn(&[Tensor]) -> Result<Tensor>;

/// The ops the net calls, with the shapes of their operands: a grouped conv with ReLU, a
/// strided conv, an overlapping max-pool, an LRN.
fn cases() -> Vec<(&'static str, Vec<Vec<usize>>, Op)> {
    vec![
        (
            "conv2d_relu, 2 groups",
            vec![vec![2, 4, 9, 9], vec![6, 2, 3, 3], vec![6]],
            |t| conv2d_relu(&t[0], &t[1], &t[2], 1, 1, 2),
        ),
        (
            "conv2d, stride 2",
            vec![vec![2, 3, 11, 11], vec![4, 3, 5, 5], vec![4]],
            |t| conv2d(&t[0], &t[1], &t[2], 2, 0, 1),
        ),
        ("max_pool 3/2", vec![vec![2, 3, 9, 10]], |t| {
            max_pool(&t[0], 3, 2)
        }),
        ("lrn", vec![vec![2, 7, 5, 5]], |t| lrn(&t[0], &CAFFE_LRN)),
    ]
}

/// The output of `op` on `operands` and the gradients of `sum(output * upstream)`, as f32.
fn output_and_gradients(
    op: Op,
    operands: &[Tensor],
    upstream: &Tensor,
) -> Result<(Tensor, Vec<Tensor>)> {
    let vars = operands
        .iter()
        .map(Var::from_tensor)
        .collect::<Result<Vec<_>>>()?;
    let tensors: Vec<Tensor> = vars.iter().map(|v| v.as_tensor().clone()).collect();
    let y = op(&tensors)?;
    let grads = y
        .to_dtype(DType::F32)?
        .mul(upstream)?
        .sum_all()?
        .backward()?;
    let gradients = vars
        .iter()
        .map(|v| {
            grads
                .get(v.as_tensor())
                .expect("every operand has a gradient")
                .to_dtype(DType::F32)
        })
        .collect::<Result<Vec<_>>>()?;
    Ok((y.to_dtype(DType::F32)?, gradients))
}

fn bits(t: &Tensor) -> Vec<u32> {
    t.flatten_all()
        .and_then(|t| t.to_vec1::<f32>())
        .expect("f32 values")
        .into_iter()
        .map(f32::to_bits)
        .collect()
}

fn max_abs_diff(a: &Tensor, b: &Tensor) -> f32 {
    (a - b)
        .and_then(|d| d.abs()?.max_all()?.to_scalar::<f32>())
        .expect("a difference")
}

#[test]
fn half_precision_ops_are_the_f32_kernels_on_widened_values_to_the_bit() -> Result<()> {
    for half in [DType::BF16, DType::F16] {
        for (name, shapes, op) in cases() {
            let operands: Vec<Tensor> = shapes
                .iter()
                .enumerate()
                .map(|(i, s)| uniform(s, 10 + i as u64, DType::F32).to_dtype(half))
                .collect::<Result<_>>()?;
            let out_dims = op(&operands)?.dims().to_vec();
            // The upstream gradient as the half-precision output receives it: rounded.
            let upstream = uniform(&out_dims, 99, DType::F32)
                .to_dtype(half)?
                .to_dtype(DType::F32)?;
            let (y, grads) = output_and_gradients(op, &operands, &upstream)?;
            // The reference: the f32 op on the widened operands, everything rounded after.
            let widened = operands
                .iter()
                .map(|t| t.to_dtype(DType::F32))
                .collect::<Result<Vec<_>>>()?;
            let (y_ref, grads_ref) = output_and_gradients(op, &widened, &upstream)?;
            let round = |t: &Tensor| t.to_dtype(half)?.to_dtype(DType::F32);
            assert_eq!(bits(&y), bits(&round(&y_ref)?), "{name} {half:?}: output");
            for (i, (g, g_ref)) in grads.iter().zip(&grads_ref).enumerate() {
                assert_eq!(
                    bits(g),
                    bits(&round(g_ref)?),
                    "{name} {half:?}: gradient of operand {i}"
                );
            }
            // And close to the f32 op on the values before rounding (bf16 keeps 8 bits).
            let exact: Vec<Tensor> = shapes
                .iter()
                .enumerate()
                .map(|(i, s)| uniform(s, 10 + i as u64, DType::F32))
                .collect();
            let y_exact = op(&exact)?;
            let scale = y_exact.abs()?.max_all()?.to_scalar::<f32>()?;
            let diff = max_abs_diff(&y, &y_exact);
            assert!(
                diff <= 2e-2 * scale,
                "{name} {half:?}: off the f32 output by {diff} (scale {scale})"
            );
            assert!(
                name.starts_with("max_pool") || diff > 0.0,
                "{name} {half:?}: no rounding at all: the op did not run in {half:?}"
            );
        }
    }
    Ok(())
}
