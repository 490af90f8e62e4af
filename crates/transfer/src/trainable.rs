//! Which layers of a net the optimizer may change.

use std::fmt;

use convnet_alexnet::LAYER_NAMES;
use convnet_results::Cell;
use serde::{Deserialize, Serialize};

/// The trainable mask of a cell: one flag per layer, `conv1` to `fc8`.
///
/// Stored in every checkpoint, so that a resumed run can prove it trains the same layers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Trainable {
    layers: [bool; 8],
}

impl Trainable {
    /// Which layers of `cell` train: all of them (bases, fine-tuned nets), or only the layers
    /// above `n` (frozen transfers and selffers, random filters).
    pub fn of(cell: &Cell) -> Self {
        if cell.freezes_copied_layers() {
            Trainable::above(cell.n)
        } else {
            Trainable::all()
        }
    }

    /// Every layer trains.
    pub fn all() -> Self {
        Trainable { layers: [true; 8] }
    }

    /// Layers `1..=n` are frozen, the layers above train.
    pub fn above(n: usize) -> Self {
        let mut layers = [true; 8];
        for flag in layers.iter_mut().take(n) {
            *flag = false;
        }
        Trainable { layers }
    }

    /// Whether layer `layer` (1-based: 1 = conv1, 8 = fc8) trains.
    pub fn layer(&self, layer: usize) -> bool {
        self.layers[layer - 1]
    }

    /// Whether the variable `key` (a checkpoint key such as `conv3.weight`) trains.
    /// Keys that name no layer do not.
    pub fn trains(&self, key: &str) -> bool {
        let layer = key.split('.').next().unwrap_or_default();
        LAYER_NAMES
            .iter()
            .position(|name| *name == layer)
            .is_some_and(|i| self.layers[i])
    }

    /// The number of frozen layers at the bottom of the net: the forward pass detaches the
    /// output of that layer, so no backward pass runs through the frozen prefix.
    pub fn frozen_prefix(&self) -> usize {
        self.layers.iter().take_while(|t| !**t).count()
    }
}

impl fmt::Display for Trainable {
    /// `conv1..conv3 frozen, conv4..fc8 train` style summary.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<String> = LAYER_NAMES
            .iter()
            .zip(self.layers)
            .map(|(name, t)| format!("{name}:{}", if t { "train" } else { "frozen" }))
            .collect();
        f.write_str(&names.join(" "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks() {
        let t = Trainable::above(3);
        assert!(!t.layer(1) && !t.layer(3) && t.layer(4) && t.layer(8));
        assert!(!t.trains("conv2.weight"));
        assert!(t.trains("conv4.bias"));
        assert!(t.trains("fc8.weight"));
        assert!(!t.trains("momentum.fc8.weight"));
        assert_eq!(t.frozen_prefix(), 3);
        assert_eq!(Trainable::all().frozen_prefix(), 0);
        assert_eq!(Trainable::above(7).frozen_prefix(), 7);
    }

    #[test]
    fn cells_train_what_their_mode_says() {
        let of = |name: &str| Trainable::of(&name.parse().unwrap());
        assert_eq!(of("random0/A3B"), Trainable::above(3));
        assert_eq!(of("all/random5"), Trainable::above(5));
        assert_eq!(of("random0/A3B+"), Trainable::all());
        assert_eq!(of("random0/baseA"), Trainable::all());
    }
}
