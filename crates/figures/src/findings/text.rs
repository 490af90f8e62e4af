//! The findings as text: for a terminal, and as Markdown tables for documents.

use std::fmt::Write as _;

use convnet_results::CellResult;

use super::evidence::{Relative, Treatment};
use super::{Assessment, Verdict};

impl Assessment {
    /// The findings for a terminal: the noise, every base net's convergence, then each finding
    /// with its criterion, its numbers and its verdict, and a count. `source` names what was
    /// checked.
    pub fn to_text(&self, source: &str) -> String {
        let mut out = format!("The paper's five findings on {source}\n\n");
        let _ = writeln!(out, "noise: {}", self.noise.describe());
        match &self.plateaus {
            None => out.push_str("base nets: no learning curves recorded (not checked)\n"),
            Some(plateaus) => {
                out.push_str("base nets (plateau: the last quarter of the schedule rose by no more than the noise of one net):\n");
                for p in plateaus {
                    let _ = writeln!(out, "  {}", p.describe());
                }
            }
        }
        out.push('\n');
        for f in &self.findings {
            let _ = writeln!(
                out,
                "{}. {}: {}",
                f.number,
                f.claim,
                f.verdict.label().to_uppercase()
            );
            let _ = writeln!(out, "   criterion: {}", f.criterion);
            if !f.evidence.is_empty() {
                let _ = writeln!(out, "   measured:  {}", f.evidence);
            }
            if let Verdict::NotMeasurable(why) = &f.verdict {
                let _ = writeln!(out, "   why:       {why}");
            }
        }
        let _ = writeln!(
            out,
            "\n{} of {} findings hold.",
            self.holding(),
            self.findings.len()
        );
        out
    }
}

/// The findings as a Markdown table: finding, criterion, numbers, verdict (with its reason when
/// not measurable).
pub fn findings_markdown(assessment: &Assessment) -> String {
    let mut out = String::from(
        "| # | finding | criterion | measured (value ± 2 SE) | verdict |\n| --- | --- | --- | --- | --- |\n",
    );
    for f in &assessment.findings {
        let verdict = match &f.verdict {
            Verdict::NotMeasurable(why) => format!("**not measurable**: {why}"),
            other => format!("**{}**", other.label()),
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {verdict} |",
            f.number, f.claim, f.criterion, f.evidence
        );
    }
    let _ = writeln!(out, "\nNoise: {}.", assessment.noise.describe());
    if let Some(plateaus) = &assessment.plateaus {
        out.push_str("\n| base net | last quarter minus the quarter before | status |\n| --- | --- | --- |\n");
        for p in plateaus {
            let rise = p
                .rise
                .map_or_else(|| "–".to_string(), |r| format!("{r:+.2} pts"));
            let _ = writeln!(out, "| {} | {rise} | {} |", p.cell, p.label());
        }
    }
    out
}

/// The per-layer numbers behind the findings, for a run beside a reference (normally the
/// paper's networks): one Markdown table of the mean of each treatment at each n, every net
/// relative to its own base, in points, a dash where a run has no net; then both baseB values.
pub fn comparison_markdown(
    rows: &[CellResult],
    reference: &[CellResult],
    reference_name: &str,
) -> String {
    const ROWS: [(&str, Treatment); 6] = [
        ("BnB - base", Treatment::BnB),
        ("AnB - base", Treatment::AnB),
        ("BnB+ - base", Treatment::BnBPlus),
        ("AnB+ - base", Treatment::AnBPlus),
        ("dissimilar AnB - base", Treatment::Dissimilar),
        ("random filters - all/base", Treatment::RandomFilters),
    ];
    let (run, paper) = (Relative::of(rows), Relative::of(reference));
    let mut out = String::from(
        "| points vs own base | | n = 1 | 2 | 3 | 4 | 5 | 6 | 7 |\n|---|---|---|---|---|---|---|---|---|\n",
    );
    for (name, treatment) in ROWS {
        for (source, relative) in [("this run", &run), (reference_name, &paper)] {
            let values: Vec<String> = (1..=7)
                .map(|n| {
                    let v = relative.at(treatment, n);
                    if v.is_empty() {
                        "–".to_owned()
                    } else {
                        format!("{:+.1}", v.iter().sum::<f64>() / v.len() as f64)
                    }
                })
                .collect();
            let _ = writeln!(out, "| {name} | {source} | {} |", values.join(" | "));
        }
    }
    let base = |r: &Relative| {
        r.base_b
            .map_or_else(|| "–".to_owned(), |b| format!("{b:.1}"))
    };
    let _ = writeln!(
        out,
        "\nbaseB (top-1, %): this run {}, {reference_name} {}.",
        base(&run),
        base(&paper)
    );
    out
}
