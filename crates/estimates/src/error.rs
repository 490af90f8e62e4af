//! The one error type of the crate.

/// What is wrong with the input of an estimator, or why a score could not be computed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EstimateError {
    /// The input has no rows (no images).
    #[error("the input has no rows")]
    NoRows,
    /// The matrix has rows but no columns.
    #[error("the matrix has no columns")]
    NoColumns,
    /// The number of values is not `rows × columns`.
    #[error("{values} values do not form a {rows} x {columns} matrix")]
    ShapeMismatch {
        /// Number of values given.
        values: usize,
        /// Rows asked for.
        rows: usize,
        /// Columns asked for.
        columns: usize,
    },
    /// A matrix value is NaN or infinite.
    #[error("the value at row {row}, column {column} is not finite")]
    NonFinite {
        /// Row (image) of the value.
        row: usize,
        /// Column of the value.
        column: usize,
    },
    /// The number of labels differs from the number of rows (images).
    #[error("{labels} labels were given for {rows} rows")]
    LabelCount {
        /// Number of labels given.
        labels: usize,
        /// Number of rows they should label.
        rows: usize,
    },
    /// A label is not below the number of classes.
    #[error("label {label} at row {row} is not below the class count {classes}")]
    LabelOutOfRange {
        /// Row (image) of the label.
        row: usize,
        /// The label.
        label: usize,
        /// Number of classes.
        classes: usize,
    },
    /// A target class has no image.
    #[error("class {class} has no image")]
    EmptyClass {
        /// The class without images.
        class: usize,
    },
    /// A source probability is negative.
    #[error("the source probability at row {row}, column {column} is negative")]
    NegativeProbability {
        /// Row (image) of the probability.
        row: usize,
        /// Column (source class) of the probability.
        column: usize,
    },
    /// Every source probability of a row is zero.
    #[error("the source probabilities of row {row} are all zero")]
    ZeroProbabilityRow {
        /// Row (image) whose probabilities are all zero.
        row: usize,
    },
    /// The eigendecomposition of a Gram matrix did not converge.
    #[error("the eigendecomposition of the Gram matrix did not converge")]
    NoConvergence,
    /// The LogME evidence of a class is not finite: the features cannot fit the
    /// labels at all, for example because every feature value is zero.
    #[error("the LogME evidence of class {class} is not finite; the features are degenerate (for example all zero)")]
    DegenerateEvidence {
        /// The class whose evidence is not finite.
        class: usize,
    },
}
