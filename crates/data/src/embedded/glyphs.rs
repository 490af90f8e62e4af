//! The classes of the embedded dataset: one glyph each, in two coarse groups of similar size.
//!
//! `letters` holds Latin, Greek and Cyrillic letters; `symbols` holds arrows, mathematical
//! signs, geometric shapes and pictographs. Glyphs that look alike across classes (Latin A and
//! Greek Alpha, Greek Sigma and the n-ary sum, V and logical or) are left out, and so is one of
//! every pair that are mirror images (N and Cyrillic I, R and Ya, E and "there exists", left and
//! right arrows), because training mirrors images at random.

use crate::error::{DataError, Result};

/// The group name of the letter classes.
pub const LETTERS: &str = "letters";
/// The group name of the symbol classes.
pub const SYMBOLS: &str = "symbols";

/// One class of the embedded dataset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GlyphClass {
    /// The character drawn.
    pub ch: char,
    /// Its script or kind (`latin`, `greek`, `arrow`, ...).
    pub script: &'static str,
    /// Its coarse group: [`LETTERS`] or [`SYMBOLS`].
    pub group: &'static str,
}

const LATIN_UPPER: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const LATIN_LOWER: &str = "adefghkmnqrty";
const GREEK: &str = "ΓΔΘΛΞΠΣΦΨΩ";
const CYRILLIC: &str = "БДЖЗЦЧШЩЪЫЬЭЮ";
const ARROWS: &str = "←↑↓↔↕↖↘⇐⇑⇓⇔↺↵";
const MATH: &str = "∀∂∅∇∈±√∞∠∫≈≠≡≤⊂⊕⊗⊥";
const SHAPES: &str = "■□▲△▼▽▶▷◆◇○●◎◐★☆";
const PICTOGRAPHS: &str = "♠♣♥♦♪♫☀☁☂☃☎☺♀♂⚓✓✗✚✦✿❄☯☮☢⌂⌘✈✂✉⚠⚡";

/// Round-robin over the scripts of a group, so that any prefix mixes them.
fn interleave(group: &'static str, scripts: &[(&'static str, &'static str)]) -> Vec<GlyphClass> {
    let lists: Vec<Vec<GlyphClass>> = scripts
        .iter()
        .map(|(script, chars)| {
            chars
                .chars()
                .map(|ch| GlyphClass { ch, script, group })
                .collect()
        })
        .collect();
    let longest = lists.iter().map(Vec::len).max().unwrap_or(0);
    (0..longest)
        .flat_map(|i| lists.iter().filter_map(move |list| list.get(i).copied()))
        .collect()
}

/// Every letter class, in the order they are taken.
pub fn letters() -> Vec<GlyphClass> {
    interleave(
        LETTERS,
        &[
            ("latin", LATIN_UPPER),
            ("greek", GREEK),
            ("cyrillic", CYRILLIC),
            ("latin-lowercase", LATIN_LOWER),
        ],
    )
}

/// Every symbol class, in the order they are taken.
pub fn symbols() -> Vec<GlyphClass> {
    interleave(
        SYMBOLS,
        &[
            ("arrow", ARROWS),
            ("math", MATH),
            ("shape", SHAPES),
            ("pictograph", PICTOGRAPHS),
        ],
    )
}

/// The most classes the dataset can have (twice the smaller group).
pub fn max_classes() -> usize {
    2 * letters().len().min(symbols().len())
}

/// The first `classes` classes: `ceil(classes / 2)` letters, then `floor(classes / 2)` symbols.
pub fn select(classes: usize) -> Result<Vec<GlyphClass>> {
    if classes > max_classes() {
        return Err(DataError::config(
            "embedded.classes",
            format!("{classes} is more than the {} glyph classes", max_classes()),
        ));
    }
    let mut selected: Vec<GlyphClass> = letters().into_iter().take(classes.div_ceil(2)).collect();
    selected.extend(symbols().into_iter().take(classes / 2));
    Ok(selected)
}
