//! Gradients at a convolution's output on the CPU: through its fused ReLU, and of its bias.

use candle_core::backend::BackendStorage;
use candle_core::{CpuStorage, CustomOp1, CustomOp2, Layout, Result, Shape, WithDType};
use rayon::prelude::*;

use super::conv_geometry::contiguous;

/// The gradient through a ReLU: `(grad_y, y) -> grad_y * (y > 0)`.
pub(super) struct ReluGrad;

/// The bias gradient of a convolution: `grad_y [N, O, H, W] -> [O]`, summed over N, H and W.
pub(super) struct BiasGrad;

fn relu_grad<T: WithDType>(dy: &[T], y: &[T]) -> Vec<T> {
    let mut out = vec![T::zero(); dy.len()];
    let chunk = dy
        .len()
        .div_ceil(rayon::current_num_threads().max(1))
        .max(4096);
    out.par_chunks_mut(chunk)
        .zip(dy.par_chunks(chunk).zip(y.par_chunks(chunk)))
        .for_each(|(out, (dy, y))| {
            // A select rather than a branch: the sign of a ReLU's input is a coin toss, and
            // the branchy loop mispredicted half the time and did not vectorise.
            for ((o, d), v) in out.iter_mut().zip(dy).zip(y) {
                *o = if *v > T::zero() { *d } else { T::zero() };
            }
        });
    out
}

fn bias_grad<T: WithDType>(dy: &[T], (n, o, plane): (usize, usize, usize)) -> Vec<T> {
    (0..o)
        .into_par_iter()
        .map(|channel| {
            let mut sum = 0f64;
            for image in 0..n {
                let start = (image * o + channel) * plane;
                sum += dy[start..start + plane]
                    .iter()
                    .map(|v| v.to_f64())
                    .sum::<f64>();
            }
            T::from_f64(sum)
        })
        .collect()
}

impl CustomOp2 for ReluGrad {
    fn name(&self) -> &'static str {
        "relu-grad"
    }

    fn cpu_fwd(
        &self,
        dy: &CpuStorage,
        dy_layout: &Layout,
        y: &CpuStorage,
        y_layout: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        if dy_layout.shape() != y_layout.shape() {
            candle_core::bail!(
                "relu gradient: gradient shape {:?} does not match the output {:?}",
                dy_layout.shape(),
                y_layout.shape()
            )
        }
        let out = match (dy, y) {
            (CpuStorage::F32(dy), CpuStorage::F32(y)) => CpuStorage::F32(relu_grad(
                contiguous(dy, dy_layout, "the output gradient")?,
                contiguous(y, y_layout, "the output")?,
            )),
            (CpuStorage::F64(dy), CpuStorage::F64(y)) => CpuStorage::F64(relu_grad(
                contiguous(dy, dy_layout, "the output gradient")?,
                contiguous(y, y_layout, "the output")?,
            )),
            (dy, y) => candle_core::bail!(
                "relu gradient: unsupported dtypes {:?}, {:?}",
                dy.dtype(),
                y.dtype()
            ),
        };
        Ok((out, dy_layout.shape().clone()))
    }
}

impl CustomOp1 for BiasGrad {
    fn name(&self) -> &'static str {
        "conv2d-bias-grad"
    }

    fn cpu_fwd(&self, dy: &CpuStorage, layout: &Layout) -> Result<(CpuStorage, Shape)> {
        let (n, o, h, w) = layout.shape().dims4()?;
        let dims = (n, o, h * w);
        let out = match dy {
            CpuStorage::F32(dy) => CpuStorage::F32(bias_grad(
                contiguous(dy, layout, "the output gradient")?,
                dims,
            )),
            CpuStorage::F64(dy) => CpuStorage::F64(bias_grad(
                contiguous(dy, layout, "the output gradient")?,
                dims,
            )),
            other => candle_core::bail!(
                "conv2d bias gradient: unsupported dtype {:?}",
                other.dtype()
            ),
        };
        Ok((out, Shape::from(o)))
    }
}
