//! The initial parameters of a cell's net.

use std::collections::BTreeMap;
use std::path::PathBuf;

use candle_core::{Device, Tensor};
use convnet_alexnet::{init_params, ArchSpec, WeightInit, LAYER_NAMES};

use convnet_results::{Cell, Mode};

use crate::base::Base;
use crate::error::TransferError;
use crate::trainable::Trainable;

/// A cell's starting point: every parameter of the net, and which of them train.
#[derive(Debug)]
pub struct Initialised {
    /// Every parameter, keyed by checkpoint key (`conv1.weight`, ..., `fc8.bias`).
    pub params: BTreeMap<String, Tensor>,
    /// Which layers the optimizer may change.
    pub trainable: Trainable,
    /// The keys copied from the base checkpoint (empty for base and random cells).
    pub copied: Vec<String>,
}

/// The standard deviation of the paper's random filters: Caffe's Gaussian filler in its nets.
pub const PAPER_FILTER_STD: f32 = 0.01;

/// Builds the initial parameters of `cell` for the architecture `spec`.
///
/// Every layer is first drawn fresh from `seed` (see [`convnet_alexnet::init_layer`]); the
/// layers `1..n` of a [`Mode::Gaussian`] cell with weights from a Gaussian of standard
/// deviation [`PAPER_FILTER_STD`] instead of the spec's rule. For
/// frozen and fine-tuned cells, layers `1..n` are then replaced bitwise by the tensors of the
/// base net's weights `base` (their shapes checked against `spec` first); layers `n+1..8` stay fresh (fc8 always, also at
/// `n = 7`). Random-filter cells keep their fresh layers `1..n` and freeze them.
pub fn initialise(
    cell: &Cell,
    spec: &ArchSpec,
    seed: u64,
    base: Option<&Base>,
    device: &Device,
) -> Result<Initialised, TransferError> {
    let mut params = if cell.mode == Mode::Gaussian {
        let gaussian = WeightInit::Gaussian {
            std: PAPER_FILTER_STD,
        };
        init_params(&spec.with_weight_init(cell.n, gaussian), seed, device)?
    } else {
        init_params(spec, seed, device)?
    };
    let mut copied = Vec::new();
    if let Some(base_cell) = cell.base_cell() {
        debug_assert!(matches!(cell.mode, Mode::Frozen | Mode::Finetune));
        let base = base
            .filter(|b| b.path.is_file())
            .ok_or_else(|| TransferError::MissingBase {
                cell: cell.to_string(),
                base: base_cell.to_string(),
                path: base.map_or_else(PathBuf::new, |b| b.path.clone()),
            })?;
        let weights = base.load(device)?;
        weights.check(spec, cell.n)?;
        for layer in &LAYER_NAMES[..cell.n] {
            for part in ["weight", "bias"] {
                let key = format!("{layer}.{part}");
                params.insert(key.clone(), weights.get(&key).clone());
                copied.push(key);
            }
        }
    }
    Ok(Initialised {
        params,
        trainable: Trainable::of(cell),
        copied,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The standard deviation of a tensor's values.
    fn std(tensor: &Tensor) -> f32 {
        let values = tensor.flatten_all().unwrap().to_vec1::<f32>().unwrap();
        let mean = values.iter().sum::<f32>() / values.len() as f32;
        (values.iter().map(|v| (v - mean).powi(2)).sum::<f32>() / values.len() as f32).sqrt()
    }

    /// Whether two tensors hold the same values, bit for bit.
    fn same(a: &Tensor, b: &Tensor) -> bool {
        let bits = |t: &Tensor| {
            let values = t.flatten_all().unwrap().to_vec1::<f32>().unwrap();
            values.iter().map(|v| v.to_bits()).collect::<Vec<_>>()
        };
        bits(a) == bits(b)
    }

    #[test]
    fn gaussian_filters_draw_their_frozen_layers_as_the_papers_nets_the_rest_as_the_spec() {
        let spec = ArchSpec::preset("alexnet-32", 10).unwrap();
        let draw = |name: &str| {
            let cell: Cell = name.parse().unwrap();
            initialise(&cell, &spec, 3, None, &Device::Cpu).unwrap()
        };
        let (gaussian, net) = (draw("all/gaussian3"), draw("all/random3"));
        assert_eq!(gaussian.trainable, net.trainable);
        for layer in ["conv1", "conv2", "conv3"] {
            let weight = &gaussian.params[&format!("{layer}.weight")];
            assert!((std(weight) - PAPER_FILTER_STD).abs() < 0.001, "{layer}");
            let bias = format!("{layer}.bias");
            assert!(same(&gaussian.params[&bias], &net.params[&bias]), "{bias}");
        }
        // conv1 of alexnet-32 draws 1.414 / sqrt(3 * 5 * 5) = 0.16 by its own rule.
        assert!(std(&net.params["conv1.weight"]) > 0.1);
        for key in ["conv4.weight", "fc6.weight", "fc8.weight"] {
            assert!(
                same(&gaussian.params[key], &net.params[key]),
                "{key} differs"
            );
        }
    }
}
