//! The noise the findings are judged against, knowing that nets share their base net.
//!
//! **The model.** Every copied net is read relative to the base net of its own target half
//! (same split, same replicate): `y = x − base`. Nets measured against one base share that
//! base's own noise, so a net's relative value is
//!
//! `y = μ(treatment, n) + u(base) + e`,
//!
//! with `u` a random effect shared by every net measured against one base net, `e` the net's
//! own noise, independent between nets. Both have the standard deviation `σ` of one net: a
//! base net is one net, trained like any other.
//!
//! **The estimator.** `σ` comes from the nets themselves: the additive fit of `y` on
//! `(treatment, n)` and on the base net, by least squares over every copied net (frozen and
//! fine-tuned, random and dissimilar splits; the random-filter nets, near chance, say nothing
//! about the others), leaves the residual sum of squares `RSS` on
//! `df = N − (L + G − C)` degrees of freedom (`N` nets, `L` treatments-at-n, `G` base nets, `C`
//! connected parts of the design), and `σ² = RSS / df`. The fit removes whatever a base net
//! shares with every net measured against it, so a base net that happened to be good or bad
//! moves no estimate of `σ`. `σ` is never taken below the validation set's own sampling error
//! of one evaluation, `sqrt(p (1 − p) / N_val)` at `baseB`'s top-1 `p`. Without residual
//! degrees of freedom (no treatment measured against two base nets at one n: one direction,
//! one split, one replicate) there is no spread to measure.
//!
//! **Standard errors.** Every number a criterion reads is a linear combination `Σ cᵢ yᵢ` of
//! nets (a mean of a treatment at n, a mean over several n, a difference of such means). Its
//! variance under the model is `σ² (Σ cᵢ² + Σ_bases (Σ_{i of the base} cᵢ)²)`: a difference
//! between nets of one base cancels that base's noise; a mean against the base keeps it,
//! however many nets it averages. A difference is beyond the noise when it exceeds [`Z`]
//! standard errors.

use std::collections::{BTreeMap, BTreeSet};

use crate::nets::Treatment;
use crate::table::Table;

/// How many standard errors a difference must exceed to be beyond the noise (about 97.7 %
/// one-sided under a normal model).
pub const Z: f64 = 2.0;

/// The treatments whose nets estimate the noise: every copied net.
const POOLED: [Treatment; 5] = [
    Treatment::BnB,
    Treatment::AnB,
    Treatment::BnBPlus,
    Treatment::AnBPlus,
    Treatment::Dissimilar,
];

/// The noise of one net's top-1, in percentage points.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Noise {
    /// The standard deviation of one net, `σ`: the residual spread, at least the binomial floor.
    pub sd: f64,
    /// The residual spread of the additive fit alone (`NaN` without degrees of freedom).
    pub spread: f64,
    /// Its degrees of freedom.
    pub df: usize,
    /// Copied nets in the fit.
    pub nets: usize,
    /// Base nets they are measured against.
    pub bases: usize,
    /// The binomial error of one evaluation on the validation set (`NaN` when its size is
    /// unknown).
    pub binomial: f64,
}

impl Noise {
    /// The noise of a table's nets.
    pub(crate) fn of(table: &Table) -> Noise {
        let fit = AdditiveFit::of(table);
        let spread = if fit.df > 0 {
            (fit.rss / fit.df as f64).sqrt()
        } else {
            f64::NAN
        };
        let binomial = match table.levels.base_b {
            Some(p) if table.levels.val_images > 0.0 => {
                let p = p / 100.0;
                100.0 * (p * (1.0 - p) / table.levels.val_images).sqrt()
            }
            _ => f64::NAN,
        };
        let sd = match (spread.is_finite(), binomial.is_finite()) {
            (true, true) => spread.max(binomial),
            (true, false) => spread,
            _ => f64::NAN,
        };
        Noise {
            sd,
            spread,
            df: fit.df,
            nets: fit.nets,
            bases: fit.bases,
            binomial,
        }
    }

    /// Whether the nets' spread could be measured.
    pub fn measured(&self) -> bool {
        self.df > 0 && self.sd.is_finite()
    }

    /// One line: the estimate and where it comes from.
    pub fn describe(&self) -> String {
        if !self.measured() {
            return format!(
                "not measurable: no treatment measured against two base nets at one n (add a \
                 direction, a random split or replicates); the validation set's binomial error \
                 alone ({:.2} pts) understates it",
                self.binomial
            );
        }
        let floor = if self.binomial.is_finite() && self.binomial > self.spread {
            format!(
                ", raised to the validation set's binomial error {:.2}",
                self.binomial
            )
        } else if self.binomial.is_finite() {
            format!(" (validation binomial error {:.2})", self.binomial)
        } else {
            String::new()
        };
        format!(
            "one net {:.2} pts: the residual spread of {} copied nets once each treatment at \
             each n and each of their {} base nets are taken out, {:.2} pts on {} degrees of \
             freedom{floor}; a base net's own noise is that of one net and shared by every net \
             measured against it",
            self.sd, self.nets, self.bases, self.spread, self.df
        )
    }
}

/// The least-squares fit of the copied nets' relative values on treatment-at-n plus base net.
struct AdditiveFit {
    rss: f64,
    df: usize,
    nets: usize,
    bases: usize,
}

impl AdditiveFit {
    fn of(table: &Table) -> AdditiveFit {
        let nets: Vec<usize> = (0..table.nets.len())
            .filter(|&i| POOLED.contains(&table.nets[i].treatment))
            .collect();
        let level_of = |i: usize| (table.nets[i].treatment, table.nets[i].n);
        let levels: BTreeSet<(Treatment, u32)> = nets.iter().map(|&i| level_of(i)).collect();
        let bases: BTreeSet<usize> = nets.iter().map(|&i| table.nets[i].base).collect();
        // Backfitting (Gauss-Seidel on the normal equations) converges to the least-squares fit.
        let mut effect: BTreeMap<(Treatment, u32), f64> = BTreeMap::new();
        let mut shared: BTreeMap<usize, f64> = bases.iter().map(|&b| (b, 0.0)).collect();
        for _ in 0..10_000 {
            let mut change = 0f64;
            for &level in &levels {
                let values: Vec<f64> = nets
                    .iter()
                    .filter(|&&i| level_of(i) == level)
                    .map(|&i| table.nets[i].relative - shared[&table.nets[i].base])
                    .collect();
                let mean = values.iter().sum::<f64>() / values.len() as f64;
                change = change.max((effect.get(&level).copied().unwrap_or(0.0) - mean).abs());
                effect.insert(level, mean);
            }
            for &base in &bases {
                let values: Vec<f64> = nets
                    .iter()
                    .filter(|&&i| table.nets[i].base == base)
                    .map(|&i| table.nets[i].relative - effect[&level_of(i)])
                    .collect();
                let mean = values.iter().sum::<f64>() / values.len() as f64;
                change = change.max((shared[&base] - mean).abs());
                shared.insert(base, mean);
            }
            if change < 1e-12 {
                break;
            }
        }
        let rss = nets
            .iter()
            .map(|&i| {
                let net = &table.nets[i];
                (net.relative - effect[&level_of(i)] - shared[&net.base]).powi(2)
            })
            .sum();
        let parts = connected_parts(&nets, table);
        let rank = levels.len() + bases.len() - parts;
        AdditiveFit {
            rss,
            df: nets.len().saturating_sub(rank),
            nets: nets.len(),
            bases: bases.len(),
        }
    }
}

/// How many connected parts the design has: treatments-at-n and base nets joined by the nets
/// that have both.
fn connected_parts(nets: &[usize], table: &Table) -> usize {
    let mut parent: BTreeMap<Node, Node> = BTreeMap::new();
    fn root(parent: &mut BTreeMap<Node, Node>, node: Node) -> Node {
        let up = *parent.entry(node).or_insert(node);
        if up == node {
            return node;
        }
        let top = root(parent, up);
        parent.insert(node, top);
        top
    }
    for &i in nets {
        let net = &table.nets[i];
        let a = root(&mut parent, Node::Level(net.treatment, net.n));
        let b = root(&mut parent, Node::Base(net.base));
        if a != b {
            parent.insert(a, b);
        }
    }
    let nodes: Vec<Node> = parent.keys().copied().collect();
    nodes
        .into_iter()
        .map(|node| root(&mut parent, node))
        .collect::<BTreeSet<_>>()
        .len()
}

/// A node of the design's graph.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Node {
    Level(Treatment, u32),
    Base(usize),
}

/// A value with its standard error, in percentage points.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    /// The value.
    pub value: f64,
    /// Its standard error.
    pub se: f64,
}

impl Estimate {
    /// `value ± Z·se` in points, for messages.
    pub fn show(self) -> String {
        format!("{:+.2} ± {:.2} pts", self.value, Z * self.se)
    }
}

/// What a contrast reads of a net: its value relative to its base net, or above chance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reading {
    /// Top-1 minus the net's own base net: shares that base's noise.
    Relative,
    /// Top-1 minus chance: the net's own noise alone.
    AboveChance,
}

/// A linear combination of nets, `Σ cᵢ yᵢ`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Contrast {
    coefficients: BTreeMap<usize, f64>,
    reading: Reading,
}

impl Contrast {
    /// The mean over `ns` of a treatment's mean at each n; `Err` names the first n without a net.
    pub(crate) fn mean(
        table: &Table,
        treatment: Treatment,
        ns: &[u32],
        reading: Reading,
    ) -> Result<Contrast, String> {
        let mut coefficients = BTreeMap::new();
        for &n in ns {
            let nets = table.at(treatment, n);
            if nets.is_empty() {
                return Err(format!("no {} net at n = {n}", treatment.label()));
            }
            for i in &nets {
                *coefficients.entry(*i).or_insert(0.0) += 1.0 / (nets.len() * ns.len()) as f64;
            }
        }
        Ok(Contrast {
            coefficients,
            reading,
        })
    }

    /// `self − other`.
    pub(crate) fn minus(mut self, other: &Contrast) -> Contrast {
        for (i, c) in &other.coefficients {
            *self.coefficients.entry(*i).or_insert(0.0) -= c;
        }
        self
    }

    /// Its value and standard error under the noise model.
    pub(crate) fn estimate(&self, table: &Table, noise: &Noise) -> Estimate {
        let value_of = |i: usize| match self.reading {
            Reading::Relative => table.nets[i].relative,
            Reading::AboveChance => table.nets[i].above_chance,
        };
        let value = self
            .coefficients
            .iter()
            .map(|(&i, c)| c * value_of(i))
            .sum();
        let own: f64 = self.coefficients.values().map(|c| c * c).sum();
        let shared: f64 = match self.reading {
            Reading::Relative => {
                let mut by_base: BTreeMap<usize, f64> = BTreeMap::new();
                for (&i, c) in &self.coefficients {
                    *by_base.entry(table.nets[i].base).or_insert(0.0) += c;
                }
                by_base.values().map(|c| c * c).sum()
            }
            Reading::AboveChance => 0.0,
        };
        Estimate {
            value,
            se: noise.sd * (own + shared).sqrt(),
        }
    }
}
