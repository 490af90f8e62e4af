//! A net's evaluations along its schedule: `metrics.jsonl`, one JSON line per evaluation.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::ResultsError;

/// One evaluation of a net on the validation images of its target half: a line of
/// `metrics.jsonl`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Evaluation {
    /// Iterations trained when it was taken.
    pub iteration: u64,
    /// Fraction of images whose label is the top prediction.
    pub top1: f64,
    /// Fraction of images whose label is among the five top predictions.
    pub top5: f64,
    /// Mean cross-entropy loss on the validation images.
    pub loss: f64,
    /// Mean training loss since the previous evaluation.
    pub train_loss: f64,
    /// Learning rate in force.
    pub lr: f64,
    /// Validation images counted.
    pub images: usize,
}

impl Evaluation {
    /// The paper's metric: the mean of the `k` best top-1 values among `evaluations` (all of
    /// them when there are fewer than `k`); `None` when there are none.
    pub fn paper_metric(evaluations: &[Evaluation], k: usize) -> Option<f64> {
        let mut top1: Vec<f64> = evaluations.iter().map(|e| e.top1).collect();
        if top1.is_empty() || k == 0 {
            return None;
        }
        top1.sort_by(|a, b| b.total_cmp(a));
        top1.truncate(k);
        Some(top1.iter().sum::<f64>() / top1.len() as f64)
    }
}

/// Reads `metrics.jsonl`; a missing file is an empty history.
pub fn read_metrics(path: &Path) -> Result<Vec<Evaluation>, ResultsError> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(ResultsError::io(path, e)),
    };
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            serde_json::from_str(line).map_err(|source| ResultsError::Json {
                path: path.to_path_buf(),
                source,
            })
        })
        .collect()
}

/// The text of `metrics.jsonl`: one JSON line per evaluation.
fn format_metrics(evaluations: &[Evaluation]) -> String {
    evaluations
        .iter()
        .map(|e| serde_json::to_string(e).expect("an evaluation serialises") + "\n")
        .collect()
}

/// Writes a cell's `metrics.jsonl`, whole or not at all.
pub fn write_metrics(path: &Path, evaluations: &[Evaluation]) -> Result<(), ResultsError> {
    convnet_files::write_atomic(path, format_metrics(evaluations).as_bytes())
        .map_err(|e| ResultsError::io(path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eval(top1: f64) -> Evaluation {
        Evaluation {
            iteration: 0,
            top1,
            top5: 0.0,
            loss: 0.0,
            train_loss: 0.0,
            lr: 0.0,
            images: 1,
        }
    }

    #[test]
    fn mean_of_k_best() {
        let evals: Vec<Evaluation> = [0.1, 0.5, 0.3, 0.4].map(eval).to_vec();
        assert_eq!(Evaluation::paper_metric(&evals, 2), Some(0.45));
        assert_eq!(Evaluation::paper_metric(&evals, 10), Some(0.325));
        assert_eq!(Evaluation::paper_metric(&[], 10), None);
    }

    #[test]
    fn lines_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("metrics.jsonl");
        assert!(read_metrics(&path).unwrap().is_empty());
        let evals: Vec<Evaluation> = [0.25, 0.5].map(eval).to_vec();
        std::fs::write(&path, format_metrics(&evals)).unwrap();
        assert_eq!(read_metrics(&path).unwrap(), evals);
    }
}
