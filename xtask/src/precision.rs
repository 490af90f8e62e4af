//! Reduced-precision arithmetic on CUDA.

/// Allows or forbids TF32 in CUDA f32 matrix products. candle computes convolutions as
/// im2col + matrix product on CUDA, so the switch covers them too (not the input gradient of a
/// convolution, which is a direct kernel). It has no effect on the CPU, and its effect on
/// accuracy is measured on the smoke grid by `scripts/gpu-check.sh`.
pub fn allow_tf32(allowed: bool) {
    candle_core::cuda::set_gemm_reduced_precision_f32(allowed);
    if allowed {
        tracing::info!("TF32 allowed in CUDA f32 matrix products");
    }
}
