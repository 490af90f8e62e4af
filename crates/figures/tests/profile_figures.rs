//! The figures of a transfer profile and of one base net's profiles against several targets,
//! drawn from profiles given whole.

mod common;

use convnet_figures::{draw_comparison, draw_profile, FigureOptions};
use convnet_findings::{ComparedTarget, ProfileComparison, ProfileRow, TransferProfile};

/// A profile whose own net stands at `base`, its frozen transfers `frozen[n - 1]`, its
/// fine-tuned ones level with the own net.
fn profile(base: f64, frozen: [f64; 7]) -> TransferProfile {
    TransferProfile {
        base,
        noise: 0.014,
        binomial_only: false,
        rows: (1..=7)
            .map(|n| ProfileRow {
                n,
                frozen: Some(frozen[n as usize - 1]),
                finetuned: Some(base),
            })
            .collect(),
    }
}

const NEAR: [f64; 7] = [0.81, 0.80, 0.79, 0.77, 0.70, 0.60, 0.50];

#[test]
fn the_profile_figure_shows_both_curves_and_the_advice() {
    let dir = tempfile::tempdir().unwrap();
    let options = FigureOptions {
        title: "synthetic profile".into(),
        paper_overlay: false,
    };
    let written = draw_profile(&profile(0.81, NEAR), dir.path(), &options).unwrap();
    assert_eq!(written.len(), 2);
    let (w, h, dark) = common::dark_pixels(&dir.path().join("profile.png"), 0, 60);
    assert!((1200..1600).contains(&w), "{w} wide");
    assert_eq!(h, 64 + 860);
    assert!(dark > 300, "only {dark} dark pixels in the title band");
    let svg = std::fs::read_to_string(dir.path().join("profile.svg")).unwrap();
    for words in ["copied, frozen", "copied, fine-tuned", "freeze layers 1-3"] {
        assert!(svg.contains(words), "the SVG lacks {words}");
    }
}

#[test]
fn the_comparison_figure_shows_every_target() {
    let targets = vec![
        ComparedTarget {
            label: "near".into(),
            profile: profile(0.81, NEAR),
            chance: 0.01,
        },
        ComparedTarget {
            label: "far".into(),
            profile: profile(0.62, [0.32; 7]),
            chance: 0.02,
        },
    ];
    let comparison = ProfileComparison::new("letters/baseA", targets).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let written = draw_comparison(&comparison, dir.path()).unwrap();
    assert_eq!(written.len(), 2);
    let (w, h, dark) = common::dark_pixels(&dir.path().join("profiles.png"), 0, 60);
    assert!((1200..1600).contains(&w), "{w} wide");
    assert_eq!(h, 64 + 860);
    assert!(dark > 300, "only {dark} dark pixels in the title band");
    let svg = std::fs::read_to_string(dir.path().join("profiles.svg")).unwrap();
    for words in [
        "Transfer profiles of letters/baseA",
        "near: frozen",
        "near: fine-tuned",
        "near: own net",
        "far: frozen",
        "far: own net",
    ] {
        assert!(svg.contains(words), "the SVG lacks {words}");
    }
}
