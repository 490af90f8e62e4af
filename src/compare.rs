//! Transfer profiles of one base net against several targets, read from their run
//! directories and put side by side.

use std::path::{Path, PathBuf};

use convnet_findings::{ComparedTarget, ProfileComparison, TransferProfile};
use convnet_splits::{HalfId, SplitName};

use crate::analysis::chance_in;
use crate::error::ExperimentError;
use crate::run::Run;
use crate::run_dir::RunDir;

/// A profile run to compare: its run directory and the target's name on the figure (default:
/// the target's coarse groups, e.g. `man-made`, else the dataset's kind, e.g. `embedded`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileRun {
    /// The run directory of a `cargo xtask profile` run.
    pub run_dir: PathBuf,
    /// The target's name; `None` for the default.
    pub label: Option<String>,
}

/// The comparison of the profile runs `runs`, which must profile one base net (the same
/// `[profile] base` file) and each have their target's own base net finished.
pub fn compare_profiles(runs: &[ProfileRun]) -> Result<ProfileComparison, ExperimentError> {
    let mut targets = Vec::new();
    let mut first_base: Option<(&Path, PathBuf, PathBuf)> = None;
    for run in runs {
        let not_comparable = |reason: String| ExperimentError::NotComparable {
            run_dir: run.run_dir.clone(),
            reason,
        };
        let opened = Run::open(&run.run_dir)?;
        let (dir, config) = (opened.run_dir(), opened.config());
        let Some(profile) = config.study.profile() else {
            return Err(not_comparable(
                "it is a grid, not a transfer profile (no [profile] in its config.toml)".into(),
            ));
        };
        let base = canonical(&profile.base);
        match &first_base {
            None => first_base = Some((&run.run_dir, profile.base.clone(), base)),
            Some((first_dir, first, first_canonical)) if *first_canonical != base => {
                return Err(not_comparable(format!(
                    "it profiles the base net {}, {} profiles {}: a comparison is of one base net",
                    profile.base.display(),
                    first_dir.display(),
                    first.display()
                )))
            }
            Some(_) => {}
        }
        let profile_of_run = TransferProfile::of(&opened.results()?).ok_or_else(|| {
            not_comparable("its target's own base net has not finished yet".into())
        })?;
        let chance = chance_in(dir, &SplitName::Profile, HalfId::B)?.ok_or_else(|| {
            not_comparable(format!(
                "its target's classes are unknown ({} is missing or holds none)",
                dir.split(&SplitName::Profile).display()
            ))
        })?;
        let label = run.label.clone().unwrap_or_else(|| {
            if profile.target_groups.is_empty() {
                config.dataset.kind.name().to_string()
            } else {
                profile.target_groups.join("+")
            }
        });
        targets.push(ComparedTarget {
            label,
            profile: profile_of_run,
            chance,
        });
    }
    let base = first_base.map_or_else(String::new, |(_, base, _)| base_name(&base));
    Ok(ProfileComparison::new(base, targets)?)
}

/// Compares the profile runs `runs` (see [`compare_profiles`]) and writes the comparison into
/// `out_dir`: its figure (`profiles.png`, `.svg`) and its table (`profiles.txt`); returns it
/// and the files written.
pub fn write_comparison(
    runs: &[ProfileRun],
    out_dir: &Path,
) -> Result<(ProfileComparison, Vec<PathBuf>), ExperimentError> {
    let comparison = compare_profiles(runs)?;
    let out = RunDir::new(out_dir);
    let mut written = convnet_figures::draw_comparison(&comparison, out.root())?;
    let table = out.profiles_table();
    convnet_files::write_atomic(&table, comparison.to_text().as_bytes()).map_err(|source| {
        ExperimentError::Io {
            path: table.clone(),
            source,
        }
    })?;
    written.push(table);
    Ok((comparison, written))
}

/// A base net's name for a title: a checkpoint of this project by its run and cell
/// (`runs/tiny-imagenet/cells/natman/baseA/checkpoint.safetensors` is
/// `tiny-imagenet natman/baseA`), any other file by its path.
fn base_name(path: &Path) -> String {
    match RunDir::checkpoint_owner(path) {
        Some((run, cell)) => {
            let run = run
                .file_name()
                .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
            format!("{run} {cell}")
        }
        None => path.display().to_string(),
    }
}

/// `path` with its links and `..` resolved where it exists, else as written.
fn canonical(path: &Path) -> PathBuf {
    path.canonicalize().unwrap_or_else(|_| path.to_path_buf())
}
