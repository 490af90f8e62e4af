//! The findings as text: for a terminal, and as Markdown tables for documents.

use std::fmt::Write as _;

use convnet_results::CellResult;

use crate::assessment::{Assessment, Basis, Verdict};
use crate::convergence::{RISE_LIMIT, SECOND_RUN_LIMIT};
use crate::nets::Treatment;
use crate::table::{Chances, Table};

impl Assessment {
    /// The findings for a terminal: what they rest on (the noise and every base net's
    /// convergence, or the pooled runs), then each finding with its criterion, its numbers
    /// and its verdict, and a count. `source` names what was checked.
    pub fn to_text(&self, source: &str) -> String {
        let mut out = format!("The paper's findings on {source}\n\n");
        match &self.basis {
            Basis::Run {
                noise,
                convergence,
                curves_recorded,
            } => {
                let _ = writeln!(out, "noise: {}", noise.describe());
                if *curves_recorded {
                    let _ = writeln!(
                        out,
                        "base nets (converged: the last quarter rose by at most {:.0}% of the \
                         net's margin over chance, and a second run adds at most {:.0}%):",
                        100.0 * RISE_LIMIT,
                        100.0 * SECOND_RUN_LIMIT
                    );
                    for c in convergence {
                        let _ = writeln!(out, "  {}", c.describe());
                    }
                } else {
                    out.push_str(
                        "base nets: no learning curves recorded (convergence not checked)\n",
                    );
                    for c in convergence.iter().filter(|c| c.second_run.is_some()) {
                        let _ = writeln!(out, "  {}", c.describe_second_run());
                    }
                }
            }
            Basis::Pooled { runs } => {
                let _ = writeln!(
                    out,
                    "pooled: {} runs ({}), each number combined across runs with the run as a \
                     random effect (DerSimonian-Laird)",
                    runs.len(),
                    runs.join(", ")
                );
            }
        }
        out.push('\n');
        for f in &self.findings {
            let _ = writeln!(
                out,
                "{}. {}: {}",
                f.id,
                f.id.claim(),
                f.verdict.label().to_uppercase()
            );
            let _ = writeln!(out, "   criterion: {}", f.id.criterion());
            if !f.quantities.is_empty() {
                let _ = writeln!(out, "   measured:  {}", f.evidence());
            }
            match &f.verdict {
                Verdict::NotMeasurable(why) => {
                    let _ = writeln!(out, "   why:       {why}");
                }
                Verdict::DoesNotHold(power) => {
                    let _ = writeln!(out, "   power:     {}", power.describe());
                }
                Verdict::Holds => {}
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

/// The findings as a Markdown table: finding, criterion, numbers, verdict (with its power or
/// its reason); then the noise and the base nets' convergence of a single run.
pub fn findings_markdown(assessment: &Assessment) -> String {
    let mut out = String::from(
        "| # | finding | criterion | measured (value ± 2 SE, points) | verdict |\n| --- | --- | --- | --- | --- |\n",
    );
    for f in &assessment.findings {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | **{}**{} |",
            f.id,
            f.id.claim(),
            f.id.criterion(),
            f.evidence(),
            f.verdict.label(),
            match &f.verdict {
                Verdict::Holds => String::new(),
                Verdict::DoesNotHold(power) => format!("; {}", power.describe()),
                Verdict::NotMeasurable(why) => format!(": {why}"),
            }
        );
    }
    if let Basis::Run {
        noise,
        convergence,
        curves_recorded,
    } = &assessment.basis
    {
        let _ = writeln!(out, "\nNoise: {}.", noise.describe());
        let shown: Vec<_> = convergence
            .iter()
            .filter(|c| *curves_recorded || c.second_run.is_some())
            .collect();
        if !curves_recorded {
            out.push_str("\nNo learning curves recorded: convergence not checked.\n");
        }
        if !shown.is_empty() {
            out.push_str(
                "\n| base net | last quarter | second run (BnB+ at n = 7) | margin over chance | status |\n| --- | --- | --- | --- | --- |\n",
            );
        }
        for c in shown {
            let points = |v: Option<f64>| v.map_or_else(|| "–".to_string(), |v| format!("{v:+.2}"));
            let status = if *curves_recorded {
                c.label()
            } else {
                "not checked"
            };
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {status} |",
                c.cell,
                points(c.rise),
                points(c.second_run),
                c.margin
                    .map_or_else(|| "–".to_string(), |m| format!("{m:.1}")),
            );
        }
    }
    out
}

/// Verdicts of several runs and of their pool, side by side: one row per finding, one column
/// per run, then the pooled verdict with its numbers.
pub fn pooled_markdown(runs: &[(String, Assessment)], pooled: &Assessment) -> String {
    let mut out = String::from("| # |");
    for (name, _) in runs {
        let _ = write!(out, " {name} |");
    }
    out.push_str(" pooled | pooled, measured (value ± 2 SE, points) |\n|---|");
    out.push_str(&"---|".repeat(runs.len() + 2));
    out.push('\n');
    for f in &pooled.findings {
        let _ = write!(out, "| {} |", f.id);
        for (_, a) in runs {
            let label = a.finding(f.id).map_or("–", |g| g.verdict.short());
            let _ = write!(out, " {label} |");
        }
        let _ = writeln!(out, " **{}** | {} |", f.verdict.describe(), f.evidence());
    }
    out
}

/// Verdicts of several runs and of their pool, side by side, as aligned text: one row per
/// finding, one column per run, then the pool's.
pub fn pooled_verdicts(runs: &[(String, Assessment)], pooled: &Assessment) -> String {
    let mut columns: Vec<Vec<String>> = vec![std::iter::once("finding".to_string())
        .chain(pooled.findings.iter().map(|f| f.id.to_string()))
        .collect()];
    for (name, assessment) in runs
        .iter()
        .map(|(n, a)| (n.as_str(), a))
        .chain([("pooled", pooled)])
    {
        columns.push(
            std::iter::once(name.to_string())
                .chain(pooled.findings.iter().map(|f| {
                    assessment
                        .finding(f.id)
                        .map_or("–", |g| g.verdict.short())
                        .to_string()
                }))
                .collect(),
        );
    }
    let widths: Vec<usize> = columns
        .iter()
        .map(|c| c.iter().map(|v| v.chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for row in 0..columns[0].len() {
        let cells: Vec<String> = columns
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{:<w$}", c[row]))
            .collect();
        let _ = writeln!(out, "{}", cells.join("  ").trim_end());
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
    const ROWS: [(&str, Treatment); 7] = [
        ("BnB - base", Treatment::BnB),
        ("AnB - base", Treatment::AnB),
        ("BnB+ - base", Treatment::BnBPlus),
        ("AnB+ - base", Treatment::AnBPlus),
        ("dissimilar AnB - base", Treatment::Dissimilar),
        ("random filters - all/base", Treatment::RandomFilters),
        (
            "Gaussian random filters - all/base",
            Treatment::GaussianFilters,
        ),
    ];
    let no_chances = Chances::new();
    let (run, paper) = (
        Table::of(rows, &no_chances),
        Table::of(reference, &no_chances),
    );
    let mut out = String::from(
        "| points vs own base | | n = 1 | 2 | 3 | 4 | 5 | 6 | 7 |\n|---|---|---|---|---|---|---|---|---|\n",
    );
    for (name, treatment) in ROWS {
        let tables = [("this run", &run), (reference_name, &paper)];
        if tables.iter().all(|(_, t)| t.at(treatment, 1).is_empty()) {
            continue;
        }
        for (source, table) in tables {
            let values: Vec<String> = (1..=7)
                .map(|n| {
                    let nets = table.at(treatment, n);
                    if nets.is_empty() {
                        "–".to_owned()
                    } else {
                        let sum: f64 = nets.iter().map(|&i| table.nets[i].relative).sum();
                        format!("{:+.1}", sum / nets.len() as f64)
                    }
                })
                .collect();
            let _ = writeln!(out, "| {name} | {source} | {} |", values.join(" | "));
        }
    }
    let base = |t: &Table| {
        t.levels
            .base_b
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
