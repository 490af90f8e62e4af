//! Class catalogs of image datasets and their partitions into halves A and B, as in
//! Yosinski et al., "How transferable are features in deep neural networks?" (NIPS 2014).
//!
//! A [`Catalog`] names the classes of a dataset in label order and, where known, a coarse group
//! per class (natural / man-made, CIFAR superclasses, ...). A [`Split`] partitions a catalog by a
//! [`PartitionSpec`]: random halves by seed (numpy's legacy `RandomState([seed])`, so the paper's
//! four ImageNet splits come out exactly), dissimilar halves by group, or one half with every
//! class. Inside a [`Half`], labels are `0..N-1` in ascending original class index. A
//! [`SplitName`] says what kind of split a name denotes (`random0`, `natman`, `all`).
#![warn(missing_docs)]

mod catalog;
mod cifar;
mod error;
mod folder;
mod half;
mod ilsvrc;
mod numpy_random;
mod partition;
mod relabel;
mod split_file;
mod split_name;

pub use catalog::{Catalog, ClassInfo, Grouping, MAN_MADE, NATURAL};
pub use cifar::{CIFAR100_SUPERCLASSES, CIFAR10_ANIMALS, CIFAR10_VEHICLES};
pub use error::SplitError;
pub use half::{Half, HalfId};
pub use numpy_random::{legacy_choice_without_replacement, LegacyRandomState};
pub use partition::{PartitionSpec, Split};
pub use split_file::classes_in_split_file;
pub use split_name::SplitName;
