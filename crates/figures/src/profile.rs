//! A transfer profile: how a base net from elsewhere transfers to a target dataset, layer by
//! layer, frozen and fine-tuned, against the target's own base net; and what to do with it.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use convnet_results::{CellResult, Mode};
use convnet_splits::SplitName;

use crate::draw::{render, FigureOptions};
use crate::figure2::{jittered_points, X_LABEL, Y_LABEL};
use crate::plot::{Annotation, Panel, Series};
use crate::stats::{mean, summarise, Summary};
use crate::style::{ANB, ANB_PLUS, BASE_B};
use crate::FigureError;

/// The mean top-1 of the nets of one n.
#[derive(Debug, Clone, PartialEq)]
pub struct ProfileRow {
    /// Layers copied.
    pub n: u32,
    /// Layers `1..n` copied and frozen (`profile/AnB`), mean top-1.
    pub frozen: Option<f64>,
    /// Layers `1..n` copied and fine-tuned (`profile/AnB+`), mean top-1.
    pub finetuned: Option<f64>,
}

/// A transfer profile, read from a profile run's rows.
#[derive(Debug, Clone, PartialEq)]
pub struct TransferProfile {
    /// The target's own base net (`profile/baseB`), mean top-1.
    pub base: f64,
    /// The noise of one net's top-1: the spread of the base nets' replicates where there are
    /// two or more, at least the validation set's binomial error of one evaluation.
    pub noise: f64,
    /// Whether `noise` is the binomial error alone (one replicate), which understates it.
    pub binomial_only: bool,
    /// One row per n, ascending.
    pub rows: Vec<ProfileRow>,
}

impl TransferProfile {
    /// The profile of a profile run's rows (split `profile`); `None` when they hold no base net.
    pub fn of(rows: &[CellResult]) -> Option<TransferProfile> {
        let of_profile: Vec<&CellResult> = rows
            .iter()
            .filter(|r| r.split == SplitName::Profile)
            .collect();
        let bases: Vec<&CellResult> = of_profile
            .iter()
            .copied()
            .filter(|r| r.mode == Mode::Base)
            .collect();
        let base_values: Vec<f64> = bases.iter().map(|r| r.top1).collect();
        if base_values.is_empty() {
            return None;
        }
        let base = mean(&base_values);
        let val_images = bases.iter().map(|r| r.val_images).max().unwrap_or(0) as f64;
        let binomial = if val_images > 0.0 {
            (base * (1.0 - base) / val_images).sqrt()
        } else {
            0.0
        };
        let spread = (base_values.len() >= 2).then(|| {
            let variance = base_values.iter().map(|v| (v - base).powi(2)).sum::<f64>()
                / (base_values.len() - 1) as f64;
            variance.sqrt()
        });
        let mut ns: Vec<u32> = of_profile.iter().map(|r| r.n).filter(|n| *n > 0).collect();
        ns.sort_unstable();
        ns.dedup();
        let mean_of = |n: u32, mode: Mode| {
            let values: Vec<f64> = of_profile
                .iter()
                .filter(|r| r.n == n && r.mode == mode)
                .map(|r| r.top1)
                .collect();
            (!values.is_empty()).then(|| mean(&values))
        };
        Some(TransferProfile {
            base,
            noise: spread.unwrap_or(0.0).max(binomial),
            binomial_only: spread.is_none(),
            rows: ns
                .into_iter()
                .map(|n| ProfileRow {
                    n,
                    frozen: mean_of(n, Mode::Frozen),
                    finetuned: mean_of(n, Mode::Finetune),
                })
                .collect(),
        })
    }

    /// The noise band around a value: two standard deviations of one net.
    pub fn band(&self) -> f64 {
        2.0 * self.noise
    }

    /// The deepest n whose frozen transfer stays within the noise band of the best (the best
    /// frozen transfer or the target's own base net, whichever is higher): how many layers to
    /// copy and freeze. `None` when no frozen transfer does.
    pub fn deepest_frozen(&self) -> Option<u32> {
        let best = self
            .rows
            .iter()
            .filter_map(|r| r.frozen)
            .fold(self.base, f64::max);
        self.rows
            .iter()
            .filter(|r| r.frozen.is_some_and(|v| v >= best - self.band()))
            .map(|r| r.n)
            .max()
    }

    /// `profile.csv`: per n, the frozen and fine-tuned top-1, each minus the base net's.
    pub fn to_csv(&self) -> String {
        let mut out = String::from(
            "n,frozen_top1,finetuned_top1,base_top1,frozen_minus_base,finetuned_minus_base,noise_band\n",
        );
        let cell = |v: Option<f64>| v.map_or_else(String::new, |v| format!("{v:.6}"));
        for r in &self.rows {
            let _ = writeln!(
                out,
                "{},{},{},{:.6},{},{},{:.6}",
                r.n,
                cell(r.frozen),
                cell(r.finetuned),
                self.base,
                cell(r.frozen.map(|v| v - self.base)),
                cell(r.finetuned.map(|v| v - self.base)),
                self.band()
            );
        }
        out
    }

    /// The verdict in a few lines: how many layers to freeze, and what fine-tuning gains over
    /// training on the target alone at each n.
    pub fn verdict(&self) -> String {
        let points = |v: f64| format!("{:+.1}", 100.0 * v);
        let mut out = format!(
            "target's own base net: top-1 {:.1}%; noise band of one net ±{:.1} points{}\n",
            100.0 * self.base,
            100.0 * self.band(),
            if self.binomial_only {
                " (the validation set's binomial error alone: one replicate, an underestimate)"
            } else {
                ""
            }
        );
        match self.deepest_frozen() {
            Some(n) => {
                let _ = writeln!(
                    out,
                    "freeze layers 1-{n}: the deepest frozen transfer within the noise of the best"
                );
            }
            None => out.push_str(
                "freeze nothing: every frozen transfer is below the target's own base by more than the noise\n",
            ),
        }
        let beyond: Vec<String> = self
            .rows
            .iter()
            .filter(|r| r.finetuned.is_some_and(|v| v - self.base > self.band()))
            .map(|r| r.n.to_string())
            .collect();
        let _ = writeln!(
            out,
            "fine-tuning beats the target's own base net by more than the noise at {}",
            if beyond.is_empty() {
                "no n".to_string()
            } else {
                format!("n = {}", beyond.join(", "))
            }
        );
        for r in &self.rows {
            let frozen = r
                .frozen
                .map_or_else(|| "–".into(), |v| points(v - self.base));
            let tuned = r
                .finetuned
                .map_or_else(|| "–".into(), |v| points(v - self.base));
            let _ = writeln!(
                out,
                "  n = {}: frozen {frozen}, fine-tuned {tuned} points against the base",
                r.n
            );
        }
        out
    }

    /// The one panel: top-1 against n, frozen and fine-tuned, the base net as a line with its
    /// noise band.
    fn panel(&self) -> Panel {
        let last = self.rows.iter().map(|r| r.n).max().unwrap_or(7) as f64;
        let band = Summary {
            mean: self.base,
            band: Some((self.base - self.band(), self.base + self.band())),
        };
        let curve = |values: Vec<(u32, f64)>| -> Vec<(f64, Summary)> {
            values
                .into_iter()
                .map(|(n, v)| (n as f64, summarise(&[v], false)))
                .collect()
        };
        let frozen: Vec<(u32, f64)> = self
            .rows
            .iter()
            .filter_map(|r| Some((r.n, r.frozen?)))
            .collect();
        let finetuned: Vec<(u32, f64)> = self
            .rows
            .iter()
            .filter_map(|r| Some((r.n, r.finetuned?)))
            .collect();
        let points = |values: &[(u32, f64)], offset: f64| {
            let curve = values
                .iter()
                .map(|(n, v)| {
                    (
                        *n,
                        vec![crate::groups::Observation {
                            replicate: 0,
                            value: *v,
                        }],
                    )
                })
                .collect();
            jittered_points(&curve, offset)
        };
        Panel {
            caption: "Transfer profile: top-1 on the target against the layers copied".into(),
            x_label: X_LABEL.into(),
            y_label: Y_LABEL.into(),
            series: vec![
                Series {
                    label: "target's base net ±2 SD".into(),
                    style: BASE_B,
                    points: Vec::new(),
                    line: vec![(0.0, band), (last, band)],
                },
                Series {
                    label: "copied, frozen".into(),
                    style: ANB,
                    points: points(&frozen, -0.05),
                    line: curve(frozen),
                },
                Series {
                    label: "copied, fine-tuned".into(),
                    style: ANB_PLUS,
                    points: points(&finetuned, 0.05),
                    line: curve(finetuned),
                },
            ],
            annotations: self.advice().into_iter().collect(),
            ..Panel::default()
        }
    }

    /// The verdict on the figure, at the deepest frozen transfer within the noise of the best.
    fn advice(&self) -> Option<Annotation> {
        let n = self.deepest_frozen()?;
        let frozen = self.rows.iter().find(|r| r.n == n)?.frozen?;
        Some(Annotation {
            lines: vec![
                format!("freeze layers 1-{n}"),
                "the deepest frozen transfer".into(),
                "within the noise of the best".into(),
            ],
            anchor: (n as f64, frozen),
            color: ANB.color,
            below_first: true,
        })
    }

    /// Writes `profile.svg` and `profile.png` into `out_dir`; returns their paths.
    pub fn draw(
        &self,
        out_dir: &Path,
        options: &FigureOptions,
    ) -> Result<Vec<PathBuf>, FigureError> {
        crate::font::ensure_registered()?;
        std::fs::create_dir_all(out_dir).map_err(|e| FigureError::io(out_dir, e))?;
        let title = if options.title.is_empty() {
            "Transfer profile".to_string()
        } else {
            format!("{}: transfer profile", options.title)
        };
        render(out_dir, "profile", &title, &[self.panel()])
    }
}
