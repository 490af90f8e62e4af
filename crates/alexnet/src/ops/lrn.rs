//! Local response normalisation across channels, as Caffe defines it.

use candle_core::{DType, Result, Tensor};

use super::lrn_cpu::LrnCpu;
use crate::spec::LrnSpec;

/// Caffe's across-channel LRN of `x` `[N, C, H, W]`:
/// `y = x * (k + alpha / size * sum x^2) ^ (-beta)`, the sum running over a window of `size`
/// channels centred on each channel, zero-padded at the ends.
///
/// On the CPU (f32, f64) a dedicated kernel runs, with Caffe's backward formula; elsewhere
/// [`lrn_portable`].
pub fn lrn(x: &Tensor, spec: &LrnSpec) -> Result<Tensor> {
    x.dims4()?;
    if spec.size % 2 != 1 {
        candle_core::bail!("lrn: window size must be odd, got {}", spec.size)
    }
    if x.device().is_cpu() && matches!(x.dtype(), DType::F32 | DType::F64) {
        x.contiguous()?.apply_op1(LrnCpu { spec: *spec })
    } else {
        lrn_portable(x, spec)
    }
}

/// The same LRN as [`lrn`] from tensor ops only (square, zero pad, a sum of shifted narrows,
/// power), so it runs on any device and its backward pass is candle's autograd.
pub fn lrn_portable(x: &Tensor, spec: &LrnSpec) -> Result<Tensor> {
    let (_, channels, _, _) = x.dims4()?;
    if spec.size % 2 != 1 {
        candle_core::bail!("lrn: window size must be odd, got {}", spec.size)
    }
    let half = spec.size / 2;
    let padded = x.sqr()?.pad_with_zeros(1, half, half)?;
    let mut sum = padded.narrow(1, 0, channels)?;
    for offset in 1..spec.size {
        sum = (sum + padded.narrow(1, offset, channels)?)?;
    }
    let scale = sum.affine(f64::from(spec.alpha) / spec.size as f64, f64::from(spec.k))?;
    x.mul(&scale.powf(-f64::from(spec.beta))?)
}
