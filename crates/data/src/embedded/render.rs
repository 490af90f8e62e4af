//! Drawing one image of the embedded dataset: background, clutter, the class glyph under a
//! random deformation, distractor fragments, blur and noise.

use std::f32::consts::{PI, TAU};

use rand::Rng;

use crate::config::EmbeddedConfig;
use crate::embedded::canvas::{luminance, random_colour, Canvas, Rgb};
use crate::embedded::fonts::{GlyphMasks, Mask};

/// A random affine map plus a smooth warp, from image coordinates to mask coordinates.
struct Placement {
    /// Inverse of the 2x2 linear part (image -> glyph).
    inverse: [f32; 4],
    /// Centre of the glyph in normalised image coordinates (-0.5..0.5).
    centre: (f32, f32),
    warp_amplitude: f32,
    warp_frequency: [(f32, f32); 2],
    warp_phase: [f32; 2],
}

impl Placement {
    /// A placement of a glyph of relative size `scale` centred near `centre`, deformed by
    /// `deformation` (0 = upright and undistorted).
    fn random<R: Rng>(rng: &mut R, scale: f32, centre: (f32, f32), deformation: f32) -> Self {
        let d = deformation;
        let angle = rng.random_range(-0.3f32..=0.3) * d;
        let shear = rng.random_range(-0.25f32..=0.25) * d;
        let aspect = rng.random_range(-0.15f32..=0.15) * d;
        let (sx, sy) = (scale * (1.0 + aspect), scale * (1.0 - aspect));
        let (cos, sin) = (angle.cos(), angle.sin());
        // linear = rotation * shear * diag(sx, sy)
        let m = [
            cos * sx,
            (cos * shear - sin) * sy,
            sin * sx,
            (sin * shear + cos) * sy,
        ];
        let det = m[0] * m[3] - m[1] * m[2];
        let inverse = [m[3] / det, -m[1] / det, -m[2] / det, m[0] / det];
        let mut frequency = || {
            let theta = rng.random_range(0.0..PI);
            let f = rng.random_range(1.0f32..3.0) * TAU;
            (f * theta.cos(), f * theta.sin())
        };
        let warp_frequency = [frequency(), frequency()];
        Placement {
            inverse,
            centre,
            warp_amplitude: rng.random_range(0.0f32..0.035) * d,
            warp_frequency,
            warp_phase: [rng.random_range(0.0..TAU), rng.random_range(0.0..TAU)],
        }
    }

    /// Coverage of `mask` at image pixel centre `(x, y)` of an image of side `size`.
    fn coverage(&self, mask: &Mask, x: f32, y: f32, size: f32) -> f32 {
        let u = x / size - 0.5;
        let v = y / size - 0.5;
        let [(fx0, fy0), (fx1, fy1)] = self.warp_frequency;
        let u = u + self.warp_amplitude * (fx0 * u + fy0 * v + self.warp_phase[0]).sin();
        let v = v + self.warp_amplitude * (fx1 * u + fy1 * v + self.warp_phase[1]).sin();
        let (du, dv) = (u - self.centre.0, v - self.centre.1);
        let gu = self.inverse[0] * du + self.inverse[1] * dv;
        let gv = self.inverse[2] * du + self.inverse[3] * dv;
        let m = mask.size as f32;
        mask.sample((gu + 0.5) * m, (gv + 0.5) * m)
    }
}

/// A colour whose luminance differs from `background` by at least `contrast`, if one is found.
fn contrasting_colour<R: Rng>(rng: &mut R, background: Rgb, contrast: f32) -> Rgb {
    let target = luminance(background);
    for _ in 0..16 {
        let colour = random_colour(rng);
        if (luminance(colour) - target).abs() >= contrast {
            return colour;
        }
    }
    if target > 0.5 {
        [0.05, 0.05, 0.05]
    } else {
        [0.95, 0.95, 0.95]
    }
}

/// Smooth step from 0 at `edge0` to 1 at `edge1`.
fn smoothstep(edge0: f32, edge1: f32, x: f32) -> f32 {
    let t = ((x - edge0) / (edge1 - edge0)).clamp(0.0, 1.0);
    t * t * (3.0 - 2.0 * t)
}

/// Random line segments of clutter.
fn clutter_lines<R: Rng>(canvas: &mut Canvas, rng: &mut R, count: usize) {
    let size = canvas.size as f32;
    for _ in 0..count {
        let a = (rng.random_range(0.0..size), rng.random_range(0.0..size));
        let length = rng.random_range(0.2f32..0.7) * size;
        let angle = rng.random_range(0.0..TAU);
        let b = (a.0 + length * angle.cos(), a.1 + length * angle.sin());
        let width = rng.random_range(0.6f32..1.8) * size / 32.0;
        let colour = random_colour(rng);
        let opacity = rng.random_range(0.25f32..0.7);
        canvas.line(a, b, width, colour, opacity);
    }
}

/// Draws one image of class `class` and returns it as u8 HWC.
pub fn render<R: Rng>(
    rng: &mut R,
    class: usize,
    masks: &GlyphMasks,
    config: &EmbeddedConfig,
) -> Vec<u8> {
    let size = config.image_size;
    let side = size as f32;
    let d = config.deformation;

    // Background: a gradient between two colours, sometimes with a grating texture.
    let from = random_colour(rng);
    let to = random_colour(rng);
    let mut canvas = Canvas::gradient(size, from, to, rng.random_range(0.0..TAU));
    if rng.random_bool(0.5) {
        let amplitude = rng.random_range(0.03f32..0.12);
        let cycles = rng.random_range(2.0f32..side / 4.0);
        let (angle, phase) = (rng.random_range(0.0..PI), rng.random_range(0.0..TAU));
        canvas.add_grating(amplitude, cycles, angle, phase);
    }

    // Clutter behind the glyph: line strokes and a fragment of another class's glyph.
    let lines = rng.random_range(0..=(3.0 * config.clutter).round() as usize);
    let behind = lines / 2;
    clutter_lines(&mut canvas, rng, behind);
    if masks.len() > 1 && rng.random_bool((0.7 * config.clutter).min(1.0) as f64) {
        let other = (class + rng.random_range(1..masks.len())) % masks.len();
        let faces = masks.of(other);
        let mask = &faces[rng.random_range(0..faces.len())];
        let (r, theta) = (rng.random_range(0.35f32..0.5), rng.random_range(0.0..TAU));
        let scale = rng.random_range(0.35..0.55);
        let centre = (r * theta.cos(), r * theta.sin());
        let placement = Placement::random(rng, scale, centre, d.max(0.5));
        let colour = random_colour(rng);
        let opacity = rng.random_range(0.4f32..0.8);
        canvas.blend(colour, |x, y| {
            opacity * placement.coverage(mask, x, y, side)
        });
    }

    // The class glyph: random face, size, position, deformation and stroke weight.
    let faces = masks.of(class);
    let mask = &faces[rng.random_range(0..faces.len())];
    let scale = rng.random_range(1.0 - 0.2 * d.min(2.0)..=1.0 + 0.1 * d.min(2.0)) * 0.9;
    let shift = 0.1 * d;
    let centre = (
        rng.random_range(-shift..=shift),
        rng.random_range(-shift..=shift),
    );
    let placement = Placement::random(rng, scale, centre, d);
    let threshold = rng.random_range(0.3f32..0.65);
    let colour = contrasting_colour(rng, canvas.mean_colour(), 0.3);
    canvas.blend(colour, |x, y| {
        smoothstep(
            threshold - 0.25,
            threshold + 0.25,
            placement.coverage(mask, x, y, side),
        )
    });

    // Clutter in front, blur, sensor noise.
    clutter_lines(&mut canvas, rng, lines - behind);
    if rng.random_bool(0.5) {
        canvas.blur(rng.random_range(0.2f32..0.9));
    }
    let sigma = config.noise * rng.random_range(0.5f32..1.5);
    canvas.add_noise(sigma, rng);
    canvas.to_u8()
}
