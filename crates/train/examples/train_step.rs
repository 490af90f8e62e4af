//! Times the training step of an AlexNet preset: forward, cross-entropy, backward and the
//! momentum-SGD update, on random images, as the training loop runs it (the loss is read back
//! every step). Prints one line `images_per_s=...` for scripts to read, and can write the
//! architecture as JSON so that `benches/caffenet_step_pytorch.py` builds the same net.
//!
//! ```text
//! cargo run --release -p convnet-train --features cuda --example train_step -- \
//!     --preset caffenet --batch 256 --steps 20 --warmup 3 --device cuda [--precision fp32|tf32|bf16] [--spec-out spec.json]
//! ```

use std::collections::BTreeMap;
use std::time::Instant;

use candle_core::{DType, Tensor, Var};
use candle_nn::VarBuilder;
use convnet_alexnet::{init_params, varmap_from_params, AlexNet, ArchSpec, Pass};
use convnet_train::{DeviceChoice, MomentumSgd, Precision, SolverConfig};
use convnet_transfer::Trainable;

/// The flags of the example.
struct Options {
    preset: String,
    outputs: usize,
    batch: usize,
    steps: u64,
    warmup: u64,
    device: DeviceChoice,
    precision: Precision,
    frozen: usize,
    spec_out: Option<String>,
}

const USAGE: &str =
    "flags: --preset NAME (caffenet) --outputs N (1000) --batch N (256) --steps N (20) \
--warmup N (3) --device cpu|cuda[:i] (cuda) --frozen N (0) --precision fp32|tf32|bf16 (fp32) --spec-out FILE";

fn parse() -> Result<Options, String> {
    let mut o = Options {
        preset: "caffenet".into(),
        outputs: 1000,
        batch: 256,
        steps: 20,
        warmup: 3,
        device: DeviceChoice::Cuda(0),
        precision: Precision::Fp32,
        frozen: 0,
        spec_out: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args
            .next()
            .ok_or_else(|| format!("{flag} needs a value; {USAGE}"))?;
        let number = |v: &str| {
            v.parse::<u64>()
                .map_err(|_| format!("{flag} takes a whole number, not `{v}`"))
        };
        match flag.as_str() {
            "--preset" => o.preset = value,
            "--outputs" => o.outputs = number(&value)? as usize,
            "--batch" => o.batch = number(&value)? as usize,
            "--steps" => o.steps = number(&value)?,
            "--warmup" => o.warmup = number(&value)?,
            "--frozen" => o.frozen = number(&value)? as usize,
            "--device" => o.device = value.parse().map_err(|e| format!("--device: {e}"))?,
            "--precision" => {
                o.precision = value.parse().map_err(|e| format!("--precision: {e}"))?
            }
            "--spec-out" => o.spec_out = Some(value),
            _ => return Err(format!("unknown flag `{flag}`; {USAGE}")),
        }
    }
    if o.steps == 0 || o.batch == 0 {
        return Err("--steps and --batch must be at least 1".into());
    }
    Ok(o)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    convnet_ops::prepare_cpu_process();
    let o = parse()?;
    let spec = ArchSpec::preset(&o.preset, o.outputs)?;
    if let Some(path) = &o.spec_out {
        std::fs::write(path, serde_json::to_string_pretty(&spec)?)
            .map_err(|e| format!("writing {path}: {e}"))?;
    }
    let device = o.device.open()?;
    o.precision.apply(&device);

    let params: BTreeMap<String, Tensor> = init_params(&spec, 0, &device)?;
    let varmap = varmap_from_params(&params)?;
    let net = AlexNet::new(&spec, VarBuilder::from_varmap(&varmap, DType::F32, &device))?
        .computing_in(o.precision.compute_dtype())?;
    let vars: Vec<(String, Var)> = varmap
        .data()
        .lock()
        .map_err(|_| "the variable map lock is poisoned")?
        .iter()
        .map(|(key, var)| (key.clone(), var.clone()))
        .collect();
    let mut sgd =
        MomentumSgd::for_solver(vars, &Trainable::above(o.frozen), &SolverConfig::paper())?;

    let s = spec.input_size;
    let images = (Tensor::randn(0f32, 1.0, (o.batch, spec.input_channels, s, s), &device)? * 50.0)?;
    let labels: Vec<u32> = (0..o.batch)
        .map(|i| (i * 7919 % o.outputs) as u32)
        .collect();
    let labels = Tensor::from_vec(labels, o.batch, &device)?;

    let mut step = |i: u64| -> Result<f32, Box<dyn std::error::Error>> {
        let pass = Pass::Train {
            dropout_seed: i,
            frozen: o.frozen,
        };
        let logits = net.forward(&images, &pass)?;
        let loss = candle_nn::loss::cross_entropy(&logits, &labels)?;
        let value = loss.to_scalar::<f32>()?;
        sgd.step(&loss.backward()?, 0.001)?;
        Ok(value)
    };
    for i in 0..o.warmup {
        step(i)?;
    }
    device.synchronize()?;
    let start = Instant::now();
    let mut loss = f32::NAN;
    for i in 0..o.steps {
        loss = step(o.warmup + i)?;
    }
    device.synchronize()?;
    let seconds = start.elapsed().as_secs_f64();
    let images_per_s = (o.steps as f64 * o.batch as f64) / seconds;
    println!(
        "candle preset={} input={s} batch={} frozen={} device={} precision={} steps={} ms_per_step={:.2} last_loss={loss:.4} images_per_s={images_per_s:.1}",
        o.preset,
        o.batch,
        o.frozen,
        DeviceChoice::name_of(&device),
        o.precision,
        o.steps,
        seconds * 1000.0 / o.steps as f64,
    );
    Ok(())
}
