//! Local response normalisation across channels, as Caffe defines it.

use candle_core::{Result, Tensor};

use crate::spec::LrnSpec;

/// Caffe's across-channel LRN of `x` `[N, C, H, W]`:
/// `y = x * (k + alpha / size * sum x^2) ^ (-beta)`, the sum running over a window of `size`
/// channels centred on each channel, zero-padded at the ends.
///
/// Written with tensor ops (square, zero pad, a sum of shifted narrows, power), so it runs on
/// any device and its backward pass is candle's autograd.
pub fn lrn(x: &Tensor, spec: &LrnSpec) -> Result<Tensor> {
    let (_, channels, _, _) = x.dims4()?;
    if spec.size == 0 || spec.size % 2 == 0 {
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
