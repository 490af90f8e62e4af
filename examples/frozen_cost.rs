//! What a frozen cell costs beside its base net, with its frozen layers computed once per image
//! and in every step: `cargo run --release --example frozen_cost [-- <config>]`.
//!
//! Trains `random0/baseA` of the configuration (default `configs/embedded.toml`), then
//! `random0/A1B`, `A4B` and `A7B` twice in fresh run directories: with the feature cache (the
//! default) and without it (`feature_cache_mib = 0`). Prints each net's training time, its
//! ratio to the base net's, and whether both ways gave the same result.

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Instant;

use transferability::train::Outcome;
use transferability::{Experiment, ExperimentConfig};

fn train(experiment: &Experiment, cell: &str) -> Result<(f64, f64), Box<dyn std::error::Error>> {
    let started = Instant::now();
    let outcome = experiment.run_cell(&cell.parse()?, Arc::new(AtomicBool::new(false)), &mut ())?;
    let Outcome::Finished(result) = outcome else {
        return Err(format!("{cell} did not train").into());
    };
    Ok((started.elapsed().as_secs_f64(), result.top1))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    transferability::ops::prepare_cpu_process();
    let path = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("configs/embedded.toml"));
    let config = ExperimentConfig::load(&path)?;
    let root = std::env::temp_dir().join(format!("frozen-cost-{}", std::process::id()));
    let mut runs = Vec::new();
    for budget in [config.solver.feature_cache_mib, 0] {
        let mut config = config.clone();
        config.solver.feature_cache_mib = budget;
        let experiment = Experiment::open(config, root.join(format!("cache-{budget}")))?;
        experiment.prepare()?;
        runs.push(experiment);
    }
    println!("{} ({}), on this machine:", path.display(), config.name);
    let (base_s, base_top1) = train(&runs[0], "random0/baseA")?;
    let (base_again_s, _) = train(&runs[1], "random0/baseA")?;
    println!("random0/baseA: {base_s:.2} s and {base_again_s:.2} s (top-1 {base_top1:.4})");
    println!("| cell | cached | ratio to base | every step | ratio to base | same top-1 |");
    println!("| --- | --- | --- | --- | --- | --- |");
    for cell in ["random0/A1B", "random0/A4B", "random0/A7B"] {
        let (cached_s, cached_top1) = train(&runs[0], cell)?;
        let (direct_s, direct_top1) = train(&runs[1], cell)?;
        println!(
            "| {cell} | {cached_s:.2} s | {:.3} | {direct_s:.2} s | {:.3} | {} |",
            cached_s / base_s,
            direct_s / base_again_s,
            if cached_top1 == direct_top1 {
                "yes"
            } else {
                "NO"
            }
        );
    }
    std::fs::remove_dir_all(&root)?;
    Ok(())
}
