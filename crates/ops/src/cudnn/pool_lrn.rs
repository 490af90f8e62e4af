//! Caffe's max-pool and across-channel LRN through cuDNN, as candle custom ops: the forward
//! pass, and a backward pass from the input, the output and the output gradient.

use std::ffi::c_void;

use candle_core::backend::BackendStorage;
use candle_core::cuda_backend::cudarc::cudnn::sys;
use candle_core::cuda_backend::cudarc::driver::CudaStream;
use candle_core::cuda_backend::{CudaDevice, CudaStorage};
use candle_core::{CpuStorage, CustomOp1, CustomOp3, DType, Layout, Result, Shape, Tensor};

use super::context::with_context;
use super::descriptors::{cudnn_error, LrnDescriptor, PoolingDescriptor, TensorDescriptor};
use super::storage::{allocate, check_operand, pointer, pointer_mut};
use crate::lrn::LrnParams;
use crate::max_pool::pool_output_size;

/// Caffe's max-pool of `x` through cuDNN, or `None` where cuDNN cannot give Caffe's result:
/// not on CUDA, a data type other than f32, bf16 and f16, or an input whose last window Caffe
/// would clip (its output side rounds up, cuDNN's down: they agree on CaffeNet's pools).
pub(crate) fn max_pool(x: &Tensor, kernel: usize, stride: usize) -> Result<Option<Tensor>> {
    let (_, _, h, w) = x.dims4()?;
    let floor = |side: usize| (side - kernel) / stride + 1;
    let sizes_agree = pool_output_size(h, kernel, stride) == Some(floor(h))
        && pool_output_size(w, kernel, stride) == Some(floor(w));
    let dtype_ok = matches!(x.dtype(), DType::F32 | DType::BF16 | DType::F16);
    if !(x.device().is_cuda() && dtype_ok && sizes_agree) {
        return Ok(None);
    }
    let op = CudnnNormPool(Kind::MaxPool { kernel, stride });
    x.contiguous()?.apply_op1(op).map(Some)
}

/// Caffe's across-channel LRN of `x` through cuDNN, or `None` where cuDNN does not take it:
/// not on CUDA, a data type other than f32 and f16, or parameters outside cuDNN's ranges
/// (window 1-16 channels, `k` at least 1e-5, `beta` at least 0.01).
pub(crate) fn lrn(x: &Tensor, params: &LrnParams) -> Result<Option<Tensor>> {
    let dtype_ok = matches!(x.dtype(), DType::F32 | DType::F16);
    let in_range = (1..=16).contains(&params.size) && params.k >= 1e-5 && params.beta >= 0.01;
    if !(x.device().is_cuda() && dtype_ok && in_range) {
        return Ok(None);
    }
    x.contiguous()?
        .apply_op1(CudnnNormPool(Kind::Lrn(*params)))
        .map(Some)
}

/// Which of the two ops.
#[derive(Debug, Clone, Copy)]
enum Kind {
    MaxPool { kernel: usize, stride: usize },
    Lrn(LrnParams),
}

impl Kind {
    fn name(&self) -> &'static str {
        match self {
            Kind::MaxPool { .. } => "cudnn-max-pool",
            Kind::Lrn(_) => "cudnn-lrn",
        }
    }

    /// The output's shape for an input of `[n, c, h, w]` (a max-pool's window fits it: checked
    /// by [`max_pool`]).
    fn output_dims(&self, [n, c, h, w]: [usize; 4]) -> [usize; 4] {
        match self {
            Kind::MaxPool { kernel, stride } => {
                [n, c, (h - kernel) / stride + 1, (w - kernel) / stride + 1]
            }
            Kind::Lrn(_) => [n, c, h, w],
        }
    }
}

/// The dims of a 4-D operand of `op`.
fn four_d(op: &str, layout: &Layout) -> Result<[usize; 4]> {
    <[usize; 4]>::try_from(layout.dims())
        .map_err(|_| candle_core::Error::Msg(format!("{op}: input {:?} is not 4-D", layout.dims())))
}

/// The op's own descriptor.
enum OpDescriptor {
    Pool(PoolingDescriptor),
    Lrn(LrnDescriptor),
}

impl OpDescriptor {
    fn new(kind: &Kind) -> Result<Self> {
        Ok(match kind {
            Kind::MaxPool { kernel, stride } => {
                Self::Pool(PoolingDescriptor::max(*kernel, *stride)?)
            }
            Kind::Lrn(params) => Self::Lrn(LrnDescriptor::new(params)?),
        })
    }
}

/// The operands of one call, as cuDNN takes them: descriptors of the input and output shapes
/// and device addresses.
struct Call {
    op: OpDescriptor,
    x: TensorDescriptor,
    y: TensorDescriptor,
}

/// `y = op(x)`; its backward pass is [`NormPoolBackward`].
struct CudnnNormPool(Kind);

/// `(x, y, dy) -> dx` of a [`CudnnNormPool`].
struct NormPoolBackward(Kind);

/// Runs `launch` on `device`'s cuDNN handle with the call's descriptors for an input of
/// `x_dims`, writing a new buffer of `out_dims`.
fn run(
    kind: &Kind,
    (dtype, x_dims, out_dims): (DType, [usize; 4], [usize; 4]),
    device: &CudaDevice,
    launch: impl FnOnce(sys::cudnnHandle_t, &Call, &CudaStream, u64) -> Result<()>,
) -> Result<CudaStorage> {
    let call = Call {
        op: OpDescriptor::new(kind)?,
        x: TensorDescriptor::new(x_dims, dtype)?,
        y: TensorDescriptor::new(kind.output_dims(x_dims), dtype)?,
    };
    // SAFETY: the cuDNN call below writes all of it.
    let mut out = unsafe { allocate(device, dtype, out_dims.iter().product()) }?;
    with_context(device, |context| {
        let stream = context.stream.clone();
        let (out_ptr, _out_sync) = pointer_mut(&mut out, &stream)?;
        launch(context.handle, &call, &stream, out_ptr)
    })?;
    Ok(out)
}

const ONE: f32 = 1.0;
const ZERO: f32 = 0.0;

fn scaling(value: &f32) -> *const c_void {
    value as *const f32 as *const c_void
}

impl CustomOp1 for CudnnNormPool {
    fn name(&self) -> &'static str {
        self.0.name()
    }

    fn cpu_fwd(&self, _: &CpuStorage, _: &Layout) -> Result<(CpuStorage, Shape)> {
        candle_core::bail!("{}: runs on CUDA devices only", self.name())
    }

    fn cuda_fwd(&self, x: &CudaStorage, x_layout: &Layout) -> Result<(CudaStorage, Shape)> {
        let x_dims = four_d(self.name(), x_layout)?;
        check_operand(self.name(), "input", x_layout, &x_dims)?;
        let y_dims = self.0.output_dims(x_dims);
        let out = run(
            &self.0,
            (x.dtype(), x_dims, y_dims),
            x.device(),
            |handle, call, stream, y| {
                let (x, _x_sync) = pointer(x, x_layout, stream)?;
                // SAFETY: the descriptors describe `x` and the new `y` (shapes checked above),
                // both live on the handle's stream.
                let status = unsafe {
                    match &call.op {
                        OpDescriptor::Pool(pool) => sys::cudnnPoolingForward(
                            handle,
                            pool.0,
                            scaling(&ONE),
                            call.x.0,
                            x as _,
                            scaling(&ZERO),
                            call.y.0,
                            y as _,
                        ),
                        OpDescriptor::Lrn(lrn) => sys::cudnnLRNCrossChannelForward(
                            handle,
                            lrn.0,
                            sys::cudnnLRNMode_t::CUDNN_LRN_CROSS_CHANNEL_DIM1,
                            scaling(&ONE),
                            call.x.0,
                            x as _,
                            scaling(&ZERO),
                            call.y.0,
                            y as _,
                        ),
                    }
                };
                status.result().map_err(|e| cudnn_error(self.name(), e))
            },
        )?;
        Ok((out, Shape::from(y_dims.to_vec())))
    }

    fn bwd(&self, x: &Tensor, y: &Tensor, dy: &Tensor) -> Result<Option<Tensor>> {
        x.apply_op3_no_bwd(
            &y.contiguous()?,
            &dy.contiguous()?,
            &NormPoolBackward(self.0),
        )
        .map(Some)
    }
}

impl CustomOp3 for NormPoolBackward {
    fn name(&self) -> &'static str {
        match self.0 {
            Kind::MaxPool { .. } => "cudnn-max-pool-backward",
            Kind::Lrn(_) => "cudnn-lrn-backward",
        }
    }

    fn cpu_fwd(
        &self,
        _: &CpuStorage,
        _: &Layout,
        _: &CpuStorage,
        _: &Layout,
        _: &CpuStorage,
        _: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        candle_core::bail!("{}: runs on CUDA devices only", self.name())
    }

    fn cuda_fwd(
        &self,
        x: &CudaStorage,
        x_layout: &Layout,
        y: &CudaStorage,
        y_layout: &Layout,
        dy: &CudaStorage,
        dy_layout: &Layout,
    ) -> Result<(CudaStorage, Shape)> {
        let x_dims = four_d(self.name(), x_layout)?;
        let y_dims = self.0.output_dims(x_dims);
        check_operand(self.name(), "input", x_layout, &x_dims)?;
        check_operand(self.name(), "output", y_layout, &y_dims)?;
        check_operand(self.name(), "output gradient", dy_layout, &y_dims)?;
        let dtype = x.dtype();
        if y.dtype() != dtype || dy.dtype() != dtype {
            candle_core::bail!(
                "{}: operands of {dtype:?}, {:?}, {:?}",
                self.name(),
                y.dtype(),
                dy.dtype()
            )
        }
        let out = run(
            &self.0,
            (dtype, x_dims, x_dims),
            x.device(),
            |handle, call, stream, dx| {
                let (x, _x_sync) = pointer(x, x_layout, stream)?;
                let (y, _y_sync) = pointer(y, y_layout, stream)?;
                let (dy, _dy_sync) = pointer(dy, dy_layout, stream)?;
                // SAFETY: the descriptors describe the operands (shapes and types checked above)
                // and the new `dx`; all live on the handle's stream.
                let status = unsafe {
                    match &call.op {
                        OpDescriptor::Pool(pool) => sys::cudnnPoolingBackward(
                            handle,
                            pool.0,
                            scaling(&ONE),
                            call.y.0,
                            y as _,
                            call.y.0,
                            dy as _,
                            call.x.0,
                            x as _,
                            scaling(&ZERO),
                            call.x.0,
                            dx as _,
                        ),
                        OpDescriptor::Lrn(lrn) => sys::cudnnLRNCrossChannelBackward(
                            handle,
                            lrn.0,
                            sys::cudnnLRNMode_t::CUDNN_LRN_CROSS_CHANNEL_DIM1,
                            scaling(&ONE),
                            call.y.0,
                            y as _,
                            call.y.0,
                            dy as _,
                            call.x.0,
                            x as _,
                            scaling(&ZERO),
                            call.x.0,
                            dx as _,
                        ),
                    }
                };
                status.result().map_err(|e| cudnn_error(self.name(), e))
            },
        )?;
        Ok((out, Shape::from(x_dims.to_vec())))
    }
}
