//! Scores on synthetic targets whose answer is known: features with a class
//! signal must beat the same features with shuffled labels and features
//! without any class signal.

mod common;

use common::{features, labels, shuffled, CLASSES};
use convnet_estimates::{
    exact_logme, h_score, leep, logme, nce, shrinkage_h_score, EstimateError, Matrix,
};

type Estimator = fn(Matrix<'_, f64>, &[usize], usize) -> Result<f64, EstimateError>;

const FEATURE_ESTIMATORS: [(&str, Estimator); 4] = [
    ("LogME", logme::<f64>),
    ("exact LogME", exact_logme::<f64>),
    ("H-score", h_score::<f64>),
    ("shrinkage H-score", shrinkage_h_score::<f64>),
];

/// Per feature estimator: its score of `rows × columns` features with a class signal of
/// `strength`, of the same features against shuffled labels, and of features without any
/// signal (seeds `seeds`).
fn scores(
    rows: usize,
    columns: usize,
    strength: f64,
    seeds: (u64, u64),
) -> Vec<(&'static str, [f64; 3])> {
    let labels = labels(rows);
    let separable = features(&labels, columns, strength, seeds.0);
    let noise = features(&labels, columns, 0.0, seeds.1);
    let separable = Matrix::new(&separable, rows, columns).unwrap();
    let noise = Matrix::new(&noise, rows, columns).unwrap();
    FEATURE_ESTIMATORS
        .iter()
        .map(|&(name, estimator)| {
            let signal = estimator(separable, &labels, CLASSES).unwrap();
            let against_shuffled = estimator(separable, &shuffled(&labels), CLASSES).unwrap();
            let against_noise = estimator(noise, &labels, CLASSES).unwrap();
            (name, [signal, against_shuffled, against_noise])
        })
        .collect()
}

#[test]
fn separable_classes_beat_shuffled_labels_and_noise() {
    for (name, [signal, against_shuffled, against_noise]) in scores(200, 16, 4.0, (1, 2)) {
        assert!(
            signal > against_shuffled && signal > against_noise,
            "{name}: {signal} against shuffled {against_shuffled}, noise {against_noise}"
        );
    }
}

/// With more dimensions than images the estimators that stay informative
/// still rank the signal first, while the H-score is `classes − 1` for all.
#[test]
fn wide_features_keep_the_ranking_except_for_the_h_score() {
    for (name, [signal, against_shuffled, against_noise]) in scores(40, 100, 1.0, (3, 4)) {
        if name == "H-score" {
            for value in [signal, against_shuffled, against_noise] {
                assert!((value - (CLASSES - 1) as f64).abs() < 1e-9, "{value}");
            }
        } else {
            assert!(
                signal > against_shuffled && signal > against_noise,
                "{name}: {signal} against shuffled {against_shuffled}, noise {against_noise}"
            );
        }
    }
}

#[test]
fn constant_features_have_zero_h_scores() {
    let labels = labels(12);
    let constant = vec![3.5; 12 * 5];
    let constant = Matrix::new(&constant, 12, 5).unwrap();
    assert_eq!(h_score(constant, &labels, CLASSES).unwrap(), 0.0);
    assert_eq!(shrinkage_h_score(constant, &labels, CLASSES).unwrap(), 0.0);
}

#[test]
fn informative_source_probabilities_beat_uninformative_ones() {
    let rows = 60;
    let labels = labels(rows);
    let source_classes = 6;
    // Mostly on source class `label`, the rest spread evenly.
    let informative: Vec<f64> = labels
        .iter()
        .flat_map(|&label| (0..source_classes).map(move |z| if z == label { 0.75 } else { 0.05 }))
        .collect();
    let uniform = vec![1.0 / source_classes as f64; rows * source_classes];
    let informative = Matrix::new(&informative, rows, source_classes).unwrap();
    let uniform = Matrix::new(&uniform, rows, source_classes).unwrap();
    let signal = leep(informative, &labels, CLASSES).unwrap();
    let no_signal = leep(uniform, &labels, CLASSES).unwrap();
    assert!(signal > no_signal, "{signal} against {no_signal}");
    // Uniform source outputs predict the class frequencies: ln(1/4).
    assert!((no_signal - (0.25_f64).ln()).abs() < 1e-12);
}

#[test]
fn source_labels_that_determine_the_target_have_zero_nce() {
    let labels = labels(40);
    let renamed: Vec<usize> = labels.iter().map(|&label| 10 * label + 3).collect();
    assert_eq!(nce(&renamed, &labels, CLASSES).unwrap(), 0.0);
    let constant = vec![0; labels.len()];
    let no_signal = nce(&constant, &labels, CLASSES).unwrap();
    assert!((no_signal - (0.25_f64).ln()).abs() < 1e-12);
    assert!(nce(&shuffled(&labels), &labels, CLASSES).unwrap() < 0.0);
}
