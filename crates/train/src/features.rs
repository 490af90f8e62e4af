//! Frozen features computed once.
//!
//! A cell whose layers `1..=k` are frozen (`AnB`, `BnB`, random filters) computes, in every
//! step, the same output of those layers for an image as in every earlier epoch, when the image
//! is seen the same way each time. So the prefix runs once per image, before training, and each
//! step gathers its batch's rows and runs only the layers above. Layers 1-5 have no dropout and
//! are cached whole; fc6's output is cached before its dropout, which each step draws anew with
//! the masks a full pass would draw, so that a frozen fc7 runs in every step (it sits between
//! two dropouts) and costs little.
//!
//! Augmentation: the training features are cached only when the training crop is the whole
//! stored image and mirroring is off, so that an image has one view; otherwise each step runs
//! the prefix on its random crop as before. The validation features (centre crop, no mirror)
//! are cached in either case. Where the features do not fit in `feature_cache_mib`, the prefix
//! runs every step.

use candle_core::{Device, Tensor};
use convnet_alexnet::{AlexNet, Pass};
use convnet_data::{Loader, Subset, TrainOrder};

use crate::error::TrainError;
use crate::trainer::CellData;

/// The highest layer whose output is cached: fc6's (before its dropout).
const HIGHEST_CACHED: usize = 6;

/// Batches of `(features, labels)` of a half's images in one subset, in the source's order.
type Batches = Vec<(Tensor, Tensor)>;

/// The cached outputs of a frozen prefix.
pub(crate) struct FrozenFeatures {
    /// The layer whose output is cached (the net runs the layers above it).
    pub through: usize,
    /// Every training image's features and label, by its position in the half's list, with
    /// the order training visits them; `None` when training sees more than one view of an image
    /// or they do not fit.
    train: Option<(Tensor, Tensor, TrainOrder)>,
    /// The validation batches.
    val: Batches,
}

/// The outputs of layers `layers` (ascending, each within 1..=7) and the labels of every image
/// of `data`'s half in `subset`, in the source's order, one view each (centre crop, no mirror),
/// in batches: per batch one output per layer, as [`AlexNet::features`] gives it (before the
/// layer's dropout). The net runs once per batch, each layer on the output of the one below.
pub(crate) fn layer_batches(
    net: &AlexNet,
    data: &CellData,
    subset: Subset,
    layers: &[usize],
    batch_size: usize,
    device: &Device,
) -> Result<Vec<(Vec<Tensor>, Tensor)>, TrainError> {
    let loader = Loader::once(
        data.source.clone(),
        &data.half,
        data.preprocess.clone(),
        subset,
        batch_size,
        device,
    )?
    .without(&data.unreadable);
    loader
        .map(|batch| {
            let batch = batch?;
            let mut outputs = Vec::with_capacity(layers.len());
            let mut below = 0;
            let mut x = batch.images;
            for &layer in layers {
                x = if below == 0 {
                    net.features(&x, layer)?
                } else {
                    net.forward_layers(&x, below + 1..=layer, &Pass::Eval)?
                };
                outputs.push(x.clone());
                below = layer;
            }
            Ok((outputs, batch.labels))
        })
        .collect()
}

/// The features and labels of every image of `data`'s half in `subset`, in batches: the output
/// of layer `through`.
fn features_of(
    net: &AlexNet,
    data: &CellData,
    subset: Subset,
    through: usize,
    batch_size: usize,
    device: &Device,
) -> Result<Batches, TrainError> {
    Ok(
        layer_batches(net, data, subset, &[through], batch_size, device)?
            .into_iter()
            .map(|(mut outputs, labels)| (outputs.remove(0), labels))
            .collect(),
    )
}

/// Bytes of the features of one image.
fn bytes_per_image(batches: &Batches) -> usize {
    batches.first().map_or(0, |(features, _)| {
        features.elem_count() / features.dim(0).unwrap_or(1).max(1)
            * features.dtype().size_in_bytes()
    })
}

impl FrozenFeatures {
    /// The features of a cell whose layers `1..=frozen` are frozen, or `None` when nothing is
    /// frozen or the budget is 0. `seed` and `batch_size` are the training loader's, so that
    /// [`FrozenFeatures::train_batch`] gives its batches.
    pub(crate) fn build(
        net: &AlexNet,
        data: &CellData,
        frozen: usize,
        seed: u64,
        batch_size: usize,
        budget_mib: u64,
        device: &Device,
    ) -> Result<Option<FrozenFeatures>, TrainError> {
        if frozen == 0 || budget_mib == 0 {
            return Ok(None);
        }
        let through = frozen.min(HIGHEST_CACHED);
        let budget = budget_mib as usize * 1024 * 1024;
        let val = features_of(net, data, Subset::Val, through, batch_size, device)?;
        let per_image = bytes_per_image(&val);
        let val_images: usize = val.iter().map(|(_, l)| l.elem_count()).sum();
        if per_image * val_images > budget {
            return Ok(None);
        }
        let preprocess = &data.preprocess;
        let one_view = preprocess.crop_size() == preprocess.stored_size() && !preprocess.mirror();
        let train_images = data.half_images(Subset::Train);
        let fits = per_image * (val_images + train_images) <= budget;
        let train = if one_view && fits {
            let batches = features_of(net, data, Subset::Train, through, batch_size, device)?;
            let (features, labels): (Vec<Tensor>, Vec<Tensor>) = batches.into_iter().unzip();
            let features = Tensor::cat(&features, 0)?;
            let labels = Tensor::cat(&labels, 0)?;
            let order = TrainOrder::new(seed, labels.elem_count(), batch_size);
            Some((features, labels, order))
        } else {
            None
        };
        Ok(Some(FrozenFeatures {
            through,
            train,
            val,
        }))
    }

    /// Whether every training step reads cached features.
    pub(crate) fn caches_training(&self) -> bool {
        self.train.is_some()
    }

    /// The features and labels of training batch `iteration` (the images [`Loader::train`]
    /// gives for it), when the training features are cached.
    pub(crate) fn train_batch(
        &mut self,
        iteration: u64,
    ) -> Result<Option<(Tensor, Tensor)>, TrainError> {
        let Some((features, labels, order)) = &mut self.train else {
            return Ok(None);
        };
        let items: Vec<u32> = order
            .items(iteration)
            .into_iter()
            .map(|i| i as u32)
            .collect();
        let index = Tensor::new(items.as_slice(), features.device())?;
        Ok(Some((
            features.index_select(&index, 0)?,
            labels.index_select(&index, 0)?,
        )))
    }

    /// The validation batches.
    pub(crate) fn val_batches(&self) -> &[(Tensor, Tensor)] {
        &self.val
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use candle_core::{Device, Tensor};
    use convnet_alexnet::{init_params, ArchSpec, Pass};
    use convnet_data::{DatasetConfig, EmbeddedConfig, MeanImage, Preprocess};
    use convnet_splits::{HalfId, Split};
    use convnet_transfer::{initialise, Base, Cell};

    use super::FrozenFeatures;
    use crate::prefix::net_of;
    use crate::{prefix_features, CellData, CellFiles, CellJob, SolverConfig};

    /// The values of a tensor as bits.
    fn bits(tensor: &Tensor) -> Vec<u32> {
        let values = tensor.flatten_all().unwrap().to_vec1::<f32>().unwrap();
        values.iter().map(|v| v.to_bits()).collect()
    }

    /// Half B of a small embedded dataset, seen whole (one view of each image).
    fn data() -> CellData {
        let mut config = DatasetConfig::embedded(EmbeddedConfig {
            classes: 6,
            train_per_class: 12,
            val_per_class: 4,
            ..EmbeddedConfig::default()
        });
        config.crop_size = config.stored_size;
        config.mirror = false;
        config.scale = 1.0 / 128.0;
        let source = convnet_data::open(&config).unwrap();
        let half = Split::random(source.catalog(), 0)
            .unwrap()
            .half(HalfId::B)
            .unwrap()
            .clone();
        let mean = MeanImage::compute(source.as_ref(), &half, false).unwrap();
        CellData {
            preprocess: Preprocess::from_config(&config, mean).unwrap(),
            source,
            half,
            skip_bad_images: false,
            unreadable: Default::default(),
        }
    }

    fn job(cell: &str, spec: &ArchSpec, base: &std::path::Path) -> CellJob {
        let mut solver = SolverConfig::paper();
        solver.batch_size = 16;
        CellJob {
            cell: cell.parse().unwrap(),
            files: CellFiles {
                checkpoint: base.with_file_name("unused.safetensors"),
                metrics: base.with_file_name("metrics.jsonl"),
                result: base.with_file_name("result.json"),
            },
            spec: spec.clone(),
            solver,
            run_seed: 5,
            base: Some(Base::checkpoint(base)),
            device: Device::Cpu,
            precision: Default::default(),
            stop: Default::default(),
            keep_weights: false,
        }
    }

    #[test]
    fn prefix_features_are_the_frozen_prefixes_of_training_to_the_bit() {
        let data = data();
        let spec = ArchSpec::preset("alexnet-32", 3).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path().join("baseA.safetensors");
        let weights: HashMap<String, Tensor> = init_params(&spec, 9, &Device::Cpu)
            .unwrap()
            .into_iter()
            .collect();
        candle_core::safetensors::save(&weights, &base).unwrap();

        let deepest = job("random0/A7B", &spec, &base);
        let layers: Vec<usize> = (1..=7).collect();
        let estimated = prefix_features(&deepest, &data, &layers).unwrap();
        assert_eq!(estimated.layers.len(), 7);
        assert_eq!(estimated.labels.dims(), [36]);

        for (n, features) in &estimated.layers {
            // What train_cell builds for the frozen cell AnB: its starting net, then its cache.
            let cell: Cell = format!("random0/A{n}B").parse().unwrap();
            let job = job(&cell.to_string(), &spec, &base);
            let seed = cell.seed(job.run_seed);
            let start = initialise(&cell, &spec, seed, job.base.as_ref(), &Device::Cpu).unwrap();
            let params = start.params.into_iter().collect();
            let net = net_of(&spec, params, &Device::Cpu, job.precision).unwrap();
            let frozen = FrozenFeatures::build(&net, &data, *n, seed, 16, 64, &Device::Cpu)
                .unwrap()
                .unwrap();
            let (cached, labels, _) = frozen.train.as_ref().unwrap();
            assert_eq!(
                labels.to_vec1::<u32>().unwrap(),
                estimated.labels.to_vec1::<u32>().unwrap(),
                "labels at n = {n}"
            );
            let trained = if *n <= 6 {
                cached.clone()
            } else {
                // A frozen fc7 runs on the cached fc6 in every step; without dropout, this.
                net.forward_layers(cached, 7..=7, &Pass::Eval).unwrap()
            };
            assert_eq!(trained.dims(), features.dims(), "shape at n = {n}");
            assert!(
                bits(&trained) == bits(features),
                "features differ at n = {n}"
            );
        }
    }

    #[test]
    fn layers_the_cell_does_not_copy_are_refused() {
        let data = data();
        let spec = ArchSpec::preset("alexnet-32", 3).unwrap();
        let base = std::path::Path::new("never-read.safetensors");
        for (cell, layers) in [("random0/A3B", vec![4]), ("random0/A7B", vec![2, 2])] {
            let error = prefix_features(&job(cell, &spec, base), &data, &layers).unwrap_err();
            assert!(
                matches!(error, crate::TrainError::NotCopied { .. }),
                "{cell}: {error}"
            );
        }
    }
}
