//! One base net profiled against several targets, side by side: every target's frozen and
//! fine-tuned transfers relative to its own base net, in one figure and one table, so that
//! what a far target costs beside a near one reads at a glance.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::draw::render;
use crate::figure2::X_LABEL;
use crate::plot::{Panel, Series};
use crate::profile::{ProfileRow, TransferProfile};
use crate::stats::{summarise, Summary};
use crate::style::COMPARED_TARGETS;
use crate::FigureError;

/// One target of a comparison: its name on the figure and its profile.
#[derive(Debug, Clone, PartialEq)]
pub struct ComparedTarget {
    /// A short name of the target (a legend entry, a table column), e.g. `man-made`.
    pub label: String,
    /// Its transfer profile.
    pub profile: TransferProfile,
}

/// Transfer profiles of one base net against two or three targets.
#[derive(Debug, Clone, PartialEq)]
pub struct ProfileComparison {
    base: String,
    targets: Vec<ComparedTarget>,
}

impl ProfileComparison {
    /// The most targets one figure holds apart.
    pub const MAX_TARGETS: usize = COMPARED_TARGETS.len();

    /// A comparison of `targets`, profiles of the base net `base` (its name or file, for the
    /// title): two targets at least, at most [`Self::MAX_TARGETS`], each label different.
    pub fn new(
        base: impl Into<String>,
        targets: Vec<ComparedTarget>,
    ) -> Result<ProfileComparison, FigureError> {
        if !(2..=Self::MAX_TARGETS).contains(&targets.len()) {
            return Err(FigureError::Comparison(format!(
                "{} profiles given: a comparison takes 2 to {}",
                targets.len(),
                Self::MAX_TARGETS
            )));
        }
        for (i, target) in targets.iter().enumerate() {
            if targets[..i].iter().any(|t| t.label == target.label) {
                return Err(FigureError::Comparison(format!(
                    "two profiles are labelled `{}`: give each its own label",
                    target.label
                )));
            }
        }
        Ok(ProfileComparison {
            base: base.into(),
            targets,
        })
    }

    /// The base net, as the title names it.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// The targets, in the order given.
    pub fn targets(&self) -> &[ComparedTarget] {
        &self.targets
    }

    /// Every n of any target, ascending.
    fn layers(&self) -> Vec<u32> {
        let mut ns: Vec<u32> = self
            .targets
            .iter()
            .flat_map(|t| t.profile.rows.iter().map(|r| r.n))
            .collect();
        ns.sort_unstable();
        ns.dedup();
        ns
    }

    /// The comparison in text: each target's base net, band and advice, then per n the frozen
    /// and fine-tuned transfers of every target in points against its own base net.
    pub fn to_text(&self) -> String {
        let mut out = format!("transfer profiles of {}\n", self.base);
        for t in &self.targets {
            let p = &t.profile;
            let advice = match p.deepest_frozen() {
                Some(n) => format!("freeze layers 1-{n}"),
                None => "freeze nothing".to_string(),
            };
            let _ = writeln!(
                out,
                "{}: own base net {:.1}%, noise band ±{:.1} points; {advice}",
                t.label,
                100.0 * p.base,
                100.0 * p.band()
            );
        }
        out.push_str("\npoints against each target's own base net (frozen / fine-tuned):\n");
        let width = self
            .targets
            .iter()
            .map(|t| t.label.chars().count())
            .max()
            .unwrap_or(0)
            .max(15);
        let _ = write!(out, "{:>5}", "n");
        for t in &self.targets {
            let _ = write!(out, "  {:>width$}", t.label);
        }
        out.push('\n');
        let points = |v: Option<f64>, base: f64| {
            v.map_or_else(|| "–".into(), |v| format!("{:+.1}", 100.0 * (v - base)))
        };
        for n in self.layers() {
            let _ = write!(out, "{n:>5}");
            for t in &self.targets {
                let row = t.profile.rows.iter().find(|r| r.n == n);
                let cell = match row {
                    Some(r) => format!(
                        "{} / {}",
                        points(r.frozen, t.profile.base),
                        points(r.finetuned, t.profile.base)
                    ),
                    None => "–".to_string(),
                };
                let _ = write!(out, "  {cell:>width$}");
            }
            out.push('\n');
        }
        out
    }

    /// The one panel: per target, frozen and fine-tuned transfers in points against its own
    /// base net, with its noise band around zero.
    fn panel(&self) -> Panel {
        let last = self.layers().last().copied().unwrap_or(7) as f64;
        let mut series = Vec::new();
        let count = self.targets.len() as f64;
        for (i, (t, (frozen_style, tuned_style, band_style))) in
            self.targets.iter().zip(COMPARED_TARGETS).enumerate()
        {
            let p = &t.profile;
            let band = 100.0 * p.band();
            let zero = Summary {
                mean: 0.0,
                band: Some((-band, band)),
            };
            series.push(Series {
                label: format!("{} ±{:.1}", t.label, band),
                style: band_style,
                points: Vec::new(),
                line: vec![(0.0, zero), (last, zero)],
            });
            // Each target's markers a little apart, so that equal values stay visible.
            let offset = (i as f64 - (count - 1.0) / 2.0) * 0.08;
            let curve = |value: fn(&ProfileRow) -> Option<f64>| {
                p.rows
                    .iter()
                    .filter_map(|r| Some((r.n as f64 + offset, 100.0 * (value(r)? - p.base))))
                    .map(|(x, y)| (x, summarise(&[y], false)))
                    .collect::<Vec<_>>()
            };
            series.push(Series {
                label: format!("{}: frozen", t.label),
                style: frozen_style,
                points: Vec::new(),
                line: curve(|r| r.frozen),
            });
            series.push(Series {
                label: format!("{}: fine-tuned", t.label),
                style: tuned_style,
                points: Vec::new(),
                line: curve(|r| r.finetuned),
            });
        }
        Panel {
            caption: "Each target against its own net (circles at 0, band ±2 SD of one net)".into(),
            x_label: X_LABEL.into(),
            y_label: "Top-1 minus the target's own base net (points)".into(),
            y_in_points: true,
            legend_chars: series.iter().map(|s| s.label.chars().count()).max(),
            series,
            ..Panel::default()
        }
    }

    /// Writes `profiles.svg` and `profiles.png` into `out_dir`, titled with the base net;
    /// returns their paths.
    pub fn draw(&self, out_dir: &Path) -> Result<Vec<PathBuf>, FigureError> {
        crate::font::ensure_registered()?;
        std::fs::create_dir_all(out_dir).map_err(|e| FigureError::io(out_dir, e))?;
        let title = format!("Transfer profiles of {}", self.base);
        render(out_dir, "profiles", &title, &[self.panel()])
    }
}
