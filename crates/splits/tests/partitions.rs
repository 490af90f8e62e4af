//! Partitions: labels inside halves, dissimilar splits by group, "all", and their errors.

use convnet_splits::{
    Catalog, ClassInfo, Grouping, HalfId, PartitionSpec, Split, SplitError, SplitName, MAN_MADE,
    NATURAL,
};

/// Five classes: a, b natural; c, d man-made; e in group `other` when `with_other`.
fn toy(with_other: bool) -> Catalog {
    let groups = [
        ("a", MAN_MADE),
        ("b", NATURAL),
        ("c", MAN_MADE),
        ("d", NATURAL),
        ("e", if with_other { "other" } else { NATURAL }),
    ];
    let classes = groups
        .iter()
        .enumerate()
        .map(|(index, (id, group))| ClassInfo {
            index,
            id: id.to_string(),
            name: id.to_string(),
            group: Some(group.to_string()),
        })
        .collect();
    Catalog::new("toy", classes).unwrap()
}

fn dissimilar(a: &[&str], b: &[&str]) -> PartitionSpec {
    PartitionSpec::Dissimilar {
        a_groups: a.iter().map(|g| g.to_string()).collect(),
        b_groups: b.iter().map(|g| g.to_string()).collect(),
    }
}

#[test]
fn labels_inside_a_half_follow_ascending_original_index() {
    let catalog = Catalog::ilsvrc2012(Grouping::Paper);
    let split = Split::random(&catalog, 1).unwrap();
    let a = split.half(HalfId::A).unwrap();
    assert_eq!(a.len(), 500);
    assert!(a.classes().windows(2).all(|w| w[0] < w[1]));
    for (label, &class) in a.classes().iter().enumerate() {
        assert_eq!(a.label_of(class), Some(label));
        assert_eq!(a.class_of_label(label), class);
    }
    let b = split.half(HalfId::B).unwrap();
    for class in 0..1000 {
        assert_ne!(
            a.label_of(class).is_some(),
            b.label_of(class).is_some(),
            "class {class}"
        );
    }
}

#[test]
fn random_halves_depend_on_the_seed_and_split_odd_catalogs_evenly_down() {
    let catalog = Catalog::cifar100();
    let zero = Split::random(&catalog, 0).unwrap();
    let one = Split::random(&catalog, 1).unwrap();
    assert_ne!(zero.half(HalfId::A).unwrap(), one.half(HalfId::A).unwrap());
    let odd = toy(false);
    let split = Split::random(&odd, 7).unwrap();
    assert_eq!(split.half(HalfId::A).unwrap().len(), 2);
    assert_eq!(split.half(HalfId::B).unwrap().len(), 3);
}

#[test]
fn two_groups_default_to_natural_in_a() {
    let split = Split::new(
        &toy(false),
        &"natman".parse().unwrap(),
        &dissimilar(&[], &[]),
    )
    .unwrap();
    assert_eq!(split.half(HalfId::A).unwrap().classes(), &[1, 3, 4]);
    assert_eq!(split.half(HalfId::B).unwrap().classes(), &[0, 2]);
    let cifar10 = Split::new(
        &Catalog::cifar10(),
        &"va".parse().unwrap(),
        &dissimilar(&[], &[]),
    )
    .unwrap();
    assert_eq!(cifar10.half(HalfId::A).unwrap().classes(), &[0, 1, 8, 9]);
}

#[test]
fn explicit_groups_choose_the_halves() {
    let split = Split::new(
        &toy(true),
        &"d".parse().unwrap(),
        &dissimilar(&["other", MAN_MADE], &[NATURAL]),
    )
    .unwrap();
    assert_eq!(split.half(HalfId::A).unwrap().classes(), &[0, 2, 4]);
    let complement = Split::new(
        &toy(true),
        &"d".parse().unwrap(),
        &dissimilar(&[NATURAL], &[]),
    )
    .unwrap();
    assert_eq!(complement.half(HalfId::B).unwrap().classes(), &[0, 2, 4]);
    let by_superclass = Catalog::cifar100_by_superclass();
    let split = Split::new(
        &by_superclass,
        &"s".parse().unwrap(),
        &dissimilar(&["vehicles_1", "vehicles_2"], &[]),
    );
    let split = split.unwrap();
    assert_eq!(split.half(HalfId::A).unwrap().len(), 10);
    assert_eq!(split.half(HalfId::B).unwrap().len(), 90);
}

#[test]
fn group_errors_name_the_group() {
    let catalog = toy(true);
    let both = Split::new(
        &catalog,
        &"d".parse().unwrap(),
        &dissimilar(&[NATURAL, "other"], &["other", MAN_MADE]),
    );
    assert!(matches!(both, Err(SplitError::GroupInBothHalves { ref group }) if group == "other"));
    let neither = Split::new(
        &catalog,
        &"d".parse().unwrap(),
        &dissimilar(&[NATURAL], &[MAN_MADE]),
    );
    assert!(
        matches!(neither, Err(SplitError::GroupInNoHalf { ref group, .. }) if group == "other")
    );
    let unknown = Split::new(
        &catalog,
        &"d".parse().unwrap(),
        &dissimilar(&["plants"], &[]),
    );
    let message = unknown.unwrap_err().to_string();
    assert!(
        message.contains("plants") && message.contains("natural"),
        "{message}"
    );
    let three = Split::new(&catalog, &"d".parse().unwrap(), &dissimilar(&[], &[]));
    assert!(matches!(
        three,
        Err(SplitError::NotTwoGroups { count: 3, .. })
    ));
}

#[test]
fn a_half_with_one_class_is_refused() {
    let small = Split::new(
        &toy(true),
        &"d".parse().unwrap(),
        &dissimilar(&["other"], &[]),
    );
    assert!(
        matches!(small, Err(SplitError::HalfTooSmall { len: 1, .. })),
        "{small:?}"
    );
}

#[test]
fn ungrouped_classes_cannot_be_split_by_group() {
    let catalog = toy(false).with_groups([("a", "x"), ("b", "y")]).unwrap();
    let error = Split::new(&catalog, &"d".parse().unwrap(), &dissimilar(&[], &[])).unwrap_err();
    assert!(matches!(error, SplitError::UngroupedClass { ref id, .. } if id == "c"));
}

#[test]
fn all_has_one_half_with_every_class() {
    let catalog = Catalog::cifar10();
    let split = Split::all(&catalog).unwrap();
    assert_eq!(
        split.half(HalfId::All).unwrap().classes(),
        &(0..10).collect::<Vec<_>>()[..]
    );
    assert!(matches!(
        split.half(HalfId::A),
        Err(SplitError::HalfNotInSplit { .. })
    ));
    let random = Split::random(&catalog, 0).unwrap();
    assert!(random.half(HalfId::All).is_err());
}

#[test]
fn bad_names_and_seeds_are_refused() {
    let catalog = Catalog::cifar10();
    for name in ["a/b", "", "random", "random1x"] {
        assert!(name.parse::<SplitName>().is_err(), "{name}");
    }
    // A name whose kind is not the partition's.
    let mismatched = Split::new(&catalog, &SplitName::Random(1), &PartitionSpec::All);
    assert!(matches!(mismatched, Err(SplitError::BadSplitName(_))));
    let mismatched = Split::new(
        &catalog,
        &SplitName::Random(1),
        &PartitionSpec::Random { seed: 2 },
    );
    assert!(matches!(mismatched, Err(SplitError::BadSplitName(_))));
    let seed = Split::random(&catalog, 1 << 40);
    assert!(matches!(seed, Err(SplitError::SeedOutOfRange { .. })));
}

#[test]
fn relabel_list_keeps_order_and_renumbers() {
    let split = Split::new(
        &toy(false),
        &"natman".parse().unwrap(),
        &dissimilar(&[], &[]),
    )
    .unwrap();
    let list = "x.jpg 4\ny.jpg 0\n\nz.jpg 1\nw.jpg 2\n";
    assert_eq!(
        split.relabel_list(HalfId::A, list).unwrap(),
        "x.jpg 2\nz.jpg 0\n"
    );
    assert_eq!(
        split.relabel_list(HalfId::B, list).unwrap(),
        "y.jpg 0\nw.jpg 1\n"
    );
    let error = split
        .relabel_list(HalfId::A, "x.jpg 4\ny.jpg 5\n")
        .unwrap_err();
    assert!(
        matches!(error, SplitError::ListLine { line: 2, .. }),
        "{error}"
    );
    let error = split.relabel_list(HalfId::A, "x.jpg\n").unwrap_err();
    assert!(
        matches!(error, SplitError::ListLine { line: 1, .. }),
        "{error}"
    );
}

#[test]
fn half_ids_parse_and_print() {
    for id in [HalfId::A, HalfId::B, HalfId::All] {
        assert_eq!(id.to_string().parse::<HalfId>().unwrap(), id);
    }
    assert_eq!(HalfId::All.to_string(), "all");
    assert!("C".parse::<HalfId>().is_err());
}

#[test]
fn specs_and_groupings_have_readable_serde_names() {
    let spec: PartitionSpec = serde_json::from_str(r#"{"kind":"random","seed":2}"#).unwrap();
    assert_eq!(spec, PartitionSpec::Random { seed: 2 });
    let spec: PartitionSpec =
        serde_json::from_str(r#"{"kind":"dissimilar","a_groups":["natural"]}"#).unwrap();
    assert_eq!(spec, dissimilar(&[NATURAL], &[]));
    let grouping: Grouping = serde_json::from_str(r#""wordnet-artifact""#).unwrap();
    assert_eq!(grouping, Grouping::WordNetArtifact);
    assert_eq!(
        serde_json::to_string(&Grouping::Paper).unwrap(),
        r#""paper""#
    );
}
