//! The 8-layer net: its parameters and its forward pass.

use std::ops::RangeInclusive;

use candle_core::{DType, Tensor};
use candle_nn::VarBuilder;
use convnet_ops as ops;

use crate::dropout::dropout;
use crate::error::AlexNetError;
use crate::spec::{ArchSpec, LAYER_NAMES};

/// How a forward pass runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pass {
    /// Evaluation: no dropout, nothing detached.
    Eval,
    /// Training: dropout on, with masks drawn from a ChaCha RNG seeded by `dropout_seed` (deterministic,
    /// so a resumed run equals a straight one; candle's own CPU RNG cannot be seeded). The output of
    /// layer `frozen` (0 = none) is detached, so no backward pass runs through layers 1..frozen
    /// (they run on detached parameters, and keep nothing for one).
    Train {
        /// Seed of this pass's dropout masks (use a different one every step).
        dropout_seed: u64,
        /// Number of leading layers whose output is detached (0..=8).
        frozen: usize,
    },
}

/// One layer's parameters.
#[derive(Debug, Clone)]
struct Layer {
    weight: Tensor,
    bias: Tensor,
}

/// AlexNet (CaffeNet) as given by an [`ArchSpec`]: conv1..conv5 with ReLU, max-pool and LRN
/// where the spec says, fc6 and fc7 with ReLU and dropout, and the linear classifier fc8.
///
/// It computes in f32 unless told otherwise ([`AlexNet::computing_in`]): in mixed precision
/// its parameters stay as given (the f32 weights an optimizer updates) and each layer computes
/// on copies rounded to the compute type.
#[derive(Debug, Clone)]
pub struct AlexNet {
    spec: ArchSpec,
    layers: Vec<Layer>,
    compute: DType,
}

impl AlexNet {
    /// Builds the net, taking each parameter from `vb` under its checkpoint key:
    /// `vb.pp("conv1").get(shape, "weight")`, ... `vb.pp("fc8").get([outputs], "bias")`.
    ///
    /// A `VarBuilder` over a `VarMap` creates missing variables with its own default init, so
    /// fill it first (see [`crate::init_varmap`]).
    pub fn new(spec: &ArchSpec, vb: VarBuilder) -> Result<Self, AlexNetError> {
        spec.validate()?;
        let mut layers = Vec::with_capacity(LAYER_NAMES.len());
        for (k, name) in LAYER_NAMES.iter().enumerate() {
            let (shape, _, _) = spec.layer_weight(k + 1)?;
            let vb = vb.pp(*name);
            let weight = vb
                .get(shape.clone(), "weight")
                .map_err(AlexNetError::in_layer(format!("{name}.weight")))?;
            let bias = vb
                .get(shape[0], "bias")
                .map_err(AlexNetError::in_layer(format!("{name}.bias")))?;
            layers.push(Layer { weight, bias });
        }
        Ok(Self {
            spec: spec.clone(),
            layers,
            compute: DType::F32,
        })
    }

    /// The same net computing in `dtype` (f32, bf16 or f16): mixed precision, as autocast
    /// runs it. Each layer rounds its input, weights and bias to `dtype` and computes there
    /// (convolutions and matrix products summing in f32 on GPUs' tensor cores and in the CPU's
    /// widened kernels), except the LRN, which computes in f32; the logits come out in f32,
    /// for the loss. The parameters are not changed: their gradients arrive in their own type
    /// (f32), through the rounding, so that the optimizer updates f32 master weights.
    /// [`AlexNet::features`] gives the prefix's output in `dtype`.
    pub fn computing_in(self, dtype: DType) -> Result<Self, AlexNetError> {
        match dtype {
            DType::F32 | DType::BF16 | DType::F16 => Ok(Self {
                compute: dtype,
                ..self
            }),
            other => Err(AlexNetError::ComputeType { dtype: other }),
        }
    }

    /// The type the layers compute in (f32 unless [`AlexNet::computing_in`] said otherwise).
    pub fn compute_dtype(&self) -> DType {
        self.compute
    }

    /// The spec the net was built from.
    pub fn spec(&self) -> &ArchSpec {
        &self.spec
    }

    /// Logits `[N, outputs]` (f32) of a batch `x` `[N, input_channels, input_size, input_size]`.
    pub fn forward(&self, x: &Tensor, pass: &Pass) -> Result<Tensor, AlexNetError> {
        self.forward_layers(x, 1..=8, pass)
    }

    /// Runs layers `layers` (1-based, within 1..=8) on `x`, the input of the first of them
    /// (the image batch for layer 1, the previous layer's output otherwise). With `1..=n` it
    /// gives layer n's output (in the compute type), with `n+1..=8` the logits from it (in
    /// f32): a frozen prefix's output can be computed once and cached.
    pub fn forward_layers(
        &self,
        x: &Tensor,
        layers: RangeInclusive<usize>,
        pass: &Pass,
    ) -> Result<Tensor, AlexNetError> {
        let (first, last) = (*layers.start(), *layers.end());
        for layer in [first, last] {
            if !(1..=8).contains(&layer) {
                return Err(AlexNetError::LayerOutOfRange { layer });
            }
        }
        if let Pass::Train { frozen, .. } = *pass {
            if frozen > 8 {
                return Err(AlexNetError::FrozenOutOfRange { frozen });
            }
        }
        if first == 1 {
            self.check_input(x)?;
        }
        let mut x = x.clone();
        for layer in first..=last {
            let name = LAYER_NAMES[layer - 1];
            // A layer of the frozen prefix runs on detached tensors: no gradient would reach
            // it, and its ops then keep nothing for a backward pass (max-pool no argmax).
            let frozen = matches!(*pass, Pass::Train { frozen, .. } if layer <= frozen);
            x = self
                .layer_forward(layer, &x, pass, frozen)
                .map_err(AlexNetError::in_layer(name))?;
        }
        Ok(x)
    }

    /// The output of layer `through` (1..=7) for a batch of images, as a frozen prefix computes
    /// it and before that layer's dropout: what a cell whose layers `1..=through` never change
    /// can compute once per image and reuse (see [`AlexNet::forward_from_features`]).
    pub fn features(&self, x: &Tensor, through: usize) -> Result<Tensor, AlexNetError> {
        if !(1..=7).contains(&through) {
            return Err(AlexNetError::LayerOutOfRange { layer: through });
        }
        self.forward_layers(x, 1..=through, &Pass::Eval)
    }

    /// The logits from `features`, the output of layer `after` as [`AlexNet::features`] gives
    /// it: in a training pass, layer `after`'s own dropout first (the masks a full forward pass
    /// with the same seed draws), then layers `after + 1..=8`. With features of the same images,
    /// the same values as [`AlexNet::forward`].
    pub fn forward_from_features(
        &self,
        features: &Tensor,
        after: usize,
        pass: &Pass,
    ) -> Result<Tensor, AlexNetError> {
        if !(1..=7).contains(&after) {
            return Err(AlexNetError::LayerOutOfRange { layer: after });
        }
        let x = match *pass {
            Pass::Train { dropout_seed, .. } if after >= 6 => {
                dropout(features, self.spec.dropout, dropout_seed, after as u64)
                    .map_err(AlexNetError::in_layer(LAYER_NAMES[after - 1]))?
            }
            _ => features.clone(),
        };
        self.forward_layers(&x, after + 1..=8, pass)
    }

    fn check_input(&self, x: &Tensor) -> Result<(), AlexNetError> {
        let dims = x.dims();
        let size = self.spec.input_size;
        let channels = self.spec.input_channels;
        if dims.len() != 4 || dims[1] != channels || dims[2] != size || dims[3] != size {
            return Err(AlexNetError::InputShape {
                found: dims.to_vec(),
                channels,
                size,
            });
        }
        Ok(())
    }

    /// One layer (1-based) with its ReLU, pool, LRN and dropout; on detached tensors (input
    /// and parameters) when `detached`, so that nothing tracks gradients.
    fn layer_forward(
        &self,
        layer: usize,
        x: &Tensor,
        pass: &Pass,
        detached: bool,
    ) -> candle_core::Result<Tensor> {
        let params = &self.layers[layer - 1];
        // Rounded to the compute type after detaching, so that a frozen layer's copies track
        // nothing either; in f32 both are no-ops.
        let prepare = |t: &Tensor| {
            let t = if detached { t.detach() } else { t.clone() };
            t.to_dtype(self.compute)
        };
        let (x, weight, bias) = (
            prepare(x)?,
            prepare(&params.weight)?,
            prepare(&params.bias)?,
        );
        if layer <= 5 {
            let conv = &self.spec.conv[layer - 1];
            let mut y = ops::conv2d_relu(&x, &weight, &bias, conv.stride, conv.pad, conv.groups)?;
            if conv.pool {
                y = ops::max_pool(&y, self.spec.pool.kernel, self.spec.pool.stride)?;
            }
            if conv.lrn {
                // A sum of squares raised to a power: in f32 whatever the compute type.
                let params = ops::LrnParams::from(self.spec.lrn);
                y = ops::lrn(&y.to_dtype(DType::F32)?, &params)?.to_dtype(self.compute)?;
            }
            return Ok(y);
        }
        let x = if layer == 6 { x.flatten_from(1)? } else { x };
        let y = x.matmul(&weight.t()?)?.broadcast_add(&bias)?;
        if layer == 8 {
            return y.to_dtype(DType::F32);
        }
        let y = y.relu()?;
        match *pass {
            Pass::Eval => Ok(y),
            Pass::Train { dropout_seed, .. } => {
                dropout(&y, self.spec.dropout, dropout_seed, layer as u64)
            }
        }
    }
}
