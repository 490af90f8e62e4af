//! CIFAR-100 and CIFAR-10, binary versions, held decoded in memory.
//!
//! CIFAR-100: `train.bin` and `test.bin`, 3074-byte records (coarse label, fine label, 1024 red,
//! 1024 green, 1024 blue bytes). CIFAR-10: `data_batch_{1..5}.bin` and `test_batch.bin`, read
//! through `candle_datasets::vision::cifar::load_dir`.

use std::path::Path;

use candle_core::{DType, Tensor};
use convnet_splits::Catalog;

use crate::config::DatasetConfig;
use crate::error::{DataError, Result};
use crate::source::{Location, Sample};
use crate::sources::class_folders::limit_per_class;
use crate::sources::memory_source::MemorySource;

const SIDE: usize = 32;
const PIXELS: usize = SIDE * SIDE * 3;
const CIFAR100_RECORD: usize = PIXELS + 2;
const CIFAR10_RECORD: usize = PIXELS + 1;
const CIFAR10_PER_FILE: usize = 10_000;
/// The files `candle_datasets` reads for CIFAR-10, training files first.
pub const CIFAR10_FILES: [&str; 6] = [
    "data_batch_1.bin",
    "data_batch_2.bin",
    "data_batch_3.bin",
    "data_batch_4.bin",
    "data_batch_5.bin",
    "test_batch.bin",
];

/// Reads CIFAR-100 `train.bin` and `test.bin` under the config's path.
pub fn open_cifar100(config: &DatasetConfig) -> Result<MemorySource> {
    let root = config.root()?;
    let catalog = Catalog::cifar100();
    let mut pixels = Vec::new();
    let train = read_cifar100_file(&root.join("train.bin"), catalog.len(), &mut pixels)?;
    let val = read_cifar100_file(&root.join("test.bin"), catalog.len(), &mut pixels)?;
    let train = limit_per_class(train, catalog.len(), config.max_train_per_class);
    let val = limit_per_class(val, catalog.len(), config.max_val_per_class);
    Ok(MemorySource::new(
        format!("cifar100 at {}", root.display()),
        catalog,
        SIDE,
        pixels,
        train,
        val,
        config.stored_size,
    ))
}

/// Appends the images of one CIFAR-100 file to `pixels` (HWC) and returns their samples,
/// labelled with the fine label.
fn read_cifar100_file(path: &Path, classes: usize, pixels: &mut Vec<u8>) -> Result<Vec<Sample>> {
    let bytes = std::fs::read(path).map_err(|e| DataError::io(path, e))?;
    if bytes.is_empty() || bytes.len() % CIFAR100_RECORD != 0 {
        return Err(DataError::ShortFile {
            path: path.to_path_buf(),
            len: bytes.len() as u64,
            expected: format!("a positive multiple of {CIFAR100_RECORD} (one record per image)"),
        });
    }
    let mut samples = Vec::with_capacity(bytes.len() / CIFAR100_RECORD);
    for (record, chunk) in bytes.chunks_exact(CIFAR100_RECORD).enumerate() {
        let fine = chunk[1] as usize;
        if fine >= classes {
            return Err(DataError::BadRecordLabel {
                path: path.to_path_buf(),
                record,
                label: fine,
                classes,
            });
        }
        let index = pixels.len() / PIXELS;
        push_chw_as_hwc(&chunk[2..], pixels);
        samples.push(Sample {
            class: fine,
            location: Location::Memory(index),
        });
    }
    Ok(samples)
}

fn push_chw_as_hwc(chw: &[u8], pixels: &mut Vec<u8>) {
    let plane = SIDE * SIDE;
    pixels.reserve(PIXELS);
    for i in 0..plane {
        pixels.extend_from_slice(&[chw[i], chw[plane + i], chw[2 * plane + i]]);
    }
}

/// Reads CIFAR-10 through `candle_datasets`; the file sizes are checked first so that a short
/// file is reported by name.
pub fn open_cifar10(config: &DatasetConfig) -> Result<MemorySource> {
    let root = config.root()?;
    let expected = (CIFAR10_PER_FILE * CIFAR10_RECORD) as u64;
    for name in CIFAR10_FILES {
        let path = root.join(name);
        let len = std::fs::metadata(&path)
            .map_err(|e| DataError::io(&path, e))?
            .len();
        if len < expected {
            return Err(DataError::ShortFile {
                path,
                len,
                expected: format!("{expected} ({CIFAR10_PER_FILE} records of {CIFAR10_RECORD})"),
            });
        }
    }
    let candle_error = |source| DataError::Candle {
        context: format!("reading CIFAR-10 from {}", root.display()),
        source,
    };
    let dataset = candle_datasets::vision::cifar::load_dir(root).map_err(candle_error)?;
    let catalog = Catalog::cifar10();
    let mut pixels = Vec::new();
    let train = tensors_to_samples(
        &dataset.train_images,
        &dataset.train_labels,
        catalog.len(),
        &root.join("data_batch_*.bin"),
        &mut pixels,
    )?;
    let val = tensors_to_samples(
        &dataset.test_images,
        &dataset.test_labels,
        catalog.len(),
        &root.join("test_batch.bin"),
        &mut pixels,
    )?;
    let train = limit_per_class(train, catalog.len(), config.max_train_per_class);
    let val = limit_per_class(val, catalog.len(), config.max_val_per_class);
    Ok(MemorySource::new(
        format!("cifar10 at {}", root.display()),
        catalog,
        SIDE,
        pixels,
        train,
        val,
        config.stored_size,
    ))
}

/// Converts candle's `[N,3,32,32]` f32 images in 0..1 back to u8 HWC and checks the labels.
fn tensors_to_samples(
    images: &Tensor,
    labels: &Tensor,
    classes: usize,
    path: &Path,
    pixels: &mut Vec<u8>,
) -> Result<Vec<Sample>> {
    let candle_error = |source| DataError::Candle {
        context: format!("converting CIFAR-10 images of {}", path.display()),
        source,
    };
    let bytes: Vec<u8> = (images * 255.0)
        .and_then(|t| t.round())
        .and_then(|t| t.clamp(0f32, 255f32))
        .and_then(|t| t.to_dtype(DType::U8))
        .and_then(|t| t.flatten_all())
        .and_then(|t| t.to_vec1::<u8>())
        .map_err(candle_error)?;
    let labels: Vec<u8> = labels
        .to_dtype(DType::U8)
        .and_then(|t| t.to_vec1::<u8>())
        .map_err(candle_error)?;
    let mut samples = Vec::with_capacity(labels.len());
    for (record, (label, chw)) in labels.iter().zip(bytes.chunks_exact(PIXELS)).enumerate() {
        let class = *label as usize;
        if class >= classes {
            return Err(DataError::BadRecordLabel {
                path: path.to_path_buf(),
                record,
                label: class,
                classes,
            });
        }
        let index = pixels.len() / PIXELS;
        push_chw_as_hwc(chw, pixels);
        samples.push(Sample {
            class,
            location: Location::Memory(index),
        });
    }
    Ok(samples)
}
