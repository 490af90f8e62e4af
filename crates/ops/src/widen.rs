//! Half-precision operands on the CPU: the f32 kernel on their widened values, the output
//! rounded back.
//!
//! bf16 and f16 tensors reach the CPU when a net trains in mixed precision there (to check a
//! configuration meant for a GPU). The CPU has no half-precision kernels of its own, so each
//! op widens its operands to f32 (exactly), runs the f32 kernel, and rounds its output to the
//! operands' type: products of half-precision values summed in f32, as a GPU's tensor cores sum
//! them. Widening and rounding are candle ops, so the backward pass runs the same way (the
//! output's gradient widened, the f32 kernel's backward, the operands' gradients rounded).

use candle_core::{DType, Result, Tensor};

/// Whether `operands` are half-precision (bf16 or f16) CPU tensors of one type.
pub(crate) fn half_on_cpu(operands: &[&Tensor]) -> bool {
    let Some(first) = operands.first() else {
        return false;
    };
    let dtype = first.dtype();
    matches!(dtype, DType::BF16 | DType::F16)
        && operands
            .iter()
            .all(|t| t.device().is_cpu() && t.dtype() == dtype)
}

/// `op` on `operands` widened to f32, its output rounded to the operands' type.
pub(crate) fn through_f32(
    operands: &[&Tensor],
    op: impl FnOnce(&[Tensor]) -> Result<Tensor>,
) -> Result<Tensor> {
    let dtype = operands
        .first()
        .map(|t| t.dtype())
        .ok_or_else(|| candle_core::Error::Msg("through_f32: no operands".into()))?;
    let wide = operands
        .iter()
        .map(|t| t.to_dtype(DType::F32))
        .collect::<Result<Vec<_>>>()?;
    op(&wide)?.to_dtype(dtype)
}
