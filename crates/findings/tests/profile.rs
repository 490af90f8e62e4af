//! Transfer profiles from synthetic rows: the noise, how many layers to freeze, what
//! fine-tuning gains, and the table.

mod common;

use common::profile_rows as rows;
use convnet_findings::TransferProfile;
use convnet_results::{CellResult, Mode};

#[test]
fn the_noise_is_the_spread_of_the_target_base_nets() {
    let profile = TransferProfile::of(&rows()).unwrap();
    assert!((profile.base - 0.81).abs() < 1e-12);
    // sd(0.80, 0.82) = 0.0141, above the binomial error of 1000 images at 81% (0.0124).
    assert!(
        (profile.noise - 0.02f64.sqrt() / 10.0).abs() < 1e-9,
        "{}",
        profile.noise
    );
    assert!(!profile.binomial_only);
    assert_eq!(profile.rows.len(), 7);

    // One base net: the binomial error alone, and said so.
    let one: Vec<CellResult> = rows().into_iter().filter(|r| r.replicate == 0).collect();
    let profile = TransferProfile::of(&one).unwrap();
    assert!(profile.binomial_only);
    assert!((profile.noise - (0.80f64 * 0.20 / 1000.0).sqrt()).abs() < 1e-12);
    assert!(profile.verdict().contains("binomial error alone"));
}

#[test]
fn the_verdict_names_the_layers_to_freeze_and_where_fine_tuning_pays() {
    let profile = TransferProfile::of(&rows()).unwrap();
    // Best: 81%; band ±2.83 points: n = 3 (79%) is inside, n = 4 (77%) is not.
    assert_eq!(profile.deepest_frozen(), Some(3));
    let verdict = profile.verdict();
    assert!(verdict.contains("freeze layers 1-3"), "{verdict}");
    assert!(verdict.contains("at n = 1, 2\n"), "{verdict}");
    assert!(
        verdict.contains("n = 4: frozen -4.0, fine-tuned +0.0"),
        "{verdict}"
    );

    // Every frozen transfer far below the target's own net: freeze nothing.
    let mut low = rows();
    for r in low.iter_mut().filter(|r| r.mode == Mode::Frozen) {
        r.top1 = 0.5;
    }
    let profile = TransferProfile::of(&low).unwrap();
    assert_eq!(profile.deepest_frozen(), None);
    assert!(profile.verdict().contains("freeze nothing"));

    // Rows of a grid hold no profile.
    let grid = common::Grid::new(common::effects(|_, _| None));
    assert!(TransferProfile::of(&grid.rows).is_none());
}

#[test]
fn the_table() {
    let profile = TransferProfile::of(&rows()).unwrap();
    let csv = profile.to_csv();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 8);
    assert_eq!(
        lines[0],
        "n,frozen_top1,finetuned_top1,base_top1,frozen_minus_base,finetuned_minus_base,noise_band"
    );
    assert!(
        lines[4].starts_with("4,0.770000,0.810000,0.810000,-0.040000,0.000000,0.028"),
        "{}",
        lines[4]
    );
}
