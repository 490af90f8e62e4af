//! The backward pass of the CPU convolution as one candle custom op: from the output gradient,
//! masked by the fused ReLU, the input gradient by gemm + col2im, the weight gradient by im2col +
//! gemm and the bias gradient by sums, in one batch-parallel sweep.
//!
//! One op rather than one per gradient: the masked output gradient of a chunk of images is
//! gathered once, while it is in cache, and used by all three; nothing of the size of the
//! output is written in between.

use candle_core::backend::BackendStorage;
use candle_core::{
    CpuStorage, CustomOp3, DType, Layout, Result, Shape, Storage, Tensor, WithDType,
};
use rayon::prelude::*;

use super::conv_gemm::{batch_size, matmul, split, with_workspace, Strided, Workspace};
use super::conv_geometry::{contiguous, dims4, ConvGeometry};
use super::scratch::{zeros, Scratch};
use super::winograd::{GroupGradients, Winograd};

/// Which gradients a backward pass computes: those of the inputs that track gradients.
#[derive(Debug, Clone, Copy)]
pub(super) struct Needed {
    pub(super) input: bool,
    pub(super) weight: bool,
    pub(super) bias: bool,
}

/// `(grad_y, x, w) -> [grad_x | grad_w | grad_b]`, flat, each part present when [`Needed`].
///
/// With `relu_output` (the output `y` of a convolution with a fused ReLU), the gradient only
/// flows where `y > 0`. The output is held here rather than passed as an input because candle's
/// custom ops take at most three.
pub(super) struct ConvBackward<'a> {
    pub(super) stride: usize,
    pub(super) pad: usize,
    pub(super) groups: usize,
    pub(super) needed: Needed,
    /// The filters the forward pass transformed, where it ran by Winograd.
    pub(super) winograd_filters: Option<&'a CpuStorage>,
    pub(super) relu_output: Option<Tensor>,
}

impl ConvBackward<'_> {
    /// Lengths of the three parts of the output for geometry `g` (zero when not needed).
    pub(super) fn part_lengths(&self, g: &ConvGeometry) -> [usize; 3] {
        let n = &self.needed;
        [
            if n.input { g.n * g.in_image() } else { 0 },
            if n.weight { g.o * g.col_rows() } else { 0 },
            if n.bias { g.o } else { 0 },
        ]
    }
}

/// Copies group `group` of each image's output gradient in `dy` (`[b, o, oh * ow]`) into
/// `out` `[o / groups, b * oh * ow]`, the images side by side, zero where `mask` (the ReLU's
/// output, same layout as `dy`) is not positive.
fn gather_group<T: WithDType>(
    dy: &[T],
    mask: Option<&[T]>,
    g: &ConvGeometry,
    group: usize,
    out: &mut [T],
) {
    let (og, cols) = (g.group_outputs(), g.out_plane());
    let width = dy.len() / g.out_image() * cols;
    for (i, image) in dy.chunks(g.out_image()).enumerate() {
        for o in 0..og {
            let at = i * g.out_image() + (group * og + o) * cols;
            let src = &image[(group * og + o) * cols..][..cols];
            let dst = &mut out[o * width + i * cols..][..cols];
            match mask {
                // Both loads before the select, over equal-length slices: so it compiles to
                // vector compares and masks (a load inside the select compiled to a branch,
                // mispredicted half the time).
                Some(mask) => {
                    let mask = &mask[at..at + cols];
                    for i in 0..cols {
                        let (m, v) = (mask[i], src[i]);
                        dst[i] = if m > T::zero() { v } else { T::zero() };
                    }
                }
                None => dst.copy_from_slice(src),
            }
        }
    }
}

/// The sum of `values` in f64, over independent lanes so that it vectorises (one running sum
/// waits for each addition before the next).
fn sum<T: WithDType>(values: &[T]) -> f64 {
    const LANES: usize = 8;
    let mut lanes = [0f64; LANES];
    let chunks = values.chunks_exact(LANES);
    let rest: f64 = chunks.remainder().iter().map(|v| v.to_f64()).sum();
    for chunk in chunks {
        for (lane, v) in lanes.iter_mut().zip(chunk) {
            *lane += v.to_f64();
        }
    }
    lanes.iter().sum::<f64>() + rest
}

/// The weight and bias gradient sums of one parallel chunk of images.
struct Partial<T> {
    weight: Vec<T>,
    bias: Vec<f64>,
}

/// The three gradients (laid out as [`ConvBackward::part_lengths`]) from `all`, the whole
/// batch. By Winograd the weight gradient is summed in the transform domain until the end.
fn backward<T: WithDType + Scratch>(
    all: &Batch<T>,
    g: &ConvGeometry,
    needed: Needed,
    lengths: [usize; 3],
) -> Vec<T> {
    let winograd = all.winograd;
    let (per, parallelism) = split(g.n);
    let batch = match winograd {
        Some((winograd, _)) => winograd.batch_size(g, per),
        None => batch_size(g, per),
    };
    let weight_len = match winograd {
        Some((winograd, _)) if needed.weight => winograd.filter_gradient_len(g),
        _ => lengths[1],
    };
    let mut out = zeros(lengths.iter().sum());
    let (dx, rest) = out.split_at_mut(lengths[0]);
    let (dw, db) = rest.split_at_mut(lengths[1]);
    let chunks = g.n.div_ceil(per);
    let dx_parts: Vec<Option<&mut [T]>> = if needed.input {
        dx.chunks_mut(per * g.in_image()).map(Some).collect()
    } else {
        (0..chunks).map(|_| None).collect()
    };
    let partials: Vec<Partial<T>> = dx_parts
        .into_par_iter()
        .enumerate()
        .map(|(chunk, mut dx)| {
            let mut partial = Partial {
                weight: vec![T::zero(); weight_len],
                bias: vec![0.0; lengths[2]],
            };
            let first = chunk * per;
            let images = per.min(g.n - first);
            with_workspace(g, (batch, winograd.is_none()), parallelism, |work| {
                for start in (first..first + images).step_by(batch) {
                    let count = batch.min(first + images - start);
                    let span = |image: usize| start * image..(start + count) * image;
                    let batch = Batch {
                        dy: &all.dy[span(g.out_image())],
                        mask: all.mask.map(|m| &m[span(g.out_image())]),
                        x: &all.x[span(g.in_image())],
                        ..*all
                    };
                    let dx = dx.as_deref_mut().map(|dx| {
                        &mut dx[(start - first) * g.in_image()..][..count * g.in_image()]
                    });
                    backward_batch(&batch, needed, work, dx, &mut partial);
                }
            });
            partial
        })
        .collect();
    // Sum the chunks' partials in chunk order (the same result whatever thread ran what),
    // in parallel over the elements.
    let mut transformed = vec![T::zero(); if winograd.is_some() { weight_len } else { 0 }];
    let sums = if winograd.is_some() {
        &mut transformed[..]
    } else {
        &mut *dw
    };
    sums.par_chunks_mut(REDUCE_CHUNK)
        .enumerate()
        .for_each(|(i, dw)| {
            for partial in &partials {
                for (d, p) in dw.iter_mut().zip(&partial.weight[i * REDUCE_CHUNK..]) {
                    *d += *p;
                }
            }
        });
    if let Some((winograd, _)) = winograd.filter(|_| needed.weight) {
        winograd.filter_gradient(&transformed, g, dw);
    }
    for (channel, db) in db.iter_mut().enumerate() {
        *db = T::from_f64(partials.iter().map(|p| p.bias[channel]).sum());
    }
    out
}

/// A few whole images' share of a backward pass (or the whole batch).
#[derive(Clone, Copy)]
struct Batch<'a, T> {
    dy: &'a [T],
    mask: Option<&'a [T]>,
    x: &'a [T],
    w: &'a [T],
    /// The Winograd algorithm the batch runs by, if any, with the transformed filters when
    /// the input gradient is needed.
    winograd: Option<(Winograd, Option<&'a [T]>)>,
}

/// The gradients of one batch, group by group: the input gradient into `dx` (when given), the
/// weight and bias gradients added to `partial` (when needed).
fn backward_batch<T: WithDType + Scratch>(
    batch: &Batch<T>,
    needed: Needed,
    work: &mut Workspace<T>,
    mut dx: Option<&mut [T]>,
    partial: &mut Partial<T>,
) {
    let g = *work.patches.geometry();
    let (og, rows, cols) = (g.group_outputs(), g.col_rows(), g.out_plane());
    let width = batch.x.len() / g.in_image() * cols;
    for group in 0..g.groups {
        gather_group(batch.dy, batch.mask, &g, group, work.other);
        let grads = &work.other[..og * width];
        if needed.bias {
            for (o, row) in grads.chunks(width).enumerate() {
                partial.bias[group * og + o] += sum(row);
            }
        }
        if let Some((winograd, filters)) = batch.winograd {
            let gradients = GroupGradients {
                grads,
                x: batch.x,
                group,
                dx: dx.as_deref_mut().zip(filters),
                du: needed.weight.then_some(&mut partial.weight[..]),
            };
            winograd.backward_group(gradients, &g, work.parallelism);
            continue;
        }
        if let Some(dx) = dx.as_deref_mut() {
            // col [rows, width] = w_g^T [rows, og] * grads [og, width]
            matmul(
                &mut work.col[..rows * width],
                width,
                Strided::cols(&batch.w[group * og * rows..][..og * rows], rows),
                Strided::rows(grads, width),
                (rows, width, og),
                false,
                work.parallelism,
            );
            for (i, dx) in dx.chunks_mut(g.in_image()).enumerate() {
                work.patches.col2im(&work.col[i * cols..], width, group, dx);
            }
        }
        if needed.weight {
            for (i, x) in batch.x.chunks(g.in_image()).enumerate() {
                work.patches
                    .im2col(x, group, &mut work.col[i * cols..], width);
            }
            // dw_g [og, rows] += grads [og, width] * col^T [width, rows]
            matmul(
                &mut partial.weight[group * og * rows..][..og * rows],
                rows,
                Strided::rows(grads, width),
                Strided::cols(&work.col[..rows * width], width),
                (og, rows, width),
                true,
                work.parallelism,
            );
        }
    }
}

/// Elements per parallel task when the weight gradient partials are summed.
const REDUCE_CHUNK: usize = 1 << 14;

/// The storages of a backward pass, each with its layout.
struct Inputs<'a> {
    dy: (&'a CpuStorage, &'a Layout),
    mask: Option<(&'a CpuStorage, &'a Layout)>,
    x: (&'a CpuStorage, &'a Layout),
    w: (&'a CpuStorage, &'a Layout),
}

/// The contiguous elements of type `T` of `storage`, or an error naming `what`.
fn slice<'a, T: WithDType>(
    (storage, layout): (&'a CpuStorage, &Layout),
    what: &str,
) -> Result<&'a [T]> {
    contiguous(storage.as_slice::<T>()?, layout, what)
}

impl ConvBackward<'_> {
    fn run<T: WithDType + Scratch>(&self, inputs: &Inputs, g: &ConvGeometry) -> Result<CpuStorage> {
        let mask = match inputs.mask {
            Some(mask) => Some(slice::<T>(mask, "the ReLU output")?),
            None => None,
        };
        let winograd = match Winograd::for_geometry(g) {
            None => None,
            Some(winograd) if !self.needed.input => Some((winograd, None)),
            Some(winograd) => match self.winograd_filters {
                Some(filters) => Some((winograd, Some(filters.as_slice::<T>()?))),
                None => candle_core::bail!(
                    "conv2d backward: the forward pass kept no transformed filters"
                ),
            },
        };
        let all = Batch {
            dy: slice(inputs.dy, "the output gradient")?,
            mask,
            x: slice(inputs.x, "the input")?,
            w: slice(inputs.w, "the weight")?,
            winograd,
        };
        Ok(T::to_cpu_storage_owned(backward(
            &all,
            g,
            self.needed,
            self.part_lengths(g),
        )))
    }
}

impl CustomOp3 for ConvBackward<'_> {
    fn name(&self) -> &'static str {
        "im2col-conv2d-backward"
    }

    fn cpu_fwd(
        &self,
        dy: &CpuStorage,
        dy_layout: &Layout,
        x: &CpuStorage,
        x_layout: &Layout,
        w: &CpuStorage,
        w_layout: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let g = ConvGeometry::from_layouts(x_layout, w_layout, self.stride, self.pad, self.groups)?;
        if dims4(dy_layout)? != g.output_dims() {
            candle_core::bail!(
                "conv2d backward: gradient shape {:?} does not match the output {:?}",
                dy_layout.shape(),
                g.output_dims()
            )
        }
        let mask = self.relu_output.as_ref().map(|y| y.storage_and_layout());
        let mask = match &mask {
            None => None,
            Some((_, layout)) if layout.shape() != dy_layout.shape() => candle_core::bail!(
                "conv2d backward: ReLU output shape {:?} does not match the gradient {:?}",
                layout.shape(),
                dy_layout.shape()
            ),
            Some((storage, layout)) => match &**storage {
                Storage::Cpu(cpu) => Some((cpu, *layout)),
                _ => candle_core::bail!("conv2d backward: the ReLU output is not on the CPU"),
            },
        };
        let inputs = Inputs {
            dy: (dy, dy_layout),
            mask,
            x: (x, x_layout),
            w: (w, w_layout),
        };
        let out = match dy.dtype() {
            DType::F32 => self.run::<f32>(&inputs, &g)?,
            DType::F64 => self.run::<f64>(&inputs, &g)?,
            other => candle_core::bail!("conv2d backward: unsupported dtype {other:?}"),
        };
        let len: usize = self.part_lengths(&g).iter().sum();
        Ok((out, Shape::from(len)))
    }
}
