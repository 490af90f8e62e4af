//! AlexNet (CaffeNet) from an architecture spec, for the transferability experiments of
//! Yosinski et al. (2014).
//!
//! - [`ArchSpec`]: the 8 layers' shapes and inits; presets `caffenet` (exact), `alexnet-32`
//!   and `alexnet-64` (scaled for small images).
//! - [`init_layer`] / [`init_params`]: seeded, per-layer initialisation.
//! - [`AlexNet`]: the net, whose variable paths (`conv1.weight`, ...) are the checkpoint keys.
//!
//! The net's convolution, max-pool and LRN are the ops of [`convnet_ops`], CPU kernels with
//! backward passes of their own.
#![warn(missing_docs)]

mod dropout;
mod error;
mod init;
mod net;
mod presets;
mod spec;

pub use dropout::dropout;
pub use error::AlexNetError;
pub use init::{init_layer, init_params, init_varmap, varmap_from_params};
pub use net::{AlexNet, Pass};
pub use presets::PRESET_NAMES;
pub use spec::{
    conv_output_size, ArchSpec, ConvSpec, FcSpec, LayerInit, LrnSpec, PoolSpec, WeightInit,
    LAYER_NAMES,
};
