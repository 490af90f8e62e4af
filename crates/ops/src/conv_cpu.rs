//! The CPU kernel of grouped convolution as a candle custom op: forward by im2col + gemm (by
//! Winograd's minimal filtering for 3x3 and 5x5 kernels at stride 1 with "same" padding)
//! with the bias and an optional ReLU fused in, batch-parallel with rayon; its backward pass
//! is [`ConvBackward`].

use std::sync::OnceLock;

use candle_core::backend::BackendStorage;
use candle_core::{CpuStorage, CustomOp3, DType, Layout, Result, Shape, Tensor, WithDType};
use rayon::prelude::*;

use super::conv_backward::{ConvBackward, Needed};
use super::conv_gemm::{batch_size, matmul, split, with_workspace, Strided, Workspace};
use super::conv_geometry::{contiguous, ConvGeometry};
use super::scratch::{zeros, Scratch};
use super::winograd::Winograd;

/// Forward convolution `(x, w, b) -> y` on contiguous f32 or f64 storage, followed by a ReLU
/// when `relu` is set.
pub(super) struct ConvCpu {
    stride: usize,
    pad: usize,
    groups: usize,
    relu: bool,
    /// The filters transformed for Winograd by the forward pass, for the backward pass's
    /// input gradient (the same transform of the same weights).
    winograd_filters: OnceLock<CpuStorage>,
}

impl ConvCpu {
    /// A convolution at `stride` with `pad` and `groups`, followed by a ReLU if `relu`.
    pub(super) fn new(stride: usize, pad: usize, groups: usize, relu: bool) -> Self {
        Self {
            stride,
            pad,
            groups,
            relu,
            winograd_filters: OnceLock::new(),
        }
    }
}

/// `y = relu?(conv(x, w) + b)`; by Winograd when `winograd` gives the algorithm and the
/// filters it transformed.
fn forward<T: WithDType + Scratch>(
    x: &[T],
    (w, b): (&[T], &[T]),
    g: &ConvGeometry,
    relu: bool,
    winograd: Option<(Winograd, &[T])>,
) -> Vec<T> {
    let mut y = zeros(g.n * g.out_image());
    let (per, parallelism) = split(g.n);
    if let Some((winograd, filters)) = winograd {
        let batch = winograd.batch_size(g, per);
        y.par_chunks_mut(batch * g.out_image())
            .zip(x.par_chunks(batch * g.in_image()))
            .for_each(|(y, x)| winograd.forward_batch(x, filters, (b, relu), g, parallelism, y));
        return y;
    }
    let batch = batch_size(g, per);
    y.par_chunks_mut(per * g.out_image())
        .zip(x.par_chunks(per * g.in_image()))
        .for_each(|(y, x)| {
            with_workspace(g, (batch, true), parallelism, |work| {
                for (y, x) in y
                    .chunks_mut(batch * g.out_image())
                    .zip(x.chunks(batch * g.in_image()))
                {
                    forward_batch(x, w, b, relu, work, y);
                }
            })
        });
    y
}

/// `y = relu?(conv(x, w) + b)` for a few whole images `x` that fit `work`, group by group.
fn forward_batch<T: WithDType>(
    x: &[T],
    w: &[T],
    b: &[T],
    relu: bool,
    work: &mut Workspace<T>,
    y: &mut [T],
) {
    let g = *work.patches.geometry();
    let (og, rows, cols) = (g.group_outputs(), g.col_rows(), g.out_plane());
    let width = x.len() / g.in_image() * cols;
    for group in 0..g.groups {
        for (i, x) in x.chunks(g.in_image()).enumerate() {
            work.patches
                .im2col(x, group, &mut work.col[i * cols..], width);
        }
        // out [og, width] = w_g [og, rows] * col [rows, width]
        let out = &mut work.other[..og * width];
        matmul(
            out,
            width,
            Strided::rows(&w[group * og * rows..][..og * rows], rows),
            Strided::rows(&work.col[..rows * width], width),
            (og, width, rows),
            false,
            work.parallelism,
        );
        for (i, y) in y.chunks_mut(g.out_image()).enumerate() {
            for o in 0..og {
                let channel = group * og + o;
                let bias = b[channel];
                let dst = &mut y[channel * cols..][..cols];
                let src = &out[o * width + i * cols..][..cols];
                for (d, v) in dst.iter_mut().zip(src) {
                    let v = *v + bias;
                    *d = if relu && v < T::zero() { T::zero() } else { v };
                }
            }
        }
    }
}

impl ConvCpu {
    fn run<T: WithDType + Scratch>(
        &self,
        (x, x_layout): (&CpuStorage, &Layout),
        (w, w_layout): (&CpuStorage, &Layout),
        (b, b_layout): (&CpuStorage, &Layout),
        g: &ConvGeometry,
    ) -> Result<CpuStorage> {
        let w = contiguous(w.as_slice::<T>()?, w_layout, "the weight")?;
        let winograd = Winograd::for_geometry(g).map(|winograd| {
            let filters = winograd.transform_filters(w, g);
            (winograd, filters)
        });
        let y = forward(
            contiguous(x.as_slice::<T>()?, x_layout, "the input")?,
            (w, contiguous(b.as_slice::<T>()?, b_layout, "the bias")?),
            g,
            self.relu,
            winograd
                .as_ref()
                .map(|(winograd, filters)| (*winograd, &filters[..])),
        );
        if let Some((_, filters)) = winograd {
            if self
                .winograd_filters
                .set(T::to_cpu_storage_owned(filters))
                .is_err()
            {
                candle_core::bail!("conv2d: the op was applied twice")
            }
        }
        Ok(T::to_cpu_storage_owned(y))
    }
}

impl CustomOp3 for ConvCpu {
    fn name(&self) -> &'static str {
        "im2col-conv2d"
    }

    fn cpu_fwd(
        &self,
        x: &CpuStorage,
        x_layout: &Layout,
        w: &CpuStorage,
        w_layout: &Layout,
        b: &CpuStorage,
        b_layout: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let g = ConvGeometry::from_layouts(x_layout, w_layout, self.stride, self.pad, self.groups)?;
        if b_layout.shape().dims() != [g.o] {
            candle_core::bail!(
                "conv2d: bias shape {:?} does not match {} output channels",
                b_layout.shape(),
                g.o
            )
        }
        let (x, w, b) = ((x, x_layout), (w, w_layout), (b, b_layout));
        let out = match (x.0.dtype(), w.0.dtype(), b.0.dtype()) {
            (DType::F32, DType::F32, DType::F32) => self.run::<f32>(x, w, b, &g)?,
            (DType::F64, DType::F64, DType::F64) => self.run::<f64>(x, w, b, &g)?,
            (x, w, b) => candle_core::bail!("conv2d: unsupported dtypes {x:?}, {w:?}, {b:?}"),
        };
        Ok((out, Shape::from(g.output_dims().to_vec())))
    }

    fn bwd(
        &self,
        x: &Tensor,
        w: &Tensor,
        b: &Tensor,
        res: &Tensor,
        grad: &Tensor,
    ) -> Result<(Option<Tensor>, Option<Tensor>, Option<Tensor>)> {
        let needed = Needed {
            input: x.track_op(),
            weight: w.track_op(),
            bias: b.track_op(),
        };
        if !(needed.input || needed.weight || needed.bias) {
            return Ok((None, None, None));
        }
        let op = ConvBackward {
            stride: self.stride,
            pad: self.pad,
            groups: self.groups,
            needed,
            winograd_filters: self.winograd_filters.get(),
            relu_output: if self.relu {
                Some(res.contiguous()?)
            } else {
                None
            },
        };
        let all = grad
            .contiguous()?
            .apply_op3_no_bwd(&x.contiguous()?, &w.contiguous()?, &op)?;
        let mut at = 0;
        let mut part = |wanted: bool, like: &Tensor| -> Result<Option<Tensor>> {
            if !wanted {
                return Ok(None);
            }
            let len = like.elem_count();
            let part = all.narrow(0, at, len)?.reshape(like.shape())?;
            at += len;
            Ok(Some(part))
        };
        Ok((
            part(needed.input, x)?,
            part(needed.weight, w)?,
            part(needed.bias, b)?,
        ))
    }
}

/// Whether [`ConvCpu`] handles tensors of this dtype.
pub(super) fn supported(dtype: DType) -> bool {
    matches!(dtype, DType::F32 | DType::F64)
}
