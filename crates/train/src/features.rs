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
use convnet_alexnet::AlexNet;
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

/// The features and labels of every image of `data`'s half in `subset`, in batches.
fn features_of(
    net: &AlexNet,
    data: &CellData,
    subset: Subset,
    through: usize,
    batch_size: usize,
    device: &Device,
) -> Result<Batches, TrainError> {
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
            Ok((net.features(&batch.images, through)?, batch.labels))
        })
        .collect()
}

/// Bytes of the features of one image.
fn bytes_per_image(batches: &Batches) -> usize {
    batches.first().map_or(0, |(features, _)| {
        features.elem_count() / features.dim(0).unwrap_or(1).max(1) * 4
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
