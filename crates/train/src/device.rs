//! Choosing the device a cell trains on.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

use candle_core::Device;
use serde::{Deserialize, Serialize};

use crate::error::TrainError;

/// `auto`, `cpu`, or `cuda[:i]`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum DeviceChoice {
    /// The first CUDA device when the build has CUDA and one is present, else the CPU.
    #[default]
    Auto,
    /// The CPU.
    Cpu,
    /// CUDA device `i` (needs a build with the `cuda` feature).
    Cuda(usize),
}

impl DeviceChoice {
    /// Opens the device. `auto` takes the first CUDA device when this binary was built with
    /// CUDA and the machine has one, and the CPU otherwise, saying why in a log line.
    pub fn open(self) -> Result<Device, TrainError> {
        let fail = |reason: String| TrainError::Device {
            name: self.to_string(),
            reason,
        };
        match self {
            DeviceChoice::Cpu => Ok(Device::Cpu),
            DeviceChoice::Auto if !candle_core::utils::cuda_is_available() => {
                tracing::info!("device auto: the CPU (this binary was built without CUDA)");
                Ok(Device::Cpu)
            }
            DeviceChoice::Auto => match Device::new_cuda(0) {
                Ok(device) => {
                    tracing::info!("device auto: cuda:0");
                    Ok(device)
                }
                Err(e) => {
                    tracing::info!(
                        "device auto: the CPU (no CUDA device found: {})",
                        without_backtrace(&e)
                    );
                    Ok(Device::Cpu)
                }
            },
            DeviceChoice::Cuda(_) if !candle_core::utils::cuda_is_available() => Err(fail(
                "this binary was built without CUDA; build it with `cargo xtask cuda-build` (see docs/reproducing.md)"
                    .to_string(),
            )),
            DeviceChoice::Cuda(i) => Device::new_cuda(i).map_err(|e| {
                fail(format!(
                    "no CUDA device {i} found ({})",
                    without_backtrace(&e)
                ))
            }),
        }
    }

    /// The name of an opened device as written to `results.csv`: `cpu` or `cuda:i`.
    pub fn name_of(device: &Device) -> String {
        match device.location() {
            candle_core::DeviceLocation::Cpu => "cpu".to_string(),
            candle_core::DeviceLocation::Cuda { gpu_id } => format!("cuda:{gpu_id}"),
            candle_core::DeviceLocation::Metal { gpu_id } => format!("metal:{gpu_id}"),
        }
    }
}

thread_local! {
    /// This thread's instance of each CUDA device it has used, by ordinal.
    static THREAD_DEVICES: RefCell<HashMap<usize, Device>> = RefCell::new(HashMap::new());
}

/// `device` as the calling thread should train on it: the same device on the CPU; on CUDA, this
/// thread's own instance of the same GPU, opened on its first use and kept for the thread's
/// life. Each instance has its own cuBLAS handle (and `convnet-ops` its own cuDNN context), and
/// candle issues a thread's kernels on that thread's default stream, so that cells training on
/// several threads at once run side by side on the GPU, each with a workspace of its own (a
/// cuBLAS handle shared by concurrent streams may pick other kernels, and its results then
/// depend on what else runs).
pub fn device_for_this_thread(device: &Device) -> Result<Device, TrainError> {
    let candle_core::DeviceLocation::Cuda { gpu_id } = device.location() else {
        return Ok(device.clone());
    };
    THREAD_DEVICES.with(|devices| {
        let mut devices = devices.borrow_mut();
        if let Some(device) = devices.get(&gpu_id) {
            return Ok(device.clone());
        }
        let opened = Device::new_cuda(gpu_id).map_err(|e| TrainError::Device {
            name: format!("cuda:{gpu_id}"),
            reason: format!(
                "opening it for a training thread: {}",
                without_backtrace(&e)
            ),
        })?;
        devices.insert(gpu_id, opened.clone());
        Ok(opened)
    })
}

/// A candle error without the backtrace it carries when `RUST_BACKTRACE` is set (frames of a
/// stripped binary say nothing).
fn without_backtrace(error: &candle_core::Error) -> String {
    match error {
        candle_core::Error::WithBacktrace { inner, .. } => without_backtrace(inner),
        other => other.to_string(),
    }
}

impl fmt::Display for DeviceChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DeviceChoice::Auto => f.write_str("auto"),
            DeviceChoice::Cpu => f.write_str("cpu"),
            DeviceChoice::Cuda(i) => write!(f, "cuda:{i}"),
        }
    }
}

impl FromStr for DeviceChoice {
    type Err = TrainError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || TrainError::Device {
            name: s.to_string(),
            reason: "expected `auto`, `cpu`, `cuda` or `cuda:<index>`".to_string(),
        };
        match s {
            "auto" => Ok(DeviceChoice::Auto),
            "cpu" => Ok(DeviceChoice::Cpu),
            "cuda" => Ok(DeviceChoice::Cuda(0)),
            _ => s
                .strip_prefix("cuda:")
                .and_then(|i| i.parse().ok())
                .map(DeviceChoice::Cuda)
                .ok_or_else(bad),
        }
    }
}

impl TryFrom<String> for DeviceChoice {
    type Error = TrainError;

    /// As [`FromStr`] (the form configurations and files hold).
    fn try_from(text: String) -> Result<Self, Self::Error> {
        text.parse()
    }
}

impl From<DeviceChoice> for String {
    /// As [`fmt::Display`].
    fn from(value: DeviceChoice) -> String {
        value.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints() {
        for s in ["auto", "cpu", "cuda:0", "cuda:3"] {
            assert_eq!(s.parse::<DeviceChoice>().unwrap().to_string(), s);
        }
        assert_eq!(
            "cuda".parse::<DeviceChoice>().unwrap(),
            DeviceChoice::Cuda(0)
        );
        let err = "gpu".parse::<DeviceChoice>().unwrap_err().to_string();
        assert!(err.contains("gpu") && err.contains("cuda:<index>"), "{err}");
        assert!("cuda:x".parse::<DeviceChoice>().is_err());
    }

    #[test]
    fn cpu_opens() {
        assert!(DeviceChoice::Cpu.open().unwrap().is_cpu());
    }
}
