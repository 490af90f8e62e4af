//! Caffe's max-pool: square window, no padding, output size rounded up.

use candle_core::{DType, Result, Tensor};

use super::max_pool_cpu::MaxPoolCpu;
use super::widen::{half_on_cpu, through_f32};

/// Output side of Caffe's max-pool (no padding): `ceil((input - kernel) / stride) + 1`, or
/// `None` when the input is smaller than the window.
pub fn pool_output_size(input: usize, kernel: usize, stride: usize) -> Option<usize> {
    if stride == 0 || input < kernel {
        return None;
    }
    let mut out = (input - kernel).div_ceil(stride) + 1;
    // Caffe clips the last window so that it starts inside the input.
    if (out - 1) * stride >= input {
        out -= 1;
    }
    Some(out)
}

fn output_sizes(x: &Tensor, kernel: usize, stride: usize) -> Result<(usize, usize)> {
    let (_, _, h, w) = x.dims4()?;
    match (
        pool_output_size(h, kernel, stride),
        pool_output_size(w, kernel, stride),
    ) {
        (Some(oh), Some(ow)) => Ok((oh, ow)),
        _ => candle_core::bail!(
            "max_pool: window {kernel} stride {stride} does not fit a {h}x{w} input"
        ),
    }
}

/// Max-pool of `x` `[N, C, H, W]` with a `kernel` x `kernel` window moved by `stride`; the
/// output side is `ceil((H - kernel) / stride) + 1` as in Caffe, the last window clipped to the
/// input. Overlapping windows (kernel 3, stride 2) have a backward pass: the gradient goes to
/// the first maximum of each window.
///
/// On the CPU (f32, f64) a dedicated kernel runs (bf16 and f16 widened to f32 for it, which
/// leaves a maximum unchanged); on CUDA (feature `cuda`) cuDNN's max-pool
/// where its output size is Caffe's (it is on CaffeNet's pools); elsewhere
/// [`max_pool_portable`].
pub fn max_pool(x: &Tensor, kernel: usize, stride: usize) -> Result<Tensor> {
    output_sizes(x, kernel, stride)?;
    if half_on_cpu(&[x]) {
        return through_f32(&[x], |t| max_pool(&t[0], kernel, stride));
    }
    if x.device().is_cpu() && matches!(x.dtype(), DType::F32 | DType::F64) {
        return x
            .contiguous()?
            .apply_op1(MaxPoolCpu::new(kernel, stride, x.track_op()));
    }
    #[cfg(feature = "cuda")]
    if let Some(y) = crate::cudnn::max_pool(x, kernel, stride)? {
        return Ok(y);
    }
    max_pool_portable(x, kernel, stride)
}

/// The same pooling as [`max_pool`] from candle tensor ops only (gathers of the strided rows,
/// then columns, and elementwise maxima), so it runs on any device and candle's autograd gives
/// its backward. Where a window holds tied maxima, the gradient is shared among them.
pub fn max_pool_portable(x: &Tensor, kernel: usize, stride: usize) -> Result<Tensor> {
    let (_, _, h, w) = x.dims4()?;
    let (oh, ow) = output_sizes(x, kernel, stride)?;
    let rows = max_along(x, 2, h, oh, kernel, stride)?;
    max_along(&rows, 3, w, ow, kernel, stride)
}

/// Sliding maximum along `dim` (of length `len`), giving `out` positions.
fn max_along(
    x: &Tensor,
    dim: usize,
    len: usize,
    out: usize,
    kernel: usize,
    stride: usize,
) -> Result<Tensor> {
    let mut acc: Option<Tensor> = None;
    for offset in 0..kernel {
        // A clipped window repeats its last element, which leaves the maximum unchanged.
        let index: Vec<u32> = (0..out)
            .map(|o| (o * stride + offset).min(len - 1) as u32)
            .collect();
        let index = Tensor::from_vec(index, out, x.device())?;
        let shifted = x.index_select(&index, dim)?;
        acc = Some(match acc {
            None => shifted,
            Some(acc) => acc.maximum(&shifted)?,
        });
    }
    acc.ok_or_else(|| candle_core::Error::Msg("max_pool: kernel must be at least 1".into()))
}
