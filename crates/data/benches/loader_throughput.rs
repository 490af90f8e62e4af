//! Loader throughput: images per second per core (one decoding thread) and with every core, of
//! training batches from image files (decode + resize + mean + crop + mirror into f32) and from
//! a pack of the same images (mean + crop + mirror only), on the Tiny ImageNet subset (64x64
//! JPEGs, stored 64, crop 56) and on a 500x375 photo-sized JPEG this benchmark writes (stored
//! 256, crop 227, Caffe's sizes).
//!
//! `cargo bench -p convnet-data --bench loader_throughput -- [--work DIR] [--tiny DIR] [--images N] [--rounds R]`
//! Packs each case into `DIR` first (one `pack <case> <images> <seconds>` line), then measures
//! the files and the pack alternately `R` times (default 3) and prints the best of each, one
//! `result <case> <threads> <images/s>` line per measurement (`<case>-packed` for the pack);
//! `loader_compare.sh` runs it beside `loader_pil.py` and prints the ratios.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use candle_core::Device;
use convnet_data::{write_pack, DatasetConfig, DatasetKind, Loader, MeanImage, Preprocess, Source};
use convnet_splits::{HalfId, Split};
use image::{Rgb, RgbImage};

struct Args {
    work: PathBuf,
    tiny: Option<PathBuf>,
    images: usize,
    rounds: usize,
}

fn args() -> Args {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut parsed = Args {
        work: manifest.join("../../target/loader-bench"),
        tiny: Some(manifest.join("../../../shared/data/tiny-imagenet-200-subset")),
        images: 2048,
        rounds: 3,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        match flag.as_str() {
            "--work" => parsed.work = it.next().expect("--work DIR").into(),
            "--tiny" => parsed.tiny = Some(it.next().expect("--tiny DIR").into()),
            "--images" => parsed.images = it.next().expect("--images N").parse().expect("N"),
            "--rounds" => parsed.rounds = it.next().expect("--rounds R").parse().expect("R"),
            _ => {} // cargo bench passes --bench
        }
    }
    parsed.tiny = parsed.tiny.filter(|p| p.join("wnids.txt").is_file());
    parsed
}

/// A 500x375 photo-like JPEG (smooth gradients, edges and texture), written once.
fn photo(path: &Path) {
    let image = RgbImage::from_fn(500, 375, |x, y| {
        let (fx, fy) = (x as f32, y as f32);
        let wave = ((fx * 0.07).sin() * (fy * 0.05).cos() * 60.0) as i32;
        let edge = if (x / 50 + y / 40) % 2 == 0 { 40 } else { -40 };
        let noise = ((x * 2654435761u32) ^ (y * 40503)) % 23;
        let c = |base: i32| (base + wave + edge + noise as i32).clamp(0, 255) as u8;
        Rgb([c(90 + (x / 4) as i32), c(120 - (y / 5) as i32), c(100)])
    });
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    image
        .save_with_format(path, image::ImageFormat::Jpeg)
        .unwrap();
}

/// A folder dataset of two classes whose every image is a copy of the photo.
fn photo_tree(work: &Path, copies: usize) -> PathBuf {
    let root = work.join("photo-tree");
    let photo_path = work.join("photo_500x375.jpg");
    photo(&photo_path);
    for (subset, count, class) in [
        ("train", copies / 2, "a"),
        ("train", copies / 2, "b"),
        ("val", 1, "a"),
        ("val", 1, "b"),
    ] {
        let dir = root.join(subset).join(class);
        std::fs::create_dir_all(&dir).unwrap();
        for i in 0..count {
            let target = dir.join(format!("{i:05}.jpg"));
            if !target.exists() {
                std::fs::copy(&photo_path, &target).unwrap();
            }
        }
    }
    root
}

/// Images per second of training batches of 64 with `threads` decoding threads, over at
/// least `images` images and two seconds.
fn measure(source: Arc<dyn Source>, config: &DatasetConfig, threads: usize, images: usize) -> f64 {
    let split = Split::all(source.catalog()).unwrap();
    let half = split.half(HalfId::All).unwrap();
    // A non-zero mean so that the subtraction is real work.
    let stored = config.stored_size;
    let mean = MeanImage::from_chw(stored, vec![117.0; 3 * stored * stored]).unwrap();
    let preprocess = Preprocess::from_config(config, mean).unwrap();
    let batch = 64;
    let loader = |seed: u64| {
        Loader::train(
            source.clone(),
            half,
            preprocess.clone(),
            batch,
            seed,
            0,
            &Device::Cpu,
        )
        .unwrap()
        .with_threads(threads)
        .with_prefetch(2)
    };
    // Warm the page cache and the pool.
    for b in loader(0).take(2) {
        b.unwrap();
    }
    let start = Instant::now();
    let mut done = 0;
    for b in loader(1) {
        done += b.unwrap().len();
        if done >= images && start.elapsed() >= Duration::from_secs(2) {
            break;
        }
    }
    let rate = done as f64 / start.elapsed().as_secs_f64();
    // A dropped loader's producer finishes the batch it was building: let it, before the next
    // measurement starts.
    std::thread::sleep(Duration::from_millis(500));
    rate
}

/// Packs the case's dataset into `work/<name>.pack`; the config that reads the pack.
fn pack(name: &str, config: &DatasetConfig, work: &Path) -> DatasetConfig {
    let start = Instant::now();
    let summary = write_pack(config, &work.join(format!("{name}.pack")), |_, _| {}).unwrap();
    println!(
        "pack {name} {} {:.1}",
        summary.train + summary.val,
        start.elapsed().as_secs_f64()
    );
    DatasetConfig {
        kind: DatasetKind::Packed,
        path: Some(summary.path),
        ..config.clone()
    }
}

fn main() {
    let args = args();
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let mut cases: Vec<(&str, DatasetConfig)> = Vec::new();
    if let Some(tiny) = &args.tiny {
        cases.push((
            "tiny-imagenet-64-crop56",
            DatasetConfig::on_disk(DatasetKind::TinyImageNet, tiny, 64, 56),
        ));
    } else {
        eprintln!("Tiny ImageNet subset not found; pass --tiny DIR");
    }
    let photos = photo_tree(&args.work, 256);
    cases.push((
        "jpeg-500x375-256-crop227",
        DatasetConfig::on_disk(DatasetKind::Folder, &photos, 256, 227),
    ));
    println!("photo {}", args.work.join("photo_500x375.jpg").display());
    for (name, config) in cases {
        let packed = pack(name, &config, &args.work);
        let sides = [
            (
                name.to_string(),
                convnet_data::open(&config).unwrap(),
                config,
            ),
            (
                format!("{name}-packed"),
                convnet_data::open(&packed).unwrap(),
                packed,
            ),
        ];
        let images = match name {
            n if n.starts_with("jpeg") => args.images / 4,
            _ => args.images,
        };
        for threads in [1, cores] {
            let mut best = [0f64; 2];
            for _ in 0..args.rounds {
                for (side, (_, source, config)) in sides.iter().enumerate() {
                    let rate = measure(source.clone(), config, threads, images);
                    best[side] = best[side].max(rate);
                }
            }
            for ((case, _, _), rate) in sides.iter().zip(best) {
                println!("result {case} {threads} {rate:.1}");
            }
        }
    }
}
