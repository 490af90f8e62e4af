//! The per-pixel mean image of a half's training images (Caffe's `mean.binaryproto`), computed
//! once and cached as safetensors in the run directory.

use std::collections::HashMap;
use std::path::Path;

use candle_core::{Device, Tensor};
use convnet_splits::Half;
use safetensors::tensor::{Dtype, TensorView};

use crate::error::{DataError, Result};
use crate::scan::scan_images;
use crate::source::{Source, Subset};

const TENSOR_NAME: &str = "mean";

/// A 3 x size x size f32 image (CHW, RGB): the mean of each pixel and channel.
#[derive(Debug, Clone, PartialEq)]
pub struct MeanImage {
    size: usize,
    data: Vec<f32>,
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
                source: Box::new(source),
            }
        })
    }

    /// The exact mean of the training images of `half` (integer sums, so the result does not
    /// depend on the number of threads). With `skip_bad_images`, unreadable images are left out
    /// (and logged); otherwise the first one fails with its file name.
    pub fn compute(source: &dyn Source, half: &Half, skip_bad_images: bool) -> Result<Self> {
        let scan = scan_images(source, std::slice::from_ref(half), &[Subset::Train])?;
        if let Some(first) = scan.unreadable.first() {
            if !skip_bad_images {
                return Err(DataError::BadImage {
                    path: first.name.clone(),
                    reason: first.reason.clone(),
                });
            }
            for u in &scan.unreadable {
                tracing::warn!("mean image: skipping {}: {}", u.name, u.reason);
            }
        }
        let empty = || DataError::EmptyHalf {
            subset: "train",
            half: format!("{:?}", half.id()),
        };
        if scan.checked == 0 {
            return Err(empty());
        }
        scan.means
            .into_iter()
            .next()
            .flatten()
            .ok_or_else(|| DataError::EmptyHalf {
                subset: "train",
                half: format!("{:?} (every image unreadable)", half.id()),
            })
    }

    /// What a cached mean of `half` records about its origin (dataset, classes, stored size):
    /// the metadata [`MeanImage::save`] is given and [`MeanImage::load_matching`] checks.
    pub fn fingerprint(source: &dyn Source, half: &Half) -> HashMap<String, String> {
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

    /// Reads the cached mean at `path` if there is one: `None` when the file does not exist, an
    /// error when it was computed from another dataset, half or stored size.
    pub fn load_matching(path: &Path, source: &dyn Source, half: &Half) -> Result<Option<Self>> {
        if !path.exists() {
            return Ok(None);
        }
        let (mean, metadata) = MeanImage::load(path)?;
        for (key, value) in &MeanImage::fingerprint(source, half) {
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
        Ok(Some(mean))
    }

    /// Reads the cached mean at `path` (see [`MeanImage::load_matching`]); without one, computes
    /// it and writes it there atomically.
    pub fn load_or_compute(
        path: &Path,
        source: &dyn Source,
        half: &Half,
        skip_bad_images: bool,
    ) -> Result<Self> {
        if let Some(mean) = MeanImage::load_matching(path, source, half)? {
            return Ok(mean);
        }
        let mean = MeanImage::compute(source, half, skip_bad_images)?;
        mean.save(path, MeanImage::fingerprint(source, half))?;
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
        convnet_files::write_atomic(path, &encoded).map_err(write_error)
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
