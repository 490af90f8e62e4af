//! The arithmetic a cell trains in: f32, TF32 or bf16 mixed precision.

use std::fmt;
use std::str::FromStr;

use candle_core::{DType, Device};
use serde::{Deserialize, Serialize};

use crate::error::TrainError;

/// `fp32`, `tf32` or `bf16`: how a net computes. The weights, the momentum buffers, the
/// gradients the optimizer reads and the loss are f32 in every case.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Precision {
    /// Plain f32 everywhere.
    #[default]
    Fp32,
    /// f32 tensors, with CUDA's matrix products and cuDNN's convolutions on TF32 tensor cores
    /// (operands rounded to 10 bits of mantissa, sums in f32). On the CPU, plain f32.
    Tf32,
    /// Mixed precision as autocast runs it: every layer computes in bf16 (8 bits of mantissa;
    /// convolutions and matrix products sum in f32) on bf16 copies of the f32 weights, the LRN
    /// and the loss in f32, gradients back to the f32 weights. On the CPU the same numbers
    /// through the f32 kernels on widened values (slower than f32 there: for checking a
    /// configuration, not for speed).
    Bf16,
}

impl Precision {
    /// Every precision, in the order `--help` lists them.
    pub const ALL: [Precision; 3] = [Precision::Fp32, Precision::Tf32, Precision::Bf16];

    /// The type the net's layers compute in (`convnet_alexnet::AlexNet::computing_in`).
    pub fn compute_dtype(self) -> DType {
        match self {
            Precision::Fp32 | Precision::Tf32 => DType::F32,
            Precision::Bf16 => DType::BF16,
        }
    }

    /// Sets the process's TF32 switch for `device` (on for `tf32`, off otherwise): CUDA's f32
    /// matrix products and the cuDNN convolutions read it. It is process-wide: every cell of
    /// a process trains in one precision (a run's).
    pub fn apply(self, device: &Device) {
        let tf32 = self == Precision::Tf32;
        candle_core::cuda::set_gemm_reduced_precision_f32(tf32);
        match (self, device.is_cuda()) {
            (Precision::Tf32, true) => {
                tracing::info!("precision tf32: CUDA matrix products and convolutions in TF32")
            }
            (Precision::Tf32, false) => {
                tracing::info!("precision tf32: the CPU has no TF32, it computes in f32")
            }
            (Precision::Bf16, false) => tracing::info!(
                "precision bf16: the CPU rounds every layer to bf16 as a GPU would, through its \
                 f32 kernels (slower than fp32 there)"
            ),
            _ => {}
        }
    }
}

impl fmt::Display for Precision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Precision::Fp32 => "fp32",
            Precision::Tf32 => "tf32",
            Precision::Bf16 => "bf16",
        })
    }
}

impl FromStr for Precision {
    type Err = TrainError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Precision::ALL
            .into_iter()
            .find(|p| p.to_string() == s)
            .ok_or_else(|| TrainError::Precision {
                name: s.to_string(),
            })
    }
}

impl TryFrom<String> for Precision {
    type Error = TrainError;

    /// As [`FromStr`] (the form configurations hold).
    fn try_from(text: String) -> Result<Self, Self::Error> {
        text.parse()
    }
}

impl From<Precision> for String {
    /// As [`fmt::Display`].
    fn from(value: Precision) -> String {
        value.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints() {
        for p in Precision::ALL {
            assert_eq!(p.to_string().parse::<Precision>().unwrap(), p);
        }
        let err = "fp16".parse::<Precision>().unwrap_err().to_string();
        assert!(
            err.contains("`fp16`") && err.contains("fp32") && err.contains("bf16"),
            "{err}"
        );
        assert_eq!(Precision::default(), Precision::Fp32);
        assert_eq!(Precision::Bf16.compute_dtype(), DType::BF16);
        assert_eq!(Precision::Tf32.compute_dtype(), DType::F32);
    }
}
