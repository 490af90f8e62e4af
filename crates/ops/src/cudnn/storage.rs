//! CUDA storage as cuDNN takes it: device addresses of candle's buffers, and new buffers.

use candle_core::backend::BackendStorage;
use candle_core::cuda_backend::cudarc::driver::{CudaStream, DevicePtr, DevicePtrMut, SyncOnDrop};
use candle_core::cuda_backend::{CudaDevice, CudaStorage, CudaStorageSlice};
use candle_core::{DType, Layout, Result};

/// A new, uninitialised CUDA buffer of `len` elements of `dtype`.
///
/// # Safety
/// Every element must be written before anything reads it (the cuDNN calls here write their
/// whole output: `beta` is 0).
pub(super) unsafe fn allocate(
    device: &CudaDevice,
    dtype: DType,
    len: usize,
) -> Result<CudaStorage> {
    Ok(match dtype {
        DType::F32 => CudaStorage::wrap_cuda_slice(device.alloc::<f32>(len)?, device.clone()),
        DType::BF16 => {
            CudaStorage::wrap_cuda_slice(device.alloc::<half::bf16>(len)?, device.clone())
        }
        DType::F16 => CudaStorage::wrap_cuda_slice(device.alloc::<half::f16>(len)?, device.clone()),
        other => candle_core::bail!("cuDNN: no {other:?} buffers"),
    })
}

/// The device address of `storage`'s data from `layout`'s start, with the guard that orders
/// the stream after its last write.
pub(super) fn pointer<'a>(
    storage: &'a CudaStorage,
    layout: &Layout,
    stream: &'a CudaStream,
) -> Result<(u64, SyncOnDrop<'a>)> {
    let ((ptr, sync), size) = match &storage.slice {
        CudaStorageSlice::F32(s) => (s.device_ptr(stream), 4),
        CudaStorageSlice::BF16(s) => (s.device_ptr(stream), 2),
        CudaStorageSlice::F16(s) => (s.device_ptr(stream), 2),
        _ => candle_core::bail!("cuDNN: no {:?} operands", storage.dtype()),
    };
    Ok((ptr + (layout.start_offset() * size) as u64, sync))
}

/// The device address of all of `storage`, to write.
pub(super) fn pointer_mut<'a>(
    storage: &'a mut CudaStorage,
    stream: &'a CudaStream,
) -> Result<(u64, SyncOnDrop<'a>)> {
    let dtype = storage.dtype();
    Ok(match &mut storage.slice {
        CudaStorageSlice::F32(s) => s.device_ptr_mut(stream),
        CudaStorageSlice::BF16(s) => s.device_ptr_mut(stream),
        CudaStorageSlice::F16(s) => s.device_ptr_mut(stream),
        _ => candle_core::bail!("cuDNN: no {dtype:?} outputs"),
    })
}

/// Checks that an operand is a contiguous tensor of `dims` (cuDNN's descriptors here are of
/// packed tensors).
pub(super) fn check_operand(op: &str, what: &str, layout: &Layout, dims: &[usize]) -> Result<()> {
    if layout.dims() != dims || !layout.is_contiguous() {
        candle_core::bail!(
            "{op}: the {what} is {:?}, not a contiguous {dims:?}",
            layout.dims()
        )
    }
    Ok(())
}
