//! CIFAR-100 and CIFAR-10, binary versions, held decoded in memory.
//!
//! CIFAR-100: `train.bin` and `test.bin`, 3074-byte records (coarse label, fine label, 1024 red,
//! 1024 green, 1024 blue bytes). CIFAR-10: `data_batch_{1..5}.bin` and `test_batch.bin`,
//! 3073-byte records (label, then the same pixel planes).

use std::path::Path;

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
/// The files of CIFAR-10's binary version, training files first.
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
    let train = read_records(
        &root.join("train.bin"),
        CIFAR100,
        catalog.len(),
        &mut pixels,
    )?;
    let val = read_records(&root.join("test.bin"), CIFAR100, catalog.len(), &mut pixels)?;
    Ok(in_memory(
        "cifar100", config, root, catalog, pixels, train, val,
    ))
}

/// The layout of a CIFAR binary record: its length, and the byte holding the label used.
#[derive(Clone, Copy)]
struct RecordFormat {
    len: usize,
    label_byte: usize,
}

/// CIFAR-100: coarse label, fine label, pixels; the fine label is the class.
const CIFAR100: RecordFormat = RecordFormat {
    len: CIFAR100_RECORD,
    label_byte: 1,
};

/// CIFAR-10: label, pixels.
const CIFAR10: RecordFormat = RecordFormat {
    len: CIFAR10_RECORD,
    label_byte: 0,
};

/// Appends the images of one CIFAR binary file to `pixels` (HWC) and returns their samples.
fn read_records(
    path: &Path,
    format: RecordFormat,
    classes: usize,
    pixels: &mut Vec<u8>,
) -> Result<Vec<Sample>> {
    let bytes = std::fs::read(path).map_err(|e| DataError::io(path, e))?;
    if bytes.is_empty() || bytes.len() % format.len != 0 {
        return Err(DataError::ShortFile {
            path: path.to_path_buf(),
            len: bytes.len() as u64,
            expected: format!(
                "a positive multiple of {} (one record per image)",
                format.len
            ),
        });
    }
    let mut samples = Vec::with_capacity(bytes.len() / format.len);
    for (record, chunk) in bytes.chunks_exact(format.len).enumerate() {
        let class = chunk[format.label_byte] as usize;
        if class >= classes {
            return Err(DataError::BadRecordLabel {
                path: path.to_path_buf(),
                record,
                label: class,
                classes,
            });
        }
        let index = pixels.len() / PIXELS;
        push_chw_as_hwc(&chunk[format.len - PIXELS..], pixels);
        samples.push(Sample {
            class,
            location: Location::Memory(index),
        });
    }
    Ok(samples)
}

/// The decoded dataset as a source, each subset limited per class as the config asks.
fn in_memory(
    dataset: &str,
    config: &DatasetConfig,
    root: &Path,
    catalog: Catalog,
    pixels: Vec<u8>,
    train: Vec<Sample>,
    val: Vec<Sample>,
) -> MemorySource {
    let train = limit_per_class(train, catalog.len(), config.max_train_per_class);
    let val = limit_per_class(val, catalog.len(), config.max_val_per_class);
    MemorySource::new(
        format!("{dataset} at {}", root.display()),
        catalog,
        SIDE,
        pixels,
        train,
        val,
        config.stored_size,
    )
}

fn push_chw_as_hwc(chw: &[u8], pixels: &mut Vec<u8>) {
    let plane = SIDE * SIDE;
    pixels.reserve(PIXELS);
    for i in 0..plane {
        pixels.extend_from_slice(&[chw[i], chw[plane + i], chw[2 * plane + i]]);
    }
}

/// Reads CIFAR-10's `data_batch_{1..5}.bin` (training) and `test_batch.bin` (validation).
pub fn open_cifar10(config: &DatasetConfig) -> Result<MemorySource> {
    let root = config.root()?;
    let catalog = Catalog::cifar10();
    let mut pixels = Vec::new();
    let (train_files, val_file) = CIFAR10_FILES.split_at(5);
    let mut train = Vec::new();
    for name in train_files {
        train.extend(read_records(
            &root.join(name),
            CIFAR10,
            catalog.len(),
            &mut pixels,
        )?);
    }
    let val = read_records(&root.join(val_file[0]), CIFAR10, catalog.len(), &mut pixels)?;
    Ok(in_memory(
        "cifar10", config, root, catalog, pixels, train, val,
    ))
}
