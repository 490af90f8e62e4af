//! Catalogs: the ordered classes of a dataset, each with an optional coarse group.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::error::SplitError;

/// The group of natural classes (animals, plants, foods, scenes, ...).
pub const NATURAL: &str = "natural";
/// The group of man-made classes (artifacts: vehicles, tools, furniture, ...).
pub const MAN_MADE: &str = "man-made";

/// One class of a dataset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClassInfo {
    /// The class's label in the whole dataset; equals its position in the catalog.
    pub index: usize,
    /// The dataset's id of the class (a WordNet id, a CIFAR class name, a folder name).
    pub id: String,
    /// A human-readable name.
    pub name: String,
    /// A coarse group (e.g. `natural` / `man-made`), where known.
    pub group: Option<String>,
}

/// Which natural / man-made assignment of the ILSVRC-2012 classes to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum Grouping {
    /// The authors' lists: 449 natural and 551 man-made classes.
    #[default]
    #[serde(rename = "paper")]
    Paper,
    /// The WordNet rule "descends from artifact.n.01": 478 natural and 522 man-made classes.
    #[serde(rename = "wordnet-artifact")]
    WordNetArtifact,
}

/// The classes of a dataset, in label order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Catalog {
    dataset: String,
    classes: Vec<ClassInfo>,
    by_id: HashMap<String, usize>,
}

impl Catalog {
    /// Builds a catalog. Each class's `index` must equal its position; ids must be unique,
    /// non-empty and free of tabs and line breaks.
    pub fn new(dataset: impl Into<String>, classes: Vec<ClassInfo>) -> Result<Self, SplitError> {
        let dataset = dataset.into();
        let mut by_id = HashMap::with_capacity(classes.len());
        for (position, class) in classes.iter().enumerate() {
            if class.index != position {
                return Err(SplitError::IndexMismatch {
                    id: class.id.clone(),
                    dataset,
                    index: class.index,
                    position,
                });
            }
            if class.id.is_empty() || class.id.contains(['\t', '\n', '\r']) {
                return Err(SplitError::BadClassId {
                    id: class.id.clone(),
                    dataset,
                });
            }
            if by_id.insert(class.id.clone(), position).is_some() {
                return Err(SplitError::DuplicateClass {
                    id: class.id.clone(),
                    dataset,
                });
            }
        }
        Ok(Catalog {
            dataset,
            classes,
            by_id,
        })
    }

    /// The dataset's name (`ilsvrc2012`, `tiny-imagenet`, `cifar100`, a folder's name, ...).
    pub fn dataset(&self) -> &str {
        &self.dataset
    }

    /// The number of classes.
    pub fn len(&self) -> usize {
        self.classes.len()
    }

    /// Whether the catalog has no class.
    pub fn is_empty(&self) -> bool {
        self.classes.is_empty()
    }

    /// Every class, in label order.
    pub fn classes(&self) -> &[ClassInfo] {
        &self.classes
    }

    /// The class of a label. Panics when `index >= self.len()`.
    pub fn class(&self, index: usize) -> &ClassInfo {
        &self.classes[index]
    }

    /// The class with this id.
    pub fn find(&self, id: &str) -> Result<&ClassInfo, SplitError> {
        self.by_id
            .get(id)
            .map(|&index| &self.classes[index])
            .ok_or_else(|| SplitError::UnknownClass {
                id: id.to_string(),
                dataset: self.dataset.clone(),
            })
    }

    /// The distinct groups, in order of first appearance.
    pub fn groups(&self) -> Vec<String> {
        let mut groups: Vec<String> = Vec::new();
        for group in self.classes.iter().filter_map(|c| c.group.as_ref()) {
            if !groups.contains(group) {
                groups.push(group.clone());
            }
        }
        groups
    }

    /// The number of classes in a group.
    pub fn group_len(&self, group: &str) -> usize {
        self.classes
            .iter()
            .filter(|c| c.group.as_deref() == Some(group))
            .count()
    }

    /// Replaces every class's group: `groups` maps class ids to group names; classes it does not
    /// name are left without a group. Fails on an id the catalog does not contain.
    pub fn with_groups<I, K, G>(mut self, groups: I) -> Result<Self, SplitError>
    where
        I: IntoIterator<Item = (K, G)>,
        K: AsRef<str>,
        G: Into<String>,
    {
        let mut assigned: Vec<Option<String>> = vec![None; self.classes.len()];
        for (id, group) in groups {
            let index = self.find(id.as_ref())?.index;
            assigned[index] = Some(group.into());
        }
        for (class, group) in self.classes.iter_mut().zip(assigned) {
            class.group = group;
        }
        Ok(self)
    }

    /// The same classes under another dataset name.
    pub fn renamed(mut self, dataset: impl Into<String>) -> Self {
        self.dataset = dataset.into();
        self
    }
}
