//! The three passes of a grouped convolution as one candle custom op on CUDA storage.

use std::ffi::c_void;

use candle_core::backend::BackendStorage;
use candle_core::cuda_backend::cudarc::cudnn::result;
use candle_core::cuda_backend::CudaStorage;
use candle_core::{CpuStorage, CustomOp2, Layout, Result, Shape, Tensor};

use super::context::{with_context, Algorithm, Pass};
use super::descriptors::{cudnn_error, data_types, math_type, ConvDescriptors};
use super::storage::{allocate, check_operand, pointer, pointer_mut};
use crate::conv_geometry::ConvGeometry;

/// Whether [`conv2d`] takes these operands: on one CUDA device, of one data type cuDNN
/// convolves here (f32, bf16, f16).
pub(crate) fn supported(x: &Tensor, w: &Tensor) -> bool {
    x.device().is_cuda()
        && x.device().same_device(w.device())
        && x.dtype() == w.dtype()
        && data_types(x.dtype()).is_some()
}

/// `conv(x, w)` of `x` `[n, c, h, w]` with `w` `[o, c / groups, k, k]` through cuDNN; its
/// backward pass computes the input gradient only if `x` tracks gradients and the weight
/// gradient only if `w` does.
pub(crate) fn conv2d(
    x: &Tensor,
    w: &Tensor,
    stride: usize,
    pad: usize,
    groups: usize,
) -> Result<Tensor> {
    let geometry = ConvGeometry::new(dims4(x)?, dims4(w)?, stride, pad, groups)?;
    x.contiguous()?.apply_op2(
        &w.contiguous()?,
        CudnnConv {
            pass: Pass::Forward,
            geometry,
        },
    )
}

fn dims4(t: &Tensor) -> Result<[usize; 4]> {
    let (a, b, c, d) = t.dims4()?;
    Ok([a, b, c, d])
}

/// One pass of the convolution of `geometry`. Its two operands and its output:
/// `(x, w) -> y` forward, `(dy, w) -> dx` backward-data, `(x, dy) -> dw` backward-filter.
struct CudnnConv {
    pass: Pass,
    geometry: ConvGeometry,
}

impl CudnnConv {
    /// The shapes of the two operands and of the output.
    fn shapes(&self) -> [[usize; 4]; 3] {
        let g = &self.geometry;
        let x = [g.n, g.c, g.h, g.w];
        let w = [g.o, g.group_channels(), g.k, g.k];
        let y = g.output_dims();
        match self.pass {
            Pass::Forward => [x, w, y],
            Pass::BackwardData => [y, w, x],
            Pass::BackwardFilter => [x, y, w],
        }
    }
}

impl CustomOp2 for CudnnConv {
    fn name(&self) -> &'static str {
        match self.pass {
            Pass::Forward => "cudnn-conv2d",
            Pass::BackwardData => "cudnn-conv2d-backward-data",
            Pass::BackwardFilter => "cudnn-conv2d-backward-filter",
        }
    }

    fn cpu_fwd(
        &self,
        _: &CpuStorage,
        _: &Layout,
        _: &CpuStorage,
        _: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        candle_core::bail!("{}: runs on CUDA devices only", self.name())
    }

    fn cuda_fwd(
        &self,
        a: &CudaStorage,
        a_layout: &Layout,
        b: &CudaStorage,
        b_layout: &Layout,
    ) -> Result<(CudaStorage, Shape)> {
        let [a_shape, b_shape, out_shape] = self.shapes();
        check_operand(self.name(), "first operand", a_layout, &a_shape)?;
        check_operand(self.name(), "second operand", b_layout, &b_shape)?;
        let dtype = a.dtype();
        if b.dtype() != dtype {
            candle_core::bail!("{}: operands of {dtype:?} and {:?}", self.name(), b.dtype())
        }
        let device = a.device().clone();
        // SAFETY: the convolution below writes all of it.
        let mut out = unsafe { allocate(&device, dtype, out_shape.iter().product()) }?;
        let math = math_type(dtype, candle_core::cuda::gemm_reduced_precision_f32());
        let d = ConvDescriptors::new(&self.geometry, dtype, math)?;
        with_context(&device, |context| {
            let choice = context.choose(self.pass, (&self.geometry, dtype, math), &d)?;
            d.set_math_type(choice.math)?;
            let handle = context.handle;
            let stream = context.stream.clone();
            let (a, _a_sync) = pointer(a, a_layout, &stream)?;
            let (b, _b_sync) = pointer(b, b_layout, &stream)?;
            let (out_ptr, _out_sync) = pointer_mut(&mut out, &stream)?;
            let (workspace, workspace_len, _workspace_sync) =
                context.workspace(choice.workspace)?;
            let workspace = workspace as *mut c_void;
            let (one, zero) = (1f32, 0f32);
            let (alpha, beta) = (
                &one as *const f32 as *const c_void,
                &zero as *const f32 as *const c_void,
            );
            // SAFETY: the descriptors describe the operands' and the output's shapes and data
            // type (checked above), the pointers are live device memory on the handle's stream
            // (their sync guards are held until the call is queued), and the workspace is at
            // least as long as the chosen algorithm asked for.
            unsafe {
                match choice.algorithm {
                    Algorithm::Forward(algo) => result::convolution_forward(
                        handle,
                        alpha,
                        d.x.0,
                        a as _,
                        d.w.0,
                        b as _,
                        d.conv.0,
                        algo,
                        workspace,
                        workspace_len,
                        beta,
                        d.y.0,
                        out_ptr as _,
                    ),
                    Algorithm::BackwardData(algo) => result::convolution_backward_data(
                        handle,
                        alpha,
                        d.w.0,
                        b as _,
                        d.y.0,
                        a as _,
                        d.conv.0,
                        algo,
                        workspace,
                        workspace_len,
                        beta,
                        d.x.0,
                        out_ptr as _,
                    ),
                    Algorithm::BackwardFilter(algo) => result::convolution_backward_filter(
                        handle,
                        alpha,
                        d.x.0,
                        a as _,
                        d.y.0,
                        b as _,
                        d.conv.0,
                        algo,
                        workspace,
                        workspace_len,
                        beta,
                        d.w.0,
                        out_ptr as _,
                    ),
                }
            }
            .map_err(|e| cudnn_error(self.name(), e))
        })?;
        Ok((out, Shape::from(out_shape.to_vec())))
    }

    fn bwd(
        &self,
        x: &Tensor,
        w: &Tensor,
        _y: &Tensor,
        dy: &Tensor,
    ) -> Result<(Option<Tensor>, Option<Tensor>)> {
        if self.pass != Pass::Forward {
            candle_core::bail!("{}: has no backward pass", self.name())
        }
        let dy = dy.contiguous()?;
        let pass = |pass| CudnnConv {
            pass,
            geometry: self.geometry,
        };
        let dx = if x.track_op() {
            Some(dy.apply_op2_no_bwd(w, &pass(Pass::BackwardData))?)
        } else {
            None
        };
        let dw = if w.track_op() {
            Some(x.apply_op2_no_bwd(&dy, &pass(Pass::BackwardFilter))?)
        } else {
            None
        };
        Ok((dx, dw))
    }
}
