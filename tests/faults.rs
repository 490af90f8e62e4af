//! Faults of a whole grid: bad images stop the run once before any net trains (or are left
//! out and counted), and a base net that fails has its dependent cells skipped once.

use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use common::{folder_grid, image_tree, smoke, train_all};
use transferability::{run_cells, Experiment, ExperimentConfig};

mod common;

/// The folder grid without fine-tuned nets.
fn folder_experiment(root: &Path, skip_bad_images: bool) -> ExperimentConfig {
    let mut config = folder_grid(root);
    config.dataset.skip_bad_images = skip_bad_images;
    config.study.grid_mut().unwrap().grid.finetune_splits = Some(Vec::new());
    config
}

#[test]
fn a_truncated_and_a_non_image_file_stop_the_run_before_any_net_trains() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    image_tree(&data);
    let truncated = data.join("train/class2/3.jpg");
    let bytes = std::fs::read(&truncated).unwrap();
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    let not_an_image = data.join("val/class4/notes.jpg");
    std::fs::write(&not_an_image, "not a picture").unwrap();

    let run_dir = dir.path().join("run");
    let experiment = Experiment::open(folder_experiment(&data, false), run_dir.clone()).unwrap();
    let err = experiment.prepare().unwrap_err().to_string();
    assert!(err.contains("2 of the 49 train and val images"), "{err}");
    assert!(err.contains(&truncated.display().to_string()), "{err}");
    assert!(err.contains("truncated JPEG"), "{err}");
    assert!(err.contains(&not_an_image.display().to_string()), "{err}");
    assert!(err.contains("skip_bad_images = true"), "{err}");
    assert!(!run_dir.join("cells").exists(), "a net trained");

    // With skip_bad_images, both are counted once and no net ever loads them.
    let experiment = Experiment::open(folder_experiment(&data, true), run_dir.clone()).unwrap();
    let check = experiment.prepare().unwrap();
    assert_eq!(
        (check.checked, check.unreadable.len()),
        (49, 2),
        "{check:?}"
    );
    let base = experiment.plan().find("random0/baseA").unwrap();
    let summary = run_cells(
        &experiment,
        &[base],
        Arc::new(AtomicBool::new(false)),
        1,
        &(),
    );
    assert!(summary.complete(), "{summary:?}");
    // The record is read back, not rebuilt, by the next runner.
    let again = Experiment::open(folder_experiment(&data, true), run_dir).unwrap();
    let check = again.prepare().unwrap();
    assert_eq!((check.unreadable.len(), check.seconds), (2, 0.0));
}

#[test]
fn a_failed_base_skips_the_cells_that_copy_from_it_once() {
    let dir = tempfile::tempdir().unwrap();
    let run_dir = dir.path().join("smoke");
    // A base net whose checkpoint is garbage cannot resume: it fails.
    let base_dir = run_dir.join("cells/random0/baseA");
    std::fs::create_dir_all(&base_dir).unwrap();
    std::fs::write(base_dir.join("checkpoint.safetensors"), b"not a checkpoint").unwrap();

    let experiment = Experiment::open(smoke(), run_dir).unwrap();
    let cells = experiment.plan().cells();
    let summary = train_all(&experiment);
    let failed: Vec<&str> = summary.failed.iter().map(|(c, _)| c.as_str()).collect();
    assert_eq!(failed, ["random0/baseA"], "{:?}", summary.failed);
    let dependents: Vec<String> = cells
        .iter()
        .filter(|c| {
            c.base
                .as_ref()
                .is_some_and(|b| b.to_string() == "random0/baseA")
        })
        .map(|c| c.cell.to_string())
        .collect();
    let skipped: Vec<String> = summary.skipped.iter().map(|(c, _)| c.clone()).collect();
    assert_eq!(skipped, dependents);
    assert!(summary
        .skipped
        .iter()
        .all(|(_, base)| base == "random0/baseA"));
    assert_eq!(
        summary.trained.len(),
        cells.len() - 1 - dependents.len(),
        "every other cell trains"
    );
    assert!(!summary.complete());
}
