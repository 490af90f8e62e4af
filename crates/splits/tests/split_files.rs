//! Split files: round trip, and clear errors for hand-edited mistakes.

use std::fs;
use std::path::{Path, PathBuf};

use convnet_splits::{Catalog, Grouping, PartitionSpec, Split, SplitError};

fn written(catalog: &Catalog, split: &Split) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir
        .path()
        .join("splits")
        .join(format!("{}.txt", split.name()));
    split.write(catalog, &path).unwrap();
    (dir, path)
}

fn edit(path: &Path, from: &str, to: &str) {
    let text = fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "`{from}` not in the split file");
    fs::write(path, text.replacen(from, to, 1)).unwrap();
}

fn line_error(result: Result<Split, SplitError>) -> (usize, String) {
    match result {
        Err(SplitError::SplitFile { line, reason, .. }) => (line, reason),
        other => panic!("expected a split file error, got {other:?}"),
    }
}

#[test]
fn every_kind_of_split_round_trips() {
    let catalog = Catalog::ilsvrc2012(Grouping::Paper);
    let specs = [
        ("random2", PartitionSpec::Random { seed: 2 }),
        ("natman", PartitionSpec::natural_man_made()),
        ("all", PartitionSpec::All),
    ];
    for (name, spec) in specs {
        let split = Split::new(&catalog, &name.parse().unwrap(), &spec).unwrap();
        let (_dir, path) = written(&catalog, &split);
        assert_eq!(Split::read(&catalog, &path).unwrap(), split, "{name}");
        let leftovers = fs::read_dir(path.parent().unwrap()).unwrap().count();
        assert_eq!(
            leftovers,
            1,
            "temporary files left beside {}",
            path.display()
        );
    }
}

#[test]
fn the_file_is_readable_text() {
    let catalog = Catalog::cifar10();
    let split = Split::new(
        &catalog,
        &"va".parse().unwrap(),
        &PartitionSpec::natural_man_made(),
    );
    assert!(split.is_err(), "cifar10 has no natural/man-made groups");
    let split = Split::random(&catalog, 0).unwrap();
    let (_dir, path) = written(&catalog, &split);
    let text = fs::read_to_string(&path).unwrap();
    assert!(text.contains("split\trandom0\n"));
    assert!(text.contains("dataset\tcifar10\n"));
    assert!(text.contains(r#"partition	{"kind":"random","seed":0}"#));
    assert_eq!(text.lines().filter(|l| l.starts_with("A\t")).count(), 5);
}

#[test]
fn a_misspelled_class_id_names_the_line_and_the_class() {
    let catalog = Catalog::ilsvrc2012(Grouping::Paper);
    let split = Split::random(&catalog, 0).unwrap();
    let (_dir, path) = written(&catalog, &split);
    edit(&path, "\tn01440764\t", "\tn0144O764\t");
    let (line, reason) = line_error(Split::read(&catalog, &path));
    assert_eq!(line, 6);
    assert!(reason.contains("n0144O764"), "{reason}");
}

#[test]
fn a_class_moved_to_the_other_half_is_refused() {
    let catalog = Catalog::cifar10();
    let split = Split::random(&catalog, 0).unwrap();
    let (_dir, path) = written(&catalog, &split);
    let text = fs::read_to_string(&path).unwrap();
    let first_a = text
        .lines()
        .find(|l| l.starts_with("A\t"))
        .unwrap()
        .to_string();
    let moved = first_a.replacen("A\t", "B\t", 1);
    fs::write(&path, text.replacen(&first_a, &moved, 1)).unwrap();
    let (line, reason) = line_error(Split::read(&catalog, &path));
    assert!(line > 0, "{reason}");
    assert!(reason.contains("not in half B"), "{reason}");
}

#[test]
fn header_mistakes_are_named() {
    let catalog = Catalog::cifar10();
    let split = Split::random(&catalog, 0).unwrap();

    let (_dir, path) = written(&catalog, &split);
    edit(&path, "dataset\tcifar10", "dataset\tcifar100");
    let (line, reason) = line_error(Split::read(&catalog, &path));
    assert_eq!(line, 3);
    assert!(reason.contains("cifar100"), "{reason}");

    let (_dir, path) = written(&catalog, &split);
    edit(&path, r#""seed":0"#, r#""sead":0"#);
    let (line, reason) = line_error(Split::read(&catalog, &path));
    assert_eq!(line, 5);
    assert!(reason.contains("partition"), "{reason}");

    let (_dir, path) = written(&catalog, &split);
    edit(&path, r#""seed":0"#, r#""seed":1"#);
    let (line, reason) = line_error(Split::read(&catalog, &path));
    assert_eq!(line, 5);
    assert!(
        reason.contains("random0") && reason.contains("seed 1"),
        "{reason}"
    );
}

#[test]
fn a_deleted_class_line_is_refused() {
    let catalog = Catalog::cifar10();
    let split = Split::all(&catalog).unwrap();
    let (_dir, path) = written(&catalog, &split);
    let text = fs::read_to_string(&path).unwrap();
    let last = text.lines().last().unwrap().to_string();
    fs::write(&path, text.replacen(&format!("{last}\n"), "", 1)).unwrap();
    let (_, reason) = line_error(Split::read(&catalog, &path));
    assert!(reason.contains("lists 9 classes"), "{reason}");
}

#[test]
fn a_missing_file_is_an_io_error_naming_it() {
    let catalog = Catalog::cifar10();
    let error = Split::read(&catalog, Path::new("/no/such/split.txt")).unwrap_err();
    assert!(error.to_string().contains("/no/such/split.txt"), "{error}");
}
