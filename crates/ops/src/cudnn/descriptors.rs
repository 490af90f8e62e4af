//! cuDNN's descriptors, each owned by a value that destroys it: tensors, filters,
//! convolutions, max-pools and LRNs, and the descriptors of one convolution together.

use std::mem::MaybeUninit;

use candle_core::cuda_backend::cudarc::cudnn::{result, sys, CudnnError};
use candle_core::{DType, Result};

use crate::conv_geometry::ConvGeometry;
use crate::lrn::LrnParams;

/// How a convolution of `dtype` may compute: TF32 tensor cores for f32 only where `tf32`
/// allows them, tensor cores (f32 accumulation) for bf16 and f16.
pub(super) fn math_type(dtype: DType, tf32: bool) -> sys::cudnnMathType_t {
    use sys::cudnnMathType_t::{CUDNN_DEFAULT_MATH, CUDNN_FMA_MATH, CUDNN_TENSOR_OP_MATH};
    match dtype {
        DType::F32 if tf32 => CUDNN_DEFAULT_MATH,
        DType::F32 => CUDNN_FMA_MATH,
        _ => CUDNN_TENSOR_OP_MATH,
    }
}

/// cuDNN's names of a tensor's element type and of the type a convolution of it accumulates
/// in; `None` for the types this module does not handle.
pub(super) fn data_types(dtype: DType) -> Option<(sys::cudnnDataType_t, sys::cudnnDataType_t)> {
    use sys::cudnnDataType_t::{CUDNN_DATA_BFLOAT16, CUDNN_DATA_FLOAT, CUDNN_DATA_HALF};
    match dtype {
        DType::F32 => Some((CUDNN_DATA_FLOAT, CUDNN_DATA_FLOAT)),
        DType::BF16 => Some((CUDNN_DATA_BFLOAT16, CUDNN_DATA_FLOAT)),
        DType::F16 => Some((CUDNN_DATA_HALF, CUDNN_DATA_FLOAT)),
        _ => None,
    }
}

/// cuDNN's error as candle's, saying what failed.
pub(super) fn cudnn_error(what: &str, e: CudnnError) -> candle_core::Error {
    candle_core::Error::Msg(format!("cuDNN: {what}: {e}"))
}

fn int(v: usize) -> Result<i32> {
    i32::try_from(v).map_err(|_| candle_core::Error::Msg(format!("cuDNN: {v} is too large a size")))
}

/// Creates a descriptor through cuDNN's `create(&mut descriptor)`.
fn create<T>(what: &str, create: unsafe fn(*mut T) -> sys::cudnnStatus_t) -> Result<T> {
    let mut descriptor = MaybeUninit::uninit();
    // SAFETY: `create` writes a descriptor on success, and only then is it read.
    unsafe {
        create(descriptor.as_mut_ptr())
            .result()
            .map_err(|e| cudnn_error(what, e))?;
        Ok(descriptor.assume_init())
    }
}

macro_rules! owned {
    ($(#[$doc:meta])* $name:ident, $raw:ty, $create:path, $destroy:path) => {
        $(#[$doc])*
        pub(super) struct $name(pub(super) $raw);

        impl $name {
            fn create() -> Result<Self> {
                create(stringify!($name), $create).map(Self)
            }
        }

        impl Drop for $name {
            fn drop(&mut self) {
                // SAFETY: created by `create`, destroyed once, here. Destroying a valid
                // descriptor does not fail, and a drop could not report it.
                let _ = unsafe { $destroy(self.0) };
            }
        }
    };
}

owned!(
    /// A 4-D tensor's descriptor (NCHW, packed).
    TensorDescriptor,
    sys::cudnnTensorDescriptor_t,
    sys::cudnnCreateTensorDescriptor,
    sys::cudnnDestroyTensorDescriptor
);
owned!(
    /// A convolution's filter descriptor.
    FilterDescriptor,
    sys::cudnnFilterDescriptor_t,
    sys::cudnnCreateFilterDescriptor,
    sys::cudnnDestroyFilterDescriptor
);
owned!(
    /// A convolution's descriptor: padding, stride, groups, math type.
    ConvolutionDescriptor,
    sys::cudnnConvolutionDescriptor_t,
    sys::cudnnCreateConvolutionDescriptor,
    sys::cudnnDestroyConvolutionDescriptor
);
owned!(
    /// A pooling's descriptor.
    PoolingDescriptor,
    sys::cudnnPoolingDescriptor_t,
    sys::cudnnCreatePoolingDescriptor,
    sys::cudnnDestroyPoolingDescriptor
);
owned!(
    /// An LRN's descriptor.
    LrnDescriptor,
    sys::cudnnLRNDescriptor_t,
    sys::cudnnCreateLRNDescriptor,
    sys::cudnnDestroyLRNDescriptor
);

impl TensorDescriptor {
    /// A packed NCHW tensor of `dims` and `dtype`.
    pub(super) fn new(dims: [usize; 4], dtype: DType) -> Result<Self> {
        let Some((data, _)) = data_types(dtype) else {
            candle_core::bail!("cuDNN: no {dtype:?} tensors")
        };
        let d = Self::create()?;
        let [n, c, h, w] = dims;
        let dims = [int(n)?, int(c)?, int(h)?, int(w)?];
        let nchw = sys::cudnnTensorFormat_t::CUDNN_TENSOR_NCHW;
        // SAFETY: `d` was just created.
        unsafe { result::set_tensor4d_descriptor(d.0, nchw, data, dims) }
            .map_err(|e| cudnn_error("tensor shape", e))?;
        Ok(d)
    }
}

impl PoolingDescriptor {
    /// A max-pool with a square `kernel` window moved by `stride`, no padding; the gradient of
    /// a window goes to one maximum, the same one every run.
    pub(super) fn max(kernel: usize, stride: usize) -> Result<Self> {
        let d = Self::create()?;
        let (kernel, stride) = (int(kernel)?, int(stride)?);
        // SAFETY: `d` was just created.
        unsafe {
            sys::cudnnSetPooling2dDescriptor(
                d.0,
                sys::cudnnPoolingMode_t::CUDNN_POOLING_MAX_DETERMINISTIC,
                sys::cudnnNanPropagation_t::CUDNN_PROPAGATE_NAN,
                kernel,
                kernel,
                0,
                0,
                stride,
                stride,
            )
        }
        .result()
        .map_err(|e| cudnn_error("max-pool window", e))?;
        Ok(d)
    }
}

impl LrnDescriptor {
    /// Caffe's across-channel LRN: cuDNN's formula is Caffe's, `alpha` divided by the window.
    pub(super) fn new(params: &LrnParams) -> Result<Self> {
        let d = Self::create()?;
        // SAFETY: `d` was just created.
        unsafe {
            sys::cudnnSetLRNDescriptor(
                d.0,
                params.size as u32,
                f64::from(params.alpha),
                f64::from(params.beta),
                f64::from(params.k),
            )
        }
        .result()
        .map_err(|e| cudnn_error("LRN parameters", e))?;
        Ok(d)
    }
}

/// The four descriptors of one convolution of geometry `g`: `x` `[n, c, h, w]`, `w`
/// `[o, c / groups, k, k]`, `y` `[n, o, oh, ow]` and `conv` (padding, stride, groups, math
/// type). The gradients of `x`, `w` and `y` share their descriptors.
pub(super) struct ConvDescriptors {
    pub(super) x: TensorDescriptor,
    pub(super) w: FilterDescriptor,
    pub(super) y: TensorDescriptor,
    pub(super) conv: ConvolutionDescriptor,
}

impl ConvDescriptors {
    /// The descriptors of a convolution of geometry `g` on `dtype` data computing in `math`.
    pub(super) fn new(g: &ConvGeometry, dtype: DType, math: sys::cudnnMathType_t) -> Result<Self> {
        let Some((data, compute)) = data_types(dtype) else {
            candle_core::bail!("cuDNN: no {dtype:?} convolutions")
        };
        let d = Self {
            x: TensorDescriptor::new([g.n, g.c, g.h, g.w], dtype)?,
            y: TensorDescriptor::new(g.output_dims(), dtype)?,
            w: FilterDescriptor::create()?,
            conv: ConvolutionDescriptor::create()?,
        };
        let w = [int(g.o)?, int(g.group_channels())?, int(g.k)?, int(g.k)?];
        let (pad, stride) = (int(g.pad)?, int(g.stride)?);
        let e = |what| move |e| cudnn_error(what, e);
        // SAFETY: each descriptor was created above and lives as long as `d`.
        unsafe {
            let nchw = sys::cudnnTensorFormat_t::CUDNN_TENSOR_NCHW;
            result::set_filter4d_descriptor(d.w.0, data, nchw, w).map_err(e("filter shape"))?;
            result::set_convolution2d_descriptor(
                d.conv.0,
                pad,
                pad,
                stride,
                stride,
                1,
                1,
                sys::cudnnConvolutionMode_t::CUDNN_CROSS_CORRELATION,
                compute,
            )
            .map_err(e("padding and stride"))?;
            result::set_convolution_group_count(d.conv.0, int(g.groups)?).map_err(e("groups"))?;
        }
        d.set_math_type(math)?;
        Ok(d)
    }

    /// Lets the convolution compute in `math` (the mode an algorithm was timed in).
    pub(super) fn set_math_type(&self, math: sys::cudnnMathType_t) -> Result<()> {
        // SAFETY: `conv` lives as long as `self`.
        unsafe { result::set_convolution_math_type(self.conv.0, math) }
            .map_err(|e| cudnn_error("math type", e))
    }
}
