//! Partitions of a catalog into halves: random by seed, dissimilar by group, or all classes.

use serde::{Deserialize, Serialize};

use crate::catalog::{Catalog, MAN_MADE, NATURAL};
use crate::error::SplitError;
use crate::half::{Half, HalfId};
use crate::numpy_random::legacy_choice_without_replacement;
use crate::split_name::SplitName;

/// How to partition a catalog's classes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum PartitionSpec {
    /// Half A = `sorted(numpy.random.RandomState([seed]).choice(N, N // 2, replace=False))`,
    /// half B = the other classes (see [`crate::LegacyRandomState`]). The same algorithm for
    /// every dataset; seeds 0..3 on ILSVRC-2012 are the paper's four random splits.
    Random {
        /// numpy seed, `0..2^32`.
        seed: u64,
    },
    /// Halves by the catalog's groups. With both lists empty the catalog must have exactly two
    /// groups: for `natural` / `man-made` the natural group is A (as in the authors' code
    /// release; the paper's text calls the man-made half A), otherwise the group of the first
    /// class is A. With one list empty, that half takes every group the other does not name.
    /// With both given, every group must be in exactly one of them.
    Dissimilar {
        /// Groups of half A.
        #[serde(default)]
        a_groups: Vec<String>,
        /// Groups of half B.
        #[serde(default)]
        b_groups: Vec<String>,
    },
    /// One half, `all`, with every class.
    All,
    /// A transfer profile's target: half B alone, every class of the named groups (every
    /// class when none is named); half A is a base net's own training data, which this catalog
    /// does not hold.
    Target {
        /// The groups of the target's classes; empty: every class.
        #[serde(default)]
        groups: Vec<String>,
    },
}

impl PartitionSpec {
    /// `random`, `dissimilar`, `all` or `target`.
    pub fn kind(&self) -> &'static str {
        match self {
            PartitionSpec::Random { .. } => "random",
            PartitionSpec::Dissimilar { .. } => "dissimilar",
            PartitionSpec::All => "all",
            PartitionSpec::Target { .. } => "target",
        }
    }

    /// The paper's dissimilar split: natural classes in A, man-made in B.
    pub fn natural_man_made() -> Self {
        PartitionSpec::Dissimilar {
            a_groups: vec![NATURAL.to_string()],
            b_groups: vec![MAN_MADE.to_string()],
        }
    }
}

/// A named partition of a catalog: halves A and B, or the one half `all`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split {
    name: SplitName,
    dataset: String,
    spec: PartitionSpec,
    catalog_len: usize,
    halves: Vec<Half>,
}

impl Split {
    /// Partitions `catalog` by `spec` under `name`, whose kind must be the spec's (a random
    /// split `random<seed>` of the same seed, `all` for every class, any other name for halves
    /// by group). Each half needs at least two classes.
    pub fn new(
        catalog: &Catalog,
        name: &SplitName,
        spec: &PartitionSpec,
    ) -> Result<Self, SplitError> {
        let matches = match (name, spec) {
            (SplitName::Random(a), PartitionSpec::Random { seed: b }) => a == b,
            (SplitName::All, PartitionSpec::All) => true,
            (SplitName::Profile, PartitionSpec::Target { .. }) => true,
            (SplitName::Dissimilar(_), PartitionSpec::Dissimilar { .. }) => true,
            _ => false,
        };
        if !matches {
            let kind = match spec {
                PartitionSpec::Random { seed } => format!("the random split of seed {seed}"),
                other => format!("a {} split", other.kind()),
            };
            return Err(SplitError::BadSplitName(format!(
                "{name} (not the name of {kind})"
            )));
        }
        let halves = match spec {
            PartitionSpec::Random { seed } => random_halves(catalog, &name.to_string(), *seed)?,
            PartitionSpec::Dissimilar { a_groups, b_groups } => {
                group_halves(catalog, a_groups, b_groups)?
            }
            PartitionSpec::All => vec![Half::new(HalfId::All, (0..catalog.len()).collect())],
            PartitionSpec::Target { groups } if groups.is_empty() => {
                vec![Half::new(HalfId::B, (0..catalog.len()).collect())]
            }
            PartitionSpec::Target { groups } => {
                vec![Half::new(HalfId::B, group_members(catalog, groups)?)]
            }
        };
        for half in &halves {
            if half.len() < 2 {
                return Err(SplitError::HalfTooSmall {
                    half: half.id().to_string(),
                    split: name.to_string(),
                    len: half.len(),
                });
            }
        }
        Ok(Split {
            name: name.clone(),
            dataset: catalog.dataset().to_string(),
            spec: spec.clone(),
            catalog_len: catalog.len(),
            halves,
        })
    }

    /// The random split `random<seed>` of `catalog`.
    pub fn random(catalog: &Catalog, seed: u64) -> Result<Self, SplitError> {
        Split::new(
            catalog,
            &SplitName::Random(seed),
            &PartitionSpec::Random { seed },
        )
    }

    /// The split `all` of `catalog`: one half with every class.
    pub fn all(catalog: &Catalog) -> Result<Self, SplitError> {
        Split::new(catalog, &SplitName::All, &PartitionSpec::All)
    }

    /// The split's name (`random0`, `natman`, `all`, ...), the prefix of its cells' names.
    pub fn name(&self) -> &SplitName {
        &self.name
    }

    /// The dataset of the catalog it partitions.
    pub fn dataset(&self) -> &str {
        &self.dataset
    }

    /// How it was made.
    pub fn spec(&self) -> &PartitionSpec {
        &self.spec
    }

    /// The number of classes of the whole catalog.
    pub fn catalog_len(&self) -> usize {
        self.catalog_len
    }

    /// Its halves: A then B, or the one half `all`.
    pub fn halves(&self) -> &[Half] {
        &self.halves
    }

    /// One half; A or B of an "all" split, or `all` of an A/B split, is an error.
    pub fn half(&self, id: HalfId) -> Result<&Half, SplitError> {
        self.halves
            .iter()
            .find(|half| half.id() == id)
            .ok_or_else(|| SplitError::HalfNotInSplit {
                half: id.to_string(),
                split: self.name.to_string(),
            })
    }
}

fn random_halves(catalog: &Catalog, name: &str, seed: u64) -> Result<Vec<Half>, SplitError> {
    let seed = u32::try_from(seed).map_err(|_| SplitError::SeedOutOfRange {
        seed,
        split: name.to_string(),
    })?;
    let n = catalog.len();
    if n < 4 {
        return Err(SplitError::TooFewClasses {
            dataset: catalog.dataset().to_string(),
            len: n,
        });
    }
    let a = legacy_choice_without_replacement(seed, n, n / 2);
    let mut in_a = vec![false; n];
    for &class in &a {
        in_a[class] = true;
    }
    let b = (0..n).filter(|&class| !in_a[class]).collect();
    Ok(vec![Half::new(HalfId::A, a), Half::new(HalfId::B, b)])
}

/// Resolves which groups go to A and which to B, then places every class by its group.
fn group_halves(
    catalog: &Catalog,
    a_groups: &[String],
    b_groups: &[String],
) -> Result<Vec<Half>, SplitError> {
    let groups = known_groups(catalog, a_groups.iter().chain(b_groups))?;
    let known = groups.join(", ");
    if let Some(group) = a_groups.iter().find(|g| b_groups.contains(g)) {
        return Err(SplitError::GroupInBothHalves {
            group: group.clone(),
        });
    }
    let others = |named: &[String]| -> Vec<String> {
        groups
            .iter()
            .filter(|g| !named.contains(g))
            .cloned()
            .collect()
    };
    let (a_groups, b_groups) = match (a_groups.is_empty(), b_groups.is_empty()) {
        (true, true) => default_group_order(catalog, &groups, &known)?,
        (false, true) => (a_groups.to_vec(), others(a_groups)),
        (true, false) => (others(b_groups), b_groups.to_vec()),
        (false, false) => (a_groups.to_vec(), b_groups.to_vec()),
    };
    if let Some(group) = groups
        .iter()
        .find(|g| !a_groups.contains(g) && !b_groups.contains(g))
    {
        return Err(SplitError::GroupInNoHalf {
            group: group.clone(),
            dataset: catalog.dataset().to_string(),
        });
    }
    Ok(vec![
        Half::new(HalfId::A, members(catalog, &a_groups)),
        Half::new(HalfId::B, members(catalog, &b_groups)),
    ])
}

/// The classes of `groups`, in catalog order, once every group is known.
fn group_members(catalog: &Catalog, groups: &[String]) -> Result<Vec<usize>, SplitError> {
    known_groups(catalog, groups)?;
    Ok(members(catalog, groups))
}

/// The classes of `groups`, in catalog order.
fn members(catalog: &Catalog, groups: &[String]) -> Vec<usize> {
    catalog
        .classes()
        .iter()
        .filter(|c| c.group.as_ref().is_some_and(|g| groups.contains(g)))
        .map(|c| c.index)
        .collect()
}

/// The catalog's groups, once every class has one and every group of `named` is among them.
fn known_groups<'a>(
    catalog: &Catalog,
    named: impl IntoIterator<Item = &'a String>,
) -> Result<Vec<String>, SplitError> {
    if let Some(class) = catalog.classes().iter().find(|c| c.group.is_none()) {
        return Err(SplitError::UngroupedClass {
            id: class.id.clone(),
            dataset: catalog.dataset().to_string(),
        });
    }
    let groups = catalog.groups();
    for group in named {
        if !groups.contains(group) {
            return Err(SplitError::UnknownGroup {
                group: group.clone(),
                dataset: catalog.dataset().to_string(),
                known: groups.join(", "),
            });
        }
    }
    Ok(groups)
}

/// The two groups of a two-group catalog as (A, B): natural first for natural / man-made,
/// otherwise the first class's group first.
fn default_group_order(
    catalog: &Catalog,
    groups: &[String],
    known: &str,
) -> Result<(Vec<String>, Vec<String>), SplitError> {
    if groups.len() != 2 {
        return Err(SplitError::NotTwoGroups {
            dataset: catalog.dataset().to_string(),
            count: groups.len(),
            known: known.to_string(),
        });
    }
    let (first, second) = (groups[0].clone(), groups[1].clone());
    if first == MAN_MADE && second == NATURAL {
        Ok((vec![second], vec![first]))
    } else {
        Ok((vec![first], vec![second]))
    }
}
