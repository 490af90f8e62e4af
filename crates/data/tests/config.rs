//! The dataset config: serde names and validation.

use convnet_data::{DatasetConfig, DatasetKind};
use convnet_splits::Grouping;

#[derive(serde::Deserialize)]
struct Wrapper {
    data: DatasetConfig,
}

fn parse(text: &str) -> Result<DatasetConfig, String> {
    serde_json::from_str::<Wrapper>(text)
        .map(|w| w.data)
        .map_err(|e| e.to_string())
}

#[test]
fn kinds_use_kebab_case_names() {
    for (name, kind) in [
        ("embedded", DatasetKind::Embedded),
        ("imagenet", DatasetKind::ImageNet),
        ("tiny-imagenet", DatasetKind::TinyImageNet),
        ("cifar100", DatasetKind::Cifar100),
        ("cifar10", DatasetKind::Cifar10),
        ("folder", DatasetKind::Folder),
        ("packed", DatasetKind::Packed),
    ] {
        let config = parse(&format!(r#"{{"data": {{"kind": "{name}"}}}}"#)).unwrap();
        assert_eq!(config.kind, kind);
        assert_eq!(kind.name(), name);
        assert_eq!(DatasetKind::from_name(name), Some(kind));
    }
    assert_eq!(DatasetKind::from_name("jpeg"), None);
}

#[test]
fn omitted_fields_take_defaults_and_unknown_fields_are_rejected() {
    let config = parse(
        r#"{"data": {"kind": "tiny-imagenet", "path": "/d", "stored_size": 64, "crop_size": 56,
            "embedded": {"classes": 10}}}"#,
    )
    .unwrap();
    assert_eq!(config.stored_size, 64);
    // The grouping comes from the experiment's dissimilar split, not from here.
    assert_eq!(config.grouping, Grouping::Paper);
    let error = parse(r#"{"data": {"kind": "folder", "grouping": "paper"}}"#).unwrap_err();
    assert!(error.contains("grouping"), "{error}");
    assert_eq!(config.embedded.classes, 10);
    assert_eq!(config.embedded.image_size, 32);
    assert_eq!(config.scale, 1.0);
    let error = parse(r#"{"data": {"kind": "folder", "stored": 3}}"#).unwrap_err();
    assert!(error.contains("stored"), "{error}");
}

#[test]
fn validation_names_the_bad_field() {
    let mut config = DatasetConfig::caffe(DatasetKind::ImageNet, "/imagenet");
    assert_eq!((config.stored_size, config.crop_size), (256, 227));
    config.validate().unwrap();
    config.crop_size = 300;
    assert!(config
        .validate()
        .unwrap_err()
        .to_string()
        .contains("crop_size"));
    config.crop_size = 227;
    config.scale = 0.0;
    assert!(config.validate().unwrap_err().to_string().contains("scale"));
    config.scale = 1.0;
    config.path = None;
    assert!(config.validate().unwrap_err().to_string().contains("path"));
    let mut embedded = DatasetConfig::default();
    embedded.validate().unwrap();
    embedded.group_file = Some("groups.tsv".into());
    assert!(embedded
        .validate()
        .unwrap_err()
        .to_string()
        .contains("group_file"));
    embedded.group_file = None;
    embedded.max_train_per_class = Some(0);
    assert!(embedded
        .validate()
        .unwrap_err()
        .to_string()
        .contains("max_train_per_class"));
}
