//! A cell of the grid and its name in the paper's notation.

use std::fmt;
use std::str::FromStr;

use convnet_splits::{HalfId, SplitName};
use serde::{Deserialize, Serialize};

use crate::error::ResultsError;

/// How a cell treats layers `1..n`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// A base net: every layer random at the start and trained (`n = 0`).
    Base,
    /// Layers `1..n` copied from a base net and frozen (`AnB`, `BnB`).
    Frozen,
    /// Layers `1..n` copied from a base net and fine-tuned (`AnB+`, `BnB+`).
    Finetune,
    /// Layers `1..n` left at their random initialisation (the net's own, as its spec draws
    /// it) and frozen (`randomn`).
    Random,
    /// Layers `1..n` drawn from Caffe's Gaussian filler, σ = 0.01 as in the paper's nets (biases
    /// as the net's spec), and frozen (`gaussiann`): the paper's random filters.
    Gaussian,
}

impl Mode {
    /// The lowercase name used in `results.csv`.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Base => "base",
            Mode::Frozen => "frozen",
            Mode::Finetune => "finetune",
            Mode::Random => "random",
            Mode::Gaussian => "gaussian",
        }
    }
}

impl FromStr for Mode {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "base" => Ok(Mode::Base),
            "frozen" => Ok(Mode::Frozen),
            "finetune" => Ok(Mode::Finetune),
            "random" => Ok(Mode::Random),
            "gaussian" => Ok(Mode::Gaussian),
            other => Err(format!(
                "`{other}` is not a mode (base, frozen, finetune, random, gaussian)"
            )),
        }
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One network of the grid: `(split, source half, target half, n, mode)` plus a replicate index.
///
/// Printed and parsed as the paper's name prefixed by the split, e.g. `random0/A3B+`;
/// replicate `r > 0` appends `@r`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Cell {
    /// The split, e.g. `random0`, `natman`, `all`.
    pub split: SplitName,
    /// Half whose base net the copied layers come from; `None` for base and random cells.
    pub source: Option<HalfId>,
    /// Half the cell trains and is evaluated on.
    pub target: HalfId,
    /// Number of copied (or random frozen) layers, `0..=7`; `0` for base cells.
    pub n: usize,
    /// How layers `1..n` are treated.
    pub mode: Mode,
    /// Replicate index; replicate `r` copies from the bases of replicate `r`.
    pub replicate: u32,
}

/// The largest `n`: layers are copied (or left random) from below, and fc8 is always
/// re-initialised.
pub const MAX_N: usize = 7;

impl Cell {
    /// The base net of `target` in `split`.
    pub fn base(split: &SplitName, target: HalfId, replicate: u32) -> Self {
        Cell {
            split: split.clone(),
            source: None,
            target,
            n: 0,
            mode: Mode::Base,
            replicate,
        }
    }

    /// A transfer (`source != target`) or selffer (`source == target`) with `n` copied layers.
    pub fn copied(
        split: &SplitName,
        source: HalfId,
        target: HalfId,
        n: usize,
        mode: Mode,
        replicate: u32,
    ) -> Self {
        Cell {
            split: split.clone(),
            source: Some(source),
            target,
            n,
            mode,
            replicate,
        }
    }

    /// A net with layers `1..n` random and frozen, trained on all classes (split `all`);
    /// `mode` says how they are drawn: [`Mode::Random`] or [`Mode::Gaussian`].
    pub fn random_filters(n: usize, mode: Mode, replicate: u32) -> Self {
        debug_assert!(matches!(mode, Mode::Random | Mode::Gaussian));
        Cell {
            split: SplitName::All,
            source: None,
            target: HalfId::All,
            n,
            mode,
            replicate,
        }
    }

    /// Stage 1 cells (bases) need no other cell; stage 2 cells copy from a base of stage 1.
    pub fn stage(&self) -> u8 {
        if self.base_cell().is_some() {
            2
        } else {
            1
        }
    }

    /// The base cell whose checkpoint layers `1..n` come from, if any.
    pub fn base_cell(&self) -> Option<Cell> {
        match self.mode {
            Mode::Frozen | Mode::Finetune => self
                .source
                .map(|source| Cell::base(&self.split, source, self.replicate)),
            Mode::Base | Mode::Random | Mode::Gaussian => None,
        }
    }

    /// Whether layers `1..n` keep their starting values (frozen transfers and selffers,
    /// random filters) rather than train with the rest (bases, fine-tuned nets).
    pub fn freezes_copied_layers(&self) -> bool {
        matches!(self.mode, Mode::Frozen | Mode::Random | Mode::Gaussian)
    }

    /// A seed for this cell's fresh parameters, derived from the run's seed and the cell's name
    /// (FNV-1a), so that every cell draws its own initialisation, reproducibly.
    pub fn seed(&self, run_seed: u64) -> u64 {
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325 ^ run_seed;
        for byte in self.to_string().bytes() {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
        hash
    }

    /// The cell's path under a run directory's `cells/` folder (its name, with `/` kept).
    pub fn dir_name(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for Cell {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/", self.split)?;
        match (self.mode, self.source) {
            (Mode::Base, _) if self.target == HalfId::All => write!(f, "base")?,
            (Mode::Base, _) => write!(f, "base{}", self.target)?,
            (Mode::Random, _) => write!(f, "random{}", self.n)?,
            (Mode::Gaussian, _) => write!(f, "gaussian{}", self.n)?,
            (Mode::Frozen | Mode::Finetune, source) => {
                let source = source.map_or_else(|| "?".to_string(), |s| s.to_string());
                write!(f, "{source}{}{}", self.n, self.target)?;
                if self.mode == Mode::Finetune {
                    write!(f, "+")?;
                }
            }
        }
        if self.replicate > 0 {
            write!(f, "@{}", self.replicate)?;
        }
        Ok(())
    }
}

impl FromStr for Cell {
    type Err = ResultsError;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        let bad = |reason: &str| ResultsError::BadCellName {
            name: name.to_string(),
            reason: reason.to_string(),
        };
        let (body, replicate) = match name.rsplit_once('@') {
            Some((body, r)) => (
                body,
                r.parse::<u32>()
                    .map_err(|_| bad("the replicate after `@` must be a whole number"))?,
            ),
            None => (name, 0),
        };
        let (split, net) = body
            .split_once('/')
            .ok_or_else(|| bad("missing `/` between split and net"))?;
        let split: SplitName = split
            .parse()
            .map_err(|_| bad("the split name must be `all`, `random<seed>` or a word"))?;
        let half = |c: char| match c {
            'A' => Ok(HalfId::A),
            'B' => Ok(HalfId::B),
            _ => Err(bad("halves are `A` or `B`")),
        };
        let layer = |digits: &str| -> Result<usize, ResultsError> {
            let n: usize = digits
                .parse()
                .map_err(|_| bad("the layer count n must be a number"))?;
            if (1..=MAX_N).contains(&n) {
                Ok(n)
            } else {
                Err(bad("n must be between 1 and 7"))
            }
        };
        if net == "base" {
            if split != SplitName::All {
                return Err(bad("`base` without a half is the base of split `all`"));
            }
            return Ok(Cell::base(&split, HalfId::All, replicate));
        }
        if let Some(h) = net.strip_prefix("base") {
            let mut chars = h.chars();
            return match (chars.next(), chars.next()) {
                (Some(_), None) if split == SplitName::All => {
                    Err(bad("the base of split `all` is `all/base`"))
                }
                (Some(c), None) => Ok(Cell::base(&split, half(c)?, replicate)),
                _ => Err(bad("a base net is `baseA` or `baseB`")),
            };
        }
        for (prefix, mode) in [("random", Mode::Random), ("gaussian", Mode::Gaussian)] {
            if let Some(digits) = net.strip_prefix(prefix) {
                if split != SplitName::All {
                    return Err(bad("random-filter nets belong to split `all`"));
                }
                return Ok(Cell::random_filters(layer(digits)?, mode, replicate));
            }
        }
        let (net, mode) = match net.strip_suffix('+') {
            Some(net) => (net, Mode::Finetune),
            None => (net, Mode::Frozen),
        };
        let mut chars = net.chars();
        let source = chars.next().ok_or_else(|| bad("empty net name"))?;
        let target = chars.next_back().ok_or_else(|| bad("net name too short"))?;
        let digits = chars.as_str();
        if split == SplitName::All {
            return Err(bad("split `all` has no halves to copy between"));
        }
        Ok(Cell::copied(
            &split,
            half(source)?,
            half(target)?,
            layer(digits)?,
            mode,
            replicate,
        ))
    }
}

impl Serialize for Cell {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Cell {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        name.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for name in [
            "random0/baseB",
            "random0/baseA",
            "random0/A3B",
            "random0/A3B+",
            "random1/B5B",
            "random1/B7A+",
            "natman/A7B",
            "all/base",
            "all/random3",
            "all/gaussian3",
            "random0/A3B+@2",
            "all/base@1",
        ] {
            let cell: Cell = name.parse().unwrap();
            assert_eq!(cell.to_string(), name);
        }
    }

    #[test]
    fn parsed_fields() {
        let cell: Cell = "random0/A3B+".parse().unwrap();
        assert_eq!(cell.split, SplitName::Random(0));
        assert_eq!(cell.source, Some(HalfId::A));
        assert_eq!(cell.target, HalfId::B);
        assert_eq!(cell.n, 3);
        assert_eq!(cell.mode, Mode::Finetune);
        assert_eq!(cell.base_cell().unwrap().to_string(), "random0/baseA");
        assert_eq!(cell.stage(), 2);
        let random: Cell = "all/random5".parse().unwrap();
        assert_eq!(random.mode, Mode::Random);
        assert_eq!(random.base_cell(), None);
        assert_eq!(random.stage(), 1);
        assert!(random.freezes_copied_layers());
    }

    #[test]
    fn bad_names_are_rejected_with_the_name() {
        for name in [
            "A3B",
            "random0/A0B",
            "random0/A8B",
            "random0/C3B",
            "random0/baseC",
            "random0/random3",
            "random0/gaussian3",
            "all/gaussian8",
            "random0/base",
            "random0/A3B@x",
            "/A3B",
            "all/A3B",
            "all/baseA",
            "randomx/baseA",
        ] {
            let err = name.parse::<Cell>().unwrap_err().to_string();
            assert!(err.contains(name), "{err}");
        }
    }

    #[test]
    fn seeds_differ_between_cells_and_runs() {
        let a: Cell = "random0/A3B".parse().unwrap();
        let b: Cell = "random0/A4B".parse().unwrap();
        assert_ne!(a.seed(0), b.seed(0));
        assert_ne!(a.seed(0), a.seed(1));
        assert_eq!(a.seed(7), a.seed(7));
    }
}
