//! The errors of this crate.

/// Everything that can go wrong when building, initialising or running the net.
#[derive(Debug, thiserror::Error)]
pub enum AlexNetError {
    /// `ArchSpec::preset` was given a name it does not know.
    #[error("unknown architecture preset `{name}`; the presets are: {known}")]
    UnknownPreset {
        /// The name that was asked for.
        name: String,
        /// The known preset names, comma separated.
        known: String,
    },
    /// The spec has the wrong number of conv or fc layers.
    #[error(
        "architecture spec field `{field}` must hold exactly {expected} layers, found {found}"
    )]
    LayerCount {
        /// `conv` or `fc`.
        field: &'static str,
        /// How many layers the 8-layer net needs there.
        expected: usize,
        /// How many the spec gave.
        found: usize,
    },
    /// A field of one layer's spec is invalid.
    #[error("architecture spec, layer `{layer}`, field `{field}`: {reason}")]
    InvalidSpec {
        /// The layer (`conv1` ... `fc8`, or `input`, `pool`, `lrn`, `dropout`).
        layer: String,
        /// The offending field.
        field: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// A layer index outside `1..=8`.
    #[error("layer index {layer} is out of range: layers are numbered 1..=8 (conv1..fc8)")]
    LayerOutOfRange {
        /// The index that was given.
        layer: usize,
    },
    /// `Pass::Train { frozen }` with `frozen` above 8.
    #[error("frozen prefix {frozen} is out of range: it must be 0..=8")]
    FrozenOutOfRange {
        /// The value that was given.
        frozen: usize,
    },
    /// The input batch does not have the shape the spec expects.
    #[error("input batch has shape {found:?}, expected [N, {channels}, {size}, {size}]")]
    InputShape {
        /// The shape that was given.
        found: Vec<usize>,
        /// The spec's input channels.
        channels: usize,
        /// The spec's input size.
        size: usize,
    },
    /// [`crate::AlexNet::computing_in`] was given a type other than f32, bf16 or f16.
    #[error("the net computes in f32, bf16 or f16, not {dtype:?}")]
    ComputeType {
        /// The type that was given.
        dtype: candle_core::DType,
    },
    /// A tensor operation failed inside a layer (or while building a parameter).
    #[error("layer `{layer}`")]
    Layer {
        /// The layer, or the parameter key (`conv1.weight`).
        layer: String,
        /// The underlying candle error.
        #[source]
        source: Box<candle_core::Error>,
    },
}

impl AlexNetError {
    /// Wraps a candle error with the name of the layer it happened in.
    pub fn in_layer(layer: impl Into<String>) -> impl FnOnce(candle_core::Error) -> Self {
        let layer = layer.into();
        move |source| Self::Layer {
            layer,
            source: Box::new(source),
        }
    }
}
