//! The CPU kernels of grouped convolution as candle custom ops: forward by im2col + gemm, the
//! input gradient by gemm + col2im, the weight gradient by gemm, batch-parallel with rayon.

use candle_core::backend::BackendStorage;
use candle_core::{
    CpuStorage, CustomOp2, CustomOp3, DType, Layout, Result, Shape, Tensor, WithDType,
};
use gemm::Parallelism;
use rayon::prelude::*;

use super::conv_geometry::{contiguous, ConvGeometry, Patches};
use super::conv_output_grad::{BiasGrad, ReluGrad};
use super::scratch::Scratch;

/// Forward convolution `(x, w, b) -> y` on contiguous f32 or f64 storage, followed by a ReLU
/// when `relu` is set.
pub(super) struct ConvCpu {
    pub(super) stride: usize,
    pub(super) pad: usize,
    pub(super) groups: usize,
    pub(super) relu: bool,
}

/// Input gradient `(grad_y, w) -> grad_x` of [`ConvCpu`] for an input of side `h` x `w`.
struct ConvInputGrad {
    stride: usize,
    pad: usize,
    groups: usize,
    h: usize,
    w: usize,
}

/// Weight gradient `(x, grad_y) -> grad_w` of [`ConvCpu`] for a kernel of side `k`.
struct ConvWeightGrad {
    stride: usize,
    pad: usize,
    groups: usize,
    k: usize,
}

/// A row-major-or-strided view of a matrix for [`matmul`]: data, row stride, column stride.
struct Strided<'a, T> {
    data: &'a [T],
    rs: usize,
    cs: usize,
}

impl<'a, T> Strided<'a, T> {
    fn rows(data: &'a [T], rs: usize) -> Self {
        Self { data, rs, cs: 1 }
    }

    fn cols(data: &'a [T], cs: usize) -> Self {
        Self { data, rs: 1, cs }
    }

    fn check(&self, rows: usize, cols: usize) {
        let last = (rows - 1) * self.rs + (cols - 1) * self.cs;
        assert!(last < self.data.len(), "conv2d: matrix view out of bounds");
    }
}

/// `dst [m, n] (row-major, row stride dst_rs) (+)= lhs [m, k] * rhs [k, n]`.
fn matmul<T: WithDType>(
    dst: &mut [T],
    dst_rs: usize,
    lhs: Strided<T>,
    rhs: Strided<T>,
    (m, n, k): (usize, usize, usize),
    accumulate: bool,
    parallelism: Parallelism,
) {
    if m == 0 || n == 0 || k == 0 {
        return;
    }
    assert!(
        (m - 1) * dst_rs + n <= dst.len(),
        "conv2d: output view out of bounds"
    );
    lhs.check(m, k);
    rhs.check(k, n);
    // SAFETY: the three views were checked to lie inside their slices, `dst` is borrowed
    // mutably and does not alias the shared `lhs` and `rhs`; T is f32 or f64 (checked by the
    // callers' dtype match), which gemm supports.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            dst.as_mut_ptr(),
            1,
            dst_rs as isize,
            accumulate,
            lhs.data.as_ptr(),
            lhs.cs as isize,
            lhs.rs as isize,
            rhs.data.as_ptr(),
            rhs.cs as isize,
            rhs.rs as isize,
            T::one(),
            T::one(),
            false,
            false,
            false,
            parallelism,
        )
    }
}

/// Images per parallel chunk and the gemm parallelism. The batch is cut into a few chunks per
/// thread so that work stealing evens out threads slowed by other processes.
fn split(n: usize) -> (usize, Parallelism) {
    let threads = rayon::current_num_threads().max(1);
    let parts = n.clamp(1, CHUNKS_PER_THREAD * threads);
    let parallelism = if parts == 1 && threads > 1 {
        Parallelism::Rayon(threads)
    } else {
        Parallelism::None
    };
    (n.div_ceil(parts).max(1), parallelism)
}

/// Parallel chunks of the batch per rayon thread (see [`split`]).
const CHUNKS_PER_THREAD: usize = 4;

/// Most elements of one thread's column buffer: images are batched into one gemm (wider
/// matrices run faster) until their columns reach this size, 512 KiB of f32, so that the
/// columns im2col writes are still in a 1 MiB L2 cache when gemm reads them (a step of
/// `alexnet-32` ran about 10% faster than with 16 MiB buffers).
const COLUMN_BUDGET: usize = 1 << 17;

/// Images per gemm for this geometry: as many as fit [`COLUMN_BUDGET`], at most `per`.
fn batch_size(g: &ConvGeometry, per: usize) -> usize {
    (COLUMN_BUDGET / (g.col_rows() * g.out_plane()).max(1)).clamp(1, per.max(1))
}

/// Copies group `group` of each image's output gradient in `dy` (`[b, o, oh * ow]`) into
/// `out` `[o / groups, b * oh * ow]`, the images side by side.
fn gather_group<T: WithDType>(dy: &[T], g: &ConvGeometry, group: usize, out: &mut [T]) {
    let (og, cols) = (g.group_outputs(), g.out_plane());
    let images = dy.len() / g.out_image();
    let width = images * cols;
    for (i, dy) in dy.chunks(g.out_image()).enumerate() {
        for o in 0..og {
            let src = &dy[(group * og + o) * cols..][..cols];
            out[o * width + i * cols..][..cols].copy_from_slice(src);
        }
    }
}

fn forward<T: WithDType + Scratch>(
    x: &[T],
    w: &[T],
    b: &[T],
    g: &ConvGeometry,
    relu: bool,
) -> Vec<T> {
    let (og, rows, cols) = (g.group_outputs(), g.col_rows(), g.out_plane());
    let mut y = vec![T::zero(); g.n * g.out_image()];
    let (per, parallelism) = split(g.n);
    let batch = batch_size(g, per);
    y.par_chunks_mut(per * g.out_image())
        .zip(x.par_chunks(per * g.in_image()))
        .for_each(|(y, x)| {
            let mut patches = Patches::new(g);
            T::with_scratch((rows + og) * cols * batch, |scratch| {
                let (col, out) = scratch.split_at_mut(rows * cols * batch);
                for (y, x) in y
                    .chunks_mut(batch * g.out_image())
                    .zip(x.chunks(batch * g.in_image()))
                {
                    let images = x.len() / g.in_image();
                    let width = images * cols;
                    for group in 0..g.groups {
                        for (i, x) in x.chunks(g.in_image()).enumerate() {
                            patches.im2col(x, group, &mut col[i * cols..], width);
                        }
                        // out [og, width] = w_g [og, rows] * col [rows, width]
                        matmul(
                            &mut out[..og * width],
                            width,
                            Strided::rows(&w[group * og * rows..(group + 1) * og * rows], rows),
                            Strided::rows(&col[..rows * width], width),
                            (og, width, rows),
                            false,
                            parallelism,
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
            })
        });
    y
}

fn input_grad<T: WithDType + Scratch>(dy: &[T], w: &[T], g: &ConvGeometry) -> Vec<T> {
    let (og, rows, cols) = (g.group_outputs(), g.col_rows(), g.out_plane());
    let mut dx = vec![T::zero(); g.n * g.in_image()];
    let (per, parallelism) = split(g.n);
    let batch = batch_size(g, per);
    dx.par_chunks_mut(per * g.in_image())
        .zip(dy.par_chunks(per * g.out_image()))
        .for_each(|(dx, dy)| {
            let mut patches = Patches::new(g);
            T::with_scratch((rows + og) * cols * batch, |scratch| {
                let (col, grads) = scratch.split_at_mut(rows * cols * batch);
                for (dx, dy) in dx
                    .chunks_mut(batch * g.in_image())
                    .zip(dy.chunks(batch * g.out_image()))
                {
                    let width = dy.len() / g.out_image() * cols;
                    for group in 0..g.groups {
                        gather_group(dy, g, group, grads);
                        // col [rows, width] = w_g^T [rows, og] * grads [og, width]
                        matmul(
                            &mut col[..rows * width],
                            width,
                            Strided::cols(&w[group * og * rows..(group + 1) * og * rows], rows),
                            Strided::rows(&grads[..og * width], width),
                            (rows, width, og),
                            false,
                            parallelism,
                        );
                        for (i, dx) in dx.chunks_mut(g.in_image()).enumerate() {
                            patches.col2im(&col[i * cols..], width, group, dx);
                        }
                    }
                }
            })
        });
    dx
}

fn weight_grad<T: WithDType + Scratch>(x: &[T], dy: &[T], g: &ConvGeometry) -> Vec<T> {
    let (og, rows, cols) = (g.group_outputs(), g.col_rows(), g.out_plane());
    let size = g.o * rows;
    let (per, parallelism) = split(g.n);
    let batch = batch_size(g, per);
    let partials: Vec<Vec<T>> = x
        .par_chunks(per * g.in_image())
        .zip(dy.par_chunks(per * g.out_image()))
        .map(|(x, dy)| {
            let mut dw = vec![T::zero(); size];
            let mut patches = Patches::new(g);
            T::with_scratch((rows + og) * cols * batch, |scratch| {
                let (col, grads) = scratch.split_at_mut(rows * cols * batch);
                for (x, dy) in x
                    .chunks(batch * g.in_image())
                    .zip(dy.chunks(batch * g.out_image()))
                {
                    let width = dy.len() / g.out_image() * cols;
                    for group in 0..g.groups {
                        for (i, x) in x.chunks(g.in_image()).enumerate() {
                            patches.im2col(x, group, &mut col[i * cols..], width);
                        }
                        gather_group(dy, g, group, grads);
                        // dw_g [og, rows] += grads [og, width] * col^T [width, rows]
                        matmul(
                            &mut dw[group * og * rows..(group + 1) * og * rows],
                            rows,
                            Strided::rows(&grads[..og * width], width),
                            Strided::cols(&col[..rows * width], width),
                            (og, rows, width),
                            true,
                            parallelism,
                        );
                    }
                }
            });
            dw
        })
        .collect();
    let mut partials = partials.into_iter();
    let mut dw = partials.next().unwrap_or_else(|| vec![T::zero(); size]);
    for part in partials {
        for (d, p) in dw.iter_mut().zip(&part) {
            *d += *p;
        }
    }
    dw
}

fn dims4(layout: &Layout) -> Result<[usize; 4]> {
    let (a, b, c, d) = layout.shape().dims4()?;
    Ok([a, b, c, d])
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
        let g = ConvGeometry::new(
            dims4(x_layout)?,
            dims4(w_layout)?,
            self.stride,
            self.pad,
            self.groups,
        )?;
        if b_layout.shape().dims() != [g.o] {
            candle_core::bail!(
                "conv2d: bias shape {:?} does not match {} output channels",
                b_layout.shape(),
                g.o
            )
        }
        let out = match (x, w, b) {
            (CpuStorage::F32(x), CpuStorage::F32(w), CpuStorage::F32(b)) => {
                CpuStorage::F32(forward(
                    contiguous(x, x_layout, "the input")?,
                    contiguous(w, w_layout, "the weight")?,
                    contiguous(b, b_layout, "the bias")?,
                    &g,
                    self.relu,
                ))
            }
            (CpuStorage::F64(x), CpuStorage::F64(w), CpuStorage::F64(b)) => {
                CpuStorage::F64(forward(
                    contiguous(x, x_layout, "the input")?,
                    contiguous(w, w_layout, "the weight")?,
                    contiguous(b, b_layout, "the bias")?,
                    &g,
                    self.relu,
                ))
            }
            (x, w, b) => candle_core::bail!(
                "conv2d: unsupported dtypes {:?}, {:?}, {:?}",
                x.dtype(),
                w.dtype(),
                b.dtype()
            ),
        };
        Ok((out, Shape::from((g.n, g.o, g.oh, g.ow))))
    }

    fn bwd(
        &self,
        x: &Tensor,
        w: &Tensor,
        b: &Tensor,
        res: &Tensor,
        grad: &Tensor,
    ) -> Result<(Option<Tensor>, Option<Tensor>, Option<Tensor>)> {
        let grad = if self.relu {
            grad.contiguous()?
                .apply_op2_no_bwd(&res.contiguous()?, &ReluGrad)?
        } else {
            grad.contiguous()?
        };
        let (_, _, h, width) = x.dims4()?;
        let dx = if x.track_op() {
            let op = ConvInputGrad {
                stride: self.stride,
                pad: self.pad,
                groups: self.groups,
                h,
                w: width,
            };
            Some(grad.apply_op2_no_bwd(&w.contiguous()?, &op)?)
        } else {
            None
        };
        let dw = if w.track_op() {
            let op = ConvWeightGrad {
                stride: self.stride,
                pad: self.pad,
                groups: self.groups,
                k: w.dim(2)?,
            };
            Some(x.contiguous()?.apply_op2_no_bwd(&grad, &op)?)
        } else {
            None
        };
        let db = if b.track_op() {
            Some(grad.apply_op1_no_bwd(&BiasGrad)?)
        } else {
            None
        };
        Ok((dx, dw, db))
    }
}

impl CustomOp2 for ConvInputGrad {
    fn name(&self) -> &'static str {
        "im2col-conv2d-input-grad"
    }

    fn cpu_fwd(
        &self,
        dy: &CpuStorage,
        dy_layout: &Layout,
        w: &CpuStorage,
        w_layout: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let [n, o, oh, ow] = dims4(dy_layout)?;
        let weight = dims4(w_layout)?;
        let c = weight[1] * self.groups;
        let g = ConvGeometry::new(
            [n, c, self.h, self.w],
            weight,
            self.stride,
            self.pad,
            self.groups,
        )?;
        if [o, oh, ow] != [g.o, g.oh, g.ow] {
            candle_core::bail!(
                "conv2d input gradient: gradient shape {:?} does not match the output",
                dy_layout.shape()
            )
        }
        let out = match (dy, w) {
            (CpuStorage::F32(dy), CpuStorage::F32(w)) => CpuStorage::F32(input_grad(
                contiguous(dy, dy_layout, "the output gradient")?,
                contiguous(w, w_layout, "the weight")?,
                &g,
            )),
            (CpuStorage::F64(dy), CpuStorage::F64(w)) => CpuStorage::F64(input_grad(
                contiguous(dy, dy_layout, "the output gradient")?,
                contiguous(w, w_layout, "the weight")?,
                &g,
            )),
            (dy, w) => candle_core::bail!(
                "conv2d input gradient: unsupported dtypes {:?}, {:?}",
                dy.dtype(),
                w.dtype()
            ),
        };
        Ok((out, Shape::from((g.n, g.c, g.h, g.w))))
    }
}

impl CustomOp2 for ConvWeightGrad {
    fn name(&self) -> &'static str {
        "im2col-conv2d-weight-grad"
    }

    fn cpu_fwd(
        &self,
        x: &CpuStorage,
        x_layout: &Layout,
        dy: &CpuStorage,
        dy_layout: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let input = dims4(x_layout)?;
        let [_, o, oh, ow] = dims4(dy_layout)?;
        let weight = [o, input[1] / self.groups.max(1), self.k, self.k];
        let g = ConvGeometry::new(input, weight, self.stride, self.pad, self.groups)?;
        if dy_layout.shape().dims() != [g.n, g.o, g.oh, g.ow] || [oh, ow] != [g.oh, g.ow] {
            candle_core::bail!(
                "conv2d weight gradient: gradient shape {:?} does not match the output",
                dy_layout.shape()
            )
        }
        let out = match (x, dy) {
            (CpuStorage::F32(x), CpuStorage::F32(dy)) => CpuStorage::F32(weight_grad(
                contiguous(x, x_layout, "the input")?,
                contiguous(dy, dy_layout, "the output gradient")?,
                &g,
            )),
            (CpuStorage::F64(x), CpuStorage::F64(dy)) => CpuStorage::F64(weight_grad(
                contiguous(x, x_layout, "the input")?,
                contiguous(dy, dy_layout, "the output gradient")?,
                &g,
            )),
            (x, dy) => candle_core::bail!(
                "conv2d weight gradient: unsupported dtypes {:?}, {:?}",
                x.dtype(),
                dy.dtype()
            ),
        };
        Ok((out, Shape::from(weight.to_vec())))
    }
}

/// Whether [`ConvCpu`] handles tensors of this dtype.
pub(super) fn supported(dtype: DType) -> bool {
    matches!(dtype, DType::F32 | DType::F64)
}
