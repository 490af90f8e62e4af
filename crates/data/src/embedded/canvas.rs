//! A small float RGB canvas with the drawing operations the generator needs.

use rand::Rng;

/// An RGB colour, each channel in 0..1.
pub type Rgb = [f32; 3];

/// Relative luminance of a colour (Rec. 709 weights).
pub fn luminance(c: Rgb) -> f32 {
    0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]
}

/// A uniformly random colour.
pub fn random_colour<R: Rng>(rng: &mut R) -> Rgb {
    [rng.random(), rng.random(), rng.random()]
}

/// A square RGB image of f32 values in 0..1, row-major HWC.
pub struct Canvas {
    /// Side in pixels.
    pub size: usize,
    /// The pixels.
    pub pixels: Vec<f32>,
}

impl Canvas {
    /// A canvas filled with a linear gradient from `from` to `to` along `angle` (radians).
    pub fn gradient(size: usize, from: Rgb, to: Rgb, angle: f32) -> Self {
        let (dx, dy) = (angle.cos(), angle.sin());
        let mut pixels = Vec::with_capacity(size * size * 3);
        for y in 0..size {
            for x in 0..size {
                let u = (x as f32 + 0.5) / size as f32 - 0.5;
                let v = (y as f32 + 0.5) / size as f32 - 0.5;
                let t = ((u * dx + v * dy) / std::f32::consts::SQRT_2 + 0.5).clamp(0.0, 1.0);
                for c in 0..3 {
                    pixels.push(from[c] * (1.0 - t) + to[c] * t);
                }
            }
        }
        Canvas { size, pixels }
    }

    /// The mean colour of the canvas.
    pub fn mean_colour(&self) -> Rgb {
        let mut sum = [0f32; 3];
        for px in self.pixels.chunks_exact(3) {
            for c in 0..3 {
                sum[c] += px[c];
            }
        }
        let n = (self.size * self.size) as f32;
        [sum[0] / n, sum[1] / n, sum[2] / n]
    }

    /// Adds a sinusoidal grating (a texture) of `amplitude`, `cycles` periods across the image.
    pub fn add_grating(&mut self, amplitude: f32, cycles: f32, angle: f32, phase: f32) {
        let (dx, dy) = (angle.cos(), angle.sin());
        let size = self.size as f32;
        for y in 0..self.size {
            for x in 0..self.size {
                let along = (x as f32 * dx + y as f32 * dy) / size;
                let value = amplitude * (std::f32::consts::TAU * cycles * along + phase).sin();
                let at = (y * self.size + x) * 3;
                for c in 0..3 {
                    self.pixels[at + c] += value;
                }
            }
        }
    }

    /// Blends `colour` over the canvas with per-pixel coverage `alpha(x, y)` in 0..1, where
    /// `x`, `y` are pixel centres in 0..size.
    pub fn blend(&mut self, colour: Rgb, mut alpha: impl FnMut(f32, f32) -> f32) {
        for y in 0..self.size {
            for x in 0..self.size {
                let a = alpha(x as f32 + 0.5, y as f32 + 0.5).clamp(0.0, 1.0);
                if a <= 0.0 {
                    continue;
                }
                let at = (y * self.size + x) * 3;
                for (value, &target) in self.pixels[at..at + 3].iter_mut().zip(&colour) {
                    *value = *value * (1.0 - a) + target * a;
                }
            }
        }
    }

    /// An anti-aliased line segment from `a` to `b` (pixel coordinates), `width` pixels wide,
    /// drawn with `opacity`.
    pub fn line(&mut self, a: (f32, f32), b: (f32, f32), width: f32, colour: Rgb, opacity: f32) {
        let (ex, ey) = (b.0 - a.0, b.1 - a.1);
        let length2 = (ex * ex + ey * ey).max(1e-6);
        self.blend(colour, |x, y| {
            let t = (((x - a.0) * ex + (y - a.1) * ey) / length2).clamp(0.0, 1.0);
            let (px, py) = (a.0 + t * ex - x, a.1 + t * ey - y);
            let distance = (px * px + py * py).sqrt();
            opacity * (width / 2.0 + 0.5 - distance).clamp(0.0, 1.0)
        });
    }

    /// Mixes each pixel with its 3x3 neighbourhood mean by `amount` in 0..1 (a light blur).
    pub fn blur(&mut self, amount: f32) {
        let size = self.size as isize;
        let source = self.pixels.clone();
        for y in 0..size {
            for x in 0..size {
                let mut sum = [0f32; 3];
                let mut count = 0f32;
                for dy in -1..=1 {
                    for dx in -1..=1 {
                        let (sx, sy) = (x + dx, y + dy);
                        if sx < 0 || sy < 0 || sx >= size || sy >= size {
                            continue;
                        }
                        let at = ((sy * size + sx) * 3) as usize;
                        for c in 0..3 {
                            sum[c] += source[at + c];
                        }
                        count += 1.0;
                    }
                }
                let at = ((y * size + x) * 3) as usize;
                for c in 0..3 {
                    self.pixels[at + c] = source[at + c] * (1.0 - amount) + sum[c] / count * amount;
                }
            }
        }
    }

    /// Adds Gaussian noise of standard deviation `sigma` to every channel of every pixel.
    pub fn add_noise<R: Rng>(&mut self, sigma: f32, rng: &mut R) {
        if sigma <= 0.0 {
            return;
        }
        for value in &mut self.pixels {
            *value += sigma * standard_normal(rng);
        }
    }

    /// The canvas as u8 HWC, clamped to 0..255.
    pub fn to_u8(&self) -> Vec<u8> {
        self.pixels
            .iter()
            .map(|v| (v.clamp(0.0, 1.0) * 255.0).round() as u8)
            .collect()
    }
}

/// A standard normal draw (Box-Muller).
pub fn standard_normal<R: Rng>(rng: &mut R) -> f32 {
    let u1: f32 = rng.random::<f32>().max(1e-7);
    let u2: f32 = rng.random();
    (-2.0 * u1.ln()).sqrt() * (std::f32::consts::TAU * u2).cos()
}
