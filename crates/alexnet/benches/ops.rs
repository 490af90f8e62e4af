//! Per-op CPU timings at batch 128 on the `alexnet-32` shapes: conv1..conv5 forward, input
//! gradient and weight gradient (each backward isolated by tracking only that input), max-pool
//! and LRN forward and backward.
//!
//! `RAYON_NUM_THREADS=2 cargo bench -p convnet-alexnet --bench ops`

use candle_core::{Device, Tensor, Var};
use convnet_alexnet::ops::{conv2d, lrn, max_pool};
use convnet_alexnet::ArchSpec;
use criterion::{criterion_group, criterion_main, Criterion};

const BATCH: usize = 128;

fn random(shape: &[usize]) -> Tensor {
    Tensor::randn(0f32, 1.0, shape, &Device::Cpu).expect("random tensor")
}

fn conv_benches(c: &mut Criterion) {
    convnet_alexnet::prepare_cpu_process();
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
        let w = random(&[
            conv.out_channels,
            channels / conv.groups,
            conv.kernel,
            conv.kernel,
        ]);
        let b = random(&[conv.out_channels]);
        let run = |x: &Tensor, w: &Tensor, b: &Tensor| {
            conv2d(x, w, b, conv.stride, conv.pad, conv.groups).expect("conv2d")
        };
        let name = format!("conv{}", k + 1);
        group.bench_function(format!("{name}/forward"), |bench| {
            bench.iter(|| run(&x, &w, &b))
        });
        let xv = Var::from_tensor(&x).expect("var");
        let y = run(&xv, &w, &b);
        let upstream = random(y.dims());
        group.bench_function(format!("{name}/input_grad"), |bench| {
            bench.iter(|| {
                let y = run(&xv, &w, &b);
                (y * &upstream)
                    .and_then(|t| t.sum_all())
                    .and_then(|t| t.backward())
                    .expect("backward")
            })
        });
        let wv = Var::from_tensor(&w).expect("var");
        group.bench_function(format!("{name}/weight_grad"), |bench| {
            bench.iter(|| {
                let y = run(&x, &wv, &b);
                (y * &upstream)
                    .and_then(|t| t.sum_all())
                    .and_then(|t| t.backward())
                    .expect("backward")
            })
        });
        channels = conv.out_channels;
    }
    group.finish();
}

fn pool_lrn_benches(c: &mut Criterion) {
    let spec = ArchSpec::preset("alexnet-32", 100).expect("preset");
    let mut group = c.benchmark_group("pool_lrn");
    group.sample_size(10);
    // The output of conv1 (48 x 16 x 16) and, pooled, the input of LRN 1.
    let x = Var::from_tensor(&random(&[BATCH, 48, 16, 16])).expect("var");
    let pooled = max_pool(&x, spec.pool.kernel, spec.pool.stride).expect("pool");
    let up_pool = random(pooled.dims());
    group.bench_function("pool1/forward", |b| {
        b.iter(|| max_pool(x.as_tensor(), spec.pool.kernel, spec.pool.stride).expect("pool"))
    });
    group.bench_function("pool1/forward_backward", |b| {
        b.iter(|| {
            let y = max_pool(&x, spec.pool.kernel, spec.pool.stride).expect("pool");
            (y * &up_pool)
                .and_then(|t| t.sum_all())
                .and_then(|t| t.backward())
                .expect("backward")
        })
    });
    let z = Var::from_tensor(&random(&[BATCH, 48, 8, 8])).expect("var");
    let up_lrn = random(z.dims());
    group.bench_function("lrn1/forward", |b| {
        b.iter(|| lrn(z.as_tensor(), &spec.lrn).expect("lrn"))
    });
    group.bench_function("lrn1/forward_backward", |b| {
        b.iter(|| {
            let y = lrn(&z, &spec.lrn).expect("lrn");
            (y * &up_lrn)
                .and_then(|t| t.sum_all())
                .and_then(|t| t.backward())
                .expect("backward")
        })
    });
    group.finish();
}

criterion_group!(benches, conv_benches, pool_lrn_benches);
criterion_main!(benches);
