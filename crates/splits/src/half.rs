//! Halves of a split: their ids and their classes with labels renumbered 0..N-1.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::SplitError;

/// Which half of a split: `A`, `B`, or `all` (the one half of a split that keeps every class).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum HalfId {
    /// Half A.
    #[serde(rename = "A")]
    A,
    /// Half B.
    #[serde(rename = "B")]
    B,
    /// Every class.
    #[serde(rename = "all")]
    All,
}

impl fmt::Display for HalfId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            HalfId::A => "A",
            HalfId::B => "B",
            HalfId::All => "all",
        })
    }
}

impl FromStr for HalfId {
    type Err = SplitError;

    /// Parses `A`, `B` or `all` (`a`, `b`, `ALL` too).
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.trim() {
            "A" | "a" => Ok(HalfId::A),
            "B" | "b" => Ok(HalfId::B),
            t if t.eq_ignore_ascii_case("all") => Ok(HalfId::All),
            other => Err(SplitError::BadHalfId(other.to_string())),
        }
    }
}

/// The classes of one half, by original class index in ascending order. A class's label inside
/// the half is its position in that order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Half {
    id: HalfId,
    classes: Vec<usize>,
}

impl Half {
    /// A half of these original class indices (sorted and deduplicated here).
    pub(crate) fn new(id: HalfId, mut classes: Vec<usize>) -> Self {
        classes.sort_unstable();
        classes.dedup();
        Half { id, classes }
    }

    /// Which half this is.
    pub fn id(&self) -> HalfId {
        self.id
    }

    /// Original class indices, ascending; position = label inside the half.
    pub fn classes(&self) -> &[usize] {
        &self.classes
    }

    /// The number of classes.
    pub fn len(&self) -> usize {
        self.classes.len()
    }

    /// Whether the half has no class (never true for a half of a [`crate::Split`]).
    pub fn is_empty(&self) -> bool {
        self.classes.is_empty()
    }

    /// Whether an original class belongs to this half.
    pub fn contains(&self, original_index: usize) -> bool {
        self.label_of(original_index).is_some()
    }

    /// The label inside the half of an original class, or `None` when the class is not in it.
    pub fn label_of(&self, original_index: usize) -> Option<usize> {
        self.classes.binary_search(&original_index).ok()
    }

    /// The original class of a label inside the half. Panics when `label >= self.len()`.
    pub fn class_of_label(&self, label: usize) -> usize {
        self.classes[label]
    }
}
