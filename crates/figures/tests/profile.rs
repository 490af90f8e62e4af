//! Transfer profiles from synthetic rows: the noise, how many layers to freeze, what
//! fine-tuning gains, the table and the figure.

mod common;

use common::row;
use convnet_figures::{FigureOptions, TransferProfile};
use convnet_results::{CellResult, Mode};

/// Two target base nets (80% and 82%), frozen transfers falling away after n = 3, fine-tuned
/// ones 4 and 3.5 points above the base at n = 1 and 2, 1 point at n = 3, level after.
fn rows() -> Vec<CellResult> {
    let frozen = [0.81, 0.80, 0.79, 0.77, 0.70, 0.60, 0.50];
    let finetuned = [0.85, 0.845, 0.82, 0.81, 0.81, 0.81, 0.81];
    let mut rows = vec![
        row("profile", "", "B", 0, Mode::Base, 0, 0.80),
        row("profile", "", "B", 0, Mode::Base, 1, 0.82),
    ];
    for n in 1..=7u32 {
        let i = n as usize - 1;
        rows.push(row("profile", "A", "B", n, Mode::Frozen, 0, frozen[i]));
        rows.push(row("profile", "A", "B", n, Mode::Finetune, 0, finetuned[i]));
    }
    rows
}

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
    let grid: Vec<CellResult> = common::full_grid();
    assert!(TransferProfile::of(&grid).is_none());
}

#[test]
fn the_table_and_the_figure() {
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

    let dir = tempfile::tempdir().unwrap();
    let options = FigureOptions {
        title: "synthetic profile".into(),
        paper_overlay: false,
    };
    let written = profile.draw(dir.path(), &options).unwrap();
    assert_eq!(written.len(), 2);
    let (w, h, dark) = common::dark_pixels(&dir.path().join("profile.png"), 0, 60);
    assert_eq!((w, h), (1200, 64 + 860));
    assert!(dark > 300, "only {dark} dark pixels in the title band");
    let svg = std::fs::read_to_string(dir.path().join("profile.svg")).unwrap();
    for words in ["copied, frozen", "copied, fine-tuned", "freeze layers 1-3"] {
        assert!(svg.contains(words), "the SVG lacks {words}");
    }
}
