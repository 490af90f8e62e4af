//! Local response normalisation across channels, as Caffe defines it.

use candle_core::{DType, Result, Tensor};

use super::lrn_cpu::LrnCpu;
use super::widen::{half_on_cpu, through_f32};

/// The parameters of Caffe's across-channel LRN ([`lrn`]):
/// `y = x * (k + alpha / size * sum x^2) ^ (-beta)` over a zero-padded window of `size` channels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LrnParams {
    /// Channels in the window (odd).
    pub size: usize,
    /// Scale of the sum of squares.
    pub alpha: f32,
    /// Exponent.
    pub beta: f32,
    /// Additive constant.
    pub k: f32,
}

/// Caffe's across-channel LRN of `x` `[N, C, H, W]`:
/// `y = x * (k + alpha / size * sum x^2) ^ (-beta)`, the sum running over a window of `size`
/// channels centred on each channel, zero-padded at the ends.
///
/// On the CPU (f32, f64) a dedicated kernel runs, with Caffe's backward formula (bf16 and f16
/// widened to f32 for it, the output rounded back); on CUDA
/// (feature `cuda`; f32, f16) cuDNN's, whose formula is Caffe's; elsewhere [`lrn_portable`].
pub fn lrn(x: &Tensor, params: &LrnParams) -> Result<Tensor> {
    x.dims4()?;
    if params.size % 2 != 1 {
        candle_core::bail!("lrn: window size must be odd, got {}", params.size)
    }
    if half_on_cpu(&[x]) {
        return through_f32(&[x], |t| lrn(&t[0], params));
    }
    if x.device().is_cpu() && matches!(x.dtype(), DType::F32 | DType::F64) {
        return x.contiguous()?.apply_op1(LrnCpu { params: *params });
    }
    #[cfg(feature = "cuda")]
    if let Some(y) = crate::cudnn::lrn(x, params)? {
        return Ok(y);
    }
    lrn_portable(x, params)
}

/// The same LRN as [`lrn`] from tensor ops only (square, zero pad, a sum of shifted narrows,
/// power), so it runs on any device and its backward pass is candle's autograd.
pub fn lrn_portable(x: &Tensor, params: &LrnParams) -> Result<Tensor> {
    let (_, channels, _, _) = x.dims4()?;
    if params.size % 2 != 1 {
        candle_core::bail!("lrn: window size must be odd, got {}", params.size)
    }
    let half = params.size / 2;
    let padded = x.sqr()?.pad_with_zeros(1, half, half)?;
    let mut sum = padded.narrow(1, 0, channels)?;
    for offset in 1..params.size {
        sum = (sum + padded.narrow(1, offset, channels)?)?;
    }
    let scale = sum.affine(
        f64::from(params.alpha) / params.size as f64,
        f64::from(params.k),
    )?;
    x.mul(&scale.powf(-f64::from(params.beta))?)
}
