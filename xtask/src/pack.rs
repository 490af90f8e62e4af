//! `cargo xtask pack`: a configuration's dataset decoded and resized once into a pack file,
//! which a configuration then reads with `[dataset] kind = "packed"`.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use transferability::data::write_pack;
use transferability::ExperimentConfig;

/// The flags of `pack`.
#[derive(clap::Args)]
pub struct PackArgs {
    /// The configuration whose `[dataset]` is packed, at its `stored_size` (and with its
    /// `max_train_per_class`, `max_val_per_class` and `skip_bad_images`).
    #[arg(long)]
    config: PathBuf,
    /// Dataset location (overrides `[dataset] path`).
    #[arg(long)]
    data: Option<PathBuf>,
    /// The pack file to write, or a folder to write `<dataset folder>-<stored size>.pack` in.
    #[arg(long)]
    out: PathBuf,
}

/// Packs the dataset and prints what was written, its size and the time it took.
pub fn run(args: &PackArgs) -> Result<()> {
    let mut config = ExperimentConfig::load(&args.config)?;
    if let Some(data) = &args.data {
        config.dataset.path = Some(data.clone());
    }
    let dataset = config.dataset_config();
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = ProgressBar::new(0);
        bar.set_style(
            ProgressStyle::with_template(
                "pack [{bar:30}] {pos}/{len} images  {per_sec}  eta {eta}",
            )
            .expect("valid template")
            .progress_chars("##-"),
        );
        bar
    });
    let mut logged = 0;
    let started = Instant::now();
    let summary = write_pack(&dataset, &args.out, |done, total| match &bar {
        Some(bar) => {
            bar.set_length(total as u64);
            bar.set_position(done as u64);
        }
        None if done * 10 >= (logged + 1) * total => {
            logged = done * 10 / total;
            tracing::info!("pack: {done} of {total} images");
        }
        None => {}
    })
    .with_context(|| format!("packing the dataset of {}", args.config.display()))?;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    println!(
        "packed {} training and {} validation images of {2}x{2} into {3}: {4:.2} GB in {5:.1} s",
        summary.train,
        summary.val,
        dataset.stored_size,
        summary.path.display(),
        summary.bytes as f64 / 1e9,
        started.elapsed().as_secs_f64()
    );
    if let Some(first) = summary.skipped.first() {
        println!(
            "left out {} unreadable images (skip_bad_images = true); the first: {}: {}",
            summary.skipped.len(),
            first.name,
            first.reason
        );
    }
    println!(
        "train from it with [dataset] kind = \"packed\", path = \"{}\"",
        summary.path.display()
    );
    Ok(())
}
