//! report.html: self-contained, every cell in the table, figures inlined, configuration shown.

mod common;

use convnet_results::Mode;

use convnet_figures::{draw_all, write_report, Analysis, FigureOptions};

#[test]
fn the_report_holds_every_cell_the_figures_and_the_configuration() {
    let dir = tempfile::tempdir().unwrap();
    let rows = common::full_grid();
    let options = FigureOptions {
        title: "synthetic".into(),
        paper_overlay: false,
    };
    draw_all(&rows, &common::assess(&rows), dir.path(), &options).unwrap();
    let out = dir.path().join("report.html");
    let config = "[run]\nname = \"synthetic <grid>\"\n";
    write_report(
        &rows,
        Analysis::Findings(&common::assess(&rows)),
        dir.path(),
        config,
        &out,
        "Synthetic & grid",
    )
    .unwrap();
    let html = std::fs::read_to_string(&out).unwrap();
    for row in &rows {
        assert!(
            html.contains(&format!("<td class=\"text\">{}</td>", row.cell)),
            "missing {}",
            row.cell
        );
    }
    // The table of every cell, of the seven findings and of the base nets' convergence, each
    // with its header row.
    let bases = rows.iter().filter(|r| r.mode == Mode::Base).count();
    assert_eq!(
        html.matches("<tr>").count(),
        (rows.len() + 1) + (7 + 1) + (bases + 1)
    );
    assert!(html.contains("<h2>The findings</h2>"));
    assert!(html.contains("Fragile co-adaptation"));
    assert_eq!(html.matches("data:image/png;base64,").count(), 2);
    assert!(html.contains("name = &quot;synthetic &lt;grid&gt;&quot;"));
    assert!(html.contains("<title>Synthetic &amp; grid</title>"));
    assert!(html.contains("812 images/s") && html.contains("0:01:0"));
    assert!(!html.contains("<script"));
    // Sorted by split, then cell.
    let all = html.find(">all/base<").unwrap();
    let natman = html.find(">natman/A1B<").unwrap();
    let random = html.find(">random0/A1B<").unwrap();
    assert!(all < natman && natman < random);
}
