//! Per-layer estimates of a synthetic base net whose layer `k` is the first to separate the
//! target's classes linearly: every estimator must peak at `k`, and the rank agreement with a
//! measured profile must see it.

mod common;

use common::{features, labels, CLASSES};
use convnet_estimates::{
    agreement_across, estimates_csv, leep, ClassifierEstimate, Control, LayerEstimate,
    LayerEstimator, LayerScore, Matrix, ProfileEstimate, Reduction,
};

const IMAGES: usize = 240;
const COLUMNS: usize = 16;

/// The class signal of layer `n` when layer `k` is the first with one: none below `k`, strong
/// at `k`, halving with every layer above it.
fn separation(n: u32, k: u32) -> f64 {
    if n < k {
        0.0
    } else {
        4.0 * 0.5f64.powi((n - k) as i32)
    }
}

/// The features of layers 1..=7.
fn layers(labels: &[usize], k: u32) -> Vec<Vec<f64>> {
    (1..=7)
        .map(|n| {
            features(
                labels,
                COLUMNS,
                separation(n, k),
                100 * u64::from(k) + u64::from(n),
            )
        })
        .collect()
}

/// The share of images that the nearest class mean (a linear classifier) labels right.
fn nearest_mean_accuracy(values: &[f64], labels: &[usize]) -> f64 {
    let mut means = vec![0.0; CLASSES * COLUMNS];
    let mut counts = [0usize; CLASSES];
    for (row, &label) in values.chunks_exact(COLUMNS).zip(labels) {
        counts[label] += 1;
        for (mean, value) in means[label * COLUMNS..].iter_mut().zip(row) {
            *mean += value;
        }
    }
    for (class, count) in counts.iter().enumerate() {
        means[class * COLUMNS..(class + 1) * COLUMNS]
            .iter_mut()
            .for_each(|mean| *mean /= *count as f64);
    }
    let right = values
        .chunks_exact(COLUMNS)
        .zip(labels)
        .filter(|(row, &label)| {
            let distance = |class: usize| -> f64 {
                row.iter()
                    .zip(&means[class * COLUMNS..(class + 1) * COLUMNS])
                    .map(|(v, m)| (v - m).powi(2))
                    .sum()
            };
            (0..CLASSES).all(|class| distance(label) <= distance(class))
        })
        .count();
    right as f64 / labels.len() as f64
}

fn profile(k: u32, measured: Vec<(u32, f64)>) -> ProfileEstimate {
    let labels = labels(IMAGES);
    let layers = layers(&labels, k)
        .iter()
        .zip(1..)
        .map(|(values, n)| {
            let matrix = Matrix::new(values, IMAGES, COLUMNS).unwrap();
            LayerEstimate::compute(n, matrix, &labels, CLASSES).unwrap()
        })
        .collect();
    ProfileEstimate {
        base: format!("synthetic{k}"),
        target: "target".into(),
        images: IMAGES,
        classes: CLASSES,
        reduction: Reduction::Flatten,
        layers,
        classifier: None,
        measured,
    }
}

#[test]
fn the_classes_are_separable_first_at_layer_k_by_construction() {
    let labels = labels(IMAGES);
    for k in [2, 5] {
        for (values, n) in layers(&labels, k).iter().zip(1..) {
            let accuracy = nearest_mean_accuracy(values, &labels);
            if n == k {
                assert_eq!(accuracy, 1.0, "k = {k}: layer {n} separates the classes");
            } else if n < k {
                assert!(accuracy < 0.5, "k = {k}: layer {n} at {accuracy}");
            }
        }
    }
}

#[test]
fn every_estimator_peaks_at_the_first_separating_layer() {
    for k in [2, 5] {
        let profile = profile(k, Vec::new());
        for estimator in LayerEstimator::ALL {
            assert_eq!(
                profile.peak(estimator),
                Some(k),
                "{} with the classes separable first at layer {k}: {:?}",
                estimator.name(),
                profile
                    .layers
                    .iter()
                    .map(|l| estimator.of(l))
                    .collect::<Vec<_>>()
            );
        }
    }
}

#[test]
fn rank_agreement_follows_the_measured_profile() {
    // A profile measured to follow the class signal of the layers (flat where they have
    // none, highest at layer 5), and one the other way round.
    let rising: Vec<(u32, f64)> = (1..=7)
        .map(|n| (n, 0.25 + 0.1 * separation(n, 5)))
        .collect();
    let falling: Vec<(u32, f64)> = rising.iter().map(|&(n, v)| (n, 1.0 - v)).collect();
    let agrees = profile(5, rising);
    let disagrees = profile(5, falling);
    for estimator in LayerEstimator::ALL {
        assert_eq!(agrees.measured_peak(), Some(5));
        assert!(
            agrees.agreement(estimator).unwrap() > 0.8,
            "{}",
            estimator.name()
        );
        assert!(
            disagrees.agreement(estimator).unwrap() < -0.8,
            "{}",
            estimator.name()
        );
        let both = agreement_across(&[&agrees, &disagrees], estimator).unwrap();
        assert!(both.abs() < 0.5, "{}: {both}", estimator.name());
    }
    assert!(
        disagrees.summary().contains("wrong way round"),
        "{}",
        disagrees.summary()
    );
    assert!(
        agrees.summary().contains("LEEP and NCE do not apply"),
        "{}",
        agrees.summary()
    );
}

#[test]
fn estimators_are_held_against_depth_and_width_alone() {
    // Measured highest at layer 5, where the features first separate the classes: depth alone
    // ranks the layers the wrong way round, and every estimator beats it.
    let rising: Vec<(u32, f64)> = (1..=7)
        .map(|n| (n, 0.25 + 0.1 * separation(n, 5)))
        .collect();
    let signal = profile(5, rising);
    assert!(signal.agreement(Control::Depth).unwrap() < 0.0);
    assert_eq!(signal.beating_depth(), Some(LayerEstimator::ALL.to_vec()));
    assert!(
        signal
            .summary()
            .contains("LogME, H-score, shrinkage H-score rank the layers better than depth alone"),
        "{}",
        signal.summary()
    );
    // Measured falling with depth, strictly: depth alone ranks the layers perfectly and no
    // estimator can beat it.
    let falling: Vec<(u32, f64)> = (1..=7).map(|n| (n, 0.9 - 0.1 * f64::from(n))).collect();
    let depth = profile(5, falling);
    assert!((depth.agreement(Control::Depth).unwrap() - 1.0).abs() < 1e-12);
    assert_eq!(depth.beating_depth(), Some(Vec::new()));
    assert!(
        depth
            .summary()
            .contains("no estimator ranks the layers better than depth alone"),
        "{}",
        depth.summary()
    );
    // Every layer of the synthetic net is 16 wide: width alone cannot rank them.
    assert_eq!(depth.agreement(Control::Width), None);
    assert!(profile(5, Vec::new()).beating_depth().is_none());
}

#[test]
fn the_table_has_a_row_per_layer_with_the_measurement_where_there_is_one() {
    let partly_measured = profile(2, vec![(1, 0.25), (3, 0.5)]);
    let csv = estimates_csv(&[partly_measured]);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "base,target,n,images,classes,reduction,dimensions,logme,h_score,shrinkage_h_score,leep,nce,measured_top1"
    );
    assert_eq!(lines.len(), 8);
    assert!(lines[1].starts_with("synthetic2,target,1,240,4,flatten,16,"));
    assert!(lines[1].ends_with(",,,0.250000"), "{}", lines[1]);
    assert!(lines[2].ends_with(",,,"), "{}", lines[2]);
    assert!(lines[3].ends_with(",,,0.500000"), "{}", lines[3]);
}

#[test]
fn the_classifier_estimates_read_softmax_probabilities_and_arg_max_labels() {
    let labels = labels(40);
    let source_classes = CLASSES + 2;
    // The source class `label + 1` scores highest, by 2 over the others.
    let logits: Vec<f32> = labels
        .iter()
        .flat_map(|&label| (0..source_classes).map(move |z| if z == label + 1 { 2.5 } else { 0.5 }))
        .collect();
    let matrix = Matrix::new(&logits, labels.len(), source_classes).unwrap();
    let estimate = ClassifierEstimate::from_logits(matrix, &labels, CLASSES).unwrap();
    assert_eq!(estimate.nce, 0.0);
    // Softmax: e² / (e² + 5) on the top class, 1 / (e² + 5) on each other.
    let top = 2f64.exp() / (2f64.exp() + 5.0);
    let probabilities: Vec<f64> = labels
        .iter()
        .flat_map(|&label| {
            (0..source_classes).map(move |z| {
                if z == label + 1 {
                    top
                } else {
                    (1.0 - top) / 5.0
                }
            })
        })
        .collect();
    let expected = leep(
        Matrix::new(&probabilities, labels.len(), source_classes).unwrap(),
        &labels,
        CLASSES,
    )
    .unwrap();
    assert!(
        (estimate.leep - expected).abs() < 1e-6,
        "{} against {expected}",
        estimate.leep
    );
    assert!(expected > (0.25f64).ln());
}
