//! One base net's profiles against several targets, side by side, from synthetic rows: what
//! the comparison accepts, and its table.

mod common;

use common::profile_rows;
use convnet_findings::{ComparedTarget, ProfileComparison, TransferProfile};
use convnet_results::Mode;

/// The near target of `profile_rows` (chance 1%), and a far one (chance 2%): its own nets at
/// 60% and 64%, every frozen transfer 30 points below them, fine-tuning level with them.
fn targets() -> Vec<ComparedTarget> {
    let near = TransferProfile::of(&profile_rows()).unwrap();
    let mut far_rows = profile_rows();
    for r in &mut far_rows {
        r.top1 = match (r.mode, r.replicate) {
            (Mode::Base, 0) => 0.60,
            (Mode::Base, _) => 0.64,
            (Mode::Frozen, _) => 0.32,
            _ => 0.62,
        };
    }
    let far = TransferProfile::of(&far_rows).unwrap();
    vec![
        ComparedTarget {
            label: "near".into(),
            profile: near,
            chance: 0.01,
        },
        ComparedTarget {
            label: "far".into(),
            profile: far,
            chance: 0.02,
        },
    ]
}

#[test]
fn a_comparison_takes_two_or_three_targets_each_with_its_own_label() {
    let two = targets();
    let one = vec![two[0].clone()];
    let err = ProfileComparison::new("base", one).unwrap_err().to_string();
    assert!(
        err.contains("1 profiles given: a comparison takes 2 to 3"),
        "{err}"
    );
    let four: Vec<ComparedTarget> = (0..4)
        .map(|i| ComparedTarget {
            label: format!("t{i}"),
            profile: two[0].profile.clone(),
            chance: 0.01,
        })
        .collect();
    assert!(ProfileComparison::new("base", four).is_err());
    let mut same = targets();
    same[1].label = "near".into();
    let err = ProfileComparison::new("base", same)
        .unwrap_err()
        .to_string();
    assert!(err.contains("two profiles are labelled `near`"), "{err}");
    assert_eq!(
        ProfileComparison::new("base", targets())
            .unwrap()
            .targets()
            .len(),
        2
    );
}

#[test]
fn the_table_puts_each_target_against_its_own_net() {
    let comparison = ProfileComparison::new("letters/baseA", targets()).unwrap();
    let text = comparison.to_text();
    assert!(
        text.starts_with("transfer profiles of letters/baseA\n"),
        "{text}"
    );
    // near: base 81%, band 2 x 1.41 points; frozen within it up to n = 3.
    assert!(
        text.contains(
            "near: own net 81.0% (chance 1.0%), noise band ±2.8 points; freeze layers 1-3"
        ),
        "{text}"
    );
    // far: base 62%, band 2 x 2.83 points; every frozen transfer 30 points below.
    assert!(
        text.contains("far: own net 62.0% (chance 2.0%), noise band ±5.7 points; freeze nothing"),
        "{text}"
    );
    // Each n twice: in points, then in percent of the own net's margin over chance (80 points
    // for the near target, 60 for the far one).
    let rows7: Vec<&str> = text
        .lines()
        .filter(|l| l.trim_start().starts_with("7 "))
        .collect();
    assert_eq!(rows7.len(), 2, "{text}");
    assert!(
        rows7[0].contains("-31.0 / +0.0") && rows7[0].contains("-30.0 / +0.0"),
        "{text}"
    );
    assert!(
        rows7[1].contains("-39 / +0") && rows7[1].contains("-50 / +0"),
        "{text}"
    );
    let layer_rows = text
        .lines()
        .filter(|l| l.trim_start().starts_with(|c: char| c.is_ascii_digit()))
        .count();
    assert_eq!(layer_rows, 14, "{text}");
}
