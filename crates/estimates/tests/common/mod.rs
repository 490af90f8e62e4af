//! Synthetic targets shared by the tests: labels and features with a known class signal.
#![allow(dead_code)]

/// A small deterministic generator (SplitMix64 with Box–Muller normals).
pub struct Normals(u64);

impl Normals {
    /// Uniform in [0, 1).
    pub fn next_unit(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Standard normal.
    pub fn next(&mut self) -> f64 {
        let radius = (-2.0 * (1.0 - self.next_unit()).ln()).sqrt();
        radius * (2.0 * std::f64::consts::PI * self.next_unit()).cos()
    }
}

/// Classes of the synthetic targets.
pub const CLASSES: usize = 4;

/// Labels `0..CLASSES` in turn.
pub fn labels(rows: usize) -> Vec<usize> {
    (0..rows).map(|row| row % CLASSES).collect()
}

/// The same labels in a scrambled order (every class keeps its count).
pub fn shuffled(labels: &[usize]) -> Vec<usize> {
    let mut shuffled = labels.to_vec();
    let mut random = Normals(7);
    for i in (1..shuffled.len()).rev() {
        let j = (random.next_unit() * (i + 1) as f64) as usize;
        shuffled.swap(i, j);
    }
    shuffled
}

/// Row-major features: `separation` times a random mean per class, plus unit noise.
pub fn features(labels: &[usize], columns: usize, separation: f64, seed: u64) -> Vec<f64> {
    let mut random = Normals(seed);
    let means: Vec<f64> = (0..CLASSES * columns)
        .map(|_| separation * random.next())
        .collect();
    let mut values = Vec::with_capacity(labels.len() * columns);
    for &label in labels {
        for mean in &means[label * columns..(label + 1) * columns] {
            values.push(mean + random.next());
        }
    }
    values
}
