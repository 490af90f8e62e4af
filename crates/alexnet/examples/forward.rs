//! Builds each preset, prints its layer table (output shape, parameters, multiply-adds per
//! image) and times one forward pass, and one forward + backward pass, of a batch on the CPU.
//!
//! `cargo run --release -p convnet-alexnet --example forward`

use std::time::Instant;

use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use convnet_alexnet::{init_varmap, AlexNet, ArchSpec, Pass, LAYER_NAMES, PRESET_NAMES};

fn describe(spec: &ArchSpec) -> Vec<String> {
    let sizes = spec.spatial_sizes();
    let conv_sizes = spec.conv_output_sizes();
    LAYER_NAMES
        .iter()
        .enumerate()
        .map(|(k, name)| {
            let layer = k + 1;
            let shape = &spec.param_shapes()[2 * k].1;
            let what = if layer <= 5 {
                let c = &spec.conv[k];
                let mut s = format!(
                    "{} {}x{}/{} pad {} group {} -> {}x{}",
                    c.out_channels,
                    c.kernel,
                    c.kernel,
                    c.stride,
                    c.pad,
                    c.groups,
                    conv_sizes[k],
                    conv_sizes[k]
                );
                if c.pool {
                    s += &format!(", pool -> {}x{}", sizes[k], sizes[k]);
                }
                if c.lrn {
                    s += ", LRN";
                }
                s
            } else {
                format!("{} -> {}", shape[1], shape[0])
            };
            format!(
                "| {name} | {what} | {shape:?} | {} | {} |",
                spec.layer_params(layer),
                spec.layer_multiply_adds(layer)
            )
        })
        .collect()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let device = Device::Cpu;
    for name in PRESET_NAMES {
        let outputs = match name {
            "caffenet" => 1000,
            "alexnet-64" => 200,
            _ => 100,
        };
        let spec = ArchSpec::preset(name, outputs)?;
        println!(
            "\n## {name} ({outputs} outputs, input {0}x{0})\n",
            spec.input_size
        );
        println!("| layer | shape | weight | parameters | multiply-adds |");
        println!("| --- | --- | --- | ---: | ---: |");
        for row in describe(&spec) {
            println!("{row}");
        }
        let params: u64 = (1..=8).map(|l| spec.layer_params(l)).sum();
        println!("| total | | | {params} | {} |", spec.multiply_adds());

        let varmap = init_varmap(&spec, 0, &device)?;
        let net = AlexNet::new(&spec, VarBuilder::from_varmap(&varmap, DType::F32, &device))?;
        let batch = if name == "caffenet" { 8 } else { 64 };
        let s = spec.input_size;
        let x = Tensor::randn(0f32, 1.0, (batch, 3, s, s), &device)?;
        net.forward(&x, &Pass::Eval)?; // warm-up
        let start = Instant::now();
        let logits = net.forward(&x, &Pass::Eval)?;
        let seconds = start.elapsed().as_secs_f64();
        println!(
            "\nforward, batch {batch}: logits {:?}, {:.1} ms, {:.0} images/s",
            logits.dims(),
            seconds * 1e3,
            batch as f64 / seconds
        );
        let start = Instant::now();
        let pass = Pass::Train {
            dropout_seed: 1,
            frozen: 0,
        };
        let loss = net.forward(&x, &pass)?.sqr()?.mean_all()?;
        loss.backward()?;
        let seconds = start.elapsed().as_secs_f64();
        println!(
            "forward + backward, batch {batch}: {:.1} ms, {:.0} images/s",
            seconds * 1e3,
            batch as f64 / seconds
        );
    }
    Ok(())
}
