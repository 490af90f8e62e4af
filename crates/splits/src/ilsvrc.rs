//! The ILSVRC-2012 catalog (1000 WordNet ids) and Tiny ImageNet's 200 classes drawn from it.

use crate::catalog::{Catalog, ClassInfo, Grouping, MAN_MADE, NATURAL};
use crate::error::SplitError;

/// The class table: `wnid`, `man_made` (WordNet artifact rule), `lemma`, `man_made_paper`
/// (the authors' lists), `idx` (position in the sorted wnid list), tab-separated, one header line.
const ILSVRC2012_CLASSES_TSV: &str = include_str!("../data/ilsvrc2012_classes.tsv");

/// The number of ILSVRC-2012 classes.
const ILSVRC2012_LEN: usize = 1000;

/// One row of the class table.
struct ClassRow<'a> {
    index: usize,
    wnid: &'a str,
    lemma: &'a str,
    man_made_wordnet: bool,
    man_made_paper: bool,
}

fn flag(value: &str, column: &str, line: usize) -> bool {
    match value {
        "0" => false,
        "1" => true,
        other => {
            panic!("ilsvrc2012_classes.tsv line {line}: column {column} is `{other}`, not 0 or 1")
        }
    }
}

/// Parses the compiled-in table. It is part of the crate and checked by its tests, so a malformed
/// row is a build defect and panics with the line.
fn class_rows() -> Vec<ClassRow<'static>> {
    ILSVRC2012_CLASSES_TSV
        .lines()
        .enumerate()
        .skip(1)
        .filter(|(_, text)| !text.trim().is_empty())
        .map(|(number, text)| {
            let line = number + 1;
            let fields: Vec<&str> = text.split('\t').collect();
            assert_eq!(
                fields.len(),
                5,
                "ilsvrc2012_classes.tsv line {line}: expected 5 columns"
            );
            ClassRow {
                wnid: fields[0],
                man_made_wordnet: flag(fields[1], "man_made", line),
                lemma: fields[2],
                man_made_paper: flag(fields[3], "man_made_paper", line),
                index: fields[4].parse().unwrap_or_else(|_| {
                    panic!(
                        "ilsvrc2012_classes.tsv line {line}: idx `{}` is not a number",
                        fields[4]
                    )
                }),
            }
        })
        .collect()
}

fn group_name(man_made: bool) -> String {
    if man_made { MAN_MADE } else { NATURAL }.to_string()
}

impl Catalog {
    /// The 1000 ILSVRC-2012 classes: WordNet ids in sorted order (the paper's label order),
    /// lemma names, groups `natural` / `man-made` by `grouping`.
    pub fn ilsvrc2012(grouping: Grouping) -> Self {
        let mut rows = class_rows();
        rows.sort_by_key(|row| row.index);
        assert_eq!(
            rows.len(),
            ILSVRC2012_LEN,
            "ilsvrc2012_classes.tsv: expected 1000 classes"
        );
        let classes = rows
            .into_iter()
            .map(|row| ClassInfo {
                index: row.index,
                id: row.wnid.to_string(),
                name: row.lemma.to_string(),
                group: Some(group_name(match grouping {
                    Grouping::Paper => row.man_made_paper,
                    Grouping::WordNetArtifact => row.man_made_wordnet,
                })),
            })
            .collect();
        Catalog::new("ilsvrc2012", classes)
            .expect("ilsvrc2012_classes.tsv: idx column is the sorted order of unique wnids")
    }

    /// Tiny ImageNet's classes in the order of its `wnids.txt` (its label order). Every wnid is an
    /// ILSVRC-2012 class, whose name and group (by `grouping`) it takes.
    pub fn tiny_imagenet(wnids: &[String], grouping: Grouping) -> Result<Self, SplitError> {
        let ilsvrc = Catalog::ilsvrc2012(grouping);
        let classes = wnids
            .iter()
            .enumerate()
            .map(|(index, wnid)| {
                let source = ilsvrc.find(wnid.trim())?;
                Ok(ClassInfo {
                    index,
                    id: source.id.clone(),
                    name: source.name.clone(),
                    group: source.group.clone(),
                })
            })
            .collect::<Result<Vec<_>, SplitError>>()?;
        Catalog::new("tiny-imagenet", classes)
    }
}
