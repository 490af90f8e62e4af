//! Dropout with masks from a seeded ChaCha RNG.

use candle_core::{Result, Tensor};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Inverted dropout: each element is zeroed with probability `p` and the survivors are scaled
/// by `1 / (1 - p)`. The mask comes from ChaCha8 seeded by `seed` on stream `stream`, so the
/// same `(seed, stream)` always drops the same elements, on any device.
pub fn dropout(x: &Tensor, p: f32, seed: u64, stream: u64) -> Result<Tensor> {
    if p <= 0.0 {
        return Ok(x.clone());
    }
    if p >= 1.0 {
        return x.zeros_like();
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(stream);
    let keep = 1.0 / (1.0 - p);
    let mask: Vec<f32> = (0..x.elem_count())
        .map(|_| if rng.random::<f32>() < p { 0.0 } else { keep })
        .collect();
    let mask = Tensor::from_vec(mask, x.shape(), x.device())?.to_dtype(x.dtype())?;
    x.mul(&mask)
}
