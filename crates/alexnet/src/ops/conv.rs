//! Grouped 2-D convolution with a per-channel bias.

use candle_core::{Result, Tensor};

/// Convolution of `x` `[N, C, H, W]` with `w` `[O, C / groups, k, k]`, plus bias `b` `[O]`.
///
/// Channels are split into `groups` independent blocks as in Caffe. Built on candle's
/// `conv2d` (which handles groups by chunking), so its backward pass is candle's.
pub fn conv2d(
    x: &Tensor,
    w: &Tensor,
    b: &Tensor,
    stride: usize,
    pad: usize,
    groups: usize,
) -> Result<Tensor> {
    let y = x.conv2d(w, pad, stride, 1, groups)?;
    let channels = b.dim(0)?;
    y.broadcast_add(&b.reshape((1, channels, 1, 1))?)
}
