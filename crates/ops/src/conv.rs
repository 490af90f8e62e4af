//! Grouped 2-D convolution with a per-channel bias.

use candle_core::{Result, Tensor};

use super::conv_cpu::{supported, ConvCpu};
use super::widen::{half_on_cpu, through_f32};

/// Convolution of `x` `[N, C, H, W]` with `w` `[O, C / groups, k, k]`, plus bias `b` `[O]`.
///
/// Channels are split into `groups` independent blocks as in Caffe. On the CPU (f32, f64) a
/// dedicated kernel runs (im2col + gemm, or Winograd's minimal filtering for 3x3 and 5x5
/// kernels at stride 1 with "same" padding, with input and weight gradients that are only
/// computed for inputs that need them), and for bf16 and f16 the same kernel on the widened
/// values, the output rounded back; on CUDA (f32, bf16, f16, feature `cuda`) cuDNN's
/// convolutions, with the same economy of gradients; elsewhere [`conv2d_portable`].
pub fn conv2d(
    x: &Tensor,
    w: &Tensor,
    b: &Tensor,
    stride: usize,
    pad: usize,
    groups: usize,
) -> Result<Tensor> {
    if half_on_cpu(&[x, w, b]) {
        return through_f32(&[x, w, b], |t| {
            conv2d(&t[0], &t[1], &t[2], stride, pad, groups)
        });
    }
    if uses_cpu_kernel(x, w, b) {
        return apply(x, w, b, stride, pad, groups, false);
    }
    #[cfg(feature = "cuda")]
    if crate::cudnn::supported(x, w) {
        return add_bias(&crate::cudnn::conv2d(x, w, stride, pad, groups)?, b);
    }
    conv2d_portable(x, w, b, stride, pad, groups)
}

/// `relu(conv2d(x, w, b, stride, pad, groups))`, fused into one op on the CPU (f32, f64; bf16
/// and f16 widened): the ReLU is applied to the gemm output in place, and its gradient masks
/// the output gradient before the convolution's backward. Elsewhere [`conv2d`] followed by a
/// ReLU.
pub fn conv2d_relu(
    x: &Tensor,
    w: &Tensor,
    b: &Tensor,
    stride: usize,
    pad: usize,
    groups: usize,
) -> Result<Tensor> {
    if half_on_cpu(&[x, w, b]) {
        return through_f32(&[x, w, b], |t| {
            conv2d_relu(&t[0], &t[1], &t[2], stride, pad, groups)
        });
    }
    if uses_cpu_kernel(x, w, b) {
        apply(x, w, b, stride, pad, groups, true)
    } else {
        conv2d(x, w, b, stride, pad, groups)?.relu()
    }
}

fn uses_cpu_kernel(x: &Tensor, w: &Tensor, b: &Tensor) -> bool {
    let same_dtype = x.dtype() == w.dtype() && x.dtype() == b.dtype();
    x.device().is_cpu() && supported(x.dtype()) && same_dtype
}

fn apply(
    x: &Tensor,
    w: &Tensor,
    b: &Tensor,
    stride: usize,
    pad: usize,
    groups: usize,
    relu: bool,
) -> Result<Tensor> {
    x.contiguous()?.apply_op3(
        &w.contiguous()?,
        &b.contiguous()?,
        ConvCpu::new(stride, pad, groups, relu),
    )
}

/// The same convolution as [`conv2d`] from candle's own `conv2d` (which handles groups by
/// chunking), so it runs on any device and its backward pass is candle's.
pub fn conv2d_portable(
    x: &Tensor,
    w: &Tensor,
    b: &Tensor,
    stride: usize,
    pad: usize,
    groups: usize,
) -> Result<Tensor> {
    add_bias(&x.conv2d(w, pad, stride, 1, groups)?, b)
}

/// `y` `[n, o, h, w]` plus the per-channel bias `b` `[o]`.
fn add_bias(y: &Tensor, b: &Tensor) -> Result<Tensor> {
    let channels = b.dim(0)?;
    y.broadcast_add(&b.reshape((1, channels, 1, 1))?)
}
