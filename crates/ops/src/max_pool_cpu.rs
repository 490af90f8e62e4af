//! The CPU kernel of Caffe's max-pool and its backward pass, as candle custom ops.
//!
//! When the input tracks gradients, the forward pass keeps the index of each window's maximum
//! (in its plane), and the backward pass is a scatter of the output gradient through those
//! indices: nothing is searched twice.

use std::hint::select_unpredictable;
use std::sync::OnceLock;

use candle_core::backend::BackendStorage;
use candle_core::{CpuStorage, CustomOp1, Layout, Result, Shape, Tensor, WithDType};
use rayon::prelude::*;

use super::max_pool::pool_output_size;
use super::scratch::zeros;

/// Forward max-pool on contiguous `[N, C, H, W]` f32 or f64 storage.
pub(super) struct MaxPoolCpu {
    kernel: usize,
    stride: usize,
    /// Whether the forward pass keeps each window's argmax (the input tracks gradients).
    keeps_argmax: bool,
    /// The plane index of each output's maximum, set by the forward pass when kept.
    argmax: OnceLock<Vec<u32>>,
}

impl MaxPoolCpu {
    /// A `kernel` x `kernel` max-pool moved by `stride`; with `keeps_argmax`, ready for a
    /// backward pass.
    pub(super) fn new(kernel: usize, stride: usize, keeps_argmax: bool) -> Self {
        Self {
            kernel,
            stride,
            keeps_argmax,
            argmax: OnceLock::new(),
        }
    }
}

/// Backward of [`MaxPoolCpu`]: `grad_output -> grad_input`, each output's gradient added at
/// its window's argmax.
struct MaxPoolScatter<'a> {
    argmax: &'a [u32],
    input_shape: Shape,
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
        if u32::try_from(h * w).is_err() {
            candle_core::bail!("max_pool: a {h}x{w} plane is too large to index with u32")
        }
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

    /// Pools one plane into `out` (`oh * ow`): the maximum of each window along each row
    /// into `rows` (`h * ow`), then down each column. Branch-free, so it vectorises.
    fn pool_plane<T: Copy + PartialOrd>(&self, plane: &[T], rows: &mut [T], out: &mut [T]) {
        let max = |a: T, b: T| if b > a { b } else { a };
        for (row, pooled) in plane
            .chunks_exact(self.w)
            .zip(rows.chunks_exact_mut(self.ow))
        {
            for (ox, cell) in pooled.iter_mut().enumerate() {
                let window = self.window(row, ox);
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

    /// [`Geometry::pool_plane`] that also writes the plane index of each maximum into
    /// `argmax`, through `rows` / `row_argmax` (`h * ow`). The maximum is the first in
    /// row-major order: the first of its row within the window, in the first row holding it.
    fn pool_plane_argmax<T: Copy + PartialOrd>(
        &self,
        plane: &[T],
        (rows, row_argmax): (&mut [T], &mut [u32]),
        out: &mut [T],
        argmax: &mut [u32],
    ) {
        let ow = self.ow;
        let pooled_rows = rows
            .chunks_exact_mut(ow)
            .zip(row_argmax.chunks_exact_mut(ow));
        for (y, (row, (pooled, at))) in plane.chunks_exact(self.w).zip(pooled_rows).enumerate() {
            for (ox, (cell, at)) in pooled.iter_mut().zip(at).enumerate() {
                let window = self.window(row, ox);
                let (mut best, mut best_x) = (window[0], 0);
                for (x, &v) in window.iter().enumerate().skip(1) {
                    let greater = v > best;
                    best = select_unpredictable(greater, v, best);
                    best_x = select_unpredictable(greater, x, best_x);
                }
                *cell = best;
                *at = (y * self.w + ox * self.stride + best_x) as u32;
            }
        }
        let cells = out.chunks_exact_mut(ow).zip(argmax.chunks_exact_mut(ow));
        for (oy, (pooled, at)) in cells.enumerate() {
            let y0 = oy * self.stride;
            pooled.copy_from_slice(&rows[y0 * ow..(y0 + 1) * ow]);
            at.copy_from_slice(&row_argmax[y0 * ow..(y0 + 1) * ow]);
            for y in y0 + 1..(y0 + self.kernel).min(self.h) {
                let (row, row_at) = (&rows[y * ow..(y + 1) * ow], &row_argmax[y * ow..]);
                for i in 0..ow {
                    let greater = row[i] > pooled[i];
                    pooled[i] = select_unpredictable(greater, row[i], pooled[i]);
                    at[i] = select_unpredictable(greater, row_at[i], at[i]);
                }
            }
        }
    }

    /// The part of `row` under window `ox` (clipped at the edge).
    fn window<'a, T>(&self, row: &'a [T], ox: usize) -> &'a [T] {
        let x0 = ox * self.stride;
        &row[x0..(x0 + self.kernel).min(self.w)]
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

/// Pools `planes` planes of `src`; with `keep_argmax`, also the plane index of each maximum.
fn forward<T: Copy + PartialOrd + Default + Send + Sync>(
    src: &[T],
    planes: usize,
    g: Geometry,
    keep_argmax: bool,
) -> (Vec<T>, Option<Vec<u32>>) {
    let cells = g.oh * g.ow;
    let mut out = zeros(planes * cells);
    let per = planes_per_task(planes);
    let tasks = out
        .par_chunks_mut(per * cells)
        .zip(src.par_chunks(per * g.h * g.w));
    if !keep_argmax {
        tasks.for_each(|(out, src)| {
            let mut rows = vec![T::default(); g.h * g.ow];
            for (out, plane) in out.chunks_mut(cells).zip(src.chunks(g.h * g.w)) {
                g.pool_plane(plane, &mut rows, out);
            }
        });
        return (out, None);
    }
    let mut argmax = zeros(planes * cells);
    tasks
        .zip(argmax.par_chunks_mut(per * cells))
        .for_each(|((out, src), argmax)| {
            let mut rows = vec![T::default(); g.h * g.ow];
            let mut row_argmax = vec![0u32; g.h * g.ow];
            let planes = out
                .chunks_mut(cells)
                .zip(argmax.chunks_mut(cells))
                .zip(src.chunks(g.h * g.w));
            for ((out, argmax), plane) in planes {
                g.pool_plane_argmax(plane, (&mut rows, &mut row_argmax), out, argmax);
            }
        });
    (out, Some(argmax))
}

/// The input gradient, `planes` planes of `plane` elements: each output's gradient in
/// `grad_out` added at its window's `argmax` index (same length, as many per plane).
fn scatter<T: WithDType + Default>(
    grad_out: &[T],
    argmax: &[u32],
    planes: usize,
    plane: usize,
) -> Vec<T> {
    let mut grad_in = zeros(planes * plane);
    let cells = argmax.len() / planes.max(1);
    if cells == 0 {
        return grad_in;
    }
    let per = planes_per_task(planes);
    grad_in
        .par_chunks_mut(per * plane)
        .zip(grad_out.par_chunks(per * cells))
        .zip(argmax.par_chunks(per * cells))
        .for_each(|((grad_in, grad_out), argmax)| {
            let planes = grad_in
                .chunks_mut(plane)
                .zip(grad_out.chunks(cells))
                .zip(argmax.chunks(cells));
            for ((grad_in, grad_out), argmax) in planes {
                for (&g, &at) in grad_out.iter().zip(argmax) {
                    grad_in[at as usize] += g;
                }
            }
        });
    grad_in
}

impl MaxPoolCpu {
    fn run<T: WithDType + Default>(
        &self,
        data: &[T],
        layout: &Layout,
        (planes, g): (usize, Geometry),
    ) -> Result<Vec<T>> {
        let (out, argmax) = forward(contiguous(data, layout)?, planes, g, self.keeps_argmax);
        if let Some(argmax) = argmax {
            if self.argmax.set(argmax).is_err() {
                candle_core::bail!("max_pool: the op was applied twice")
            }
        }
        Ok(out)
    }
}

impl CustomOp1 for MaxPoolCpu {
    fn name(&self) -> &'static str {
        "caffe-max-pool"
    }

    fn cpu_fwd(&self, storage: &CpuStorage, layout: &Layout) -> Result<(CpuStorage, Shape)> {
        let geometry @ (_, g) = Geometry::new(layout, self.kernel, self.stride)?;
        let (n, c, _, _) = layout.shape().dims4()?;
        let shape = Shape::from((n, c, g.oh, g.ow));
        let out = match storage {
            CpuStorage::F32(data) => CpuStorage::F32(self.run(data, layout, geometry)?),
            CpuStorage::F64(data) => CpuStorage::F64(self.run(data, layout, geometry)?),
            other => candle_core::bail!("max_pool: unsupported dtype {:?}", other.dtype()),
        };
        Ok((out, shape))
    }

    fn bwd(&self, arg: &Tensor, _res: &Tensor, grad_res: &Tensor) -> Result<Option<Tensor>> {
        let Some(argmax) = self.argmax.get() else {
            candle_core::bail!(
                "max_pool backward: the forward pass kept no argmax (its input tracked no gradient)"
            )
        };
        let grad = grad_res.contiguous()?.apply_op1_no_bwd(&MaxPoolScatter {
            argmax,
            input_shape: arg.shape().clone(),
        })?;
        Ok(Some(grad))
    }
}

impl MaxPoolScatter<'_> {
    fn run<T: WithDType + Default>(&self, grad: &[T], layout: &Layout) -> Result<Vec<T>> {
        let (n, c, h, w) = self.input_shape.dims4()?;
        if layout.shape().elem_count() != self.argmax.len() {
            candle_core::bail!(
                "max_pool backward: gradient shape {:?} does not match the {} outputs",
                layout.shape(),
                self.argmax.len()
            )
        }
        Ok(scatter(
            contiguous(grad, layout)?,
            self.argmax,
            n * c,
            h * w,
        ))
    }
}

impl CustomOp1 for MaxPoolScatter<'_> {
    fn name(&self) -> &'static str {
        "caffe-max-pool-backward"
    }

    fn cpu_fwd(&self, grad: &CpuStorage, layout: &Layout) -> Result<(CpuStorage, Shape)> {
        let out = match grad {
            CpuStorage::F32(dy) => CpuStorage::F32(self.run(dy, layout)?),
            CpuStorage::F64(dy) => CpuStorage::F64(self.run(dy, layout)?),
            other => candle_core::bail!("max_pool backward: unsupported dtype {:?}", other.dtype()),
        };
        Ok((out, self.input_shape.clone()))
    }
}

#[cfg(test)]
mod tests {
    use candle_core::{Device, Tensor, Var};

    use crate::max_pool;

    /// The input gradient of `sum(max_pool(x))` for one `[1, 1, h, w]` plane.
    fn gradient(values: &[f32], (h, w): (usize, usize)) -> Vec<f32> {
        let x = Var::from_tensor(&Tensor::from_slice(values, (1, 1, h, w), &Device::Cpu).unwrap())
            .unwrap();
        let grads = max_pool(x.as_tensor(), 3, 2)
            .unwrap()
            .sum_all()
            .unwrap()
            .backward()
            .unwrap();
        let grad = grads.get(x.as_tensor()).unwrap();
        grad.flatten_all().unwrap().to_vec1().unwrap()
    }

    #[test]
    fn a_tied_window_sends_its_gradient_to_the_first_maximum_in_row_major_order() {
        // One 3x3 window; the maximum 5 at (0, 2) and (1, 0): (0, 2) comes first.
        let x = [1., 2., 5., 5., 0., 0., 1., 1., 1.];
        assert_eq!(gradient(&x, (3, 3)), [0., 0., 1., 0., 0., 0., 0., 0., 0.]);
        // All equal: the window's first cell.
        assert_eq!(
            gradient(&[7.; 9], (3, 3)),
            [1., 0., 0., 0., 0., 0., 0., 0., 0.]
        );
    }

    #[test]
    fn overlapping_and_clipped_windows_add_up_at_a_shared_maximum() {
        // 4x4 input, output 2x2 (ceil mode): windows rows/cols 0..3 and 2..4. The maximum
        // 9 at (2, 2) lies in all four windows.
        let mut x = [0f32; 16];
        x[2 * 4 + 2] = 9.;
        let mut expected = [0f32; 16];
        expected[2 * 4 + 2] = 4.;
        assert_eq!(gradient(&x, (4, 4)), expected);
    }

    #[test]
    fn the_forward_pass_is_the_same_whether_or_not_the_argmax_is_kept() {
        let x = Tensor::randn(0f32, 1., (2, 3, 9, 8), &Device::Cpu).unwrap();
        let kept = max_pool(Var::from_tensor(&x).unwrap().as_tensor(), 3, 2).unwrap();
        let plain = max_pool(&x, 3, 2).unwrap();
        let (kept, plain): (Vec<f32>, Vec<f32>) = (
            kept.flatten_all().unwrap().to_vec1().unwrap(),
            plain.flatten_all().unwrap().to_vec1().unwrap(),
        );
        assert_eq!(kept, plain);
    }
}
