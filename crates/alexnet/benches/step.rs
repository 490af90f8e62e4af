//! Whole-net CPU timings of `alexnet-32` at batch 128: the forward pass, a full training step
//! (forward, cross-entropy, backward, SGD update) and a frozen A7B-like step
//! (`Pass::Train { frozen: 7 }`, only fc8 trained).
//!
//! `RAYON_NUM_THREADS=2 cargo bench -p convnet-alexnet --bench step`

use candle_core::{DType, Device, Tensor};
use candle_nn::{Optimizer, VarBuilder, SGD};
use convnet_alexnet::{init_varmap, AlexNet, ArchSpec, Pass};
use criterion::{criterion_group, criterion_main, Criterion};

const BATCH: usize = 128;

fn step_benches(c: &mut Criterion) {
    convnet_ops::prepare_cpu_process();
    let device = Device::Cpu;
    let spec = ArchSpec::preset("alexnet-32", 100).expect("preset");
    let varmap = init_varmap(&spec, 0, &device).expect("init");
    let net =
        AlexNet::new(&spec, VarBuilder::from_varmap(&varmap, DType::F32, &device)).expect("net");
    let s = spec.input_size;
    let images = Tensor::randn(0f32, 1.0, (BATCH, 3, s, s), &device).expect("images");
    let labels: Vec<u32> = (0..BATCH as u32).map(|i| i % 100).collect();
    let labels = Tensor::from_vec(labels, BATCH, &device).expect("labels");
    let mut sgd = SGD::new(varmap.all_vars(), 1e-4).expect("sgd");
    let mut group = c.benchmark_group("alexnet32_batch128");
    group.sample_size(10);
    group.bench_function("forward", |b| {
        b.iter(|| net.forward(&images, &Pass::Eval).expect("forward"))
    });
    for (name, frozen) in [("full_step", 0), ("frozen7_step", 7)] {
        let mut seed = 0;
        group.bench_function(name, |b| {
            b.iter(|| {
                seed += 1;
                let pass = Pass::Train {
                    dropout_seed: seed,
                    frozen,
                };
                let logits = net.forward(&images, &pass).expect("forward");
                let loss = candle_nn::loss::cross_entropy(&logits, &labels).expect("loss");
                sgd.backward_step(&loss).expect("step");
            })
        });
    }
    group.finish();
}

criterion_group!(benches, step_benches);
criterion_main!(benches);
