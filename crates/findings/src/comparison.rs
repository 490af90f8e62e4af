//! One base net profiled against several targets, side by side: every target's frozen and
//! fine-tuned transfers relative to its own base net, in one figure and one table, so that
//! what a far target costs beside a near one reads at a glance.

use std::fmt::Write as _;

use crate::profile::TransferProfile;
use crate::FindingsError;

/// One target of a comparison: its name on the figure, its profile and its chance level.
#[derive(Debug, Clone, PartialEq)]
pub struct ComparedTarget {
    /// A short name of the target (a legend entry, a table column), e.g. `man-made`.
    pub label: String,
    /// Its transfer profile.
    pub profile: TransferProfile,
    /// Top-1 of guessing among the target's classes (`1 / classes`).
    pub chance: f64,
}

impl ComparedTarget {
    /// How far the target's own net is above chance, the most a transfer can lose.
    pub fn margin(&self) -> f64 {
        self.profile.base - self.chance
    }

    /// `value` against the target's own net, in points.
    pub fn points(&self, value: f64) -> f64 {
        100.0 * (value - self.profile.base)
    }

    /// `value` against the target's own net, in percent of the own net's margin over chance:
    /// 0 as good as the own net, -100 at chance.
    pub fn share(&self, value: f64) -> f64 {
        100.0 * (value - self.profile.base) / self.margin()
    }
}

/// Transfer profiles of one base net against two or three targets. Targets differ in how hard
/// they are, so that a frozen transfer can lose 60 points on one and 7 on another only
/// because their own nets stand 63 and 7 points above chance: the figure puts every target on
/// one scale, the share of its own net's margin over chance (0 as good as the own net, -100 at
/// chance); the table gives points too.
#[derive(Debug, Clone, PartialEq)]
pub struct ProfileComparison {
    base: String,
    targets: Vec<ComparedTarget>,
}

impl ProfileComparison {
    /// The most targets one comparison holds apart (one figure's colours).
    pub const MAX_TARGETS: usize = 3;

    /// A comparison of `targets`, profiles of the base net `base` (its name or file, for the
    /// title): two targets at least, at most [`Self::MAX_TARGETS`], each label different.
    pub fn new(
        base: impl Into<String>,
        targets: Vec<ComparedTarget>,
    ) -> Result<ProfileComparison, FindingsError> {
        if !(2..=Self::MAX_TARGETS).contains(&targets.len()) {
            return Err(FindingsError::Comparison(format!(
                "{} profiles given: a comparison takes 2 to {}",
                targets.len(),
                Self::MAX_TARGETS
            )));
        }
        for (i, target) in targets.iter().enumerate() {
            if targets[..i].iter().any(|t| t.label == target.label) {
                return Err(FindingsError::Comparison(format!(
                    "two profiles are labelled `{}`: give each its own label",
                    target.label
                )));
            }
            if target.margin() <= 0.0 {
                return Err(FindingsError::Comparison(format!(
                    "the own net of `{}` is at chance ({:.1}% against {:.1}%): a transfer has \
                     nothing to lose there",
                    target.label,
                    100.0 * target.profile.base,
                    100.0 * target.chance
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
    pub fn layers(&self) -> Vec<u32> {
        let mut ns: Vec<u32> = self
            .targets
            .iter()
            .flat_map(|t| t.profile.rows.iter().map(|r| r.n))
            .collect();
        ns.sort_unstable();
        ns.dedup();
        ns
    }

    /// The comparison in text: each target's own net, chance, band and advice; then per n
    /// the frozen and fine-tuned transfers of every target against its own net, in points and
    /// in percent of its margin over chance.
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
                "{}: own net {:.1}% (chance {:.1}%), noise band ±{:.1} points; {advice}",
                t.label,
                100.0 * p.base,
                100.0 * t.chance,
                100.0 * p.band()
            );
        }
        out.push_str("\npoints against each target's own net (frozen / fine-tuned):\n");
        self.write_table(&mut out, |t, v| format!("{:+.1}", t.points(v)));
        out.push_str(
            "\npercent of each own net's margin over chance (frozen / fine-tuned; -100 is chance):\n",
        );
        self.write_table(&mut out, |t, v| format!("{:+.0}", t.share(v)));
        out
    }

    /// A table: a row per n, a column per target, each cell `frozen / fine-tuned` as `format`
    /// writes a value of that target.
    fn write_table(&self, out: &mut String, format: impl Fn(&ComparedTarget, f64) -> String) {
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
        for n in self.layers() {
            let _ = write!(out, "{n:>5}");
            for t in &self.targets {
                let value = |v: Option<f64>| v.map_or_else(|| "–".into(), |v| format(t, v));
                let cell = match t.profile.rows.iter().find(|r| r.n == n) {
                    Some(r) => format!("{} / {}", value(r.frozen), value(r.finetuned)),
                    None => "–".to_string(),
                };
                let _ = write!(out, "  {cell:>width$}");
            }
            out.push('\n');
        }
    }
}
