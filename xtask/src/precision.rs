//! Reduced-precision arithmetic on CUDA.

/// Allows or forbids TF32 in CUDA f32 matrix products and convolutions (the cuDNN
/// convolutions of `convnet-ops` read the same switch, for all three passes). It has no effect
/// on the CPU, and its effect on accuracy is measured on the smoke grid by
/// `scripts/gpu-check.sh`.
pub fn allow_tf32(allowed: bool) {
    candle_core::cuda::set_gemm_reduced_precision_f32(allowed);
    if allowed {
        tracing::info!("TF32 allowed in CUDA f32 matrix products");
    }
}
