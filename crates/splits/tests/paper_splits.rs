//! The paper's splits, reproduced exactly: class lists and the md5 sums of the authors'
//! validation file lists.

mod common;

use std::collections::HashMap;

use convnet_splits::{Catalog, Grouping, HalfId, PartitionSpec, Split};
use md5::{Digest, Md5};

/// `half0A: 0 1 2 ...` lines of `random_split_class_indices.txt`.
fn reference_class_lists() -> HashMap<String, Vec<usize>> {
    common::read_reference("random_split_class_indices.txt")
        .lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .map(|line| {
            let (name, classes) = line.split_once(':').expect("`name: indices` line");
            let classes = classes
                .split_whitespace()
                .map(|c| c.parse().expect("class index"))
                .collect();
            (name.trim().to_string(), classes)
        })
        .collect()
}

/// `<md5>  <name>/files.txt` lines of `split_files_md5sums.txt`, keyed by `<name>`.
fn reference_md5_sums() -> HashMap<String, String> {
    common::read_reference("split_files_md5sums.txt")
        .lines()
        .filter_map(|line| line.split_once("  "))
        .map(|(sum, file)| {
            let name = file.trim().trim_end_matches("/files.txt").to_string();
            (name, sum.to_string())
        })
        .collect()
}

fn md5_hex(text: &str) -> String {
    Md5::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn index_file(name: &str) -> Vec<usize> {
    common::read_reference(name)
        .split_whitespace()
        .map(|c| c.parse().expect("class index"))
        .collect()
}

#[test]
fn random_halves_match_the_authors_class_lists() {
    let catalog = Catalog::ilsvrc2012(Grouping::Paper);
    let reference = reference_class_lists();
    for seed in 0..4u64 {
        let split = Split::random(&catalog, seed).unwrap();
        for half in [HalfId::A, HalfId::B] {
            let key = format!("half{seed}{half}");
            assert_eq!(
                split.half(half).unwrap().classes(),
                &reference[&key][..],
                "{key}"
            );
        }
    }
}

#[test]
fn natural_man_made_halves_match_the_authors_lists() {
    let catalog = Catalog::ilsvrc2012(Grouping::Paper);
    let split = Split::new(
        &catalog,
        &"natman".parse().unwrap(),
        &PartitionSpec::Dissimilar {
            a_groups: vec![],
            b_groups: vec![],
        },
    )
    .unwrap();
    assert_eq!(
        split.half(HalfId::A).unwrap().classes(),
        &index_file("half_nat_idx.txt")[..]
    );
    assert_eq!(
        split.half(HalfId::B).unwrap().classes(),
        &index_file("half_man_idx.txt")[..]
    );
}

#[test]
fn relabelled_validation_lists_match_the_authors_md5_sums() {
    let catalog = Catalog::ilsvrc2012(Grouping::Paper);
    let whole = common::whole_valid_files();
    let sums = reference_md5_sums();
    let all = Split::all(&catalog).unwrap();
    assert_eq!(
        md5_hex(&all.relabel_list(HalfId::All, &whole).unwrap()),
        sums["whole_valid"]
    );
    let mut splits: Vec<(String, Split)> = (0..4u64)
        .map(|seed| {
            let split = Split::random(&catalog, seed).unwrap();
            (format!("half{seed}"), split)
        })
        .collect();
    splits.push((
        "halfnatman".to_string(),
        Split::new(
            &catalog,
            &"natman".parse().unwrap(),
            &PartitionSpec::natural_man_made(),
        )
        .unwrap(),
    ));
    let mut checked = 0;
    for (prefix, split) in &splits {
        for half in [HalfId::A, HalfId::B] {
            let name = format!("{prefix}{half}_valid");
            let list = split.relabel_list(half, &whole).unwrap();
            assert_eq!(md5_hex(&list), sums[&name], "{name}");
            checked += 1;
        }
    }
    assert_eq!(checked, 10);
}
