//! A finished run opens read-only: its results, findings, figures and report need no dataset
//! and no device.

use common::{folder_grid, image_tree, train_all};
use transferability::{Experiment, Run};

mod common;

#[test]
fn a_finished_run_reads_and_draws_with_its_dataset_deleted() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    image_tree(&data);
    let run_dir = dir.path().join("run");
    let experiment = Experiment::open(folder_grid(&data), run_dir.clone()).unwrap();
    let summary = train_all(&experiment);
    assert!(summary.complete(), "{summary:?}");
    let trained = experiment.run().write_results().unwrap();
    let config = experiment.config().clone();
    drop(experiment);
    std::fs::remove_dir_all(&data).unwrap();

    let run = Run::open(&run_dir).unwrap();
    assert_eq!(run.config(), &config);
    assert_eq!(run.results().unwrap(), trained);
    let drawn = run.redraw(false).unwrap();
    assert_eq!(drawn.rows, trained);
    let assessment = drawn.analysis.findings().expect("a grid's findings");
    assert_eq!(assessment.convergence().len(), 2);
    for file in ["figures/figure2.png", "figures/figure3.png", "report.html"] {
        assert!(run_dir.join(file).is_file(), "{file}: {:?}", drawn.written);
    }
    // Training again needs the images, and says where they were.
    let error = Experiment::open(config, run_dir.clone()).err().unwrap();
    assert!(
        error.to_string().contains(&data.display().to_string()),
        "{error}"
    );

    let empty = dir.path().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let error = Run::open(&empty).unwrap_err().to_string();
    assert!(error.contains("not a run directory"), "{error}");
}
