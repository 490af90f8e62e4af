//! Every kind of bad input is reported as an error naming what is wrong.

use convnet_estimates::{
    exact_logme, h_score, leep, logme, nce, shrinkage_h_score, spearman, EstimateError, Matrix,
};

type Estimator = fn(Matrix<'_, f64>, &[usize], usize) -> Result<f64, EstimateError>;

const ESTIMATORS: [(&str, Estimator); 5] = [
    ("LogME", logme::<f64>),
    ("exact LogME", exact_logme::<f64>),
    ("H-score", h_score::<f64>),
    ("shrinkage H-score", shrinkage_h_score::<f64>),
    ("LEEP", leep::<f64>),
];

/// Six rows of three positive values, usable as features and as probabilities.
const VALUES: [f64; 18] = [
    0.2, 0.5, 0.3, 0.1, 0.1, 0.8, 0.6, 0.2, 0.2, //
    0.3, 0.3, 0.4, 0.5, 0.4, 0.1, 0.2, 0.7, 0.1,
];

fn matrix() -> Matrix<'static, f64> {
    Matrix::new(&VALUES, 6, 3).unwrap()
}

#[test]
fn empty_shapes_are_rejected() {
    assert_eq!(
        Matrix::<f64>::new(&[], 0, 3).unwrap_err(),
        EstimateError::NoRows
    );
    assert_eq!(
        Matrix::<f64>::new(&[], 2, 0).unwrap_err(),
        EstimateError::NoColumns
    );
}

#[test]
fn values_that_do_not_fill_the_shape_are_rejected() {
    assert_eq!(
        Matrix::new(&VALUES, 6, 4).unwrap_err(),
        EstimateError::ShapeMismatch {
            values: 18,
            rows: 6,
            columns: 4
        }
    );
    assert!(matches!(
        Matrix::new(&VALUES, usize::MAX, 2),
        Err(EstimateError::ShapeMismatch { .. })
    ));
}

#[test]
fn non_finite_values_are_reported_with_their_row_and_column() {
    let mut values = VALUES;
    values[5] = f64::NAN;
    let error = Matrix::new(&values, 6, 3).unwrap_err();
    assert_eq!(error, EstimateError::NonFinite { row: 1, column: 2 });
    assert_eq!(
        error.to_string(),
        "the value at row 1, column 2 is not finite"
    );

    let narrow = [1.0_f32, 2.0, f32::INFINITY, 4.0];
    assert_eq!(
        Matrix::new(&narrow, 2, 2).unwrap_err(),
        EstimateError::NonFinite { row: 1, column: 0 }
    );
}

#[test]
fn labels_of_the_wrong_length_are_rejected() {
    for (name, estimator) in ESTIMATORS {
        assert_eq!(
            estimator(matrix(), &[0, 1, 0, 1, 0], 2),
            Err(EstimateError::LabelCount { labels: 5, rows: 6 }),
            "{name}"
        );
    }
    assert_eq!(
        nce(&[0, 1, 2], &[0, 1], 2),
        Err(EstimateError::LabelCount { labels: 2, rows: 3 })
    );
}

#[test]
fn labels_not_below_the_class_count_are_rejected() {
    let expected = Err(EstimateError::LabelOutOfRange {
        row: 3,
        label: 2,
        classes: 2,
    });
    for (name, estimator) in ESTIMATORS {
        assert_eq!(
            estimator(matrix(), &[0, 1, 0, 2, 0, 1], 2),
            expected,
            "{name}"
        );
    }
    assert_eq!(nce(&[0; 6], &[0, 1, 0, 2, 0, 1], 2), expected);
}

#[test]
fn classes_without_images_are_rejected() {
    let expected = Err(EstimateError::EmptyClass { class: 1 });
    for (name, estimator) in ESTIMATORS {
        assert_eq!(
            estimator(matrix(), &[0, 2, 0, 2, 0, 2], 3),
            expected,
            "{name}"
        );
    }
    assert_eq!(nce(&[0; 6], &[0, 2, 0, 2, 0, 2], 3), expected);
}

#[test]
fn nce_without_images_is_rejected() {
    assert_eq!(nce(&[], &[], 2), Err(EstimateError::NoRows));
}

#[test]
fn negative_probabilities_are_rejected() {
    let mut values = VALUES;
    values[7] = -0.1;
    let probabilities = Matrix::new(&values, 6, 3).unwrap();
    assert_eq!(
        leep(probabilities, &[0, 1, 0, 1, 0, 1], 2),
        Err(EstimateError::NegativeProbability { row: 2, column: 1 })
    );
}

#[test]
fn rows_without_probability_are_rejected() {
    let mut values = VALUES;
    values[12..15].fill(0.0);
    let probabilities = Matrix::new(&values, 6, 3).unwrap();
    assert_eq!(
        leep(probabilities, &[0, 1, 0, 1, 0, 1], 2),
        Err(EstimateError::ZeroProbabilityRow { row: 4 })
    );
}

#[test]
fn all_zero_features_have_no_logme() {
    let labels = [0, 1, 0, 1, 0, 1];
    // Tall (6 × 3) and wide (6 × 8): both ways of computing the spectrum.
    for columns in [3, 8] {
        let zeros = vec![0.0; 6 * columns];
        let features = Matrix::new(&zeros, 6, columns).unwrap();
        for estimator in [logme::<f64>, exact_logme::<f64>] {
            assert_eq!(
                estimator(features, &labels, 2),
                Err(EstimateError::DegenerateEvidence { class: 0 }),
                "{columns} columns"
            );
        }
    }
}

#[test]
fn spearman_is_undefined_without_spread_or_pairs() {
    assert_eq!(spearman(&[], &[]), None);
    assert_eq!(spearman(&[1.0], &[2.0]), None);
    assert_eq!(spearman(&[1.0, 2.0], &[1.0, 2.0, 3.0]), None);
    assert_eq!(spearman(&[1.0, 2.0, 3.0], &[4.0, 4.0, 4.0]), None);
    assert_eq!(spearman(&[1.0, f64::NAN, 3.0], &[1.0, 2.0, 3.0]), None);
    assert_eq!(spearman(&[1.0, 2.0, 3.0], &[3.0, 2.0, 1.0]), Some(-1.0));
}
