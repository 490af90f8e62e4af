//! Figures from a full synthetic grid, a partial one and one without transfers.

mod common;

use convnet_figures::{draw_all, FigureOptions};
use std::path::Path;

fn names(paths: &[std::path::PathBuf]) -> Vec<String> {
    paths
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect()
}

/// The PNG decodes, has the expected size (1200 wide, or wider for a long legend) and text in
/// its title band.
fn check_png(path: &Path, panels: u32) {
    let (w, h, dark) = common::dark_pixels(path, 0, 60);
    assert!((1200..1600).contains(&w), "{}: {w} wide", path.display());
    assert_eq!(h, 64 + 860 * panels, "{}", path.display());
    assert!(
        dark > 300,
        "{}: only {dark} dark pixels in the title band",
        path.display()
    );
}

fn check_svg(path: &Path, words: &[&str]) {
    let svg = std::fs::read_to_string(path).unwrap();
    assert!(svg.starts_with("<svg"), "{}", path.display());
    for word in words {
        assert!(svg.contains(word), "{} lacks {word}", path.display());
    }
}

#[test]
fn a_full_grid_gives_both_figures_with_two_panels() {
    let dir = tempfile::tempdir().unwrap();
    for overlay in [false, true] {
        let options = FigureOptions {
            title: "synthetic grid".into(),
            paper_overlay: overlay,
        };
        let written = draw_all(
            &common::full_grid(),
            &common::assess(&common::full_grid()),
            dir.path(),
            &options,
        )
        .unwrap();
        assert_eq!(
            names(&written),
            ["figure2.svg", "figure2.png", "figure3.svg", "figure3.png"]
        );
        check_png(&dir.path().join("figure2.png"), 2);
        check_png(&dir.path().join("figure3.png"), 2);
        check_svg(
            &dir.path().join("figure2.svg"),
            &[
                "synthetic grid: Figure 2",
                "Layer n at which network is chopped and retrained",
                "Top-1 accuracy (higher is better)",
                "AnB+",
                "fragile co-adaptation",
            ],
        );
        check_svg(
            &dir.path().join("figure3.svg"),
            &[
                "natman AnB",
                "random filters",
                "relative to the matching base net",
            ],
        );
        let paper = std::fs::read_to_string(dir.path().join("figure2.svg"))
            .unwrap()
            .contains("paper, ImageNet");
        assert_eq!(paper, overlay);
    }
}

#[test]
fn a_partial_grid_draws_what_it_has() {
    let dir = tempfile::tempdir().unwrap();
    let options = FigureOptions {
        title: "partial".into(),
        paper_overlay: true,
    };
    let written = draw_all(
        &common::partial_grid(),
        &common::assess(&common::partial_grid()),
        dir.path(),
        &options,
    )
    .unwrap();
    assert_eq!(
        names(&written),
        ["figure2.svg", "figure2.png", "figure3.svg", "figure3.png"]
    );
    check_png(&dir.path().join("figure2.png"), 2);
    // Figure 3 has only the relative random-split curve: one panel.
    check_png(&dir.path().join("figure3.png"), 1);
    let svg = std::fs::read_to_string(dir.path().join("figure2.svg")).unwrap();
    assert!(!svg.contains("BnB+") && svg.contains("AnB"));
}

#[test]
fn bases_alone_or_no_rows_give_no_figure() {
    let dir = tempfile::tempdir().unwrap();
    let options = FigureOptions {
        title: "bases".into(),
        paper_overlay: false,
    };
    let bases: Vec<_> = common::partial_grid()
        .into_iter()
        .filter(|r| r.n == 0)
        .collect();
    assert!(
        draw_all(&bases, &common::assess(&bases), dir.path(), &options)
            .unwrap()
            .is_empty()
    );
    assert!(draw_all(&[], &common::assess(&[]), dir.path(), &options)
        .unwrap()
        .is_empty());
}

#[test]
fn the_papers_networks_draw_both_figures() {
    let dir = tempfile::tempdir().unwrap();
    let rows = convnet_findings::paper::networks().unwrap();
    let options = FigureOptions {
        title: "paper".into(),
        paper_overlay: true,
    };
    let written = draw_all(&rows, &common::assess(&rows), dir.path(), &options).unwrap();
    assert_eq!(written.len(), 4);
    check_png(&dir.path().join("figure3.png"), 2);
}
