//! The name of a split: what kind of split it is, as cell names, files and configurations
//! write it. Parsed and printed here only.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::SplitError;

/// The name of a split, the prefix of its cells' names (`random0/A3B`, `natman/A7B`,
/// `all/random3`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum SplitName {
    /// `random<seed>`: random halves, drawn by numpy's `RandomState([seed])`.
    Random(u64),
    /// Halves by coarse group (natural / man-made, letters / symbols), under the name the
    /// configuration gives it: a word that is neither `all` nor starts with `random`.
    Dissimilar(String),
    /// `all`: one half holding every class.
    All,
    /// `profile`: a transfer profile, whose half B holds the target dataset's classes (all of
    /// them, or those of `[profile] target_groups`) and whose half A is the data a base net from elsewhere was trained on.
    Profile,
}

impl SplitName {
    /// A dissimilar split's name, checked: a word without `/` or whitespace that is neither
    /// `all` nor `profile` nor starts with `random`.
    pub fn dissimilar(name: &str) -> Result<SplitName, SplitError> {
        match name.parse()? {
            SplitName::Dissimilar(name) => Ok(SplitName::Dissimilar(name)),
            _ => Err(SplitError::BadSplitName(format!(
                "{name} (a dissimilar split's name must not be `all`, `profile` or start with `random`)"
            ))),
        }
    }

    /// Whether this is a random split.
    pub fn is_random(&self) -> bool {
        matches!(self, SplitName::Random(_))
    }
}

impl fmt::Display for SplitName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SplitName::Random(seed) => write!(f, "random{seed}"),
            SplitName::Dissimilar(name) => f.write_str(name),
            SplitName::All => f.write_str("all"),
            SplitName::Profile => f.write_str("profile"),
        }
    }
}

impl FromStr for SplitName {
    type Err = SplitError;

    /// `all`, `profile`, `random<seed>`, or any other word (a dissimilar split).
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bad = || SplitError::BadSplitName(text.to_string());
        if text.is_empty() || text.contains(|c: char| c.is_whitespace() || c == '/') {
            return Err(bad());
        }
        match text {
            "all" => return Ok(SplitName::All),
            "profile" => return Ok(SplitName::Profile),
            _ => {}
        }
        if let Some(seed) = text.strip_prefix("random") {
            return seed.parse().map(SplitName::Random).map_err(|_| bad());
        }
        Ok(SplitName::Dissimilar(text.to_string()))
    }
}

impl TryFrom<String> for SplitName {
    type Error = SplitError;

    /// As [`FromStr`] (the form configurations and files hold).
    fn try_from(text: String) -> Result<Self, Self::Error> {
        text.parse()
    }
}

impl From<SplitName> for String {
    /// As [`fmt::Display`].
    fn from(value: SplitName) -> String {
        value.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_say_their_kind() {
        for (text, name) in [
            ("random0", SplitName::Random(0)),
            ("random12", SplitName::Random(12)),
            ("all", SplitName::All),
            ("profile", SplitName::Profile),
            ("natman", SplitName::Dissimilar("natman".into())),
        ] {
            assert_eq!(text.parse::<SplitName>().unwrap(), name);
            assert_eq!(name.to_string(), text);
        }
        assert!(SplitName::Random(3).is_random());
        assert!(!SplitName::All.is_random());
    }

    #[test]
    fn bad_names_are_refused_with_the_name() {
        for text in ["", "random", "randomx", "a/b", "two words"] {
            let err = text.parse::<SplitName>().unwrap_err().to_string();
            assert!(err.contains(text), "{err}");
        }
        assert!(SplitName::dissimilar("all").is_err());
        assert!(SplitName::dissimilar("random2").is_err());
        assert_eq!(
            SplitName::dissimilar("letters").unwrap(),
            SplitName::Dissimilar("letters".into())
        );
    }
}
