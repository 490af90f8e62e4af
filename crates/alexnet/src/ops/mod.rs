//! The net's building blocks as functions of candle tensors, each with a backward pass:
//! Caffe's overlapping max-pool, Caffe's LRN and grouped convolution with bias.
//!
//! Each op sits behind one function here so that a faster kernel can replace it without
//! touching the net.

mod conv;
mod conv_backward;
mod conv_cpu;
mod conv_gemm;
mod conv_geometry;
mod lrn;
mod lrn_cpu;
mod max_pool;
mod max_pool_cpu;
mod scratch;
mod winograd;

pub use conv::{conv2d, conv2d_portable, conv2d_relu};
pub use lrn::{lrn, lrn_portable};
pub use max_pool::{max_pool, max_pool_portable};
