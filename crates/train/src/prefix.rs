//! A cell's frozen prefix on every training image of its half, without training: the features
//! that transferability estimates score, computed as training computes them; and the base net's
//! own classifier on them.

use std::collections::HashMap;

use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use convnet_alexnet::{AlexNet, ArchSpec, Pass};
use convnet_data::Subset;
use convnet_transfer::{initialise, Base};

use crate::error::TrainError;
use crate::features::layer_batches;
use crate::precision::Precision;
use crate::trainer::{CellData, CellJob};

/// The outputs of some layers of a net for every training image of a half.
#[derive(Debug)]
pub struct LayerFeatures {
    /// Each layer asked for, ascending, with its output for every image: `[images, channels,
    /// height, width]` for conv1-conv5 (after their pool and LRN), `[images, width]` for fc6
    /// and fc7 (after their ReLU, before their dropout); f32 (a bf16 net's widened).
    pub layers: Vec<(usize, Tensor)>,
    /// The label of each image inside the half.
    pub labels: Tensor,
}

/// The outputs of layers `layers` (ascending, each within `1..=n`) of the net that `job.cell`
/// (a cell copying layers `1..n` from `job.base`) starts from, for every training image of
/// `data`'s half in the source's order, seen once each (centre crop, no mirror).
///
/// These are, to the bit, the features the frozen prefix of the cell copying layers `1..k` of
/// the same base computes once per image when it trains (for `k <= 6`; a frozen fc7 runs in
/// every step on fc6's features, and this is its output without dropout): the net starts as
/// training starts it ([`convnet_transfer::initialise`]) and runs as the frozen prefix runs,
/// with the cell's batch size, one pass over the images for all the layers.
///
/// # Errors
/// [`TrainError::NotCopied`] for a layer the cell does not copy, and those of building the net
/// and loading the images.
pub fn prefix_features(
    job: &CellJob,
    data: &CellData,
    layers: &[usize],
) -> Result<LayerFeatures, TrainError> {
    let copied = if job.cell.base_cell().is_some() {
        job.cell.n
    } else {
        0
    };
    let mut below = 0;
    for &layer in layers {
        if layer <= below || layer > copied {
            return Err(TrainError::NotCopied {
                cell: job.cell.to_string(),
                layer,
                copied,
            });
        }
        below = layer;
    }
    let seed = job.cell.seed(job.run_seed);
    let start = initialise(&job.cell, &job.spec, seed, job.base.as_ref(), &job.device)?;
    let net = net_of(
        &job.spec,
        start.params.into_iter().collect(),
        &job.device,
        job.precision,
    )?;
    let batches = layer_batches(
        &net,
        data,
        Subset::Train,
        layers,
        job.solver.batch_size,
        &job.device,
    )?;
    let mut outputs: Vec<Vec<Tensor>> = vec![Vec::with_capacity(batches.len()); layers.len()];
    let mut labels = Vec::with_capacity(batches.len());
    for (batch, batch_labels) in batches {
        for (output, tensor) in outputs.iter_mut().zip(batch) {
            output.push(tensor);
        }
        labels.push(batch_labels);
    }
    Ok(LayerFeatures {
        layers: layers
            .iter()
            .zip(outputs)
            .map(|(&layer, output)| Ok((layer, Tensor::cat(&output, 0)?.to_dtype(DType::F32)?)))
            .collect::<Result<_, TrainError>>()?,
        labels: Tensor::cat(&labels, 0)?,
    })
}

/// The logits of `base`'s own classifier, its fc8, on `fc7`: the base's fc7 features (from
/// [`prefix_features`] at layer 7), one row per image, one column per source class. `spec` is
/// the net of the cell that copied them, whose fc8 is replaced by the base's.
///
/// # Errors
/// Those of reading the base, and a base whose layers, fc8 included, do not fit `spec`.
pub fn base_classifier(base: &Base, spec: &ArchSpec, fc7: &Tensor) -> Result<Tensor, TrainError> {
    let weights = base.load(fc7.device())?;
    let outputs = weights.tensors["fc8.bias"].dims1()?;
    let spec = ArchSpec {
        outputs,
        ..spec.clone()
    };
    weights.check(&spec, 8)?;
    let net = net_of(&spec, weights.tensors, fc7.device(), Precision::Fp32)?;
    Ok(net.forward_from_features(fc7, 7, &Pass::Eval)?)
}

/// The net `spec` with the parameters `params` (by checkpoint key), on `device`, computing in
/// `precision`.
pub(crate) fn net_of(
    spec: &ArchSpec,
    params: HashMap<String, Tensor>,
    device: &Device,
    precision: Precision,
) -> Result<AlexNet, TrainError> {
    let net = AlexNet::new(spec, VarBuilder::from_tensors(params, DType::F32, device))?;
    Ok(net.computing_in(precision.compute_dtype())?)
}
