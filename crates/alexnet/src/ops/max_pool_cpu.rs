//! The CPU kernel of Caffe's max-pool and its backward pass, as candle custom ops.

use candle_core::backend::BackendStorage;
use candle_core::{CpuStorage, CustomOp1, CustomOp2, Layout, Result, Shape, Tensor};
use rayon::prelude::*;

use super::scratch::zeros;
use crate::spec::pool_output_size;

/// Forward max-pool on contiguous `[N, C, H, W]` f32 or f64 storage.
pub(super) struct MaxPoolCpu {
    pub(super) kernel: usize,
    pub(super) stride: usize,
}

/// Backward of [`MaxPoolCpu`]: `(input, grad_output) -> grad_input`.
struct MaxPoolCpuBackward {
    kernel: usize,
    stride: usize,
}

/// Geometry of one pooling call.
#[derive(Clone, Copy)]
struct Geometry {
    h: usize,
    w: usize,
    oh: usize,
    ow: usize,
    kernel: usize,
    stride: usize,
}

impl Geometry {
    fn new(layout: &Layout, kernel: usize, stride: usize) -> Result<(usize, Self)> {
        let (n, c, h, w) = layout.shape().dims4()?;
        let (Some(oh), Some(ow)) = (
            pool_output_size(h, kernel, stride),
            pool_output_size(w, kernel, stride),
        ) else {
            candle_core::bail!(
                "max_pool: window {kernel} stride {stride} does not fit a {h}x{w} input"
            )
        };
        Ok((
            n * c,
            Self {
                h,
                w,
                oh,
                ow,
                kernel,
                stride,
            },
        ))
    }

    /// Index (in the plane) of the first maximum of output cell `(oy, ox)`.
    fn argmax<T: Copy + PartialOrd>(&self, plane: &[T], oy: usize, ox: usize) -> usize {
        let y0 = oy * self.stride;
        let x0 = ox * self.stride;
        let y1 = (y0 + self.kernel).min(self.h);
        let x1 = (x0 + self.kernel).min(self.w);
        let mut best = y0 * self.w + x0;
        let mut best_value = plane[best];
        for y in y0..y1 {
            let start = y * self.w + x0;
            for (i, &value) in (start..).zip(&plane[start..y * self.w + x1]) {
                if value > best_value {
                    best = i;
                    best_value = value;
                }
            }
        }
        best
    }

    /// Pools one plane into `out` (`oh * ow`): the maximum of each window along each row
    /// into `rows` (`h * ow`), then down each column. Branch-free, so it vectorises; the
    /// value is the one [`Geometry::argmax`] points at.
    fn pool_plane<T: Copy + PartialOrd>(&self, plane: &[T], rows: &mut [T], out: &mut [T]) {
        let max = |a: T, b: T| if b > a { b } else { a };
        for (row, pooled) in plane
            .chunks_exact(self.w)
            .zip(rows.chunks_exact_mut(self.ow))
        {
            for (ox, cell) in pooled.iter_mut().enumerate() {
                let x0 = ox * self.stride;
                let window = &row[x0..(x0 + self.kernel).min(self.w)];
                *cell = window[1..].iter().fold(window[0], |m, &v| max(m, v));
            }
        }
        for (oy, pooled) in out.chunks_exact_mut(self.ow).enumerate() {
            let y0 = oy * self.stride;
            pooled.copy_from_slice(&rows[y0 * self.ow..(y0 + 1) * self.ow]);
            for y in y0 + 1..(y0 + self.kernel).min(self.h) {
                for (cell, &v) in pooled.iter_mut().zip(&rows[y * self.ow..(y + 1) * self.ow]) {
                    *cell = max(*cell, v);
                }
            }
        }
    }
}

fn contiguous<'a, T>(data: &'a [T], layout: &Layout) -> Result<&'a [T]> {
    match layout.contiguous_offsets() {
        Some((start, end)) => Ok(&data[start..end]),
        None => candle_core::bail!("max_pool: the input must be contiguous"),
    }
}

/// Planes per parallel task: a few tasks per thread, not one per (often tiny) plane.
fn planes_per_task(planes: usize) -> usize {
    planes
        .div_ceil(8 * rayon::current_num_threads().max(1))
        .max(1)
}

fn forward<T: Copy + PartialOrd + Default + Send + Sync>(
    src: &[T],
    planes: usize,
    g: Geometry,
) -> Vec<T> {
    let mut out = zeros(planes * g.oh * g.ow);
    let per = planes_per_task(planes);
    out.par_chunks_mut(per * g.oh * g.ow)
        .zip(src.par_chunks(per * g.h * g.w))
        .for_each(|(out, src)| {
            let mut rows = vec![T::default(); g.h * g.ow];
            for (out, plane) in out.chunks_mut(g.oh * g.ow).zip(src.chunks(g.h * g.w)) {
                g.pool_plane(plane, &mut rows, out);
            }
        });
    out
}

fn backward<T: Copy + PartialOrd + Default + std::ops::AddAssign + Send + Sync>(
    src: &[T],
    grad_out: &[T],
    planes: usize,
    g: Geometry,
) -> Vec<T> {
    let mut grad_in = zeros(planes * g.h * g.w);
    let per = planes_per_task(planes);
    grad_in
        .par_chunks_mut(per * g.h * g.w)
        .zip(src.par_chunks(per * g.h * g.w))
        .zip(grad_out.par_chunks(per * g.oh * g.ow))
        .for_each(|((grad_in, src), grad_out)| {
            let planes = grad_in
                .chunks_mut(g.h * g.w)
                .zip(src.chunks(g.h * g.w))
                .zip(grad_out.chunks(g.oh * g.ow));
            for ((grad_in, plane), grad_out) in planes {
                for oy in 0..g.oh {
                    for ox in 0..g.ow {
                        grad_in[g.argmax(plane, oy, ox)] += grad_out[oy * g.ow + ox];
                    }
                }
            }
        });
    grad_in
}

impl CustomOp1 for MaxPoolCpu {
    fn name(&self) -> &'static str {
        "caffe-max-pool"
    }

    fn cpu_fwd(&self, storage: &CpuStorage, layout: &Layout) -> Result<(CpuStorage, Shape)> {
        let (planes, g) = Geometry::new(layout, self.kernel, self.stride)?;
        let (n, c, _, _) = layout.shape().dims4()?;
        let shape = Shape::from((n, c, g.oh, g.ow));
        let out = match storage {
            CpuStorage::F32(data) => CpuStorage::F32(forward(contiguous(data, layout)?, planes, g)),
            CpuStorage::F64(data) => CpuStorage::F64(forward(contiguous(data, layout)?, planes, g)),
            other => candle_core::bail!("max_pool: unsupported dtype {:?}", other.dtype()),
        };
        Ok((out, shape))
    }

    fn bwd(&self, arg: &Tensor, _res: &Tensor, grad_res: &Tensor) -> Result<Option<Tensor>> {
        let grad = arg.contiguous()?.apply_op2_no_bwd(
            &grad_res.contiguous()?,
            &MaxPoolCpuBackward {
                kernel: self.kernel,
                stride: self.stride,
            },
        )?;
        Ok(Some(grad))
    }
}

impl CustomOp2 for MaxPoolCpuBackward {
    fn name(&self) -> &'static str {
        "caffe-max-pool-backward"
    }

    fn cpu_fwd(
        &self,
        input: &CpuStorage,
        input_layout: &Layout,
        grad: &CpuStorage,
        grad_layout: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let (planes, g) = Geometry::new(input_layout, self.kernel, self.stride)?;
        if grad_layout.shape().elem_count() != planes * g.oh * g.ow {
            candle_core::bail!(
                "max_pool backward: gradient shape {:?} does not match the output",
                grad_layout.shape()
            )
        }
        let out = match (input, grad) {
            (CpuStorage::F32(x), CpuStorage::F32(dy)) => CpuStorage::F32(backward(
                contiguous(x, input_layout)?,
                contiguous(dy, grad_layout)?,
                planes,
                g,
            )),
            (CpuStorage::F64(x), CpuStorage::F64(dy)) => CpuStorage::F64(backward(
                contiguous(x, input_layout)?,
                contiguous(dy, grad_layout)?,
                planes,
                g,
            )),
            (x, dy) => candle_core::bail!(
                "max_pool backward: unsupported dtypes {:?} and {:?}",
                x.dtype(),
                dy.dtype()
            ),
        };
        Ok((out, input_layout.shape().clone()))
    }
}
