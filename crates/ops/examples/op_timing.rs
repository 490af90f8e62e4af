//! Times each op of an AlexNet preset on the CPU, forward and backward separately, and prints
//! one JSON line per measurement: every conv (with its fused ReLU) forward, its input gradient
//! and its weight and bias gradients; every max-pool and LRN forward and backward.
//!
//! A backward time is that of `loss.backward()` on a graph built once, where `loss` is the dot
//! product of the op's output with a fixed random tensor: the op's backward pass plus what
//! candle's autograd adds around it (as in a training step), without the forward.
//! `benches/ops_pytorch.py` times the same ops in PyTorch (`benches/ops_vs_pytorch.sh`).
//!
//! `cargo run --release -p convnet-ops --example op_timing -- --batch 128`
//! Options: `--preset NAME` (alexnet-32), `--batch N` (128), `--samples N` (30, the median is
//! printed), `--spec-out FILE` (write the architecture JSON and exit).

use std::time::Instant;

use candle_core::{Device, Tensor, Var};
use convnet_alexnet::ArchSpec;
use convnet_ops::{conv2d_relu, lrn, max_pool, LrnParams};

type Error = Box<dyn std::error::Error>;

/// An op of the net on a list of input tensors.
type Op<'a> = dyn Fn(&[Tensor]) -> candle_core::Result<Tensor> + 'a;

/// The median time in milliseconds of `samples` calls of `f`, after two warm-up calls.
fn median_ms(samples: usize, mut f: impl FnMut() -> Result<(), Error>) -> Result<f64, Error> {
    f()?;
    f()?;
    let mut times = Vec::with_capacity(samples);
    for _ in 0..samples.max(1) {
        let start = Instant::now();
        f()?;
        times.push(start.elapsed().as_secs_f64() * 1e3);
    }
    times.sort_by(f64::total_cmp);
    Ok(times[times.len() / 2])
}

/// The scalar `sum(y * upstream)` as a matrix product, whose backward hands `upstream` to
/// `y`'s op as a contiguous gradient at the cost of one small gemm.
fn dot(y: &Tensor, upstream: &Tensor) -> candle_core::Result<Tensor> {
    y.flatten_all()?
        .unsqueeze(0)?
        .matmul(&upstream.flatten_all()?.unsqueeze(1)?)
}

/// Prints the forward time of `op` on `inputs`, and the backward time of each named subset of
/// the inputs tracked alone.
fn measure(
    name: &str,
    inputs: &[Tensor],
    op: &Op<'_>,
    backward: &[(&str, &[usize])],
    samples: usize,
) -> Result<(), Error> {
    let report = |pass: &str, ms: f64| {
        println!("{{\"framework\": \"candle\", \"op\": \"{name}\", \"pass\": \"{pass}\", \"ms\": {ms:.3}}}");
    };
    report("forward", median_ms(samples, || Ok(op(inputs).map(drop)?))?);
    for (pass, tracked) in backward {
        let inputs: Vec<Tensor> = inputs
            .iter()
            .enumerate()
            .map(|(i, t)| -> candle_core::Result<Tensor> {
                Ok(if tracked.contains(&i) {
                    Var::from_tensor(t)?.as_tensor().clone()
                } else {
                    t.clone()
                })
            })
            .collect::<candle_core::Result<_>>()?;
        let y = op(&inputs)?;
        let upstream = Tensor::randn(0f32, 1.0, y.dims(), y.device())?;
        let loss = dot(&y, &upstream)?;
        report(pass, median_ms(samples, || Ok(loss.backward().map(drop)?))?);
    }
    Ok(())
}

fn main() -> Result<(), Error> {
    convnet_ops::prepare_cpu_process();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (mut preset, mut batch, mut samples, mut spec_out) =
        ("alexnet-32".to_string(), 128, 30, None);
    for pair in args.chunks(2) {
        let value = pair
            .get(1)
            .ok_or_else(|| format!("option {} needs a value", pair[0]))?;
        match pair[0].as_str() {
            "--preset" => preset = value.clone(),
            "--batch" => batch = value.parse()?,
            "--samples" => samples = value.parse()?,
            "--spec-out" => spec_out = Some(value.clone()),
            other => return Err(format!("unknown option {other}").into()),
        }
    }
    let spec = ArchSpec::preset(&preset, 100)?;
    if let Some(path) = spec_out {
        std::fs::write(path, serde_json::to_string_pretty(&spec)?)?;
        return Ok(());
    }
    let device = Device::Cpu;
    let random = |dims: &[usize], std: f64| Tensor::randn(0f32, std as f32, dims, &device);
    let lrn_params = LrnParams::from(spec.lrn);
    let (mut channels, mut size) = (spec.input_channels, spec.input_size);
    for (k, conv) in spec.conv.iter().enumerate() {
        let layer = k + 1;
        let fan_in = channels / conv.groups * conv.kernel * conv.kernel;
        let inputs = [
            random(&[batch, channels, size, size], 1.0)?,
            random(
                &[
                    conv.out_channels,
                    channels / conv.groups,
                    conv.kernel,
                    conv.kernel,
                ],
                (2.0 / fan_in as f64).sqrt(),
            )?,
            random(&[conv.out_channels], 0.1)?,
        ];
        let op =
            |t: &[Tensor]| conv2d_relu(&t[0], &t[1], &t[2], conv.stride, conv.pad, conv.groups);
        // A training step never needs the image batch's gradient.
        let input_grad: &[(&str, &[usize])] = &[("input_grad", &[0])];
        let backward = [
            if layer > 1 { input_grad } else { &[] },
            &[("weight_grad", &[1, 2])],
        ]
        .concat();
        measure(&format!("conv{layer}"), &inputs, &op, &backward, samples)?;
        let mut x = op(&inputs)?;
        // The pool and LRN that follow the conv, each timed on its own input.
        let pool = |t: &[Tensor]| max_pool(&t[0], spec.pool.kernel, spec.pool.stride);
        let norm = |t: &[Tensor]| lrn(&t[0], &lrn_params);
        let stages: [(bool, &str, &Op<'_>); 2] =
            [(conv.pool, "pool", &pool), (conv.lrn, "lrn", &norm)];
        for (present, kind, op) in stages {
            if present {
                let inputs = [x];
                let name = format!("{kind}{layer}");
                measure(&name, &inputs, op, &[("backward", &[0])], samples)?;
                x = op(&inputs)?;
            }
        }
        (channels, size) = (x.dim(1)?, x.dim(2)?);
    }
    Ok(())
}
