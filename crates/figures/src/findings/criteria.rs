//! The five criteria, fixed before any run. Each compares an effect with the paper's control,
//! in percentage points of top-1, every net relative to its own base net, against the noise of
//! [`super::noise`]; each returns the numbers it read and whether it is met, or why it cannot
//! be measured.

use super::evidence::{Relative, Treatment};
use super::noise::{mean_over, Estimate, Noise, Z};

/// What a criterion read: its numbers, the main one in a few words, and whether it is met.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Measured {
    /// Every number read, `value ± 2 SE` in points.
    pub evidence: String,
    /// The main effect in a few words, for a figure.
    pub headline: String,
    /// Whether the criterion is met.
    pub holds: bool,
}

/// What a criterion read, or why it cannot be measured.
pub(crate) type Outcome = Result<Measured, String>;

/// F1 may call a loss "almost none" only where the noise band is narrower than this fraction
/// of baseB.
pub const F1_RESOLUTION: f64 = 0.05;
/// F5: random filters are "near chance" within this fraction of `all/base`'s margin over chance.
pub const NEAR_CHANCE: f64 = 0.1;
/// F5: random filters at n = 1 are "well above chance" beyond this fraction of that margin.
pub const WELL_ABOVE_CHANCE: f64 = 0.5;

/// The claim and the criterion of each finding, in order.
pub const CRITERIA: [(&str, &str); 5] = [
    (
        "The first layers transfer without loss (the paper: layers 1-3, almost)",
        "AnB - baseB at n = 1 and at n = 2 within the noise band of one net (2 SD), the band \
         narrower than 5% of baseB",
    ),
    (
        "Fragile co-adaptation: BnB dips in the middle layers and recovers at the top",
        "BnB - baseB below zero by more than 2 SE (mean over n = 3..5), and BnB at n = 6..7 above \
         BnB at n = 3..5 by more than 2 SE",
    ),
    (
        "Specificity: the gap BnB - AnB grows at the top layers",
        "the gap BnB - AnB at n = 6..7 exceeds the gap at n = 1..2 by more than 2 SE",
    ),
    (
        "A lingering boost: transfer plus fine-tuning beats fine-tuning a net's own layers",
        "AnB+ - BnB+ above zero by more than 2 SE (mean over n = 1..7), and AnB+ - baseB not \
         below zero by more than 2 SE",
    ),
    (
        "The dissimilar split loses more at the top; random frozen filters collapse from layer 3",
        "dissimilar AnB below random-split AnB by more than 2 SE (mean over n = 6..7, each \
         relative to its own base); random filters within 10% of all/base's margin over chance \
         at every n = 3..7, and above 50% of it at n = 1",
    ),
];

/// F1: the mean of `AnB − baseB` at n = 1 and at n = 2 each within the noise band of one net
/// (`Z` standard deviations): where base nets themselves fall. Both ways: a head start is no
/// more "without loss" than a loss is.
pub(crate) fn general_lower_layers(relative: &Relative, noise: &Noise) -> Outcome {
    let base = relative.base_b.ok_or("no base net of a random split")?;
    let one = mean_over(relative, noise, Treatment::AnB, &[1])?;
    let two = mean_over(relative, noise, Treatment::AnB, &[2])?;
    let band = Z * noise.sd;
    if band > F1_RESOLUTION * base {
        return Err(format!(
            "the noise band (±{band:.2} pts) is wider than 5% of baseB ({:.2} pts): the run \
             cannot tell a small loss from none",
            F1_RESOLUTION * base
        ));
    }
    let within = |e: Estimate| e.value.abs() <= band;
    Ok(Measured {
        evidence: format!(
            "AnB - baseB at n = 1: {}, n = 2: {}; the noise band of one net ±{band:.2} pts",
            one.show(),
            two.show()
        ),
        headline: format!(
            "AnB - baseB at n=1, 2: {:+.1}, {:+.1} (noise ±{band:.1})",
            one.value, two.value
        ),
        holds: within(one) && within(two),
    })
}

/// F2: `BnB − baseB` below zero over n = 3..5, and BnB higher at n = 6..7 than at n = 3..5.
pub(crate) fn fragile_co_adaptation(relative: &Relative, noise: &Noise) -> Outcome {
    let middle = mean_over(relative, noise, Treatment::BnB, &[3, 4, 5])?;
    let top = mean_over(relative, noise, Treatment::BnB, &[6, 7])?;
    let dip = Estimate {
        value: -middle.value,
        se: middle.se,
    };
    let recovery = top.minus(middle);
    Ok(Measured {
        evidence: format!(
            "BnB - baseB at n = 3..5: {}; BnB at n = 6..7 minus at n = 3..5: {}",
            middle.show(),
            recovery.show()
        ),
        headline: format!(
            "BnB - baseB at n=3-5: {}; recovery {}",
            middle.show(),
            recovery.show()
        ),
        holds: dip.clearly_positive() && recovery.clearly_positive(),
    })
}

/// The gap `BnB − AnB` averaged over `ns`.
fn gap(relative: &Relative, noise: &Noise, ns: &[u32]) -> Result<Estimate, String> {
    Ok(
        mean_over(relative, noise, Treatment::BnB, ns)?.minus(mean_over(
            relative,
            noise,
            Treatment::AnB,
            ns,
        )?),
    )
}

/// F3: the specificity gap `BnB − AnB` larger at n = 6..7 than at n = 1..2.
pub(crate) fn specificity(relative: &Relative, noise: &Noise) -> Outcome {
    let low = gap(relative, noise, &[1, 2])?;
    let high = gap(relative, noise, &[6, 7])?;
    let growth = high.minus(low);
    Ok(Measured {
        evidence: format!(
            "BnB - AnB at n = 1..2: {}; at n = 6..7: {}; growth {}",
            low.show(),
            high.show(),
            growth.show()
        ),
        headline: format!("BnB - AnB grows by {}", growth.show()),
        holds: growth.clearly_positive(),
    })
}

/// F4: `AnB+ − BnB+` above zero over n = 1..7, and AnB+ not below baseB.
pub(crate) fn lingering_boost(relative: &Relative, noise: &Noise) -> Outcome {
    const ALL: [u32; 7] = [1, 2, 3, 4, 5, 6, 7];
    let transfer = mean_over(relative, noise, Treatment::AnBPlus, &ALL)?;
    let selffer = mean_over(relative, noise, Treatment::BnBPlus, &ALL)?;
    let boost = transfer.minus(selffer);
    Ok(Measured {
        evidence: format!(
            "AnB+ - BnB+ over n = 1..7: {}; AnB+ - baseB: {}",
            boost.show(),
            transfer.show()
        ),
        headline: format!("AnB+ - BnB+, each vs its own base: {}", boost.show()),
        holds: boost.clearly_positive() && transfer.value >= -Z * transfer.se,
    })
}

/// F5: the dissimilar split below the random split at n = 6..7; random filters near chance
/// from n = 3 and well above it at n = 1.
pub(crate) fn dissimilarity_and_random_filters(
    relative: &Relative,
    noise: &Noise,
    chance: Option<f64>,
) -> Outcome {
    let random_split = mean_over(relative, noise, Treatment::AnB, &[6, 7])?;
    let dissimilar = mean_over(relative, noise, Treatment::Dissimilar, &[6, 7])?;
    let drop = random_split.minus(dissimilar);
    let base = relative.all_base.ok_or("no all/base net")?;
    let chance = 100.0 * chance.ok_or("the chance level of split `all` is unknown")?;
    let margin = base - chance;
    let mut above_chance = Vec::new();
    for n in 1..=7u32 {
        let values = relative.at(Treatment::RandomFilters, n);
        if values.is_empty() {
            return Err(format!("no random-filter net at n = {n}"));
        }
        let level = base + values.iter().sum::<f64>() / values.len() as f64;
        above_chance.push(level - chance);
    }
    let collapsed = above_chance[2..].iter().all(|v| *v <= NEAR_CHANCE * margin);
    let first_stands = above_chance[0] >= WELL_ABOVE_CHANCE * margin;
    let list: Vec<String> = above_chance.iter().map(|v| format!("{v:.1}")).collect();
    Ok(Measured {
        evidence: format!(
            "random-split AnB minus dissimilar AnB at n = 6..7: {}; random filters above chance \
             at n = 1..7: {} pts (all/base {:.1} above chance; near: <= {:.1}, well above: >= {:.1})",
            drop.show(),
            list.join(", "),
            margin,
            NEAR_CHANCE * margin,
            WELL_ABOVE_CHANCE * margin
        ),
        headline: format!(
            "dissimilar drop {}; random filters at n=3-7 {:.1}-{:.1} above chance",
            drop.show(),
            above_chance[2..].iter().copied().fold(f64::INFINITY, f64::min),
            above_chance[2..].iter().copied().fold(f64::NEG_INFINITY, f64::max)
        ),
        holds: drop.clearly_positive() && collapsed && first_stands,
    })
}
