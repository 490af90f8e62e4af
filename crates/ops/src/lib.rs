//! The CPU kernels of the convnet-transfer nets, as candle custom ops: Caffe's overlapping
//! max-pool, Caffe's LRN and grouped convolution with bias (im2col + gemm, or Winograd's
//! minimal filtering), each with a backward pass.
//!
//! - [`conv2d`] / [`conv2d_relu`], [`max_pool`], [`lrn`]: the ops the net calls. On the CPU
//!   (f32, f64) each runs a kernel of its own, which bf16 and f16 operands reach widened to f32
//!   (the output rounded back: half-precision products summed in f32); on CUDA (feature `cuda`) cuDNN's (convolution:
//!   f32, bf16, f16, forward, input and weight gradients, groups native; max-pool where
//!   cuDNN's output size is Caffe's; LRN in f32 and f16); elsewhere the `_portable` version of
//!   the same op, built from candle's tensor ops, whose backward pass is candle's autograd.
//! - [`conv2d_portable`], [`max_pool_portable`], [`lrn_portable`]: those portable versions,
//!   also the references the kernels are tested against.
//! - [`pool_output_size`]: the output side of Caffe's max-pool; [`LrnParams`]: what defines an
//!   LRN.
//! - [`prepare_cpu_process`]: the process settings the kernels want (allocator, candle's
//!   worker threads).
//!
//! Each op sits behind one function here so that a faster kernel can replace it without
//! touching the net.
#![warn(missing_docs)]

mod conv;
mod conv_backward;
mod conv_cpu;
mod conv_gemm;
mod conv_geometry;
#[cfg(feature = "cuda")]
mod cudnn;
mod lrn;
mod lrn_cpu;
mod max_pool;
mod max_pool_cpu;
mod process;
mod scratch;
mod widen;
mod winograd;

pub use conv::{conv2d, conv2d_portable, conv2d_relu};
pub use lrn::{lrn, lrn_portable, LrnParams};
pub use max_pool::{max_pool, max_pool_portable, pool_output_size};
pub use process::{prepare_cpu_process, CpuProcessSettings};
