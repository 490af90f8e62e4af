//! The DejaVu faces glyphs are drawn with, and each class's glyph pre-rendered as a coverage mask.

use ab_glyph::{Font, FontRef, PxScale};

use crate::embedded::glyphs::GlyphClass;
use crate::error::{DataError, Result};

/// The faces: weights from extra light to bold, upright, oblique, condensed, serif and mono.
fn faces() -> Vec<(&'static str, &'static [u8])> {
    vec![
        ("sans", dejavu::sans::regular()),
        ("sans-bold", dejavu::sans::bold()),
        ("sans-extra-light", dejavu::sans::extra_light()),
        ("sans-oblique", dejavu::sans::oblique()),
        ("sans-bold-oblique", dejavu::sans::bold_oblique()),
        ("sans-condensed", dejavu::sans_condensed::regular()),
        ("sans-condensed-bold", dejavu::sans_condensed::bold()),
        ("sans-mono", dejavu::sans_mono::regular()),
        ("sans-mono-bold", dejavu::sans_mono::bold()),
        ("serif", dejavu::serif::regular()),
        ("serif-bold", dejavu::serif::bold()),
        ("serif-italic", dejavu::serif::italic()),
    ]
}

/// A square coverage mask in 0..1, the glyph centred, its larger side 80% of the mask.
#[derive(Debug, Clone)]
pub struct Mask {
    /// Side in pixels.
    pub size: usize,
    /// Row-major coverage.
    pub coverage: Vec<f32>,
}

impl Mask {
    /// Bilinear coverage at mask coordinates `(x, y)` (pixel centres at `i + 0.5`); 0 outside.
    pub fn sample(&self, x: f32, y: f32) -> f32 {
        let fx = x - 0.5;
        let fy = y - 0.5;
        let x0 = fx.floor();
        let y0 = fy.floor();
        let (tx, ty) = (fx - x0, fy - y0);
        let (x0, y0) = (x0 as isize, y0 as isize);
        let at = |xi: isize, yi: isize| -> f32 {
            if xi < 0 || yi < 0 || xi >= self.size as isize || yi >= self.size as isize {
                0.0
            } else {
                self.coverage[yi as usize * self.size + xi as usize]
            }
        };
        let top = at(x0, y0) * (1.0 - tx) + at(x0 + 1, y0) * tx;
        let bottom = at(x0, y0 + 1) * (1.0 - tx) + at(x0 + 1, y0 + 1) * tx;
        top * (1.0 - ty) + bottom * ty
    }
}

/// Every class's glyph in every face that has it.
pub struct GlyphMasks {
    per_class: Vec<Vec<Mask>>,
}

impl GlyphMasks {
    /// Renders the glyphs of `classes` at `size` x `size`; every class must exist in at least
    /// one face.
    pub fn render(classes: &[GlyphClass], size: usize) -> Result<Self> {
        let fonts: Vec<FontRef<'static>> = faces()
            .into_iter()
            .map(|(name, bytes)| {
                FontRef::try_from_slice(bytes)
                    .map_err(|e| DataError::Embedded(format!("font {name}: {e}")))
            })
            .collect::<Result<_>>()?;
        let per_class = classes
            .iter()
            .map(|class| {
                let masks: Vec<Mask> = fonts
                    .iter()
                    .filter_map(|font| render_glyph(font, class.ch, size))
                    .collect();
                if masks.is_empty() {
                    Err(DataError::Embedded(format!(
                        "no DejaVu face draws `{}` (U+{:04X})",
                        class.ch, class.ch as u32
                    )))
                } else {
                    Ok(masks)
                }
            })
            .collect::<Result<_>>()?;
        Ok(GlyphMasks { per_class })
    }

    /// The masks of class `class`, one per face that has the glyph.
    pub fn of(&self, class: usize) -> &[Mask] {
        &self.per_class[class]
    }

    /// Number of classes.
    pub fn len(&self) -> usize {
        self.per_class.len()
    }

    /// Whether there is no class.
    pub fn is_empty(&self) -> bool {
        self.per_class.is_empty()
    }
}

/// The glyph of `ch` in `font`, centred in a `size` mask, or `None` if the face lacks it.
fn render_glyph(font: &FontRef<'static>, ch: char, size: usize) -> Option<Mask> {
    let id = font.glyph_id(ch);
    if id.0 == 0 {
        return None;
    }
    let probe_scale = 100.0;
    let probe = font.outline_glyph(id.with_scale(PxScale::from(probe_scale)))?;
    let bounds = probe.px_bounds();
    let extent = bounds.width().max(bounds.height());
    if extent <= 0.0 {
        return None;
    }
    let scale = probe_scale * 0.8 * size as f32 / extent;
    let outlined = font.outline_glyph(id.with_scale(PxScale::from(scale)))?;
    let bounds = outlined.px_bounds();
    let left = ((size as f32 - bounds.width()) / 2.0).round() as isize;
    let top = ((size as f32 - bounds.height()) / 2.0).round() as isize;
    let mut coverage = vec![0f32; size * size];
    outlined.draw(|x, y, c| {
        let (px, py) = (left + x as isize, top + y as isize);
        if px >= 0 && py >= 0 && (px as usize) < size && (py as usize) < size {
            coverage[py as usize * size + px as usize] = c.clamp(0.0, 1.0);
        }
    });
    Some(Mask { size, coverage })
}
