//! The CPU kernel of Caffe's LRN and its backward pass, as candle custom ops.

use candle_core::backend::BackendStorage;
use candle_core::{CpuStorage, CustomOp1, CustomOp2, Layout, Result, Shape, Tensor, WithDType};
use rayon::prelude::*;

use super::lrn::LrnParams;

/// Forward LRN on contiguous `[N, C, H, W]` f32 or f64 storage.
pub(super) struct LrnCpu {
    pub(super) params: LrnParams,
}

/// Backward of [`LrnCpu`]: `(input, grad_output) -> grad_input`.
struct LrnCpuBackward {
    params: LrnParams,
}

fn contiguous<'a, T>(data: &'a [T], layout: &Layout) -> Result<&'a [T]> {
    match layout.contiguous_offsets() {
        Some((start, end)) => Ok(&data[start..end]),
        None => candle_core::bail!("lrn: the input must be contiguous"),
    }
}

/// Sums of `values` over the channel window of every channel, for one image `[C, HW]`: a
/// running sum down the channels, each plane's sum the previous one plus the plane entering
/// the window minus the one leaving it (two passes over a plane, not `size`).
fn window_sums(values: &[f64], channels: usize, plane: usize, size: usize) -> Vec<f64> {
    let half = size / 2;
    let planes = |c: usize| &values[c * plane..(c + 1) * plane];
    let mut sums = vec![0.0; values.len()];
    let (first, rest) = sums.split_at_mut(plane);
    for other in 0..=half.min(channels - 1) {
        for (o, v) in first.iter_mut().zip(planes(other)) {
            *o += v;
        }
    }
    let mut previous: &[f64] = first;
    for (c, out) in (1..channels).zip(rest.chunks_exact_mut(plane)) {
        out.copy_from_slice(previous);
        if c + half < channels {
            for (o, v) in out.iter_mut().zip(planes(c + half)) {
                *o += v;
            }
        }
        if c > half {
            for (o, v) in out.iter_mut().zip(planes(c - half - 1)) {
                *o -= v;
            }
        }
        previous = out;
    }
    sums
}

/// `k + alpha / size * (window sum of x^2)` for one image.
fn scales(x: &[f64], channels: usize, plane: usize, params: &LrnParams) -> Vec<f64> {
    let squares: Vec<f64> = x.iter().map(|v| v * v).collect();
    let mut scale = window_sums(&squares, channels, plane, params.size);
    let a = f64::from(params.alpha) / params.size as f64;
    for s in scale.iter_mut() {
        *s = f64::from(params.k) + a * *s;
    }
    scale
}

/// Replaces every `s` of `values` by `s ^ -beta`: by square roots for Caffe's beta of 0.75
/// (several times faster than `powf`). The test on beta is made once, outside the loops, so
/// that they vectorise.
fn invert_powers(values: &mut [f64], beta: f64) {
    if beta == 0.75 {
        for s in values.iter_mut() {
            *s = 1.0 / (*s * s.sqrt()).sqrt();
        }
    } else {
        for s in values.iter_mut() {
            *s = s.powf(-beta);
        }
    }
}

fn forward<T: WithDType>(src: &[T], dims: (usize, usize, usize), params: &LrnParams) -> Vec<T> {
    let (channels, plane, image) = dims;
    let beta = f64::from(params.beta);
    let mut out = vec![T::zero(); src.len()];
    out.par_chunks_mut(image)
        .zip(src.par_chunks(image))
        .for_each(|(out, x)| {
            let x: Vec<f64> = x.iter().map(|v| v.to_f64()).collect();
            let mut pow = scales(&x, channels, plane, params);
            invert_powers(&mut pow, beta);
            for ((o, v), p) in out.iter_mut().zip(&x).zip(&pow) {
                *o = T::from_f64(v * p);
            }
        });
    out
}

/// `dx = dy * s^-beta - 2 alpha beta / size * x * sum_window(dy * y / s)`.
fn backward<T: WithDType>(
    src: &[T],
    grad: &[T],
    dims: (usize, usize, usize),
    params: &LrnParams,
) -> Vec<T> {
    let (channels, plane, image) = dims;
    let beta = f64::from(params.beta);
    let factor = 2.0 * f64::from(params.alpha) * beta / params.size as f64;
    let mut out = vec![T::zero(); src.len()];
    out.par_chunks_mut(image)
        .zip(src.par_chunks(image))
        .zip(grad.par_chunks(image))
        .for_each(|((out, x), dy)| {
            let x: Vec<f64> = x.iter().map(|v| v.to_f64()).collect();
            let dy: Vec<f64> = dy.iter().map(|v| v.to_f64()).collect();
            let scale = scales(&x, channels, plane, params);
            let mut pow = scale.clone();
            invert_powers(&mut pow, beta);
            let ratio: Vec<f64> = (0..x.len())
                .map(|i| dy[i] * x[i] * pow[i] / scale[i])
                .collect();
            let ratio_sums = window_sums(&ratio, channels, plane, params.size);
            for (i, o) in out.iter_mut().enumerate() {
                *o = T::from_f64(dy[i] * pow[i] - factor * x[i] * ratio_sums[i]);
            }
        });
    out
}

fn geometry(layout: &Layout) -> Result<(usize, usize, usize)> {
    let (_, c, h, w) = layout.shape().dims4()?;
    Ok((c, h * w, c * h * w))
}

impl CustomOp1 for LrnCpu {
    fn name(&self) -> &'static str {
        "caffe-lrn"
    }

    fn cpu_fwd(&self, storage: &CpuStorage, layout: &Layout) -> Result<(CpuStorage, Shape)> {
        let dims = geometry(layout)?;
        let out = match storage {
            CpuStorage::F32(d) => {
                CpuStorage::F32(forward(contiguous(d, layout)?, dims, &self.params))
            }
            CpuStorage::F64(d) => {
                CpuStorage::F64(forward(contiguous(d, layout)?, dims, &self.params))
            }
            other => candle_core::bail!("lrn: unsupported dtype {:?}", other.dtype()),
        };
        Ok((out, layout.shape().clone()))
    }

    fn bwd(&self, arg: &Tensor, _res: &Tensor, grad_res: &Tensor) -> Result<Option<Tensor>> {
        let grad = arg.contiguous()?.apply_op2_no_bwd(
            &grad_res.contiguous()?,
            &LrnCpuBackward {
                params: self.params,
            },
        )?;
        Ok(Some(grad))
    }
}

impl CustomOp2 for LrnCpuBackward {
    fn name(&self) -> &'static str {
        "caffe-lrn-backward"
    }

    fn cpu_fwd(
        &self,
        input: &CpuStorage,
        input_layout: &Layout,
        grad: &CpuStorage,
        grad_layout: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        if input_layout.shape() != grad_layout.shape() {
            candle_core::bail!(
                "lrn backward: gradient shape {:?} does not match the input {:?}",
                grad_layout.shape(),
                input_layout.shape()
            )
        }
        let dims = geometry(input_layout)?;
        let out = match (input, grad) {
            (CpuStorage::F32(x), CpuStorage::F32(dy)) => CpuStorage::F32(backward(
                contiguous(x, input_layout)?,
                contiguous(dy, grad_layout)?,
                dims,
                &self.params,
            )),
            (CpuStorage::F64(x), CpuStorage::F64(dy)) => CpuStorage::F64(backward(
                contiguous(x, input_layout)?,
                contiguous(dy, grad_layout)?,
                dims,
                &self.params,
            )),
            (x, dy) => candle_core::bail!(
                "lrn backward: unsupported dtypes {:?} and {:?}",
                x.dtype(),
                dy.dtype()
            ),
        };
        Ok((out, input_layout.shape().clone()))
    }
}
