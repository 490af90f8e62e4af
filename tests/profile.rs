//! Transfer profiles end to end: a base net trained on one run's data, profiled on another
//! target (the same dataset's other group, or another dataset), and base nets that do not fit
//! refused before anything trains.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use candle_core::{Device, Tensor};
use common::{image_tree, smoke};
use transferability::data::{DatasetConfig, DatasetKind};
use transferability::results::Mode;
use transferability::transfer::{Cell, Layout};
use transferability::{
    compare_profiles, run_cells, Experiment, ExperimentConfig, KeepWeights, ProfileRun,
    RunAnalysis, Study,
};

mod common;

/// Trains the smoke grid's base net of the letters (`dissimilar/baseA`) in `dir`; returns its
/// checkpoint.
fn letters_base(dir: &Path) -> PathBuf {
    let experiment = Experiment::open(smoke(), dir.join("letters")).unwrap();
    let cells = experiment.plan().only("dissimilar/baseA");
    assert_eq!(cells.len(), 1);
    experiment.prepare().unwrap();
    let summary = run_cells(&experiment, &cells, stop(), 1, &());
    assert!(summary.complete(), "{:?}", summary.failed);
    experiment
        .run_dir()
        .cell_files(&cells[0].cell)
        .checkpoint
        .clone()
}

fn stop() -> Arc<AtomicBool> {
    Arc::new(AtomicBool::new(false))
}

/// `config` turned into a profile of `base` (this project's layout).
fn profile_of(mut config: ExperimentConfig, base: &Path, groups: &[&str]) -> ExperimentConfig {
    config.name = "profile".into();
    let groups: Vec<String> = groups.iter().map(|g| g.to_string()).collect();
    let profile = config
        .study
        .profiling(Some(base.to_path_buf()), Some(Layout::Convnet), &groups)
        .unwrap();
    config.study = Study::Profile(profile);
    config
}

fn tensors(path: &Path) -> HashMap<String, Tensor> {
    candle_core::safetensors::load(path, &Device::Cpu).unwrap()
}

fn values(t: &Tensor) -> Vec<f32> {
    t.flatten_all().unwrap().to_vec1().unwrap()
}

/// The class lines of half `half` of a split file: `<label> <index> <id> <name>`.
fn half_lines(split_file: &Path, half: &str) -> Vec<String> {
    std::fs::read_to_string(split_file)
        .unwrap()
        .lines()
        .filter_map(|l| l.strip_prefix(&format!("{half}\t")))
        .map(|l| l.split('\t').skip(2).collect::<Vec<_>>().join("\t"))
        .collect()
}

#[test]
fn a_base_of_letters_profiles_the_symbols() {
    let dir = tempfile::tempdir().unwrap();
    let base = letters_base(dir.path());
    let mut config = profile_of(smoke(), &base, &["symbols"]);
    config.output.keep_weights = KeepWeights::All;
    let run_dir = dir.path().join("profile");
    let experiment = Experiment::open(config, run_dir.clone()).unwrap();
    let names: Vec<String> = experiment
        .plan()
        .cells()
        .iter()
        .map(|c| c.cell.to_string())
        .collect();
    assert_eq!(names.len(), 15, "{names:?}");
    assert_eq!(names[0], "profile/baseB");
    for n in 1..=7 {
        for name in [format!("profile/A{n}B"), format!("profile/A{n}B+")] {
            assert!(names.contains(&name), "{name}: {names:?}");
        }
    }

    experiment.prepare().unwrap();
    // The target is the symbols: the half the letters' run held out.
    let symbols = half_lines(&dir.path().join("letters/splits/dissimilar.tsv"), "B");
    assert_eq!(symbols.len(), 4);
    assert_eq!(
        half_lines(&run_dir.join("splits/profile.tsv"), "B"),
        symbols
    );

    let cells: Vec<_> = experiment.plan().cells().iter().collect();
    let summary = run_cells(&experiment, &cells, stop(), 2, &());
    assert!(summary.complete(), "{:?}", summary.failed);
    assert_eq!(summary.trained.len(), 15);

    // Layers 1..3 of profile/A3B are the letters base's, left as they were; fc8 is new.
    let letters = tensors(&base);
    let cell: Cell = "profile/A3B".parse().unwrap();
    let a3b = tensors(&experiment.run_dir().cell_files(&cell).checkpoint);
    for key in ["conv1.weight", "conv2.bias", "conv3.weight"] {
        assert_eq!(values(&a3b[key]), values(&letters[key]), "{key}");
    }
    assert_ne!(
        values(&a3b["conv4.weight"]),
        values(&letters["conv4.weight"])
    );

    let rows = experiment.run().write_results().unwrap();
    assert_eq!(rows.len(), 15);
    assert_eq!(rows.iter().filter(|r| r.mode == Mode::Base).count(), 1);
    let analysis = experiment.run().analyse(&rows).unwrap();
    let RunAnalysis::Profile(Some(profile)) = &analysis else {
        panic!("no profile: {analysis:?}");
    };
    assert_eq!(profile.rows.len(), 7);
    assert!(profile
        .rows
        .iter()
        .all(|r| r.frozen.is_some() && r.finetuned.is_some()));
    let verdict = profile.verdict();
    assert!(verdict.contains("n = 7: frozen"), "{verdict}");
    experiment.run().draw(&rows, &analysis, false).unwrap();
    let csv = std::fs::read_to_string(run_dir.join("profile.csv")).unwrap();
    assert_eq!(csv.lines().count(), 8, "{csv}");
    for file in ["figures/profile.png", "figures/profile.svg", "report.html"] {
        assert!(run_dir.join(file).is_file(), "{file}");
    }

    // A second profile run trains nothing; another base in the same run directory is refused.
    let again = Experiment::open(experiment.config().clone(), run_dir.clone()).unwrap();
    let summary = run_cells(&again, &cells, stop(), 2, &());
    assert_eq!(summary.already_done.len(), 15);
    let other = profile_of(smoke(), &dir.path().join("other.safetensors"), &["symbols"]);
    let err = Experiment::open(other, run_dir).err().unwrap().to_string();
    assert!(err.contains("other.safetensors"), "{err}");
}

#[test]
fn a_base_from_another_dataset_profiles_a_folder_of_pictures() {
    let dir = tempfile::tempdir().unwrap();
    let base = letters_base(dir.path());
    let data = dir.path().join("pictures");
    image_tree(&data);
    let mut config = smoke();
    // Larger inputs than the base's: the convolutions fit, fc6 does not.
    config.dataset = DatasetConfig::on_disk(DatasetKind::Folder, &data, 20, 18);
    if let Some(spec) = config.model.spec.as_mut() {
        spec.input_size = 18;
    }
    config.solver.base_lr = 0.001;
    let config = profile_of(config, &base, &[]);

    let err = Experiment::open(config.clone(), dir.path().join("too-deep"))
        .unwrap()
        .prepare()
        .unwrap_err()
        .to_string();
    for part in ["layer fc6", "fc6.weight", &base.display().to_string()] {
        assert!(err.contains(part), "{part}: {err}");
    }
    assert!(!dir.path().join("too-deep/cells").exists());

    let mut config = config;
    config.study.profile_mut().unwrap().layers = vec![1, 3, 5];
    let experiment = Experiment::open(config, dir.path().join("profile")).unwrap();
    experiment.prepare().unwrap();
    let cells: Vec<_> = experiment.plan().cells().iter().collect();
    assert_eq!(cells.len(), 7);
    let summary = run_cells(&experiment, &cells, stop(), 2, &());
    assert!(summary.complete(), "{:?}", summary.failed);
    let rows = experiment.run().write_results().unwrap();
    let analysis = experiment.run().analyse(&rows).unwrap();
    let RunAnalysis::Profile(Some(profile)) = &analysis else {
        panic!("no profile: {analysis:?}");
    };
    let ns: Vec<u32> = profile.rows.iter().map(|r| r.n).collect();
    assert_eq!(ns, [1, 3, 5]);
    // Six classes of pictures, two validation images each.
    assert!(rows.iter().all(|r| r.val_images == 12), "{rows:?}");
}

/// The embedded dataset at 63x63 for the net of the torchvision fixture.
fn torchvision_target(fixture: &str) -> ExperimentConfig {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("crates/transfer/tests/data");
    let spec = std::fs::read_to_string(fixtures.join("torchvision-tiny-spec.toml")).unwrap();
    let mut config = smoke();
    config.model.spec = Some(toml::from_str(&spec).unwrap());
    config.dataset.embedded.image_size = 64;
    config.dataset.stored_size = 64;
    config.dataset.crop_size = 63;
    let profile = config
        .study
        .profiling(Some(fixtures.join(fixture)), Some(Layout::Torchvision), &[])
        .unwrap();
    config.study = Study::Profile(profile);
    config
}

#[test]
fn a_torchvision_state_dict_of_the_wrong_shape_is_refused_before_anything_trains() {
    let dir = tempfile::tempdir().unwrap();
    let run_dir = dir.path().join("bad");
    let experiment = Experiment::open(
        torchvision_target("torchvision-tiny-bad.pth"),
        run_dir.clone(),
    )
    .unwrap();
    let err = experiment.prepare().unwrap_err().to_string();
    for part in [
        "layer conv2",
        "features.3.weight",
        "torchvision-tiny-bad.pth",
        "[7, 4, 5, 5]",
        "[8, 4, 5, 5]",
    ] {
        assert!(err.contains(part), "{part}: {err}");
    }
    assert!(!run_dir.join("cells").exists());

    // The fixture of the right shapes passes the same check and trains a cell from it.
    let mut config = torchvision_target("torchvision-tiny.pth");
    config.solver.max_iter = 2;
    let experiment = Experiment::open(config, dir.path().join("good")).unwrap();
    experiment.prepare().unwrap();
    let cells = experiment.plan().only("profile/A5B+");
    assert_eq!(cells.len(), 1, "an external base is not a cell to train");
    let summary = run_cells(&experiment, &cells, stop(), 1, &());
    assert!(summary.complete(), "{:?}", summary.failed);
}

/// The run in `run_dir`, its target named by default.
fn unlabelled(run_dir: PathBuf) -> ProfileRun {
    ProfileRun {
        run_dir,
        label: None,
    }
}

#[test]
fn one_base_against_two_targets_in_one_figure() {
    let dir = tempfile::tempdir().unwrap();
    let base = letters_base(dir.path());
    let profile_run = |groups: &[&str], name: &str| {
        let mut config = profile_of(smoke(), &base, groups);
        config.study.profile_mut().unwrap().layers = vec![1, 2];
        // Long enough for the targets' own nets to leave chance (4 classes, 25%).
        config.solver.max_iter = 60;
        config.solver.step_size = 40;
        let experiment = Experiment::open(config, dir.path().join(name)).unwrap();
        experiment.prepare().unwrap();
        let cells: Vec<_> = experiment.plan().cells().iter().collect();
        let summary = run_cells(&experiment, &cells, stop(), 2, &());
        assert!(summary.complete(), "{:?}", summary.failed);
        experiment.run().write_results().unwrap();
        unlabelled(dir.path().join(name))
    };
    let runs = [
        profile_run(&["letters"], "to-letters"),
        profile_run(&["symbols"], "to-symbols"),
    ];

    let comparison = compare_profiles(&runs).unwrap();
    let labels: Vec<&str> = comparison
        .targets()
        .iter()
        .map(|t| t.label.as_str())
        .collect();
    assert_eq!(labels, ["letters", "symbols"]);
    assert_eq!(comparison.base(), "letters dissimilar/baseA");
    let text = comparison.to_text();
    // n = 1 and 2, in points and in percent of the margin over chance.
    assert_eq!(
        text.lines()
            .filter(|l| l.trim_start().starts_with(['1', '2']))
            .count(),
        4,
        "{text}"
    );
    let out = dir.path().join("compared");
    transferability::figures::draw_comparison(&comparison, &out).unwrap();
    assert!(out.join("profiles.png").is_file());

    // A grid, or a profile of another base, cannot join.
    let grid = unlabelled(dir.path().join("letters"));
    let err = compare_profiles(&[runs[0].clone(), grid])
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("it is a grid, not a transfer profile"),
        "{err}"
    );
    let other = profile_of(smoke(), &dir.path().join("other.safetensors"), &["symbols"]);
    Experiment::open(other, dir.path().join("other"))
        .unwrap()
        .write_manifest()
        .unwrap();
    let other = unlabelled(dir.path().join("other"));
    let err = compare_profiles(&[runs[0].clone(), other])
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("other.safetensors") && err.contains("a comparison is of one base net"),
        "{err}"
    );
}
