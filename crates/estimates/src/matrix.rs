//! The input type: a borrowed, row-major matrix with one row per image.

use faer::Mat;

use crate::EstimateError;

/// A borrowed, row-major matrix of finite values with one row per image.
///
/// For [`logme`](crate::logme) and the H-scores the columns are feature
/// dimensions; for [`leep`](crate::leep) they are the source classes of a
/// classifier's output probabilities. Values may be stored as `f32` or `f64`
/// (any `Copy + Into<f64>`); every estimator computes in `f64`.
#[derive(Debug, Clone, Copy)]
pub struct Matrix<'a, T> {
    values: &'a [T],
    rows: usize,
    columns: usize,
}

impl<'a, T: Copy + Into<f64>> Matrix<'a, T> {
    /// Wraps `values`, row after row, as a `rows × columns` matrix.
    ///
    /// # Errors
    /// [`EstimateError::NoRows`] or [`EstimateError::NoColumns`] for an empty
    /// shape, [`EstimateError::ShapeMismatch`] when `values.len()` is not
    /// `rows × columns`, and [`EstimateError::NonFinite`] (with its row and
    /// column) for the first NaN or infinite value.
    pub fn new(values: &'a [T], rows: usize, columns: usize) -> Result<Self, EstimateError> {
        if rows == 0 {
            return Err(EstimateError::NoRows);
        }
        if columns == 0 {
            return Err(EstimateError::NoColumns);
        }
        if rows.checked_mul(columns) != Some(values.len()) {
            return Err(EstimateError::ShapeMismatch {
                values: values.len(),
                rows,
                columns,
            });
        }
        if let Some(index) = values.iter().position(|&value| !value.into().is_finite()) {
            return Err(EstimateError::NonFinite {
                row: index / columns,
                column: index % columns,
            });
        }
        Ok(Self {
            values,
            rows,
            columns,
        })
    }

    /// Number of rows (images).
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Number of columns.
    pub fn columns(&self) -> usize {
        self.columns
    }

    /// The values of one row, as `f64`.
    pub(crate) fn row(&self, row: usize) -> impl Iterator<Item = f64> + 'a {
        let start = row * self.columns;
        self.values[start..start + self.columns]
            .iter()
            .map(|&value| value.into())
    }

    /// The value at `row`, `column`, as `f64`.
    fn get(&self, row: usize, column: usize) -> f64 {
        self.values[row * self.columns + column].into()
    }

    /// The matrix in `f64`.
    pub(crate) fn to_mat(self) -> Mat<f64> {
        Mat::from_fn(self.rows, self.columns, |row, column| self.get(row, column))
    }

    /// The matrix in `f64`, with the mean of each column subtracted from it.
    pub(crate) fn to_centred_mat(self) -> Mat<f64> {
        let mut means = vec![0.0; self.columns];
        for row in 0..self.rows {
            for (mean, value) in means.iter_mut().zip(self.row(row)) {
                *mean += value;
            }
        }
        let rows = self.rows as f64;
        means.iter_mut().for_each(|mean| *mean /= rows);
        Mat::from_fn(self.rows, self.columns, |row, column| {
            self.get(row, column) - means[column]
        })
    }
}
