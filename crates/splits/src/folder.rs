//! Catalogs of a class-per-folder tree, with an optional `class<TAB>group` file.

use std::collections::HashSet;
use std::fs;
use std::path::Path;

use crate::catalog::{Catalog, ClassInfo};
use crate::error::SplitError;

impl Catalog {
    /// One class per sub-folder of `root` (hidden folders skipped), in sorted name order; the
    /// dataset is named after `root`. `group_file`, if given, has lines `class<TAB>group`
    /// (blank lines and lines starting with `#` are skipped); classes it does not name have no
    /// group, and a class it names that has no folder is an error.
    pub fn from_folder(root: &Path, group_file: Option<&Path>) -> Result<Self, SplitError> {
        let mut names = Vec::new();
        for entry in fs::read_dir(root).map_err(|e| SplitError::io(root, e))? {
            let entry = entry.map_err(|e| SplitError::io(root, e))?;
            let file_type = entry
                .file_type()
                .map_err(|e| SplitError::io(entry.path(), e))?;
            let is_dir = file_type.is_dir() || (file_type.is_symlink() && entry.path().is_dir());
            let name = entry.file_name().to_string_lossy().into_owned();
            if is_dir && !name.starts_with('.') {
                names.push(name);
            }
        }
        names.sort();
        let dataset = root
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| root.display().to_string());
        let classes = names
            .into_iter()
            .enumerate()
            .map(|(index, name)| ClassInfo {
                index,
                id: name.clone(),
                name,
                group: None,
            })
            .collect();
        let catalog = Catalog::new(dataset, classes)?;
        match group_file {
            None => Ok(catalog),
            Some(path) => {
                let groups = read_group_file(&catalog, path)?;
                catalog.with_groups(groups)
            }
        }
    }
}

/// Reads `class<TAB>group` lines, checking each class against the catalog.
fn read_group_file(catalog: &Catalog, path: &Path) -> Result<Vec<(String, String)>, SplitError> {
    let text = fs::read_to_string(path).map_err(|e| SplitError::io(path, e))?;
    let mut seen = HashSet::new();
    let mut groups = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let line_error = |reason: String| SplitError::GroupFile {
            path: path.to_path_buf(),
            line: number + 1,
            reason,
        };
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let (class, group) = trimmed
            .split_once('\t')
            .map(|(c, g)| (c.trim(), g.trim()))
            .filter(|(c, g)| !c.is_empty() && !g.is_empty())
            .ok_or_else(|| line_error(format!("expected `class<TAB>group`, found `{trimmed}`")))?;
        if catalog.find(class).is_err() {
            return Err(line_error(format!(
                "class `{class}` has no folder in dataset `{}`",
                catalog.dataset()
            )));
        }
        if !seen.insert(class.to_string()) {
            return Err(line_error(format!("class `{class}` is named twice")));
        }
        groups.push((class.to_string(), group.to_string()));
    }
    Ok(groups)
}
