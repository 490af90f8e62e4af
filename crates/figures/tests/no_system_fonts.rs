//! Figures carry their own font: with fontconfig pointed at an empty configuration and an empty
//! font folder, text is still drawn.

mod common;

use convnet_figures::{draw_all, FigureOptions};
use std::path::Path;
use std::process::Command;

const CHILD: &str = "CONVNET_FIGURES_DRAW_INTO";

#[test]
fn figures_have_text_without_system_fonts() {
    if let Ok(out) = std::env::var(CHILD) {
        // Child process: fontconfig sees no font at all.
        let options = FigureOptions {
            title: "no system fonts".into(),
            paper_overlay: false,
        };
        draw_all(
            &common::full_grid(),
            &common::assess(&common::full_grid()),
            Path::new(&out),
            &options,
        )
        .unwrap();
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let fonts = dir.path().join("fonts");
    let out = dir.path().join("out");
    std::fs::create_dir_all(&fonts).unwrap();
    let config = dir.path().join("fonts.conf");
    std::fs::write(
        &config,
        format!(
            "<?xml version=\"1.0\"?>\n<!DOCTYPE fontconfig SYSTEM \"fonts.dtd\">\n<fontconfig>\n  <dir>{}</dir>\n  <cachedir>{}</cachedir>\n</fontconfig>\n",
            fonts.display(),
            dir.path().join("cache").display()
        ),
    )
    .unwrap();
    let status = Command::new(std::env::current_exe().unwrap())
        .args([
            "figures_have_text_without_system_fonts",
            "--exact",
            "--nocapture",
        ])
        .env(CHILD, &out)
        .env("FONTCONFIG_FILE", &config)
        .env("FONTCONFIG_PATH", &fonts)
        .env("XDG_DATA_HOME", &fonts)
        .env("XDG_CONFIG_HOME", &fonts)
        .env("HOME", dir.path())
        .status()
        .unwrap();
    assert!(status.success());
    for figure in ["figure2.png", "figure3.png"] {
        let path = out.join(figure);
        let (_, _, title) = common::dark_pixels(&path, 0, 60);
        assert!(
            title > 300,
            "{figure}: {title} dark pixels in the title band"
        );
        // The x-axis description under the lowest panel.
        let (_, h, _) = common::dark_pixels(&path, 0, 0);
        let (_, _, axis) = common::dark_pixels(&path, h - 40, h);
        assert!(
            axis > 200,
            "{figure}: {axis} dark pixels in the bottom axis label"
        );
    }
}
