//! The named architectures: CaffeNet exactly, and two scaled versions for small images.

use crate::error::AlexNetError;
use crate::spec::{ArchSpec, ConvSpec, FcSpec, LayerInit, LrnSpec, PoolSpec, WeightInit};

/// The names [`ArchSpec::preset`] accepts.
pub const PRESET_NAMES: [&str; 4] = [
    "caffenet",
    "alexnet-32",
    "alexnet-64",
    "torchvision-alexnet",
];

fn gaussian(std: f32, bias: f32) -> LayerInit {
    LayerInit {
        weight: WeightInit::Gaussian { std },
        bias,
    }
}

fn fan_in(gain: f32, bias: f32) -> LayerInit {
    LayerInit {
        weight: WeightInit::FanIn { gain },
        bias,
    }
}

struct Conv(usize, usize, usize, usize, usize, bool, bool, LayerInit);

fn convs(layers: [Conv; 5]) -> Vec<ConvSpec> {
    layers
        .into_iter()
        .map(
            |Conv(out_channels, kernel, stride, pad, groups, pool, lrn, init)| ConvSpec {
                out_channels,
                kernel,
                stride,
                pad,
                groups,
                pool,
                lrn,
                init,
            },
        )
        .collect()
}

const CAFFE_POOL: PoolSpec = PoolSpec {
    kernel: 3,
    stride: 2,
};

const CAFFE_LRN: LrnSpec = LrnSpec {
    size: 5,
    alpha: 1e-4,
    beta: 0.75,
    k: 1.0,
};

/// He-like gain for layers followed by a ReLU.
const RELU_GAIN: f32 = std::f32::consts::SQRT_2;

/// Bias of the scaled presets where CaffeNet uses 1 (conv2, conv4, conv5, fc6, fc7).
const SMALL_BIAS: f32 = 0.1;

impl ArchSpec {
    /// A preset by name: `caffenet`, `alexnet-32`, `alexnet-64` or `torchvision-alexnet`.
    pub fn preset(name: &str, outputs: usize) -> Result<Self, AlexNetError> {
        match name {
            "caffenet" => Ok(Self::caffenet(outputs)),
            "alexnet-32" => Ok(Self::alexnet32(outputs)),
            "alexnet-64" => Ok(Self::alexnet64(outputs)),
            "torchvision-alexnet" => Ok(Self::torchvision_alexnet(outputs)),
            _ => Err(AlexNetError::UnknownPreset {
                name: name.to_string(),
                known: PRESET_NAMES.join(", "),
            }),
        }
    }

    /// CaffeNet exactly as Yosinski et al. trained it: 227x227 input, conv1 96 11x11/4,
    /// pool + LRN, conv2 256 5x5 pad 2 group 2, pool + LRN, conv3 384 3x3, conv4 384 3x3
    /// group 2, conv5 256 3x3 group 2, pool, fc6 4096, fc7 4096 (dropout 0.5), fc8.
    /// Gaussian init, std 0.01 (0.005 for fc6 and fc7), biases 0 1 0 1 1 1 1 0.
    pub fn caffenet(outputs: usize) -> Self {
        Self {
            input_size: 227,
            input_channels: 3,
            conv: convs([
                Conv(96, 11, 4, 0, 1, true, true, gaussian(0.01, 0.0)),
                Conv(256, 5, 1, 2, 2, true, true, gaussian(0.01, 1.0)),
                Conv(384, 3, 1, 1, 1, false, false, gaussian(0.01, 0.0)),
                Conv(384, 3, 1, 1, 2, false, false, gaussian(0.01, 1.0)),
                Conv(256, 3, 1, 1, 2, true, false, gaussian(0.01, 1.0)),
            ]),
            fc: vec![
                FcSpec {
                    out_features: 4096,
                    init: gaussian(0.005, 1.0),
                },
                FcSpec {
                    out_features: 4096,
                    init: gaussian(0.005, 1.0),
                },
            ],
            fc8_init: gaussian(0.01, 0.0),
            outputs,
            dropout: 0.5,
            pool: CAFFE_POOL,
            lrn: CAFFE_LRN,
        }
    }

    /// CaffeNet's 8 layers scaled to 32x32 inputs (CIFAR): conv1 48 5x5/2 pad 2, pool + LRN,
    /// conv2 128 5x5 pad 2 group 2, pool + LRN, conv3 192, conv4 192 group 2, conv5 128
    /// group 2 (3x3 pad 1), pool, fc6 512, fc7 512, fc8. Spatial sizes 8/4/4/4/2.
    /// Fan-in-scaled Gaussian init (gain sqrt(2), fc8 gain 1), biases 0 or 0.1.
    /// See `docs/presets.md`.
    pub fn alexnet32(outputs: usize) -> Self {
        Self::scaled(
            32,
            [
                Conv(48, 5, 2, 2, 1, true, true, fan_in(RELU_GAIN, 0.0)),
                Conv(128, 5, 1, 2, 2, true, true, fan_in(RELU_GAIN, SMALL_BIAS)),
                Conv(192, 3, 1, 1, 1, false, false, fan_in(RELU_GAIN, 0.0)),
                Conv(192, 3, 1, 1, 2, false, false, fan_in(RELU_GAIN, SMALL_BIAS)),
                Conv(128, 3, 1, 1, 2, true, false, fan_in(RELU_GAIN, SMALL_BIAS)),
            ],
            512,
            outputs,
        )
    }

    /// CaffeNet's 8 layers scaled to 64x64 inputs (Tiny ImageNet): conv1 48 7x7/2 pad 3,
    /// pool + LRN, conv2 128 5x5 pad 2 group 2, pool + LRN, conv3 192, conv4 192 group 2,
    /// conv5 128 group 2 (3x3 pad 1), pool, fc6 1024, fc7 1024, fc8. Spatial sizes
    /// 16/8/8/8/4. Fan-in-scaled Gaussian init (gain sqrt(2), fc8 gain 1), biases 0 or 0.1.
    /// See `docs/presets.md`.
    pub fn alexnet64(outputs: usize) -> Self {
        Self::scaled(
            64,
            [
                Conv(48, 7, 2, 3, 1, true, true, fan_in(RELU_GAIN, 0.0)),
                Conv(128, 5, 1, 2, 2, true, true, fan_in(RELU_GAIN, SMALL_BIAS)),
                Conv(192, 3, 1, 1, 1, false, false, fan_in(RELU_GAIN, 0.0)),
                Conv(192, 3, 1, 1, 2, false, false, fan_in(RELU_GAIN, SMALL_BIAS)),
                Conv(128, 3, 1, 1, 2, true, false, fan_in(RELU_GAIN, SMALL_BIAS)),
            ],
            1024,
            outputs,
        )
    }

    /// torchvision's `AlexNet` (the one-GPU variant of Krizhevsky 2014), whose pretrained
    /// state dicts a cell can copy from (`convnet_transfer::Layout::Torchvision`): 224x224
    /// input, conv1 64 11x11/4 pad 2, pool, conv2 192 5x5 pad 2, pool, conv3 384, conv4 256,
    /// conv5 256 (3x3 pad 1), pool, fc6 4096, fc7 4096 (dropout 0.5), fc8; no LRN, no groups.
    /// Its pools give the same sizes rounding up (as here) as down (as PyTorch): 55, 27, 13, 6,
    /// and its adaptive average pool is then an identity. One difference remains: torchvision
    /// drops out the inputs of fc6 and fc7, this net the outputs of fc6 and fc7, which only
    /// training sees. Layers trained here start fan-in scaled.
    pub fn torchvision_alexnet(outputs: usize) -> Self {
        let relu = fan_in(RELU_GAIN, 0.0);
        Self {
            input_size: 224,
            input_channels: 3,
            conv: convs([
                Conv(64, 11, 4, 2, 1, true, false, relu),
                Conv(192, 5, 1, 2, 1, true, false, relu),
                Conv(384, 3, 1, 1, 1, false, false, relu),
                Conv(256, 3, 1, 1, 1, false, false, relu),
                Conv(256, 3, 1, 1, 1, true, false, relu),
            ]),
            fc: vec![
                FcSpec {
                    out_features: 4096,
                    init: relu,
                },
                FcSpec {
                    out_features: 4096,
                    init: relu,
                },
            ],
            fc8_init: fan_in(1.0, 0.0),
            outputs,
            dropout: 0.5,
            pool: CAFFE_POOL,
            lrn: CAFFE_LRN,
        }
    }

    fn scaled(input_size: usize, conv: [Conv; 5], fc_width: usize, outputs: usize) -> Self {
        Self {
            input_size,
            input_channels: 3,
            conv: convs(conv),
            fc: vec![
                FcSpec {
                    out_features: fc_width,
                    init: fan_in(RELU_GAIN, SMALL_BIAS),
                },
                FcSpec {
                    out_features: fc_width,
                    init: fan_in(RELU_GAIN, SMALL_BIAS),
                },
            ],
            fc8_init: fan_in(1.0, 0.0),
            outputs,
            dropout: 0.5,
            pool: CAFFE_POOL,
            lrn: CAFFE_LRN,
        }
    }
}
