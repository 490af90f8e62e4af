//! The architecture spec: the shape of each of the 8 layers and its initialisation.

use convnet_ops::{pool_output_size, LrnParams};
use serde::{Deserialize, Serialize};

use crate::error::AlexNetError;

/// The variable path (and checkpoint key prefix) of each layer, in order.
pub const LAYER_NAMES: [&str; 8] = [
    "conv1", "conv2", "conv3", "conv4", "conv5", "fc6", "fc7", "fc8",
];

/// How a layer's weights are drawn: a zero-mean Gaussian.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum WeightInit {
    /// Gaussian with a fixed standard deviation (Caffe's `gaussian` filler).
    Gaussian {
        /// Standard deviation.
        std: f32,
    },
    /// Gaussian with standard deviation `gain / sqrt(fan_in)` (He et al. with gain sqrt(2)).
    FanIn {
        /// Multiplier of `1 / sqrt(fan_in)`.
        gain: f32,
    },
}

impl WeightInit {
    /// The standard deviation for a layer whose units see `fan_in` inputs.
    pub fn std(&self, fan_in: usize) -> f32 {
        match *self {
            WeightInit::Gaussian { std } => std,
            WeightInit::FanIn { gain } => gain / (fan_in as f32).sqrt(),
        }
    }
}

/// The initialisation of one layer: random weights, constant bias.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LayerInit {
    /// How the weights are drawn.
    pub weight: WeightInit,
    /// The constant every bias starts at.
    pub bias: f32,
}

/// One convolutional stage: convolution, ReLU, then optionally max-pool and LRN (in that order).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConvSpec {
    /// Output channels (filters).
    pub out_channels: usize,
    /// Square kernel size.
    pub kernel: usize,
    /// Stride.
    pub stride: usize,
    /// Zero padding on each side.
    pub pad: usize,
    /// Channel groups (Caffe's `group`); input and output channels must divide by it.
    pub groups: usize,
    /// Whether the stage ends with the overlapping max-pool of [`ArchSpec::pool`].
    pub pool: bool,
    /// Whether the stage ends with the LRN of [`ArchSpec::lrn`] (after the pool).
    pub lrn: bool,
    /// Initialisation.
    pub init: LayerInit,
}

/// One hidden fully connected layer (fc6, fc7): linear, ReLU, dropout.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FcSpec {
    /// Output features.
    pub out_features: usize,
    /// Initialisation.
    pub init: LayerInit,
}

/// Max-pooling window; output size rounds up as in Caffe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PoolSpec {
    /// Square window size (3 in AlexNet); `kernel_size`, as Caffe's `pooling_param` says.
    #[serde(rename = "kernel_size")]
    pub kernel: usize,
    /// Stride (2 in AlexNet).
    pub stride: usize,
}

/// Local response normalisation across channels, as Caffe defines it:
/// `y = x * (k + alpha / size * sum x^2) ^ (-beta)` over a zero-padded window of `size` channels.
/// The net runs it as [`convnet_ops::lrn`], with these values as its [`LrnParams`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LrnSpec {
    /// Channels in the window (odd; 5 in AlexNet); `local_size`, as Caffe's `lrn_param` says.
    #[serde(rename = "local_size")]
    pub size: usize,
    /// Scale of the sum of squares (1e-4).
    pub alpha: f32,
    /// Exponent (0.75).
    pub beta: f32,
    /// Additive constant (1).
    pub k: f32,
}

impl From<LrnSpec> for LrnParams {
    fn from(spec: LrnSpec) -> Self {
        let LrnSpec {
            size,
            alpha,
            beta,
            k,
        } = spec;
        Self {
            size,
            alpha,
            beta,
            k,
        }
    }
}

/// The whole 8-layer net: 5 conv stages, fc6, fc7 and the classifier fc8.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArchSpec {
    /// Side of the square input crop.
    pub input_size: usize,
    /// Input channels (3 for colour images).
    pub input_channels: usize,
    /// conv1..conv5, exactly 5.
    pub conv: Vec<ConvSpec>,
    /// fc6 and fc7, exactly 2.
    pub fc: Vec<FcSpec>,
    /// Initialisation of the classifier fc8.
    pub fc8_init: LayerInit,
    /// Outputs of fc8 (classes). A configuration leaves it out: every net gets the classes
    /// of its half (or the configuration's fixed width).
    #[serde(default, skip_serializing_if = "is_unset")]
    pub outputs: usize,
    /// Dropout probability after fc6 and fc7 (training only).
    pub dropout: f32,
    /// The max-pool used by every stage with `pool = true` (Caffe's `pooling_param`).
    #[serde(rename = "pooling_param")]
    pub pool: PoolSpec,
    /// The LRN used by every stage with `lrn = true` (Caffe's `lrn_param`).
    #[serde(rename = "lrn_param")]
    pub lrn: LrnSpec,
}

/// Whether fc8's width is left to the experiment (0).
fn is_unset(outputs: &usize) -> bool {
    *outputs == 0
}

/// Output side of a convolution, or `None` when the padded input is smaller than the kernel.
pub fn conv_output_size(input: usize, kernel: usize, stride: usize, pad: usize) -> Option<usize> {
    let padded = input + 2 * pad;
    if stride == 0 || padded < kernel {
        return None;
    }
    Some((padded - kernel) / stride + 1)
}

fn invalid(layer: &str, field: &'static str, reason: impl Into<String>) -> AlexNetError {
    AlexNetError::InvalidSpec {
        layer: layer.to_string(),
        field,
        reason: reason.into(),
    }
}

fn validate_init(layer: &str, init: &LayerInit) -> Result<(), AlexNetError> {
    let (value, what) = match init.weight {
        WeightInit::Gaussian { std } => (std, "std"),
        WeightInit::FanIn { gain } => (gain, "gain"),
    };
    if !(value.is_finite() && value >= 0.0) {
        return Err(invalid(
            layer,
            "init",
            format!("weight {what} must be finite and >= 0, got {value}"),
        ));
    }
    if !init.bias.is_finite() {
        return Err(invalid(layer, "init", "bias must be finite"));
    }
    Ok(())
}

impl ArchSpec {
    /// The same net with the weights of layers `1..=layers` drawn by `weight` instead (their
    /// biases as they are): how a random-filter net draws its frozen layers by another rule
    /// than the net's own.
    pub fn with_weight_init(&self, layers: usize, weight: WeightInit) -> ArchSpec {
        let mut spec = self.clone();
        let inits = spec
            .conv
            .iter_mut()
            .map(|c| &mut c.init)
            .chain(spec.fc.iter_mut().map(|f| &mut f.init))
            .chain(std::iter::once(&mut spec.fc8_init));
        for init in inits.take(layers) {
            init.weight = weight;
        }
        spec
    }

    /// Checks the spec: 5 convs and 2 fcs, every size positive, channels divisible by groups,
    /// a spatial size of at least 1 after every stage, sane pool, LRN and dropout settings.
    pub fn validate(&self) -> Result<(), AlexNetError> {
        if self.conv.len() != 5 {
            return Err(AlexNetError::LayerCount {
                field: "conv",
                expected: 5,
                found: self.conv.len(),
            });
        }
        if self.fc.len() != 2 {
            return Err(AlexNetError::LayerCount {
                field: "fc",
                expected: 2,
                found: self.fc.len(),
            });
        }
        if self.input_size == 0 {
            return Err(invalid("input", "input_size", "must be at least 1"));
        }
        if self.input_channels == 0 {
            return Err(invalid("input", "input_channels", "must be at least 1"));
        }
        if self.pool.kernel == 0 {
            return Err(invalid("pool", "kernel", "must be at least 1"));
        }
        if self.pool.stride == 0 {
            return Err(invalid("pool", "stride", "must be at least 1"));
        }
        if self.lrn.size % 2 != 1 {
            return Err(invalid(
                "lrn",
                "size",
                format!("must be odd, got {}", self.lrn.size),
            ));
        }
        if !(self.lrn.alpha.is_finite() && self.lrn.beta.is_finite() && self.lrn.k > 0.0) {
            return Err(invalid(
                "lrn",
                "k",
                "alpha and beta must be finite and k positive",
            ));
        }
        if !(0.0..1.0).contains(&self.dropout) {
            return Err(invalid(
                "dropout",
                "dropout",
                format!("must be in [0, 1), got {}", self.dropout),
            ));
        }
        let mut channels = self.input_channels;
        let mut size = self.input_size;
        for (i, conv) in self.conv.iter().enumerate() {
            let name = LAYER_NAMES[i];
            if conv.out_channels == 0 {
                return Err(invalid(name, "out_channels", "must be at least 1"));
            }
            if conv.kernel == 0 {
                return Err(invalid(name, "kernel", "must be at least 1"));
            }
            if conv.stride == 0 {
                return Err(invalid(name, "stride", "must be at least 1"));
            }
            if conv.groups == 0 {
                return Err(invalid(name, "groups", "must be at least 1"));
            }
            if channels / conv.groups * conv.groups != channels {
                return Err(invalid(
                    name,
                    "groups",
                    format!(
                        "input channels {channels} are not divisible by groups {}",
                        conv.groups
                    ),
                ));
            }
            if conv.out_channels % conv.groups > 0 {
                return Err(invalid(
                    name,
                    "groups",
                    format!(
                        "out_channels {} are not divisible by groups {}",
                        conv.out_channels, conv.groups
                    ),
                ));
            }
            validate_init(name, &conv.init)?;
            size = conv_output_size(size, conv.kernel, conv.stride, conv.pad).ok_or_else(|| {
                invalid(
                    name,
                    "kernel",
                    format!(
                        "kernel {} is larger than the padded input {}",
                        conv.kernel,
                        size + 2 * conv.pad
                    ),
                )
            })?;
            if conv.pool {
                size = pool_output_size(size, self.pool.kernel, self.pool.stride).ok_or_else(
                    || {
                        invalid(
                            name,
                            "pool",
                            format!(
                                "pool window {} is larger than the feature map {size}",
                                self.pool.kernel
                            ),
                        )
                    },
                )?;
            }
            channels = conv.out_channels;
        }
        for (i, fc) in self.fc.iter().enumerate() {
            let name = LAYER_NAMES[5 + i];
            if fc.out_features == 0 {
                return Err(invalid(name, "out_features", "must be at least 1"));
            }
            validate_init(name, &fc.init)?;
        }
        if self.outputs == 0 {
            return Err(invalid("fc8", "outputs", "must be at least 1"));
        }
        validate_init("fc8", &self.fc8_init)
    }

    /// The side of the feature map after each conv stage (after its pool when it has one).
    /// A size that cannot be computed (invalid spec) is reported as 0.
    pub fn spatial_sizes(&self) -> Vec<usize> {
        let mut size = self.input_size;
        self.conv
            .iter()
            .map(|conv| {
                size = conv_output_size(size, conv.kernel, conv.stride, conv.pad).unwrap_or(0);
                if conv.pool {
                    size = pool_output_size(size, self.pool.kernel, self.pool.stride).unwrap_or(0);
                }
                size
            })
            .collect()
    }

    /// The side of each conv's own output, before its pool.
    pub fn conv_output_sizes(&self) -> Vec<usize> {
        let mut size = self.input_size;
        self.conv
            .iter()
            .map(|conv| {
                let out = conv_output_size(size, conv.kernel, conv.stride, conv.pad).unwrap_or(0);
                size = if conv.pool {
                    pool_output_size(out, self.pool.kernel, self.pool.stride).unwrap_or(0)
                } else {
                    out
                };
                out
            })
            .collect()
    }

    /// Inputs of fc6: the last conv stage flattened.
    pub fn fc6_inputs(&self) -> usize {
        let side = self.spatial_sizes().last().copied().unwrap_or(0);
        self.conv.last().map_or(0, |c| c.out_channels) * side * side
    }

    /// Input channels of conv `i` (0-based).
    fn conv_in_channels(&self, i: usize) -> usize {
        if i == 0 {
            self.input_channels
        } else {
            self.conv[i - 1].out_channels
        }
    }

    /// Input features of fc layer `j` (0-based: fc6, fc7, fc8).
    fn fc_in_features(&self, j: usize) -> usize {
        if j == 0 {
            self.fc6_inputs()
        } else {
            self.fc[j - 1].out_features
        }
    }

    /// Weight shape, fan-in and init of layer `layer` (1-based, 1..=8).
    pub fn layer_weight(
        &self,
        layer: usize,
    ) -> Result<(Vec<usize>, usize, LayerInit), AlexNetError> {
        match layer {
            1..=5 => {
                let i = layer - 1;
                let conv = self.conv.get(i).ok_or(AlexNetError::LayerCount {
                    field: "conv",
                    expected: 5,
                    found: self.conv.len(),
                })?;
                let in_per_group = self.conv_in_channels(i) / conv.groups.max(1);
                let shape = vec![conv.out_channels, in_per_group, conv.kernel, conv.kernel];
                Ok((shape, in_per_group * conv.kernel * conv.kernel, conv.init))
            }
            6..=8 => {
                let j = layer - 6;
                let (out, init) = if j < 2 {
                    let fc = self.fc.get(j).ok_or(AlexNetError::LayerCount {
                        field: "fc",
                        expected: 2,
                        found: self.fc.len(),
                    })?;
                    (fc.out_features, fc.init)
                } else {
                    (self.outputs, self.fc8_init)
                };
                let fan_in = self.fc_in_features(j);
                Ok((vec![out, fan_in], fan_in, init))
            }
            _ => Err(AlexNetError::LayerOutOfRange { layer }),
        }
    }

    /// Every parameter's key and shape, in layer order: `("conv1.weight", [96, 3, 11, 11])`,
    /// `("conv1.bias", [96])`, ..., `("fc8.bias", [outputs])`.
    pub fn param_shapes(&self) -> Vec<(String, Vec<usize>)> {
        let mut shapes = Vec::with_capacity(16);
        for (k, name) in LAYER_NAMES.iter().enumerate() {
            if let Ok((shape, _, _)) = self.layer_weight(k + 1) {
                let out = shape[0];
                shapes.push((format!("{name}.weight"), shape));
                shapes.push((format!("{name}.bias"), vec![out]));
            }
        }
        shapes
    }

    /// Number of parameters (weights and biases) of layer `layer` (1-based).
    pub fn layer_params(&self, layer: usize) -> u64 {
        self.layer_weight(layer)
            .map(|(shape, _, _)| shape.iter().product::<usize>() as u64 + shape[0] as u64)
            .unwrap_or(0)
    }

    /// Multiply-adds of layer `layer` (1-based) for one image in the forward pass.
    pub fn layer_multiply_adds(&self, layer: usize) -> u64 {
        let Ok((shape, fan_in, _)) = self.layer_weight(layer) else {
            return 0;
        };
        let outputs = shape[0] as u64;
        if layer <= 5 {
            let side = self.conv_output_sizes()[layer - 1] as u64;
            side * side * outputs * fan_in as u64
        } else {
            outputs * fan_in as u64
        }
    }

    /// Multiply-adds of the convolutions and fully connected layers for one image, forward.
    pub fn multiply_adds(&self) -> u64 {
        (1..=8).map(|l| self.layer_multiply_adds(l)).sum()
    }
}
