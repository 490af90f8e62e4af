//! Catalog contents: class counts per group, label order, lookups and validation.

mod common;

use convnet_splits::{Catalog, ClassInfo, Grouping, SplitError, MAN_MADE, NATURAL};

#[test]
fn ilsvrc2012_paper_lists_have_449_natural_and_551_man_made() {
    let catalog = Catalog::ilsvrc2012(Grouping::Paper);
    assert_eq!(catalog.len(), 1000);
    assert_eq!(catalog.dataset(), "ilsvrc2012");
    assert_eq!(
        catalog.groups(),
        vec![NATURAL.to_string(), MAN_MADE.to_string()]
    );
    assert_eq!(catalog.group_len(NATURAL), 449);
    assert_eq!(catalog.group_len(MAN_MADE), 551);
}

#[test]
fn ilsvrc2012_wordnet_artifact_rule_has_478_natural_and_522_man_made() {
    let catalog = Catalog::ilsvrc2012(Grouping::WordNetArtifact);
    assert_eq!(catalog.group_len(NATURAL), 478);
    assert_eq!(catalog.group_len(MAN_MADE), 522);
}

#[test]
fn ilsvrc2012_is_in_sorted_wnid_order_with_lemma_names() {
    let catalog = Catalog::ilsvrc2012(Grouping::Paper);
    let ids: Vec<&str> = catalog.classes().iter().map(|c| c.id.as_str()).collect();
    let mut sorted = ids.clone();
    sorted.sort_unstable();
    assert_eq!(ids, sorted);
    assert_eq!(catalog.class(0).id, "n01440764");
    assert_eq!(catalog.class(0).name, "tench");
    assert_eq!(catalog.find("n01443537").unwrap().index, 1);
    assert_eq!(catalog.find("n01443537").unwrap().name, "goldfish");
}

#[test]
fn unknown_class_error_names_the_id_and_dataset() {
    let catalog = Catalog::ilsvrc2012(Grouping::Paper);
    let message = catalog.find("n99999999").unwrap_err().to_string();
    assert!(
        message.contains("n99999999") && message.contains("ilsvrc2012"),
        "{message}"
    );
}

#[test]
#[ignore = "needs ../shared/data"]
fn tiny_imagenet_has_72_natural_and_128_man_made_under_the_paper_lists() {
    let path = common::data_dir().join("tiny-imagenet-200-subset/wnids.txt");
    let wnids: Vec<String> = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_string)
        .collect();
    let catalog = Catalog::tiny_imagenet(&wnids, Grouping::Paper).unwrap();
    assert_eq!(catalog.len(), 200);
    assert_eq!(catalog.dataset(), "tiny-imagenet");
    assert_eq!(catalog.group_len(NATURAL), 72);
    assert_eq!(catalog.group_len(MAN_MADE), 128);
    assert_eq!(catalog.class(0).id, wnids[0]);
}

#[test]
fn tiny_imagenet_keeps_the_given_order_and_rejects_unknown_wnids() {
    let wnids = vec!["n04540053".to_string(), "n01443537".to_string()];
    let catalog = Catalog::tiny_imagenet(&wnids, Grouping::Paper).unwrap();
    assert_eq!(catalog.class(0).id, "n04540053");
    assert_eq!(catalog.class(1).name, "goldfish");
    assert_eq!(catalog.class(1).group.as_deref(), Some(NATURAL));
    let bad = vec!["n01443537".to_string(), "n00000001".to_string()];
    let error = Catalog::tiny_imagenet(&bad, Grouping::Paper).unwrap_err();
    assert!(matches!(error, SplitError::UnknownClass { ref id, .. } if id == "n00000001"));
}

#[test]
fn cifar100_has_100_classes_in_20_superclasses() {
    let catalog = Catalog::cifar100();
    assert_eq!(catalog.len(), 100);
    assert_eq!(catalog.class(0).id, "apple");
    assert_eq!(catalog.class(99).id, "worm");
    assert_eq!(catalog.group_len(NATURAL), 70);
    assert_eq!(catalog.group_len(MAN_MADE), 30);
    let by_superclass = Catalog::cifar100_by_superclass();
    let groups = by_superclass.groups();
    assert_eq!(groups.len(), 20);
    for group in &groups {
        assert_eq!(by_superclass.group_len(group), 5, "{group}");
    }
    assert_eq!(Catalog::cifar100_superclass(0), "fruit_and_vegetables");
    assert_eq!(
        by_superclass.find("whale").unwrap().group.as_deref(),
        Some("aquatic_mammals")
    );
}

#[test]
fn cifar10_has_4_vehicles_and_6_animals() {
    let catalog = Catalog::cifar10();
    assert_eq!(catalog.len(), 10);
    assert_eq!(catalog.group_len("vehicles"), 4);
    assert_eq!(catalog.group_len("animals"), 6);
    assert_eq!(catalog.class(9).id, "truck");
}

fn class(index: usize, id: &str) -> ClassInfo {
    ClassInfo {
        index,
        id: id.to_string(),
        name: id.to_string(),
        group: None,
    }
}

#[test]
fn new_rejects_duplicate_ids_and_misplaced_indices() {
    let duplicate = Catalog::new("toy", vec![class(0, "a"), class(1, "a")]).unwrap_err();
    assert!(matches!(duplicate, SplitError::DuplicateClass { ref id, .. } if id == "a"));
    let misplaced = Catalog::new("toy", vec![class(0, "a"), class(2, "b")]).unwrap_err();
    assert!(matches!(
        misplaced,
        SplitError::IndexMismatch {
            index: 2,
            position: 1,
            ..
        }
    ));
    let tabbed = Catalog::new("toy", vec![class(0, "a\tb")]).unwrap_err();
    assert!(matches!(tabbed, SplitError::BadClassId { .. }));
    assert!(Catalog::new("toy", vec![]).unwrap().is_empty());
}

#[test]
fn with_groups_regroups_and_rejects_unknown_classes() {
    let catalog = Catalog::new("toy", vec![class(0, "a"), class(1, "b"), class(2, "c")]).unwrap();
    let grouped = catalog
        .clone()
        .with_groups([("c", "x"), ("a", "y")])
        .unwrap();
    assert_eq!(grouped.groups(), vec!["y".to_string(), "x".to_string()]);
    assert_eq!(grouped.class(1).group, None);
    let error = catalog.with_groups([("d", "x")]).unwrap_err();
    assert!(error.to_string().contains("`d`"), "{error}");
}
