//! Per-op CPU timings at batch 128 on the `alexnet-32` shapes: conv1..conv5 (with the fused
//! ReLU) forward, input gradient and weight + bias gradients, max-pool 1 and LRN 1 forward
//! and backward. A backward benchmark runs `loss.backward()` on a graph built once, `loss`
//! being the dot product of the op's output with a fixed tensor: the op's backward pass and
//! candle's gradient bookkeeping, not the forward. `examples/op_timing.rs` times every op of
//! a preset, and `benches/ops_vs_pytorch.sh` sets them beside PyTorch's.
//!
//! `RAYON_NUM_THREADS=2 cargo bench -p convnet-ops --bench ops`

use candle_core::{Device, Tensor, Var};
use convnet_alexnet::ArchSpec;
use convnet_ops::{conv2d_relu, lrn, max_pool, LrnParams};
use criterion::{criterion_group, criterion_main, BenchmarkGroup, Criterion};

const BATCH: usize = 128;

fn random(shape: &[usize]) -> Tensor {
    Tensor::randn(0f32, 1.0, shape, &Device::Cpu).expect("random tensor")
}

/// The input as a variable (tracked) or a plain tensor.
fn tracked(t: &Tensor, on: bool) -> Tensor {
    if on {
        Var::from_tensor(t).expect("var").as_tensor().clone()
    } else {
        t.clone()
    }
}

/// Benchmarks the backward pass of `y` alone: `loss = y . upstream` as a matrix product.
fn bench_backward(
    group: &mut BenchmarkGroup<criterion::measurement::WallTime>,
    name: &str,
    y: &Tensor,
) {
    let upstream = random(y.dims());
    let loss = y
        .flatten_all()
        .and_then(|y| y.unsqueeze(0))
        .and_then(|y| y.matmul(&upstream.flatten_all()?.unsqueeze(1)?))
        .expect("loss");
    group.bench_function(name, |bench| {
        bench.iter(|| loss.backward().expect("backward"))
    });
}

fn conv_benches(c: &mut Criterion) {
    convnet_ops::prepare_cpu_process();
    let spec = ArchSpec::preset("alexnet-32", 100).expect("preset");
    let inputs = spec.spatial_sizes();
    let mut channels = spec.input_channels;
    let mut group = c.benchmark_group("conv");
    group.sample_size(10);
    for (k, conv) in spec.conv.iter().enumerate() {
        let size = if k == 0 {
            spec.input_size
        } else {
            inputs[k - 1]
        };
        let x = random(&[BATCH, channels, size, size]);
        let w = (random(&[
            conv.out_channels,
            channels / conv.groups,
            conv.kernel,
            conv.kernel,
        ]) * 0.05)
            .expect("weight");
        let b = random(&[conv.out_channels]);
        let run = |x: &Tensor, w: &Tensor, b: &Tensor| {
            conv2d_relu(x, w, b, conv.stride, conv.pad, conv.groups).expect("conv2d")
        };
        let name = format!("conv{}", k + 1);
        group.bench_function(format!("{name}/forward"), |bench| {
            bench.iter(|| run(&x, &w, &b))
        });
        let y = run(&tracked(&x, true), &w, &b);
        bench_backward(&mut group, &format!("{name}/input_grad"), &y);
        let y = run(&x, &tracked(&w, true), &tracked(&b, true));
        bench_backward(&mut group, &format!("{name}/weight_grad"), &y);
        channels = conv.out_channels;
    }
    group.finish();
}

fn pool_lrn_benches(c: &mut Criterion) {
    let spec = ArchSpec::preset("alexnet-32", 100).expect("preset");
    let mut group = c.benchmark_group("pool_lrn");
    group.sample_size(10);
    // The output of conv1 (48 x 16 x 16) and, pooled, the input of LRN 1.
    let x = random(&[BATCH, 48, 16, 16]);
    let (kernel, stride) = (spec.pool.kernel, spec.pool.stride);
    group.bench_function("pool1/forward", |b| {
        b.iter(|| max_pool(&x, kernel, stride).expect("pool"))
    });
    let y = max_pool(&tracked(&x, true), kernel, stride).expect("pool");
    bench_backward(&mut group, "pool1/backward", &y);
    let z = random(&[BATCH, 48, 8, 8]);
    let params = LrnParams::from(spec.lrn);
    group.bench_function("lrn1/forward", |b| {
        b.iter(|| lrn(&z, &params).expect("lrn"))
    });
    let y = lrn(&tracked(&z, true), &params).expect("lrn");
    bench_backward(&mut group, "lrn1/backward", &y);
    group.finish();
}

criterion_group!(benches, conv_benches, pool_lrn_benches);
criterion_main!(benches);
