//! Agreement with the values `tests/data/make_fixture.py` computes with numpy
//! and scipy.
//!
//! Tolerance: 1e-9 relative (absolute below magnitude one). Both sides compute
//! in f64 on well-conditioned inputs, along different routes (dense SVDs and
//! pseudo-inverses there, eigendecompositions of Gram matrices here), so they
//! differ by rounding, around 1e-13; a real difference in the algorithm, such as
//! one fixed-point iteration more or less (whose stopping tolerance is 1e-3),
//! moves the values by far more than 1e-9.

use convnet_estimates::{
    exact_logme, h_score, leep, logme, nce, shrinkage_h_score, spearman, Matrix,
};
use serde::Deserialize;

const TOLERANCE: f64 = 1e-9;

#[derive(Deserialize)]
struct Fixture {
    features: Vec<FeatureCase>,
    leep: Vec<LeepCase>,
    nce: Vec<NceCase>,
    spearman: Vec<SpearmanCase>,
}

#[derive(Deserialize)]
struct FeatureCase {
    name: String,
    rows: usize,
    columns: usize,
    classes: usize,
    features: Vec<f64>,
    labels: Vec<usize>,
    logme: f64,
    exact_logme: f64,
    h_score: f64,
    shrinkage_h_score: f64,
}

#[derive(Deserialize)]
struct LeepCase {
    name: String,
    rows: usize,
    source_classes: usize,
    classes: usize,
    probabilities: Vec<f64>,
    labels: Vec<usize>,
    leep: f64,
}

#[derive(Deserialize)]
struct NceCase {
    name: String,
    source_labels: Vec<usize>,
    labels: Vec<usize>,
    classes: usize,
    nce: f64,
}

#[derive(Deserialize)]
struct SpearmanCase {
    name: String,
    a: Vec<f64>,
    b: Vec<f64>,
    spearman: f64,
}

fn fixture() -> Fixture {
    let text = include_str!("data/fixture.json");
    serde_json::from_str(text).expect("fixture.json parses")
}

fn assert_close(what: &str, case: &str, actual: f64, expected: f64) {
    let error = (actual - expected).abs() / expected.abs().max(1.0);
    assert!(
        error <= TOLERANCE,
        "{what} of {case}: {actual} against {expected} (error {error:e})"
    );
}

#[test]
fn logme_matches_reference() {
    for case in fixture().features {
        let features = Matrix::new(&case.features, case.rows, case.columns).unwrap();
        let value = logme(features, &case.labels, case.classes).unwrap();
        assert_close("LogME", &case.name, value, case.logme);
    }
}

#[test]
fn exact_logme_matches_reference() {
    for case in fixture().features {
        let features = Matrix::new(&case.features, case.rows, case.columns).unwrap();
        let value = exact_logme(features, &case.labels, case.classes).unwrap();
        assert_close("exact LogME", &case.name, value, case.exact_logme);
    }
}

#[test]
fn h_score_matches_reference() {
    for case in fixture().features {
        let features = Matrix::new(&case.features, case.rows, case.columns).unwrap();
        let value = h_score(features, &case.labels, case.classes).unwrap();
        assert_close("H-score", &case.name, value, case.h_score);
    }
}

#[test]
fn shrinkage_h_score_matches_reference() {
    for case in fixture().features {
        let features = Matrix::new(&case.features, case.rows, case.columns).unwrap();
        let value = shrinkage_h_score(features, &case.labels, case.classes).unwrap();
        assert_close(
            "shrinkage H-score",
            &case.name,
            value,
            case.shrinkage_h_score,
        );
    }
}

/// The fixture's features are rounded to f32, so f32 storage gives the same values.
#[test]
fn f32_features_give_the_same_scores() {
    for case in fixture().features {
        let narrow: Vec<f32> = case.features.iter().map(|&value| value as f32).collect();
        let features = Matrix::new(&narrow, case.rows, case.columns).unwrap();
        let value = logme(features, &case.labels, case.classes).unwrap();
        assert_close("LogME (f32)", &case.name, value, case.logme);
        let value = h_score(features, &case.labels, case.classes).unwrap();
        assert_close("H-score (f32)", &case.name, value, case.h_score);
    }
}

#[test]
fn leep_matches_reference() {
    for case in fixture().leep {
        let probabilities =
            Matrix::new(&case.probabilities, case.rows, case.source_classes).unwrap();
        let value = leep(probabilities, &case.labels, case.classes).unwrap();
        assert_close("LEEP", &case.name, value, case.leep);
    }
}

#[test]
fn nce_matches_reference() {
    for case in fixture().nce {
        let value = nce(&case.source_labels, &case.labels, case.classes).unwrap();
        assert_close("NCE", &case.name, value, case.nce);
    }
}

#[test]
fn spearman_matches_scipy() {
    for case in fixture().spearman {
        let value = spearman(&case.a, &case.b).unwrap();
        assert_close("Spearman", &case.name, value, case.spearman);
    }
}
