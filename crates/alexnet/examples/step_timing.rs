//! Times one mode of an AlexNet preset on the CPU and prints one JSON line: the forward pass
//! (evaluation), a full training step, or a frozen step (`Pass::Train { frozen }`, only the
//! layers above `frozen` trained), with the process's peak resident memory.
//!
//! A step is forward, softmax cross-entropy, backward and a plain SGD update, as
//! `benches/step_pytorch.py` does in PyTorch (see `benches/step_vs_pytorch.sh`).
//!
//! `cargo run --release -p convnet-alexnet --example step_timing -- --mode step --batch 128`
//! Options: `--preset NAME` (alexnet-32), `--outputs N` (100), `--batch N` (128), `--mode
//! forward|step|frozen` (step), `--frozen N` (7), `--steps N` (10), `--warmup N` (2),
//! `--spec-out FILE` (write the architecture JSON and exit).

use std::time::Instant;

use candle_core::{DType, Device, Tensor};
use candle_nn::{Optimizer, VarBuilder, SGD};
use convnet_alexnet::{init_varmap, AlexNet, ArchSpec, Pass};

struct Options {
    preset: String,
    outputs: usize,
    batch: usize,
    mode: String,
    frozen: usize,
    steps: usize,
    warmup: usize,
    spec_out: Option<String>,
}

fn parse() -> Result<Options, String> {
    let mut o = Options {
        preset: "alexnet-32".into(),
        outputs: 100,
        batch: 128,
        mode: "step".into(),
        frozen: 7,
        steps: 10,
        warmup: 2,
        spec_out: None,
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    for pair in args.chunks(2) {
        let value = pair
            .get(1)
            .ok_or_else(|| format!("option {} needs a value", pair[0]))?;
        let number = || {
            value
                .parse::<usize>()
                .map_err(|e| format!("{}: {e}", pair[0]))
        };
        match pair[0].as_str() {
            "--preset" => o.preset = value.clone(),
            "--outputs" => o.outputs = number()?,
            "--batch" => o.batch = number()?,
            "--mode" => o.mode = value.clone(),
            "--frozen" => o.frozen = number()?,
            "--steps" => o.steps = number()?,
            "--warmup" => o.warmup = number()?,
            "--spec-out" => o.spec_out = Some(value.clone()),
            other => return Err(format!("unknown option {other}")),
        }
    }
    Ok(o)
}

/// Peak resident set size of this process in KiB (`VmHWM`, what `ru_maxrss` reports).
fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1).map(str::to_string))
        })
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    convnet_ops::prepare_cpu_process();
    let o = parse()?;
    let spec = ArchSpec::preset(&o.preset, o.outputs)?;
    if let Some(path) = &o.spec_out {
        std::fs::write(path, serde_json::to_string_pretty(&spec)?)?;
        return Ok(());
    }
    let device = Device::Cpu;
    let varmap = init_varmap(&spec, 0, &device)?;
    let net = AlexNet::new(&spec, VarBuilder::from_varmap(&varmap, DType::F32, &device))?;
    let s = spec.input_size;
    let images = (Tensor::randn(0f32, 1.0, (o.batch, spec.input_channels, s, s), &device)? * 50.0)?;
    let labels: Vec<u32> = (0..o.batch)
        .map(|i| (i * 7919 % o.outputs) as u32)
        .collect();
    let labels = Tensor::from_vec(labels, o.batch, &device)?;
    let frozen = match o.mode.as_str() {
        "forward" | "step" => 0,
        "frozen" => o.frozen,
        other => return Err(format!("unknown mode {other} (forward, step, frozen)").into()),
    };
    let mut sgd = SGD::new(varmap.all_vars(), 0.001)?;
    let mut last_loss = f32::NAN;
    let mut run = |i: usize| -> Result<(), Box<dyn std::error::Error>> {
        if o.mode == "forward" {
            let logits = net.forward(&images, &Pass::Eval)?;
            last_loss = logits.sum_all()?.to_scalar::<f32>()?;
        } else {
            let pass = Pass::Train {
                dropout_seed: i as u64,
                frozen,
            };
            let logits = net.forward(&images, &pass)?;
            let loss = candle_nn::loss::cross_entropy(&logits, &labels)?;
            sgd.backward_step(&loss)?;
            last_loss = loss.to_scalar::<f32>()?;
        }
        Ok(())
    };
    for i in 0..o.warmup {
        run(i)?;
    }
    let start = Instant::now();
    for i in 0..o.steps {
        run(o.warmup + i)?;
    }
    let ms = start.elapsed().as_secs_f64() * 1e3 / o.steps.max(1) as f64;
    println!(
        "{{\"framework\": \"candle\", \"preset\": \"{}\", \"mode\": \"{}\", \"batch\": {}, \"frozen\": {}, \"threads\": {}, \"ms\": {:.2}, \"peak_rss_kib\": {}, \"last\": {}}}",
        o.preset,
        o.mode,
        o.batch,
        frozen,
        rayon::current_num_threads(),
        ms,
        peak_rss_kib(),
        last_loss
    );
    Ok(())
}
