//! The per-pixel mean image of a half's training images (Caffe's `mean.binaryproto`), computed
//! once and cached as safetensors in the run directory.

use std::collections::HashMap;
use std::path::Path;

use candle_core::{Device, Tensor};
use convnet_splits::Half;
use rayon::prelude::*;
use safetensors::tensor::{Dtype, TensorView};

use crate::error::{DataError, Result};
use crate::source::{half_samples, Source, Subset};

const TENSOR_NAME: &str = "mean";
const CHUNK: usize = 256;

/// A 3 x size x size f32 image (CHW, RGB): the mean of each pixel and channel.
#[derive(Debug, Clone, PartialEq)]
pub struct MeanImage {
    size: usize,
    data: Vec<f32>,
}

/// The part of a cached mean image that says what it was computed from.
fn fingerprint(source: &dyn Source, half: &Half) -> HashMap<String, String> {
    let classes: Vec<String> = half.classes().iter().map(|c| c.to_string()).collect();
    HashMap::from([
        (
            "dataset".to_string(),
            source.catalog().dataset().to_string(),
        ),
        ("classes".to_string(), classes.join(",")),
        ("stored_size".to_string(), source.stored_size().to_string()),
    ])
}

impl MeanImage {
    /// An all-zero mean (no mean subtraction).
    pub fn zeros(size: usize) -> Self {
        MeanImage {
            size,
            data: vec![0.0; 3 * size * size],
        }
    }

    /// A mean from CHW values; `data` must hold 3 x size x size values.
    pub fn from_chw(size: usize, data: Vec<f32>) -> Result<Self> {
        if data.len() != 3 * size * size {
            return Err(DataError::config(
                "stored_size",
                format!(
                    "a {size}x{size} mean needs {} values, got {}",
                    3 * size * size,
                    data.len()
                ),
            ));
        }
        Ok(MeanImage { size, data })
    }

    /// The side of the image.
    pub fn size(&self) -> usize {
        self.size
    }

    /// The values, CHW.
    pub fn as_slice(&self) -> &[f32] {
        &self.data
    }

    /// The mean of each channel over all pixels, RGB.
    pub fn channel_means(&self) -> [f32; 3] {
        let plane = self.size * self.size;
        let mut out = [0.0; 3];
        for (c, value) in out.iter_mut().enumerate() {
            let sum: f64 = self.data[c * plane..(c + 1) * plane]
                .iter()
                .map(|&v| v as f64)
                .sum();
            *value = (sum / plane as f64) as f32;
        }
        out
    }

    /// The mean as a `[3, size, size]` f32 tensor.
    pub fn to_tensor(&self, device: &Device) -> Result<Tensor> {
        Tensor::from_slice(&self.data, (3, self.size, self.size), device).map_err(|source| {
            DataError::Candle {
                context: "mean image tensor".to_string(),
                source,
            }
        })
    }

    /// The exact mean of the training images of `half` (integer sums, so the result does not
    /// depend on the number of threads). With `skip_bad_images`, unreadable images are left out
    /// (and logged); otherwise the first one fails with its file name.
    pub fn compute(source: &dyn Source, half: &Half, skip_bad_images: bool) -> Result<Self> {
        MeanImage::compute_counting(source, half, skip_bad_images).map(|(mean, _)| mean)
    }

    /// As [`MeanImage::compute`], also returning the number of unreadable images skipped.
    pub fn compute_counting(
        source: &dyn Source,
        half: &Half,
        skip_bad_images: bool,
    ) -> Result<(Self, usize)> {
        let samples = half_samples(source, half, Subset::Train);
        if samples.is_empty() {
            return Err(DataError::EmptyHalf {
                subset: "train",
                half: format!("{:?}", half.id()),
            });
        }
        let size = source.stored_size();
        let len = 3 * size * size;
        let plane = size * size;
        let train = source.train();
        let partial: Vec<(Vec<u64>, usize, usize)> = samples
            .par_chunks(CHUNK)
            .map(|chunk| {
                let mut sums = vec![0u64; len];
                let (mut good, mut bad) = (0usize, 0usize);
                for &(index, _) in chunk {
                    let sample = &train[index];
                    match source.load(sample) {
                        Ok(image) => {
                            for (i, px) in image.as_raw().chunks_exact(3).enumerate() {
                                sums[i] += px[0] as u64;
                                sums[plane + i] += px[1] as u64;
                                sums[2 * plane + i] += px[2] as u64;
                            }
                            good += 1;
                        }
                        Err(e) if skip_bad_images && e.is_bad_image() => {
                            tracing::warn!("mean image: skipping {}: {e}", source.describe(sample));
                            bad += 1;
                        }
                        Err(e) => return Err(e),
                    }
                }
                Ok((sums, good, bad))
            })
            .collect::<Result<_>>()?;
        let mut sums = vec![0u64; len];
        let (mut good, mut bad) = (0usize, 0usize);
        for (part, g, b) in partial {
            for (total, value) in sums.iter_mut().zip(part) {
                *total += value;
            }
            good += g;
            bad += b;
        }
        if good == 0 {
            return Err(DataError::EmptyHalf {
                subset: "train",
                half: format!("{:?} (every image unreadable)", half.id()),
            });
        }
        let data = sums
            .into_iter()
            .map(|s| (s as f64 / good as f64) as f32)
            .collect();
        Ok((MeanImage { size, data }, bad))
    }

    /// Reads the cached mean at `path` if it exists and was computed from the same dataset, half
    /// and stored size; otherwise computes it and writes it there atomically.
    pub fn load_or_compute(
        path: &Path,
        source: &dyn Source,
        half: &Half,
        skip_bad_images: bool,
    ) -> Result<Self> {
        let expected = fingerprint(source, half);
        if path.exists() {
            let (mean, metadata) = MeanImage::load(path)?;
            for (key, value) in &expected {
                if metadata.get(key) != Some(value) {
                    return Err(DataError::MeanMismatch {
                        path: path.to_path_buf(),
                        reason: format!(
                            "cached for {key} = {:?}, this run has {value:?}; delete the file to recompute",
                            metadata.get(key)
                        ),
                    });
                }
            }
            return Ok(mean);
        }
        let (mean, skipped) = MeanImage::compute_counting(source, half, skip_bad_images)?;
        if skipped > 0 {
            tracing::warn!(
                "mean image {}: {skipped} unreadable images skipped",
                path.display()
            );
        }
        mean.save(path, expected)?;
        Ok(mean)
    }

    /// Writes the mean as a safetensors file (tensor `mean`, `[3, size, size]` f32) with
    /// `metadata`, through a temporary file renamed into place.
    pub fn save(&self, path: &Path, metadata: HashMap<String, String>) -> Result<()> {
        let write_error = |source| DataError::Write {
            path: path.to_path_buf(),
            source,
        };
        let bytes: Vec<u8> = self.data.iter().flat_map(|v| v.to_le_bytes()).collect();
        let view =
            TensorView::new(Dtype::F32, vec![3, self.size, self.size], &bytes).map_err(|e| {
                DataError::Safetensors {
                    path: path.to_path_buf(),
                    reason: e.to_string(),
                }
            })?;
        let encoded =
            safetensors::serialize([(TENSOR_NAME, view)], Some(metadata)).map_err(|e| {
                DataError::Safetensors {
                    path: path.to_path_buf(),
                    reason: e.to_string(),
                }
            })?;
        convnet_splits::write_atomic(path, &encoded).map_err(write_error)
    }

    /// Reads a mean written by [`MeanImage::save`], with its metadata.
    pub fn load(path: &Path) -> Result<(Self, HashMap<String, String>)> {
        let bytes = std::fs::read(path).map_err(|e| DataError::io(path, e))?;
        let bad = |reason: String| DataError::Safetensors {
            path: path.to_path_buf(),
            reason,
        };
        let tensors =
            safetensors::SafeTensors::deserialize(&bytes).map_err(|e| bad(e.to_string()))?;
        let (_, header) =
            safetensors::SafeTensors::read_metadata(&bytes).map_err(|e| bad(e.to_string()))?;
        let view = tensors
            .tensor(TENSOR_NAME)
            .map_err(|e| bad(format!("tensor `{TENSOR_NAME}`: {e}")))?;
        let shape = view.shape();
        if view.dtype() != Dtype::F32 || shape.len() != 3 || shape[0] != 3 || shape[1] != shape[2] {
            return Err(bad(format!(
                "tensor `{TENSOR_NAME}` is {:?} {shape:?}, expected F32 [3, size, size]",
                view.dtype()
            )));
        }
        let data = view
            .data()
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect();
        let metadata = header.metadata().clone().unwrap_or_default();
        Ok((
            MeanImage {
                size: shape[1],
                data,
            },
            metadata,
        ))
    }
}
