//! How a layer's output maps become one feature vector per image.

use std::fmt;
use std::str::FromStr;

use crate::EstimateError;

/// How the output of a layer, `channels` maps of `height × width` values per
/// image, becomes one feature vector per image. A fully connected layer's
/// output is `channels` maps of `1 × 1`, which every reduction keeps as it is.
///
/// LogME and the H-scores need fewer feature dimensions than images (see the
/// crate's documentation), which the flattened maps of a convolutional layer
/// easily exceed: a grid reduction keeps the layer's channels and a coarse
/// picture of where they respond. [`Reduction::Fit`] keeps as much of that
/// picture as the images support, layer by layer.
///
/// ```
/// use convnet_estimates::Reduction;
///
/// // One image, one channel of 3 × 3, averaged over a 2 × 2 grid of regions.
/// let maps = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0];
/// let grid: Reduction = "2x2".parse().unwrap();
/// let (features, dimensions) = grid.apply(&maps, 1, 1, 3, 3)?;
/// assert_eq!(dimensions, 4);
/// assert_eq!(features, [3.0, 4.0, 6.0, 7.0]);
/// assert_eq!(Reduction::Flatten.apply(&maps, 1, 1, 3, 3)?.1, 9);
/// # Ok::<(), convnet_estimates::EstimateError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reduction {
    /// Every value of every map: `channels × height × width` dimensions.
    Flatten,
    /// Each map averaged over a `cells × cells` grid of regions, as PyTorch's
    /// `AdaptiveAvgPool2d`: region `i` of a side of length `h` spans
    /// `⌊i h / cells⌋ .. ⌈(i + 1) h / cells⌉` (neighbouring regions overlap
    /// when `cells` does not divide `h`). `channels × cells²` dimensions; a
    /// map smaller than the grid is kept as it is. `Grid(1)` is global
    /// average pooling.
    Grid(usize),
    /// The finest of these whose dimensions stay within [`FIT_DIMENSIONS`]
    /// and half the number of images: the maps flattened, else the finest
    /// square grid, else one cell per map (global average pooling, however
    /// many channels). Each layer gets its own.
    Fit,
}

/// The most dimensions [`Reduction::Fit`] gives a layer: it bounds the
/// eigendecomposition the estimators need (about 50 s for 5000 images of
/// 4096 dimensions on 2 cores).
pub const FIT_DIMENSIONS: usize = 4096;

/// The grid [`Reduction::Fit`] uses for `images` images of `channels` maps of
/// `height × width`, or `None` where the flattened maps fit.
fn fit_cells(images: usize, channels: usize, height: usize, width: usize) -> Option<usize> {
    let budget = FIT_DIMENSIONS.min(images / 2);
    if channels * height * width <= budget {
        return None;
    }
    // The largest `cells` with `channels × cells² ≤ budget`, and at least one.
    Some((budget / channels).isqrt().max(1))
}

impl Reduction {
    /// The features of `images` images, each `channels` maps of `height ×
    /// width` values, stored image after image, channel after channel, row
    /// after row (NCHW); returns them reduced, one row per image, with the
    /// number of dimensions of a row.
    ///
    /// # Errors
    /// [`EstimateError::NoRows`] for no images, [`EstimateError::NoColumns`]
    /// for an empty map or a grid of 0 cells, and
    /// [`EstimateError::ShapeMismatch`] when `values` does not hold
    /// `images × channels × height × width` values.
    pub fn apply(
        self,
        values: &[f32],
        images: usize,
        channels: usize,
        height: usize,
        width: usize,
    ) -> Result<(Vec<f32>, usize), EstimateError> {
        if images == 0 {
            return Err(EstimateError::NoRows);
        }
        let map = height * width;
        if map == 0 || channels == 0 || self == Reduction::Grid(0) {
            return Err(EstimateError::NoColumns);
        }
        if images.checked_mul(channels * map) != Some(values.len()) {
            return Err(EstimateError::ShapeMismatch {
                values: values.len(),
                rows: images,
                columns: channels * map,
            });
        }
        let cells = match self {
            Reduction::Grid(cells) => Some(cells),
            Reduction::Flatten => None,
            Reduction::Fit => fit_cells(images, channels, height, width),
        };
        let cells = match cells {
            Some(cells) if cells < height || cells < width => cells,
            _ => return Ok((values.to_vec(), channels * map)),
        };
        let rows = regions(height, cells);
        let columns = regions(width, cells);
        let mut reduced = Vec::with_capacity(images * channels * rows.len() * columns.len());
        for maps in values.chunks_exact(map) {
            for &(top, bottom) in &rows {
                for &(left, right) in &columns {
                    let sum: f64 = (top..bottom)
                        .flat_map(|y| &maps[y * width + left..y * width + right])
                        .map(|&v| f64::from(v))
                        .sum();
                    let count = ((bottom - top) * (right - left)) as f64;
                    reduced.push((sum / count) as f32);
                }
            }
        }
        Ok((reduced, channels * rows.len() * columns.len()))
    }
}

/// The `min(cells, length)` regions of adaptive pooling along a side of
/// `length`, as half-open ranges.
fn regions(length: usize, cells: usize) -> Vec<(usize, usize)> {
    let cells = cells.min(length);
    (0..cells)
        .map(|i| (i * length / cells, ((i + 1) * length).div_ceil(cells)))
        .collect()
}

impl fmt::Display for Reduction {
    /// `flatten`, `fit`, or the grid as `2x2`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reduction::Flatten => f.write_str("flatten"),
            Reduction::Fit => f.write_str("fit"),
            Reduction::Grid(cells) => write!(f, "{cells}x{cells}"),
        }
    }
}

impl FromStr for Reduction {
    type Err = String;

    /// `flatten`, `fit`, or a square grid of at least one cell: `1x1`, `2x2`, ...
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "flatten" => return Ok(Reduction::Flatten),
            "fit" => return Ok(Reduction::Fit),
            _ => {}
        }
        let grid = s
            .split_once('x')
            .and_then(|(rows, columns)| Some((rows.parse().ok()?, columns.parse().ok()?)));
        match grid {
            Some((rows, columns)) if rows == columns && rows > 0 => Ok(Reduction::Grid(rows)),
            _ => Err(format!(
                "`{s}` is not a reduction: `fit`, `flatten`, or a square grid such as `2x2` or `1x1`"
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_cover_the_side_and_overlap_where_the_grid_does_not_divide_it() {
        assert_eq!(regions(4, 2), [(0, 2), (2, 4)]);
        assert_eq!(regions(3, 2), [(0, 2), (1, 3)]);
        assert_eq!(regions(7, 2), [(0, 4), (3, 7)]);
        assert_eq!(regions(5, 1), [(0, 5)]);
        assert_eq!(regions(1, 2), [(0, 1)]);
    }

    #[test]
    fn a_grid_averages_each_channel_of_each_image_apart() {
        // Two images of two 2 × 2 channels.
        let values: Vec<f32> = (0..16).map(|v| v as f32).collect();
        let (global, dimensions) = Reduction::Grid(1).apply(&values, 2, 2, 2, 2).unwrap();
        assert_eq!(dimensions, 2);
        assert_eq!(global, [1.5, 5.5, 9.5, 13.5]);
        // A grid as fine as the map keeps it.
        let (kept, dimensions) = Reduction::Grid(2).apply(&values, 2, 2, 2, 2).unwrap();
        assert_eq!((kept, dimensions), (values, 8));
    }

    #[test]
    fn names_parse_and_print_alike() {
        for name in ["flatten", "fit", "1x1", "2x2", "3x3"] {
            assert_eq!(name.parse::<Reduction>().unwrap().to_string(), name);
        }
        for bad in ["", "2", "2x3", "0x0", "axa", "pool"] {
            let error = bad.parse::<Reduction>().unwrap_err();
            assert!(error.contains(&format!("`{bad}`")), "{error}");
        }
    }

    #[test]
    fn fit_keeps_the_finest_view_within_the_budget() {
        // 4 channels of 8 × 8: 256 values flattened.
        let shape = |images| (images, 4, 8, 8);
        let dimensions = |images| {
            let (images, channels, height, width) = shape(images);
            let values = vec![0.5; images * channels * height * width];
            Reduction::Fit
                .apply(&values, images, channels, height, width)
                .unwrap()
                .1
        };
        // 512 images support 256 dimensions: flattened.
        assert_eq!(dimensions(512), 256);
        // 511 images support 255: the finest grid within them is 7 × 7 (196).
        assert_eq!(dimensions(511), 196);
        // 20 images support 10: 1 × 1 would be 4, 2 × 2 would be 16.
        assert_eq!(dimensions(20), 4);
        // Fewer images than channels still get one cell per map.
        assert_eq!(dimensions(3), 4);
        // The budget never passes FIT_DIMENSIONS, however many images.
        assert_eq!(fit_cells(1_000_000, 256, 13, 13), Some(4));
        assert_eq!(fit_cells(1_000_000, 16, 16, 16), None);
    }

    #[test]
    fn bad_shapes_are_errors() {
        let values = [0.0; 12];
        assert!(matches!(
            Reduction::Grid(2).apply(&values, 2, 2, 2, 2),
            Err(EstimateError::ShapeMismatch { values: 12, .. })
        ));
        assert_eq!(
            Reduction::Grid(0).apply(&values, 3, 1, 2, 2),
            Err(EstimateError::NoColumns)
        );
        assert_eq!(
            Reduction::Flatten.apply(&[], 0, 1, 2, 2),
            Err(EstimateError::NoRows)
        );
    }
}
