//! The CUDA device against the CPU: a forward pass, training steps and a whole short cell give
//! the same numbers within floating-point tolerance, and TF32 matmuls are close to f32 ones.
//!
//! Built only with `--features cuda`, and needs a CUDA device to run:
//! `cargo test -p convnet-train --features cuda --test cuda` (or `scripts/gpu-check.sh`).
#![cfg(feature = "cuda")]

mod common;

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};

use candle_core::{DType, Device, Tensor};
use candle_nn::{VarBuilder, VarMap};
use common::CHECKPOINT_FILE;
use common::{cell_data, dataset, job, solver, tiny_spec, INPUT};
use convnet_alexnet::{init_params, varmap_from_params, AlexNet, ArchSpec, Pass};
use convnet_splits::HalfId;
use convnet_train::{train_cell, Checkpoint, MomentumSgd, Outcome, SolverConfig};
use convnet_transfer::Trainable;

/// TF32 is a process-wide switch: every test holds this lock so none sees another's setting.
static GEMM_MODE: Mutex<()> = Mutex::new(());

fn exclusive() -> MutexGuard<'static, ()> {
    let guard = GEMM_MODE.lock().unwrap_or_else(|e| e.into_inner());
    candle_core::cuda::set_gemm_reduced_precision_f32(false);
    guard
}

fn cuda() -> Device {
    Device::new_cuda(0).expect("these tests need CUDA device 0")
}

fn values(t: &Tensor) -> Vec<f32> {
    t.to_device(&Device::Cpu)
        .unwrap()
        .to_dtype(DType::F32)
        .unwrap()
        .flatten_all()
        .unwrap()
        .to_vec1::<f32>()
        .unwrap()
}

/// Asserts `max |a - b| <= rel * (1 + max |a|)` and returns that largest difference.
fn assert_close(what: &str, a: &Tensor, b: &Tensor, rel: f32) -> f32 {
    assert_eq!(a.dims(), b.dims(), "{what}: shapes differ");
    let (a, b) = (values(a), values(b));
    let scale = a.iter().fold(0f32, |m, v| m.max(v.abs()));
    let diff = a
        .iter()
        .zip(&b)
        .fold(0f32, |m, (x, y)| m.max((x - y).abs()));
    assert!(
        diff.is_finite() && diff <= rel * (1.0 + scale),
        "{what}: largest difference {diff} against a largest value {scale} (tolerance {rel} relative)"
    );
    diff
}

/// A net on `device` holding copies of `params`, computing in `compute`, and momentum SGD over
/// all but the first `frozen` layers (Caffe's multipliers: biases lr x2, decay x0), and the
/// variables of both.
fn net_and_sgd(
    spec: &ArchSpec,
    params: &BTreeMap<String, Tensor>,
    frozen: usize,
    device: &Device,
    compute: DType,
) -> (AlexNet, MomentumSgd, VarMap) {
    let on_device: BTreeMap<String, Tensor> = params
        .iter()
        .map(|(k, t)| (k.clone(), t.to_device(device).unwrap()))
        .collect();
    let varmap = varmap_from_params(&on_device).unwrap();
    let net = AlexNet::new(spec, VarBuilder::from_varmap(&varmap, DType::F32, device))
        .unwrap()
        .computing_in(compute)
        .unwrap();
    let vars: Vec<(String, candle_core::Var)> = varmap
        .data()
        .lock()
        .unwrap()
        .iter()
        .map(|(key, var)| (key.clone(), var.clone()))
        .collect();
    let sgd =
        MomentumSgd::for_solver(vars, &Trainable::above(frozen), &SolverConfig::paper()).unwrap();
    (net, sgd, varmap)
}

/// Runs `steps` training steps of a fresh tiny net on `device`, computing in `compute`; returns
/// the losses and the trained weights and momentum buffers.
fn train_steps(
    params: &BTreeMap<String, Tensor>,
    (images, labels): (&Tensor, &Tensor),
    frozen: usize,
    steps: u64,
    (device, compute): (&Device, DType),
) -> (Vec<f32>, BTreeMap<String, Tensor>) {
    let spec = tiny_spec(6);
    let (net, mut sgd, varmap) = net_and_sgd(&spec, params, frozen, device, compute);
    let (images, labels) = (
        images.to_device(device).unwrap(),
        labels.to_device(device).unwrap(),
    );
    let mut losses = Vec::new();
    for step in 0..steps {
        let pass = Pass::Train {
            dropout_seed: 100 + step,
            frozen,
        };
        let logits = net.forward(&images, &pass).unwrap();
        let loss = candle_nn::loss::cross_entropy(&logits, &labels).unwrap();
        losses.push(loss.to_scalar::<f32>().unwrap());
        sgd.step(&loss.backward().unwrap(), 0.02).unwrap();
    }
    let mut state: BTreeMap<String, Tensor> = sgd
        .velocities()
        .map(|(k, v)| (format!("momentum/{k}"), v.clone()))
        .collect();
    for (key, var) in varmap.data().lock().unwrap().iter() {
        state.insert(key.clone(), var.as_tensor().clone());
    }
    (losses, state)
}

/// A batch of 32 random images of the tiny net and their labels (6 classes), on the CPU.
fn tiny_batch() -> (Tensor, Tensor) {
    let images = Tensor::randn(0f32, 1.0, (32, 3, INPUT, INPUT), &Device::Cpu).unwrap();
    let labels: Vec<u32> = (0..32u32).map(|i| i % 6).collect();
    (images, Tensor::from_vec(labels, 32, &Device::Cpu).unwrap())
}

#[test]
fn training_steps_on_cuda_match_the_cpu() {
    let _mode = exclusive();
    let params = init_params(&tiny_spec(6), 5, &Device::Cpu).unwrap();
    let (images, labels) = tiny_batch();
    let batch = (&images, &labels);
    for frozen in [0, 3] {
        let (cpu_losses, cpu_state) =
            train_steps(&params, batch, frozen, 4, (&Device::Cpu, DType::F32));
        let (gpu_losses, gpu_state) = train_steps(&params, batch, frozen, 4, (&cuda(), DType::F32));
        for (step, (c, g)) in cpu_losses.iter().zip(&gpu_losses).enumerate() {
            assert!(
                (c - g).abs() <= 1e-4 * (1.0 + c.abs()),
                "frozen {frozen}, step {step}: loss {c} on the CPU, {g} on CUDA"
            );
        }
        assert_eq!(
            cpu_state.keys().collect::<Vec<_>>(),
            gpu_state.keys().collect::<Vec<_>>(),
            "frozen {frozen}: the same variables train"
        );
        for (key, cpu) in &cpu_state {
            assert_close(
                &format!("frozen {frozen}: {key}"),
                cpu,
                &gpu_state[key],
                5e-4,
            );
        }
    }
}

#[test]
fn bf16_training_steps_on_cuda_follow_the_cpu_and_f32() {
    let _mode = exclusive();
    let params = init_params(&tiny_spec(6), 5, &Device::Cpu).unwrap();
    let (images, labels) = tiny_batch();
    let batch = (&images, &labels);
    for frozen in [0, 3] {
        let (f32_losses, _) = train_steps(&params, batch, frozen, 4, (&Device::Cpu, DType::F32));
        let (cpu_losses, cpu_state) =
            train_steps(&params, batch, frozen, 4, (&Device::Cpu, DType::BF16));
        let (gpu_losses, gpu_state) =
            train_steps(&params, batch, frozen, 4, (&cuda(), DType::BF16));
        for step in 0..4 {
            let (f, c, g) = (f32_losses[step], cpu_losses[step], gpu_losses[step]);
            // bf16 rounds each layer's operands to 8 bits; cuDNN and the CPU's widened kernels
            // sum in another order, so their roundings differ now and then.
            assert!(
                (c - g).abs() <= 2e-2 * (1.0 + c.abs()) && (f - g).abs() <= 5e-2 * (1.0 + f.abs()),
                "frozen {frozen}, step {step}: bf16 loss {c} on the CPU, {g} on CUDA, f32 {f}"
            );
        }
        for (key, cpu) in &cpu_state {
            let gpu = &gpu_state[key];
            assert_eq!(
                gpu.dtype(),
                DType::F32,
                "{key}: f32 master weights and momentum"
            );
            assert_close(&format!("bf16, frozen {frozen}: {key}"), cpu, gpu, 2e-2);
        }
    }
}

#[test]
fn caffenet_forward_on_cuda_matches_the_cpu() {
    let _mode = exclusive();
    let spec = ArchSpec::caffenet(1000);
    let params = init_params(&spec, 1, &Device::Cpu).unwrap();
    let images =
        (Tensor::randn(0f32, 1.0, (2, 3, 227, 227), &Device::Cpu).unwrap() * 50.0).unwrap();
    let mut logits = Vec::new();
    for device in [Device::Cpu, cuda()] {
        let (net, _, _) = net_and_sgd(&spec, &params, 8, &device, DType::F32);
        let x = images.to_device(&device).unwrap();
        logits.push(net.forward(&x, &Pass::Eval).unwrap());
    }
    assert_eq!(logits[1].dims(), [2, 1000]);
    assert_close("caffenet logits", &logits[0], &logits[1], 1e-3);
}

#[test]
fn a_cell_trained_on_cuda_matches_the_cpu() {
    let _mode = exclusive();
    let data = cell_data(&dataset(6, 30), HalfId::A);
    let root = tempfile::tempdir().unwrap();
    let mut results = Vec::new();
    let mut weights = Vec::new();
    for (name, device) in [("cpu", Device::Cpu), ("cuda", cuda())] {
        let dir = root.path().join(name);
        let mut job = job("random0/baseA", &dir, tiny_spec(3), solver(12), None);
        job.device = device;
        let Outcome::Finished(result) = train_cell(&job, &data, &mut ()).unwrap() else {
            panic!("{name}: the cell should finish");
        };
        results.push(result);
        weights.push(
            Checkpoint::load(&dir.join(CHECKPOINT_FILE), &Device::Cpu)
                .unwrap()
                .weights,
        );
    }
    assert_eq!(results[0].device, "cpu");
    assert_eq!(results[1].device, "cuda:0");
    assert_eq!(results[1].iterations, 12);
    for (key, cpu) in &weights[0] {
        assert_close(&format!("cell weights {key}"), cpu, &weights[1][key], 2e-3);
    }
    assert!(
        (results[0].top1 - results[1].top1).abs() <= 0.05,
        "top-1 {} on the CPU, {} on CUDA",
        results[0].top1,
        results[1].top1
    );
}

#[test]
fn tf32_matmul_is_close_to_f32_but_not_equal() {
    let _mode = exclusive();
    let device = cuda();
    let a = Tensor::randn(0f32, 1.0, (256, 1024), &Device::Cpu).unwrap();
    let b = Tensor::randn(0f32, 1.0, (1024, 512), &Device::Cpu).unwrap();
    let (a, b) = (a.to_device(&device).unwrap(), b.to_device(&device).unwrap());
    let full = a.matmul(&b).unwrap();
    candle_core::cuda::set_gemm_reduced_precision_f32(true);
    let reduced = a.matmul(&b);
    candle_core::cuda::set_gemm_reduced_precision_f32(false);
    let reduced = reduced.unwrap();
    let diff = assert_close("tf32 matmul", &full, &reduced, 1e-2);
    assert!(
        diff > 0.0,
        "TF32 gave bitwise f32 results: the switch had no effect"
    );
}

/// `(batch, channels, size, outputs, kernel, stride, pad, groups)`: CaffeNet's conv1 (11x11,
/// stride 4), its grouped 5x5 and 3x3 layers, and odd small sizes.
const CUDNN_CASES: [(usize, usize, usize, usize, usize, usize, usize, usize); 5] = [
    (2, 3, 35, 8, 11, 4, 0, 1),
    (3, 8, 13, 12, 5, 1, 2, 2),
    (2, 6, 9, 10, 3, 1, 1, 2),
    (1, 4, 7, 6, 3, 2, 1, 1),
    (4, 2, 6, 3, 1, 1, 0, 1),
];

/// The output and the gradients of `sum(conv2d(x, w, b) * r)` for fixed pseudo-random x, w,
/// b, r on `device` in `dtype`, as f32 on the CPU; the gradient of each operand only if
/// `tracked` says so.
fn conv_and_gradients(
    case: (usize, usize, usize, usize, usize, usize, usize, usize),
    device: &Device,
    dtype: DType,
    tracked: [bool; 3],
) -> (Tensor, [Option<Tensor>; 3]) {
    let (n, c, size, o, k, stride, pad, groups) = case;
    let shapes = [vec![n, c, size, size], vec![o, c / groups, k, k], vec![o]];
    let on_device = |shape: &[usize], seed: u64| {
        Tensor::from_vec(noise(shape.iter().product(), seed), shape, &Device::Cpu)
            .unwrap()
            .to_dtype(dtype)
            .unwrap()
            .to_device(device)
            .unwrap()
    };
    let tensors: Vec<Tensor> = shapes
        .iter()
        .enumerate()
        .map(|(i, shape)| on_device(shape, i as u64))
        .collect();
    let vars: Vec<Option<candle_core::Var>> = tensors
        .iter()
        .zip(tracked)
        .map(|(t, tracked)| tracked.then(|| candle_core::Var::from_tensor(t).unwrap()))
        .collect();
    let operand = |i: usize| match &vars[i] {
        Some(v) => v.as_tensor().clone(),
        None => tensors[i].clone(),
    };
    let y =
        convnet_ops::conv2d(&operand(0), &operand(1), &operand(2), stride, pad, groups).unwrap();
    let r = on_device(y.dims(), 3);
    let grads = (&y * &r).unwrap().sum_all().unwrap().backward().unwrap();
    let on_cpu = |t: &Tensor| {
        t.to_dtype(DType::F32)
            .unwrap()
            .to_device(&Device::Cpu)
            .unwrap()
    };
    let gradients = [0, 1, 2].map(|i| {
        vars[i]
            .as_ref()
            .and_then(|v| grads.get(v.as_tensor()))
            .map(on_cpu)
    });
    (on_cpu(&y), gradients)
}

/// `len` values in [-1, 1) from `seed` (SplitMix64), the same on every device and run.
fn noise(len: usize, seed: u64) -> Vec<f32> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    (0..len)
        .map(|_| {
            state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^= z >> 31;
            (z >> 40) as f32 / (1u64 << 23) as f32 - 1.0
        })
        .collect()
}

#[test]
fn cudnn_convolutions_match_the_cpu_kernel_forward_and_backward() {
    let _mode = exclusive();
    for case in CUDNN_CASES {
        let (cpu_y, cpu_grads) = conv_and_gradients(case, &Device::Cpu, DType::F32, [true; 3]);
        let (gpu_y, gpu_grads) = conv_and_gradients(case, &cuda(), DType::F32, [true; 3]);
        assert_close(&format!("{case:?} forward"), &cpu_y, &gpu_y, 1e-4);
        for (name, (cpu, gpu)) in ["input", "weight", "bias"]
            .iter()
            .zip(cpu_grads.iter().zip(&gpu_grads))
        {
            let (cpu, gpu) = (cpu.as_ref().unwrap(), gpu.as_ref().unwrap());
            assert_close(&format!("{case:?} {name} gradient"), cpu, gpu, 1e-4);
        }
    }
}

#[test]
fn cudnn_convolutions_compute_no_gradient_for_an_operand_that_needs_none() {
    let _mode = exclusive();
    // A first layer (its input is the images) and a frozen layer (nothing tracks).
    for tracked in [
        [false, true, true],
        [false, false, false],
        [true, false, false],
    ] {
        let (_, grads) = conv_and_gradients(CUDNN_CASES[1], &cuda(), DType::F32, tracked);
        for (i, grad) in grads.iter().enumerate() {
            assert_eq!(grad.is_some(), tracked[i], "operand {i} with {tracked:?}");
        }
    }
}

#[test]
fn cudnn_bf16_convolutions_are_close_to_f32() {
    let _mode = exclusive();
    for case in CUDNN_CASES {
        let (full_y, full_grads) = conv_and_gradients(case, &cuda(), DType::F32, [true; 3]);
        let (half_y, half_grads) = conv_and_gradients(case, &cuda(), DType::BF16, [true; 3]);
        // bf16 keeps 8 bits of mantissa: inputs rounded by 2^-9, sums accumulated in f32.
        assert_close(&format!("{case:?} bf16 forward"), &full_y, &half_y, 3e-2);
        for (name, (full, half)) in ["input", "weight", "bias"]
            .iter()
            .zip(full_grads.iter().zip(&half_grads))
        {
            let (full, half) = (full.as_ref().unwrap(), half.as_ref().unwrap());
            assert_close(&format!("{case:?} bf16 {name} gradient"), full, half, 3e-2);
        }
    }
}

#[test]
fn cudnn_tf32_convolutions_are_close_to_f32() {
    let _mode = exclusive();
    let case = CUDNN_CASES[0];
    let (full, _) = conv_and_gradients(case, &cuda(), DType::F32, [true; 3]);
    candle_core::cuda::set_gemm_reduced_precision_f32(true);
    let (reduced, _) = conv_and_gradients(case, &cuda(), DType::F32, [true; 3]);
    candle_core::cuda::set_gemm_reduced_precision_f32(false);
    assert_close("tf32 conv1", &full, &reduced, 1e-2);
}

/// The output and the input gradient of `sum(op(x) * r)` on `device`, as f32 on the CPU, for
/// fixed pseudo-random `x` of `dims` and `r`.
fn unary_and_gradient(
    op: &dyn Fn(&Tensor) -> Tensor,
    dims: [usize; 4],
    device: &Device,
) -> (Tensor, Tensor) {
    let x = Tensor::from_vec(noise(dims.iter().product(), 11), &dims, &Device::Cpu)
        .unwrap()
        .to_device(device)
        .unwrap();
    let x = candle_core::Var::from_tensor(&x).unwrap();
    let y = op(x.as_tensor());
    let r = Tensor::from_vec(noise(y.elem_count(), 12), y.dims(), &Device::Cpu)
        .unwrap()
        .to_device(device)
        .unwrap();
    let grads = (&y * &r).unwrap().sum_all().unwrap().backward().unwrap();
    let dx = grads
        .get(x.as_tensor())
        .unwrap()
        .to_device(&Device::Cpu)
        .unwrap();
    (y.to_device(&Device::Cpu).unwrap(), dx)
}

#[test]
fn max_pool_and_lrn_on_cuda_match_the_cpu_forward_and_backward() {
    let _mode = exclusive();
    let lrn = convnet_ops::LrnParams {
        size: 5,
        alpha: 1e-4,
        beta: 0.75,
        k: 1.0,
    };
    // 13x13: cuDNN's pool (its output size is Caffe's); 16x16: Caffe clips the last window,
    // so the portable op runs. The LRN with an alpha large enough to matter on these values.
    let cases: [(&str, &dyn Fn(&Tensor) -> Tensor, [usize; 4]); 4] = [
        (
            "max-pool 3/2 on 13x13",
            &|x| convnet_ops::max_pool(x, 3, 2).unwrap(),
            [2, 4, 13, 13],
        ),
        (
            "max-pool 3/2 on 16x16",
            &|x| convnet_ops::max_pool(x, 3, 2).unwrap(),
            [2, 4, 16, 16],
        ),
        (
            "lrn",
            &move |x| convnet_ops::lrn(x, &lrn).unwrap(),
            [2, 7, 5, 5],
        ),
        (
            "lrn, alpha 2",
            &move |x| convnet_ops::lrn(x, &convnet_ops::LrnParams { alpha: 2.0, ..lrn }).unwrap(),
            [2, 7, 5, 5],
        ),
    ];
    for (name, op, dims) in cases {
        let (cpu_y, cpu_dx) = unary_and_gradient(op, dims, &Device::Cpu);
        let (gpu_y, gpu_dx) = unary_and_gradient(op, dims, &cuda());
        assert_close(&format!("{name} forward"), &cpu_y, &gpu_y, 1e-5);
        assert_close(&format!("{name} input gradient"), &cpu_dx, &gpu_dx, 1e-4);
    }
}
