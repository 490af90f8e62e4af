//! Drawing one panel: bands, mean lines, network markers, paper overlay, legend, annotations.

use crate::font::FAMILY;
use crate::stats::Summary;
use crate::style::{muted, CurveStyle, Marker, GREY};
use crate::FigureError;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// Width of the legend column right of the plot, in pixels, unless a label needs more.
const LEGEND_WIDTH: u32 = 300;
/// Room a legend entry takes besides its text (the sample line and the gaps), in pixels.
const LEGEND_SAMPLE: u32 = 90;
/// Font sizes, in pixels.
const CAPTION_SIZE: f64 = 28.0;
const AXIS_DESC_SIZE: f64 = 24.0;
const TICK_SIZE: f64 = 20.0;
const LEGEND_SIZE: f64 = 20.0;
const ANNOTATION_SIZE: f64 = 19.0;

/// One curve: a marker per network and the mean line (with an optional band).
#[derive(Debug, Clone)]
pub(crate) struct Series {
    /// Legend text.
    pub label: String,
    /// Colour and marker.
    pub style: CurveStyle,
    /// One point per network (x already jittered); empty to draw the mean line alone.
    pub points: Vec<(f64, f64)>,
    /// Mean per n, with the band drawn around it where present.
    pub line: Vec<(f64, Summary)>,
}

/// A published curve of the paper, drawn dashed and muted.
#[derive(Debug, Clone)]
pub(crate) struct Overlay {
    /// The colour of the curve it belongs to (drawn muted).
    pub style: CurveStyle,
    /// The curve.
    pub points: Vec<(f64, f64)>,
}

/// A horizontal reference line across the panel.
#[derive(Debug, Clone)]
pub(crate) struct Reference {
    /// Legend text.
    pub label: String,
    /// Its height.
    pub y: f64,
}

/// A note placed next to a data point, away from lines, markers and other notes.
#[derive(Debug, Clone)]
pub(crate) struct Annotation {
    /// Text lines, the first one bold-coloured.
    pub lines: Vec<String>,
    /// The data point it refers to.
    pub anchor: (f64, f64),
    /// Colour of the curve it refers to.
    pub color: RGBColor,
    /// Try positions below the anchor first.
    pub below_first: bool,
}

/// Everything one panel shows.
#[derive(Debug, Clone, Default)]
pub(crate) struct Panel {
    /// Caption above the plot.
    pub caption: String,
    /// X axis description.
    pub x_label: String,
    /// Y axis description.
    pub y_label: String,
    /// Y values are percentage points (ticks shown signed).
    pub y_in_points: bool,
    /// The curves.
    pub series: Vec<Series>,
    /// The paper's curves.
    pub overlays: Vec<Overlay>,
    /// Horizontal reference lines.
    pub references: Vec<Reference>,
    /// Notes on the findings.
    pub annotations: Vec<Annotation>,
}

impl Panel {
    /// Whether the panel has a value beyond `n = 0` (otherwise it is not worth drawing).
    pub(crate) fn has_layers(&self) -> bool {
        self.series
            .iter()
            .any(|s| s.line.iter().any(|(x, _)| *x > 0.5) || s.points.iter().any(|(x, _)| *x > 0.5))
    }

    /// The width of the legend column: the default, or wider where a label is longer (about
    /// 11 pixels a character of the legend's font).
    fn legend_width(&self) -> u32 {
        let chars = self
            .series
            .iter()
            .map(|s| &s.label)
            .chain(self.references.iter().map(|r| &r.label))
            .map(|label| label.chars().count() as u32)
            .max()
            .unwrap_or(0);
        LEGEND_WIDTH.max(LEGEND_SAMPLE + 11 * chars)
    }

    /// The x range: layers 0..7 at least, with a margin.
    fn x_range(&self) -> (f64, f64) {
        let max_n = self
            .series
            .iter()
            .flat_map(|s| {
                s.line
                    .iter()
                    .map(|(x, _)| *x)
                    .chain(s.points.iter().map(|(x, _)| *x))
            })
            .fold(7.0f64, f64::max)
            .round();
        (-0.5, max_n + 0.5)
    }

    /// The y range of everything drawn, with a margin.
    fn y_range(&self) -> (f64, f64) {
        let mut ys: Vec<f64> = Vec::new();
        for s in &self.series {
            ys.extend(s.points.iter().map(|p| p.1));
            for (_, summary) in &s.line {
                ys.push(summary.mean);
                if let Some((lo, hi)) = summary.band {
                    ys.extend([lo, hi]);
                }
            }
        }
        ys.extend(
            self.overlays
                .iter()
                .flat_map(|o| o.points.iter().map(|p| p.1)),
        );
        ys.extend(self.references.iter().map(|r| r.y));
        let ys: Vec<f64> = ys.into_iter().filter(|y| y.is_finite()).collect();
        let lo = ys.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = ys.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        if !lo.is_finite() {
            return (0.0, 1.0);
        }
        let span = (hi - lo).max(if self.y_in_points { 2.0 } else { 0.02 });
        // Extra room above for notes and below for the x axis.
        (lo - 0.12 * span, hi + 0.16 * span)
    }
}

/// Draws `marker` centred on pixel `c` of `root`.
fn draw_marker<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    c: (i32, i32),
    style: &CurveStyle,
    r: i32,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let (x, y) = c;
    let outline = style.color.stroke_width(2);
    let closed = |points: Vec<(i32, i32)>| -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        root.draw(&Polygon::new(points.clone(), style.fill.filled()))?;
        let mut ring = points.clone();
        ring.push(points[0]);
        root.draw(&PathElement::new(ring, outline))
    };
    match style.marker {
        Marker::Circle => {
            root.draw(&Circle::new(c, r, style.fill.filled()))?;
            root.draw(&Circle::new(c, r, outline))
        }
        Marker::Plus => {
            let stroke = style.color.stroke_width(3);
            root.draw(&PathElement::new(
                vec![(x - r - 1, y), (x + r + 1, y)],
                stroke,
            ))?;
            root.draw(&PathElement::new(
                vec![(x, y - r - 1), (x, y + r + 1)],
                stroke,
            ))
        }
        Marker::Diamond => {
            let d = r + 1;
            closed(vec![(x, y - d), (x + d, y), (x, y + d), (x - d, y)])
        }
        Marker::Square => {
            let d = r - 1;
            closed(vec![
                (x - d, y - d),
                (x + d, y - d),
                (x + d, y + d),
                (x - d, y + d),
            ])
        }
        Marker::TriangleUp => closed(vec![(x, y - r - 1), (x + r, y + r - 1), (x - r, y + r - 1)]),
        Marker::TriangleDown => {
            closed(vec![(x, y + r + 1), (x + r, y - r + 1), (x - r, y - r + 1)])
        }
    }
}

/// A text style of the embedded font.
fn text_style(size: f64, color: RGBColor, anchor: Pos) -> TextStyle<'static> {
    (FAMILY, size).into_font().color(&color).pos(anchor)
}

/// Samples a polyline (in pixels) every few pixels.
fn sample_polyline(points: &[(i32, i32)], out: &mut Vec<(i32, i32)>) {
    out.extend(points.iter().copied());
    for pair in points.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        let length = (((b.0 - a.0).pow(2) + (b.1 - a.1).pow(2)) as f64).sqrt();
        let steps = (length / 4.0).ceil().max(1.0) as i32;
        for k in 1..steps {
            let t = k as f64 / steps as f64;
            out.push((
                a.0 + ((b.0 - a.0) as f64 * t) as i32,
                a.1 + ((b.1 - a.1) as f64 * t) as i32,
            ));
        }
    }
}

/// A pixel rectangle: left, top, right, bottom.
type Rect = (i32, i32, i32, i32);

fn overlaps(a: Rect, b: Rect) -> bool {
    a.0 < b.2 && b.0 < a.2 && a.1 < b.3 && b.1 < a.3
}

/// Room kept clear around a note, in pixels.
const NOTE_PAD: i32 = 6;

/// How many of `obstacles` (line and marker pixels) lie in `rect`.
fn covered(obstacles: &[(i32, i32)], rect: Rect) -> i64 {
    obstacles
        .iter()
        .filter(|p| p.0 >= rect.0 && p.0 <= rect.2 && p.1 >= rect.1 && p.1 <= rect.3)
        .count() as i64
}

/// Picks the rectangle of a `w` x `h` note near `anchor`: inside `plot`, clear of `taken`
/// notes, with as few `obstacles` (line and marker pixels) under it as possible.
fn place_note(
    anchor: (i32, i32),
    (w, h): (i32, i32),
    below_first: bool,
    plot: Rect,
    taken: &[Rect],
    obstacles: &[(i32, i32)],
) -> Rect {
    let pad = NOTE_PAD;
    let mut best: Option<(i64, Rect)> = None;
    let lefts = [
        anchor.0 - w / 2,
        anchor.0 + 12,
        anchor.0 - w - 12,
        anchor.0 - w / 5,
        anchor.0 + 80,
        anchor.0 - w - 80,
        anchor.0 - w / 2 - 120,
        anchor.0 - w / 2 + 120,
        anchor.0 - w - 160,
        anchor.0 + 160,
    ];
    for (rank, distance) in [18, 40, 70, 105, 145, 190, 240, 300, 370]
        .into_iter()
        .enumerate()
    {
        let above = anchor.1 - distance - h;
        let below = anchor.1 + distance;
        let rows = if below_first {
            [below, above]
        } else {
            [above, below]
        };
        for (side, top) in rows.into_iter().enumerate() {
            for (shift, left) in lefts.into_iter().enumerate() {
                let rect = (left, top, left + w, top + h);
                let inside = rect.0 >= plot.0 + 4
                    && rect.1 >= plot.1 + 4
                    && rect.2 <= plot.2 - 4
                    && rect.3 <= plot.3 - 4;
                let padded = (rect.0 - pad, rect.1 - pad, rect.2 + pad, rect.3 + pad);
                let clash = taken.iter().any(|t| overlaps(*t, padded));
                let covered = covered(obstacles, padded);
                let score = if inside { 0 } else { 1_000_000 }
                    + if clash { 100_000 } else { 0 }
                    + covered * 50
                    + rank as i64 * 10
                    + shift as i64 * 3
                    + side as i64 * 5;
                if best.is_none_or(|(s, _)| score < s) {
                    best = Some((score, rect));
                }
            }
        }
    }
    match best {
        Some((score, rect)) if score < 100_000 => rect,
        _ => anywhere_clear(anchor, (w, h), plot, taken, obstacles)
            .or(best.map(|(_, r)| r))
            .unwrap_or((anchor.0, anchor.1, anchor.0 + w, anchor.1 + h)),
    }
}

/// Where no place near the anchor is clear of the other notes: the rectangle of a `w` x `h`
/// note anywhere inside `plot` (on a 16-pixel grid) clear of `taken`, with the fewest
/// `obstacles` under it and then the nearest to `anchor`; `None` where there is none.
fn anywhere_clear(
    anchor: (i32, i32),
    (w, h): (i32, i32),
    plot: Rect,
    taken: &[Rect],
    obstacles: &[(i32, i32)],
) -> Option<Rect> {
    let pad = NOTE_PAD;
    let mut best: Option<(i64, Rect)> = None;
    for top in (plot.1 + 4..=plot.3 - 4 - h).step_by(16) {
        for left in (plot.0 + 4..=plot.2 - 4 - w).step_by(16) {
            let padded = (left - pad, top - pad, left + w + pad, top + h + pad);
            if taken.iter().any(|t| overlaps(*t, padded)) {
                continue;
            }
            let distance =
                ((left + w / 2 - anchor.0).abs() + (top + h / 2 - anchor.1).abs()) as i64;
            let score = covered(obstacles, padded) * 50 + distance;
            if best.is_none_or(|(s, _)| score < s) {
                best = Some((score, (left, top, left + w, top + h)));
            }
        }
    }
    best.map(|(_, r)| r)
}

/// Draws `panel` into `area`; markers, legend and notes go onto `root` in pixel coordinates.
pub(crate) fn draw_panel<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    area: &DrawingArea<DB, Shift>,
    panel: &Panel,
    figure: &str,
) -> Result<(), FigureError> {
    let err = |e: DrawingAreaErrorKind<DB::ErrorType>| FigureError::draw(figure, e);
    let (x_min, x_max) = panel.x_range();
    let (y_min, y_max) = panel.y_range();
    let mut chart = ChartBuilder::on(area)
        .caption(&panel.caption, (FAMILY, CAPTION_SIZE))
        .margin(PANEL_MARGIN)
        .margin_right(panel.legend_width())
        .x_label_area_size(64)
        .y_label_area_size(Y_LABEL_AREA)
        .build_cartesian_2d(x_min..x_max, y_min..y_max)
        .map_err(err)?;
    let decimals = if y_max - y_min < 0.06 { 3 } else { 2 };
    let in_points = panel.y_in_points;
    let x_ticks = |x: &f64| {
        if (x - x.round()).abs() < 1e-6 {
            format!("{}", x.round() as i64)
        } else {
            String::new()
        }
    };
    // Points: whole numbers unless the axis spans only a few points (ticks every 0.5 or less).
    let point_decimals: usize = if y_max - y_min < 8.0 { 1 } else { 0 };
    let y_ticks = move |y: &f64| {
        if in_points && y.abs() < 0.5 * 10f64.powi(-(point_decimals as i32)) {
            "0".to_string()
        } else if in_points {
            format!("{y:+.point_decimals$}")
        } else {
            format!("{y:.decimals$}")
        }
    };
    chart
        .configure_mesh()
        .x_desc(panel.x_label.as_str())
        .y_desc(panel.y_label.as_str())
        .axis_desc_style((FAMILY, AXIS_DESC_SIZE))
        .label_style((FAMILY, TICK_SIZE))
        .x_labels(((x_max - x_min).round() as usize) + 1)
        .y_labels(8)
        .x_label_formatter(&x_ticks)
        .y_label_formatter(&y_ticks)
        .light_line_style(TRANSPARENT)
        .bold_line_style(BLACK.mix(0.08))
        .draw()
        .map_err(err)?;

    let mut obstacles: Vec<(i32, i32)> = Vec::new();
    // Bands first, so lines and markers stay on top.
    for s in &panel.series {
        if s.line.iter().any(|(_, m)| m.band.is_some()) {
            let upper = s
                .line
                .iter()
                .map(|(x, m)| (*x, m.band.map_or(m.mean, |b| b.1)));
            let lower = s
                .line
                .iter()
                .rev()
                .map(|(x, m)| (*x, m.band.map_or(m.mean, |b| b.0)));
            let polygon: Vec<(f64, f64)> = upper.chain(lower).collect();
            chart
                .draw_series(std::iter::once(Polygon::new(
                    polygon,
                    s.style.color.mix(0.16).filled(),
                )))
                .map_err(err)?;
        }
    }
    for r in &panel.references {
        let line = vec![(x_min, r.y), (x_max, r.y)];
        chart
            .draw_series(DashedLineSeries::new(line, 4, 5, GREY.stroke_width(2)))
            .map_err(err)?;
    }
    for o in &panel.overlays {
        chart
            .draw_series(DashedLineSeries::new(
                o.points.clone(),
                12,
                7,
                muted(o.style.color).stroke_width(3),
            ))
            .map_err(err)?;
        let pixels: Vec<(i32, i32)> = o.points.iter().map(|p| chart.backend_coord(p)).collect();
        sample_polyline(&pixels, &mut obstacles);
    }
    for s in &panel.series {
        let width = if s.points.is_empty() { 3 } else { 2 };
        chart
            .draw_series(LineSeries::new(
                s.line.iter().map(|(x, m)| (*x, m.mean)),
                s.style.color.stroke_width(width),
            ))
            .map_err(err)?;
        let pixels: Vec<(i32, i32)> = s
            .line
            .iter()
            .map(|(x, m)| chart.backend_coord(&(*x, m.mean)))
            .collect();
        sample_polyline(&pixels, &mut obstacles);
    }
    for s in &panel.series {
        if s.points.is_empty() {
            for (x, m) in &s.line {
                draw_marker(root, chart.backend_coord(&(*x, m.mean)), &s.style, 5).map_err(err)?;
            }
        } else {
            for p in &s.points {
                let c = chart.backend_coord(p);
                obstacles.push(c);
                draw_marker(root, c, &s.style, 6).map_err(err)?;
            }
        }
    }

    let (x_pixels, y_pixels) = chart.plotting_area().get_pixel_range();
    draw_legend(root, panel, (x_pixels.end + 24, y_pixels.start + 8)).map_err(err)?;

    let plot: Rect = (x_pixels.start, y_pixels.start, x_pixels.end, y_pixels.end);
    let mut taken: Vec<Rect> = Vec::new();
    let line_height = (ANNOTATION_SIZE * 1.3) as i32;
    for note in &panel.annotations {
        let mut width = 0;
        for (i, line) in note.lines.iter().enumerate() {
            let font = note_font(i).color(&BLACK);
            let (w, _) = root.estimate_text_size(line, &font).map_err(err)?;
            width = width.max(w as i32);
        }
        let size = (width + 12, line_height * note.lines.len() as i32 + 8);
        let anchor = chart.backend_coord(&note.anchor);
        let rect = place_note(anchor, size, note.below_first, plot, &taken, &obstacles);
        taken.push(rect);
        let nearest = (
            anchor.0.clamp(rect.0, rect.2),
            anchor.1.clamp(rect.1, rect.3),
        );
        root.draw(&PathElement::new(
            vec![anchor, nearest],
            note.color.mix(0.7).stroke_width(1),
        ))
        .map_err(err)?;
        root.draw(&Rectangle::new(
            [(rect.0, rect.1), (rect.2, rect.3)],
            WHITE.mix(0.85).filled(),
        ))
        .map_err(err)?;
        root.draw(&Rectangle::new(
            [(rect.0, rect.1), (rect.2, rect.3)],
            note.color.mix(0.5).stroke_width(1),
        ))
        .map_err(err)?;
        for (i, line) in note.lines.iter().enumerate() {
            let color = if i == 0 {
                note.color
            } else {
                RGBColor(40, 40, 40)
            };
            let style = note_font(i)
                .color(&color)
                .pos(Pos::new(HPos::Left, VPos::Center));
            let y = rect.1 + 4 + line_height * i as i32 + line_height / 2;
            root.draw(&Text::new(line.clone(), (rect.0 + 6, y), style))
                .map_err(err)?;
        }
    }
    Ok(())
}

/// The font of line `i` of a note: the first line bold.
fn note_font(i: usize) -> FontDesc<'static> {
    let style = if i == 0 {
        FontStyle::Bold
    } else {
        FontStyle::Normal
    };
    FontDesc::new(FontFamily::Name(FAMILY), ANNOTATION_SIZE, style)
}

/// Draws the legend column with its top-left corner at `origin`.
fn draw_legend<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    panel: &Panel,
    origin: (i32, i32),
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let (x, mut y) = origin;
    let step = (LEGEND_SIZE * 1.6) as i32;
    let label = |root: &DrawingArea<DB, Shift>, text: &str, y: i32| {
        root.draw(&Text::new(
            text.to_string(),
            (x + 54, y),
            text_style(LEGEND_SIZE, BLACK, Pos::new(HPos::Left, VPos::Center)),
        ))
    };
    for s in &panel.series {
        root.draw(&PathElement::new(
            vec![(x, y), (x + 42, y)],
            s.style.color.stroke_width(3),
        ))?;
        draw_marker(root, (x + 21, y), &s.style, 6)?;
        label(root, &s.label, y)?;
        y += step;
    }
    for r in &panel.references {
        for k in 0..4 {
            root.draw(&PathElement::new(
                vec![(x + k * 11, y), (x + k * 11 + 5, y)],
                GREY.stroke_width(2),
            ))?;
        }
        label(root, &r.label, y)?;
        y += step;
    }
    if !panel.overlays.is_empty() {
        for k in 0..2 {
            root.draw(&PathElement::new(
                vec![(x + k * 22, y), (x + k * 22 + 14, y)],
                muted(RGBColor(60, 60, 60)).stroke_width(3),
            ))?;
        }
        label(root, "paper, ImageNet", y)?;
        y += step - 6;
        root.draw(&Text::new(
            "(dashed, muted colours)".to_string(),
            (x + 54, y),
            text_style(
                LEGEND_SIZE - 3.0,
                RGBColor(90, 90, 90),
                Pos::new(HPos::Left, VPos::Center),
            ),
        ))?;
    }
    Ok(())
}

/// Draws a figure: a title band, then its panels stacked vertically.
pub(crate) fn draw_figure<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    panels: &[Panel],
    figure: &str,
) -> Result<(), FigureError> {
    let err = |e: DrawingAreaErrorKind<DB::ErrorType>| FigureError::draw(figure, e);
    root.fill(&WHITE).map_err(err)?;
    let (width, _) = root.dim_in_pixel();
    root.draw(&Text::new(
        title.to_string(),
        (width as i32 / 2, TITLE_BAND as i32 / 2),
        FontDesc::new(FontFamily::Name(FAMILY), 32.0, FontStyle::Bold)
            .color(&BLACK)
            .pos(Pos::new(HPos::Center, VPos::Center)),
    ))
    .map_err(err)?;
    let (_, body) = root.split_vertically(TITLE_BAND);
    let areas = body.split_evenly((panels.len(), 1));
    for (panel, area) in panels.iter().zip(&areas) {
        draw_panel(root, area, panel, figure)?;
    }
    root.present().map_err(err)
}

/// Height of the title band, in pixels.
pub(crate) const TITLE_BAND: u32 = 64;
/// Width of a figure whose legends fit the default legend column, in pixels.
const FIGURE_WIDTH: u32 = 1200;
/// A panel's margin, in pixels.
const PANEL_MARGIN: u32 = 14;
/// Width of the y axis's labels, in pixels.
const Y_LABEL_AREA: u32 = 96;
/// The narrowest plot area a figure gets, in pixels: room for a panel's caption of about 50
/// characters above it.
const MIN_PLOT_WIDTH: u32 = 760;

/// Width of a figure of `panels`: `FIGURE_WIDTH`, or wider where a panel's long legend labels
/// would leave its plot area (and its caption) narrower than `MIN_PLOT_WIDTH`.
pub(crate) fn figure_width(panels: &[Panel]) -> u32 {
    panels
        .iter()
        .map(|p| p.legend_width() + MIN_PLOT_WIDTH + Y_LABEL_AREA + PANEL_MARGIN)
        .fold(FIGURE_WIDTH, u32::max)
}
/// Height of one panel, in pixels.
pub(crate) const PANEL_HEIGHT: u32 = 860;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_figure_widens_to_keep_its_plot_area_beside_a_long_legend() {
        let panel = |label: &str| Panel {
            series: vec![Series {
                label: label.into(),
                style: crate::style::ANB,
                points: Vec::new(),
                line: Vec::new(),
            }],
            ..Panel::default()
        };
        assert_eq!(figure_width(&[panel("AnB")]), FIGURE_WIDTH);
        let long = panel(&"x".repeat(60));
        assert_eq!(long.legend_width(), LEGEND_SAMPLE + 11 * 60);
        assert_eq!(
            figure_width(&[panel("AnB"), long]),
            LEGEND_SAMPLE + 660 + MIN_PLOT_WIDTH + Y_LABEL_AREA + PANEL_MARGIN
        );
    }

    #[test]
    fn a_note_with_no_clear_place_near_its_anchor_goes_where_it_clashes_with_no_other() {
        let plot: Rect = (0, 0, 2000, 600);
        // Another note covers every place near the anchor; the right of the plot is free.
        let taken: Vec<Rect> = vec![(0, 0, 1000, 600)];
        let rect = place_note((100, 300), (300, 100), false, plot, &taken, &[]);
        assert!(!overlaps(rect, taken[0]), "{rect:?}");
        assert!(rect.2 <= 2000 && rect.1 >= 0 && rect.3 <= 600, "{rect:?}");
    }
}
