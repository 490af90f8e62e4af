//! The one error type of the crate.

/// What can go wrong while reading the paper's embedded tables or comparing profiles.
#[derive(Debug, thiserror::Error)]
pub enum FindingsError {
    /// An embedded reference table of the paper is malformed.
    #[error("embedded paper table {table}, line {line}: {message}")]
    PaperTable {
        /// The table's file name.
        table: &'static str,
        /// One-based line number.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// Transfer profiles that cannot be compared.
    #[error("comparing transfer profiles: {0}")]
    Comparison(String),
}
