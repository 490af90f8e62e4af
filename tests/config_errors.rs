//! Configuration files: the shipped ones load, and mistakes are errors that name the key.

use transferability::{ExperimentConfig, Plan};

fn load(name: &str) -> ExperimentConfig {
    let path = format!("{}/configs/{name}", env!("CARGO_MANIFEST_DIR"));
    ExperimentConfig::load(std::path::Path::new(&path)).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn every_shipped_config_loads() {
    let dir = format!("{}/configs", env!("CARGO_MANIFEST_DIR"));
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".toml"))
        .collect();
    names.sort();
    assert!(names.len() >= 6, "{names:?}");
    for name in &names {
        let config = load(name);
        assert!(!Plan::from_config(&config).cells().is_empty(), "{name}");
    }
}

#[test]
fn the_paper_config_plans_the_papers_grid() {
    let plan = Plan::from_config(&load("imagenet-paper.toml"));
    let names: Vec<String> = plan.cells().iter().map(|c| c.cell.to_string()).collect();
    let count = |f: &dyn Fn(&str) -> bool| names.iter().filter(|n| f(n)).count();
    // The 136 nets of the authors' logs (PROTOCOL.md).
    assert_eq!(names.len(), 136);
    // 8 random halves + 2 natural/man-made halves + the 1000-class base.
    assert_eq!(plan.stage(1).filter(|c| c.cell.n == 0).count(), 11);
    // Frozen transfers: 4 splits x 2 directions x 7 n; frozen selffers AnA: 4 x 7.
    let frozen = |n: &str| n.starts_with("random") && !n.ends_with('+') && !n.contains("base");
    assert_eq!(count(&frozen), 56 + 28);
    assert!(names
        .iter()
        .filter(|n| frozen(n))
        .all(|n| !n.contains("B") || n.contains("A")));
    // Fine-tuned: AnB+ and AnA+, 7 each on split 0, 3 each on split 1.
    assert_eq!(count(&|n| n.ends_with('+')), 20);
    assert_eq!(
        count(&|n| n.starts_with("random0/") && n.ends_with('+')),
        14
    );
    for name in [
        "random1/A2B+",
        "random1/A4B+",
        "random1/A3A+",
        "random1/A6A+",
    ] {
        assert!(names.iter().any(|n| n == name), "{name}");
    }
    assert!(!names
        .iter()
        .any(|n| n == "random1/A1B+" || n == "random0/B3B+"));
    // Natural / man-made: frozen transfers both ways; random filters 1..7.
    assert_eq!(
        count(&|n| n.starts_with("natman/") && !n.contains("base")),
        14
    );
    assert_eq!(count(&|n| n.starts_with("all/gaussian")), 7);
    // Stage 1 first, indices stable and dense.
    assert!(plan.cells().windows(2).all(|w| w[0].stage <= w[1].stage));
    assert!(plan.cells().iter().enumerate().all(|(i, c)| c.index == i));

    // The fuller grid stays one key away.
    let mut fuller = load("imagenet-paper.toml");
    fuller.study.grid_mut().unwrap().grid.paper_nets_only = false;
    assert_eq!(
        Plan::from_config(&fuller).cells().len(),
        11 + 112 + 56 + 14 + 7
    );
}

fn parse_error(text: &str) -> String {
    ExperimentConfig::parse(text, "test.toml")
        .unwrap_err()
        .to_string()
}

fn smoke_text() -> String {
    std::fs::read_to_string(format!("{}/configs/smoke.toml", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

#[test]
fn a_typo_names_the_key() {
    let err = parse_error(&smoke_text().replace("base_lr", "base_rl"));
    assert!(
        err.contains("test.toml") && err.contains("base_rl"),
        "{err}"
    );
    let err = parse_error(&smoke_text().replace("[grid]", "[grid]\nlayer = [1]"));
    assert!(err.contains("layer"), "{err}");
}

#[test]
fn bad_values_name_the_key() {
    let err = parse_error(&smoke_text().replace("max_iter = 10", "max_iter = 0"));
    assert!(err.contains("max_iter"), "{err}");
    let err =
        parse_error(&smoke_text().replace("layers = [1, 2, 3, 4, 5, 6, 7]", "layers = [0, 8]"));
    assert!(err.contains("grid.layers"), "{err}");
    let err = parse_error(&smoke_text().replace("crop_size = 14", "crop_size = 12"));
    assert!(err.contains("crop_size"), "{err}");
    let err = parse_error(&smoke_text().replace(
        "finetune_splits = [\"random0\"]",
        "finetune_splits = [\"random7\"]",
    ));
    assert!(
        err.contains("grid.finetune_splits") && err.contains("random7"),
        "{err}"
    );
    let err = parse_error(&smoke_text().replace("device = \"cpu\"", "device = \"tpu\""));
    assert!(err.contains("tpu"), "{err}");
    let err = parse_error(
        &smoke_text().replace("device = \"cpu\"", "device = \"cpu\"\nprecision = \"fp16\""),
    );
    assert!(
        err.contains("precision `fp16`") && err.contains("bf16"),
        "{err}"
    );
    let inits = "random_filter_inits = [\"net\", \"gaussian\"]";
    for bad in ["[]", "[\"net\", \"net\"]"] {
        let err =
            parse_error(&smoke_text().replace(inits, &format!("random_filter_inits = {bad}")));
        assert!(err.contains("grid.random_filter_inits"), "{err}");
    }
    let err = parse_error(&smoke_text().replace(inits, "random_filter_inits = [\"xavier\"]"));
    assert!(err.contains("xavier"), "{err}");
}

#[test]
fn the_resolved_config_round_trips() {
    let config = load("smoke.toml");
    let again = ExperimentConfig::parse(&config.to_toml(), "resolved").unwrap();
    assert_eq!(again, config);
}

#[test]
fn keys_of_earlier_configurations_name_their_new_keys() {
    let smoke = smoke_text();
    let cases = [
        (
            smoke.replace("fc8_outputs = \"classes\"", "outputs = \"half\""),
            "`model.outputs` is now `model.fc8_outputs`",
        ),
        (
            smoke.replace("input_channels = 3", "input_channels = 3\noutputs = 2"),
            "`model.spec.outputs` is now `model.fc8_outputs`",
        ),
        (
            smoke.replace("random_splits = [0]", "random_seeds = [0]"),
            "`splits.random_seeds` is now `splits.random_splits`",
        ),
        (
            smoke.replace("image_seed = 1", "seed = 1"),
            "`dataset.embedded.seed` is now `dataset.embedded.image_seed`",
        ),
        (
            smoke.replace("mirror = true", "mirror = true\ngrouping = \"paper\""),
            "`dataset.grouping` is now `splits.dissimilar.grouping`",
        ),
        (
            smoke.replace(
                "pooling_param = { kernel_size = 3, stride = 2 }",
                "pool = { kernel = 3, stride = 2 }",
            ),
            "`model.spec.pool` is now `model.spec.pooling_param`",
        ),
        (
            smoke.replace("lrn_param = { local_size", "lrn = { size"),
            "`model.spec.lrn` is now `model.spec.lrn_param`",
        ),
    ];
    for (text, expected) in cases {
        assert_ne!(text, smoke, "{expected}: the case changes nothing");
        let err = parse_error(&text);
        assert!(err.contains(expected), "{expected}: {err}");
    }
    // The per-stage flags keep their names.
    assert!(smoke.contains("pool = true, lrn = true"));
}

#[test]
fn a_profile_in_the_earlier_layout_names_where_its_layers_went() {
    let profile = std::fs::read_to_string(format!(
        "{}/configs/profile-tiny-to-glyphs.toml",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let earlier = profile
        .replace("layers = [1, 2, 3, 4, 5, 6, 7]\nreplicates = 4\n", "")
        .replace("[dataset]", "[grid]\nlayers = [1, 2, 3]\n\n[dataset]");
    assert_ne!(earlier, profile);
    let err = parse_error(&earlier);
    assert!(
        err.contains("a transfer profile has no [grid]") && err.contains("`profile.layers`"),
        "{err}"
    );
    let resolved = load("profile-tiny-to-glyphs.toml");
    let again = ExperimentConfig::parse(&resolved.to_toml(), "resolved").unwrap();
    assert_eq!(again, resolved);
    assert_eq!(resolved.study.profile().unwrap().replicates, 4);
}
