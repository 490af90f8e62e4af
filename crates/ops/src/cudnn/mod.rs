//! The net's ops on CUDA through cuDNN, as candle custom ops.
//!
//! Grouped convolution ([`conv2d`]): the forward pass and, for its backward pass, the input
//! gradient (backward-data) and the weight gradient (backward-filter), each computed only for
//! an operand that tracks gradients (so never for a net's input images or a frozen layer).
//!
//! - Groups are cuDNN's own (one call per convolution, not one per group).
//! - The algorithm of each pass is chosen once per shape, data type and math mode, by timing
//!   the candidates (`cudnnFind*`, as PyTorch's `cudnn.benchmark`), preferring the fastest
//!   deterministic one so that a run repeats bit for bit; the choice is kept for the thread.
//! - One workspace per device and thread, grown to the largest a chosen algorithm asks for.
//! - f32 convolutions use TF32 tensor cores only when candle's reduced-precision switch
//!   (`candle_core::cuda::set_gemm_reduced_precision_f32`) allows it; bf16 and f16 ones
//!   accumulate in f32 on tensor cores.
//!
//! The bias and the ReLU stay candle tensor ops (one element-wise kernel each), as they are
//! in cuDNN-based frameworks.
//!
//! Caffe's max-pool ([`max_pool`], where cuDNN's output size is Caffe's) and across-channel LRN
//! ([`lrn`], whose formula cuDNN shares), forward and backward, in place of chains of tensor
//! ops.

mod context;
mod conv;
mod descriptors;
mod pool_lrn;
mod storage;

pub(crate) use conv::{conv2d, supported};
pub(crate) use pool_lrn::{lrn, max_pool};
