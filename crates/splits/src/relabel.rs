//! Relabelling a whole dataset's file list into one half's list.

use crate::error::SplitError;
use crate::half::HalfId;
use crate::partition::Split;

impl Split {
    /// Takes a list of `<file> <original label>` lines (Caffe's list format: the label is after
    /// the last space) and returns the lines of the half's classes as `<file> <label in the
    /// half>`, in the order of the whole list, each ending in `\n`. Blank lines are skipped; a
    /// line without a label, or with a label outside the catalog, is an error naming the line.
    pub fn relabel_list(&self, half: HalfId, list: &str) -> Result<String, SplitError> {
        let half = self.half(half)?;
        let mut out = String::with_capacity(list.len() / 2);
        for (number, line) in list.lines().enumerate() {
            let line_error = |reason: String| SplitError::ListLine {
                line: number + 1,
                text: line.to_string(),
                reason,
            };
            let trimmed = line.trim_end_matches('\r');
            if trimmed.trim().is_empty() {
                continue;
            }
            let (file, label) = trimmed
                .rsplit_once(' ')
                .filter(|(file, _)| !file.is_empty())
                .ok_or_else(|| line_error("expected `<file> <label>`".to_string()))?;
            let label: usize = label
                .parse()
                .map_err(|_| line_error(format!("label `{label}` is not a whole number")))?;
            if label >= self.catalog_len() {
                return Err(line_error(format!(
                    "label {label} is outside dataset `{}` ({} classes)",
                    self.dataset(),
                    self.catalog_len()
                )));
            }
            if let Some(new_label) = half.label_of(label) {
                out.push_str(file);
                out.push(' ');
                out.push_str(&new_label.to_string());
                out.push('\n');
            }
        }
        Ok(out)
    }
}
