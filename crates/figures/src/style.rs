//! Colours and markers of the curves, after the paper's figures.

use plotters::style::RGBColor;

/// The shape drawn for each network.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Marker {
    /// A circle filled with the given fill colour, outlined with the curve colour.
    Circle,
    /// An upright "+".
    Plus,
    /// A diamond.
    Diamond,
    /// A square.
    Square,
    /// A triangle pointing up.
    TriangleUp,
    /// A triangle pointing down.
    TriangleDown,
}

/// How one curve looks.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct CurveStyle {
    /// Line and marker outline colour.
    pub color: RGBColor,
    /// Marker fill (for closed markers).
    pub fill: RGBColor,
    /// Marker shape.
    pub marker: Marker,
}

const fn style(color: RGBColor, fill: RGBColor, marker: Marker) -> CurveStyle {
    CurveStyle {
        color,
        fill,
        marker,
    }
}

/// baseB: white circles outlined in grey.
pub(crate) const BASE_B: CurveStyle = style(GREY, WHITE, Marker::Circle);
/// BnB: blue circles.
pub(crate) const BNB: CurveStyle = style(BLUE, BLUE, Marker::Circle);
/// BnB+: light blue (cyan) "+".
pub(crate) const BNB_PLUS: CurveStyle = style(CYAN, CYAN, Marker::Plus);
/// AnB: red diamonds.
pub(crate) const ANB: CurveStyle = style(RED, RED, Marker::Diamond);
/// AnB+: pink/magenta "+".
pub(crate) const ANB_PLUS: CurveStyle = style(MAGENTA, MAGENTA, Marker::Plus);
/// Dissimilar split, first direction.
pub(crate) const DISSIMILAR_1: CurveStyle = style(ORANGE, ORANGE, Marker::TriangleUp);
/// Dissimilar split, second direction.
pub(crate) const DISSIMILAR_2: CurveStyle = style(BROWN, BROWN, Marker::TriangleDown);
/// Random frozen filters, drawn as the net's own initialisation draws them.
pub(crate) const RANDOM_FILTERS: CurveStyle = style(YELLOW, YELLOW, Marker::Square);
/// Random frozen filters from Caffe's Gaussian filler (σ = 0.01), as the paper's.
pub(crate) const GAUSSIAN_FILTERS: CurveStyle = style(OLIVE, WHITE, Marker::Square);
/// Random split, relative (Figure 3 bottom).
pub(crate) const RANDOM_SPLIT_RELATIVE: CurveStyle = style(RED, RED, Marker::Diamond);
/// Dissimilar split, relative (Figure 3 bottom).
pub(crate) const DISSIMILAR_RELATIVE: CurveStyle = style(ORANGE, ORANGE, Marker::TriangleUp);
/// The curves of each target of a profile comparison, by colour: copied and frozen (diamonds),
/// copied and fine-tuned ("+"), the target's own net (white circles) with its noise band.
pub(crate) const COMPARED_TARGETS: [(CurveStyle, CurveStyle, CurveStyle); 3] = [
    (ANB, ANB_PLUS, style(RED, WHITE, Marker::Circle)),
    (
        style(BLUE, BLUE, Marker::Diamond),
        BNB_PLUS,
        style(BLUE, WHITE, Marker::Circle),
    ),
    (
        style(ORANGE, ORANGE, Marker::Diamond),
        style(BROWN, BROWN, Marker::Plus),
        style(ORANGE, WHITE, Marker::Circle),
    ),
];

/// The transferability estimators, in the order of `convnet_estimates::LayerEstimator::ALL`
/// (LogME, H-score, shrinkage H-score), beside the measured transfers' red diamonds.
pub(crate) const ESTIMATORS: [CurveStyle; 3] = [
    style(BLUE, BLUE, Marker::Circle),
    style(ORANGE, ORANGE, Marker::TriangleUp),
    style(OLIVE, WHITE, Marker::Square),
];

/// Grey of baseB and reference lines.
pub(crate) const GREY: RGBColor = RGBColor(110, 110, 110);
const WHITE: RGBColor = RGBColor(255, 255, 255);
const BLUE: RGBColor = RGBColor(30, 60, 220);
const CYAN: RGBColor = RGBColor(0, 170, 215);
const RED: RGBColor = RGBColor(215, 30, 35);
const MAGENTA: RGBColor = RGBColor(215, 40, 170);
const ORANGE: RGBColor = RGBColor(240, 130, 0);
const BROWN: RGBColor = RGBColor(150, 80, 20);
const YELLOW: RGBColor = RGBColor(205, 170, 0);
const OLIVE: RGBColor = RGBColor(110, 110, 0);

/// A colour moved towards light grey: the muted tone of the paper's overlay lines.
pub(crate) fn muted(color: RGBColor) -> RGBColor {
    let mix = |c: u8| ((c as u16 + 2 * 190) / 3) as u8;
    RGBColor(mix(color.0), mix(color.1), mix(color.2))
}
