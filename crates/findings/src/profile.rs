//! A transfer profile: how a base net from elsewhere transfers to a target dataset, layer by
//! layer, frozen and fine-tuned, against the target's own base net; and what to do with it.

use std::fmt::Write as _;

use convnet_results::{CellResult, Mode};
use convnet_splits::SplitName;

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
        let base = base_values.iter().sum::<f64>() / base_values.len() as f64;
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
            (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
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
}
