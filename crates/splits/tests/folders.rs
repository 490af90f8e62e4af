//! Catalogs of class-per-folder trees and their group files.

use std::fs;

use convnet_splits::{Catalog, SplitError};

fn tree(classes: &[&str]) -> tempfile::TempDir {
    let root = tempfile::tempdir().unwrap();
    for class in classes {
        fs::create_dir(root.path().join(class)).unwrap();
    }
    fs::write(root.path().join("notes.txt"), "not a class").unwrap();
    fs::create_dir(root.path().join(".cache")).unwrap();
    root
}

#[test]
fn classes_are_the_sorted_sub_folders() {
    let root = tree(&["zebra", "car", "apple"]);
    let catalog = Catalog::from_folder(root.path(), None).unwrap();
    let ids: Vec<&str> = catalog.classes().iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["apple", "car", "zebra"]);
    assert!(catalog.groups().is_empty());
}

#[test]
fn group_file_assigns_groups() {
    let root = tree(&["zebra", "car", "apple"]);
    let groups = root.path().join("groups.tsv");
    fs::write(
        &groups,
        "# class\tgroup\ncar\tman-made\n\nzebra\tnatural\napple\tnatural\n",
    )
    .unwrap();
    let catalog = Catalog::from_folder(root.path(), Some(&groups)).unwrap();
    assert_eq!(
        catalog.find("car").unwrap().group.as_deref(),
        Some("man-made")
    );
    assert_eq!(catalog.group_len("natural"), 2);
}

#[test]
fn group_file_naming_a_missing_class_is_an_error_with_its_line() {
    let root = tree(&["car", "apple"]);
    let groups = root.path().join("groups.tsv");
    fs::write(&groups, "car\tman-made\npear\tnatural\n").unwrap();
    let error = Catalog::from_folder(root.path(), Some(&groups)).unwrap_err();
    assert!(
        matches!(error, SplitError::GroupFile { line: 2, .. }),
        "{error}"
    );
    let message = error.to_string();
    assert!(
        message.contains("pear") && message.contains("groups.tsv"),
        "{message}"
    );
}

#[test]
fn group_file_line_without_a_tab_is_an_error() {
    let root = tree(&["car", "apple"]);
    let groups = root.path().join("groups.tsv");
    fs::write(&groups, "car man-made\n").unwrap();
    let error = Catalog::from_folder(root.path(), Some(&groups)).unwrap_err();
    assert!(
        matches!(error, SplitError::GroupFile { line: 1, .. }),
        "{error}"
    );
}

#[test]
fn missing_root_is_an_io_error_naming_it() {
    let error = Catalog::from_folder(std::path::Path::new("/no/such/folder"), None).unwrap_err();
    assert!(error.to_string().contains("/no/such/folder"), "{error}");
}
