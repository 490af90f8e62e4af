//! The errors of catalogs and splits.

use std::path::PathBuf;

/// Everything that can go wrong while building a catalog or a split, or reading their files.
/// Each message names the dataset, class, group, file or line concerned.
#[derive(Debug, thiserror::Error)]
pub enum SplitError {
    /// A class id that the catalog does not contain.
    #[error("unknown class `{id}` in dataset `{dataset}`")]
    UnknownClass {
        /// The class id looked up.
        id: String,
        /// The dataset searched.
        dataset: String,
    },
    /// A class id that is empty or holds a tab or line break (split files are tab-separated).
    #[error("class id `{id}` of dataset `{dataset}` is empty or holds a tab or line break")]
    BadClassId {
        /// The id.
        id: String,
        /// The dataset.
        dataset: String,
    },
    /// Two classes of one catalog share an id.
    #[error("class `{id}` appears twice in dataset `{dataset}`")]
    DuplicateClass {
        /// The repeated id.
        id: String,
        /// The dataset.
        dataset: String,
    },
    /// A class whose `index` is not its position in the catalog.
    #[error(
        "class `{id}` of dataset `{dataset}` has index {index} but sits at position {position}"
    )]
    IndexMismatch {
        /// The class id.
        id: String,
        /// The dataset.
        dataset: String,
        /// The index the class declares.
        index: usize,
        /// Its position in the class list.
        position: usize,
    },
    /// A group name that no class of the catalog carries.
    #[error("unknown group `{group}` in dataset `{dataset}` (its groups: {known})")]
    UnknownGroup {
        /// The group asked for.
        group: String,
        /// The dataset.
        dataset: String,
        /// The groups the dataset has, comma-separated.
        known: String,
    },
    /// A group assigned to both halves of a dissimilar split.
    #[error("group `{group}` is assigned to both half A and half B")]
    GroupInBothHalves {
        /// The group.
        group: String,
    },
    /// A group of the catalog assigned to neither half of a dissimilar split.
    #[error("group `{group}` of dataset `{dataset}` is assigned to neither half A nor half B")]
    GroupInNoHalf {
        /// The group.
        group: String,
        /// The dataset.
        dataset: String,
    },
    /// A dissimilar split without explicit groups needs a catalog of exactly two groups.
    #[error("dataset `{dataset}` has {count} groups ({known}); name the groups of each half with a_groups and b_groups")]
    NotTwoGroups {
        /// The dataset.
        dataset: String,
        /// How many groups it has.
        count: usize,
        /// Its groups, comma-separated.
        known: String,
    },
    /// A class without a group, in a split by groups.
    #[error(
        "class `{id}` of dataset `{dataset}` has no group, so a split by groups cannot place it"
    )]
    UngroupedClass {
        /// The class id.
        id: String,
        /// The dataset.
        dataset: String,
    },
    /// A half with fewer than two classes.
    #[error("half {half} of split `{split}` has {len} classes; a half needs at least 2")]
    HalfTooSmall {
        /// The half.
        half: String,
        /// The split.
        split: String,
        /// Its number of classes.
        len: usize,
    },
    /// A random split of a catalog with fewer than four classes.
    #[error("dataset `{dataset}` has {len} classes; a random split into halves needs at least 4")]
    TooFewClasses {
        /// The dataset.
        dataset: String,
        /// Its number of classes.
        len: usize,
    },
    /// A random seed outside numpy's range `0..2^32`.
    #[error("random seed {seed} of split `{split}` is outside 0..2^32 (numpy's seed range)")]
    SeedOutOfRange {
        /// The seed.
        seed: u64,
        /// The split.
        split: String,
    },
    /// A split name that is empty or holds whitespace or `/` (it prefixes cell names).
    #[error("split name `{0}` must be non-empty, without whitespace or `/`")]
    BadSplitName(String),
    /// A half that the split does not have (A or B of an "all" split, or "all" of an A/B split).
    #[error("split `{split}` has no half {half}")]
    HalfNotInSplit {
        /// The half asked for.
        half: String,
        /// The split.
        split: String,
    },
    /// Text that names no half.
    #[error("`{0}` is not a half: expected A, B or all")]
    BadHalfId(String),
    /// A line of a file list that is not `<file> <label>`.
    #[error("file list line {line}: {reason}: `{text}`")]
    ListLine {
        /// 1-based line number.
        line: usize,
        /// The line.
        text: String,
        /// What is wrong.
        reason: String,
    },
    /// A line of a group file that cannot be used.
    #[error("group file {path}, line {line}: {reason}")]
    GroupFile {
        /// The group file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        reason: String,
    },
    /// A split file that cannot be read back.
    #[error("split file {path}, line {line}: {reason}")]
    SplitFile {
        /// The split file.
        path: PathBuf,
        /// 1-based line number (0 for the file as a whole).
        line: usize,
        /// What is wrong.
        reason: String,
    },
    /// A file or folder that could not be read or written.
    #[error("{path}")]
    Io {
        /// The path concerned.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
}

impl SplitError {
    /// Wraps an I/O error with the path it concerns.
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        SplitError::Io {
            path: path.into(),
            source,
        }
    }
}
