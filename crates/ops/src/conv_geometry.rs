//! Shapes of one grouped convolution and the im2col / col2im transforms between an image and
//! its column matrix.

use candle_core::{Layout, Result, WithDType};

/// Sizes of one grouped 2-D convolution of `[n, c, h, w]` with `[o, c / groups, k, k]`.
#[derive(Debug, Clone, Copy)]
pub(super) struct ConvGeometry {
    pub(super) n: usize,
    pub(super) c: usize,
    pub(super) h: usize,
    pub(super) w: usize,
    pub(super) o: usize,
    pub(super) k: usize,
    pub(super) stride: usize,
    pub(super) pad: usize,
    pub(super) groups: usize,
    pub(super) oh: usize,
    pub(super) ow: usize,
}

impl ConvGeometry {
    /// The geometry of input `[n, c, h, w]` and weight `[o, c / groups, k, k]`.
    pub(super) fn new(
        input: [usize; 4],
        weight: [usize; 4],
        stride: usize,
        pad: usize,
        groups: usize,
    ) -> Result<Self> {
        let [n, c, h, w] = input;
        let [o, cg, k, k2] = weight;
        if groups == 0 || stride == 0 {
            candle_core::bail!("conv2d: groups ({groups}) and stride ({stride}) must be positive")
        }
        if k != k2 || k == 0 {
            candle_core::bail!("conv2d: the kernel must be square, got {k}x{k2}")
        }
        if c % groups != 0 || o % groups != 0 || cg * groups != c {
            candle_core::bail!(
                "conv2d: weight {weight:?} with {groups} groups does not fit {c} input channels"
            )
        }
        if h + 2 * pad < k || w + 2 * pad < k {
            candle_core::bail!("conv2d: kernel {k} with pad {pad} does not fit a {h}x{w} input")
        }
        Ok(Self {
            n,
            c,
            h,
            w,
            o,
            k,
            stride,
            pad,
            groups,
            oh: (h + 2 * pad - k) / stride + 1,
            ow: (w + 2 * pad - k) / stride + 1,
        })
    }

    /// The geometry of an input and a weight of these layouts.
    pub(super) fn from_layouts(
        input: &Layout,
        weight: &Layout,
        stride: usize,
        pad: usize,
        groups: usize,
    ) -> Result<Self> {
        Self::new(dims4(input)?, dims4(weight)?, stride, pad, groups)
    }

    /// `[n, o, oh, ow]`, the shape of the output.
    pub(super) fn output_dims(&self) -> [usize; 4] {
        [self.n, self.o, self.oh, self.ow]
    }

    /// Input channels per group.
    pub(super) fn group_channels(&self) -> usize {
        self.c / self.groups
    }

    /// Output channels per group.
    pub(super) fn group_outputs(&self) -> usize {
        self.o / self.groups
    }

    /// Rows of one group's column matrix: `c / groups * k * k`.
    pub(super) fn col_rows(&self) -> usize {
        self.group_channels() * self.k * self.k
    }

    /// Output pixels per channel (the columns of the column matrix).
    pub(super) fn out_plane(&self) -> usize {
        self.oh * self.ow
    }

    /// Elements of one input image.
    pub(super) fn in_image(&self) -> usize {
        self.c * self.h * self.w
    }

    /// Elements of one output image.
    pub(super) fn out_image(&self) -> usize {
        self.o * self.out_plane()
    }

    /// Side lengths of an input plane with its padding: `(h + 2 pad, w + 2 pad)`.
    fn padded_sides(&self) -> (usize, usize) {
        (self.h + 2 * self.pad, self.w + 2 * self.pad)
    }
}

/// The per-thread state of im2col and col2im for one geometry: a zero-bordered copy of one
/// channel plane, and where each output position's patch starts in it.
///
/// Every column row is then a plain gather (or, for col2im, scatter-add) through the same
/// position table, shifted by the tap's offset: no bounds logic per row, whatever the stride
/// and padding. At stride 1 the positions of an output row are consecutive, and rows are
/// copied as runs instead.
pub(super) struct Patches<T> {
    g: ConvGeometry,
    /// Offset in the padded plane of the top-left tap of each output position, in output order.
    positions: Vec<usize>,
    /// One padded plane: im2col overwrites its interior per channel and reads a zero border,
    /// col2im sums gradients over all of it.
    padded: Vec<T>,
    /// Whether col2im has left gradients in the border since it was last zeroed.
    border_dirty: bool,
}

impl<T: WithDType> Patches<T> {
    /// The position table and a zeroed padded plane for `g`.
    pub(super) fn new(g: &ConvGeometry) -> Self {
        let (hp, wp) = g.padded_sides();
        let positions = (0..g.oh)
            .flat_map(|oy| (0..g.ow).map(move |ox| oy * g.stride * wp + ox * g.stride))
            .collect();
        Self {
            g: *g,
            positions,
            padded: vec![T::zero(); hp * wp],
            border_dirty: false,
        }
    }

    /// The geometry these patches are for.
    pub(super) fn geometry(&self) -> &ConvGeometry {
        &self.g
    }

    /// Offset in the padded plane of tap `(ky, kx)`.
    fn tap(&self, ky: usize, kx: usize) -> usize {
        ky * self.g.padded_sides().1 + kx
    }

    /// Writes into `row` (one value per output position) the padded plane's values at the
    /// positions shifted by `tap`.
    fn gather(&self, tap: usize, row: &mut [T]) {
        let src = &self.padded[tap..];
        if self.g.stride == 1 {
            // Each output row reads `ow` neighbours: copied as runs, in blocks of four (a
            // copy of unknown length compiles to a call to memcpy, slow for a few values).
            let (ow, wp) = (self.g.ow, self.g.padded_sides().1);
            for (oy, out) in row.chunks_exact_mut(ow).enumerate() {
                let src = &src[oy * wp..][..ow];
                let mut blocks = out.chunks_exact_mut(4);
                for (block, values) in (&mut blocks).zip(src.chunks_exact(4)) {
                    block.copy_from_slice(values);
                }
                let done = ow - ow % 4;
                for (out, v) in blocks.into_remainder().iter_mut().zip(&src[done..]) {
                    *out = *v;
                }
            }
        } else {
            for (out, &at) in row.iter_mut().zip(&self.positions) {
                *out = src[at];
            }
        }
    }

    /// Adds `row` (one value per output position) into the padded plane at the positions
    /// shifted by `tap`: the transpose of [`Self::gather`].
    fn scatter_add(&mut self, tap: usize, row: &[T]) {
        let dst = &mut self.padded[tap..];
        if self.g.stride == 1 {
            let (ow, wp) = (self.g.ow, self.g.padded_sides().1);
            for (oy, values) in row.chunks_exact(ow).enumerate() {
                let dst = &mut dst[oy * wp..][..ow];
                for i in 0..ow {
                    dst[i] += values[i];
                }
            }
        } else {
            for (v, &at) in row.iter().zip(&self.positions) {
                dst[at] += *v;
            }
        }
    }

    /// Fills the columns of one image in `col`, a matrix of `c / groups * k * k` rows whose rows
    /// start `row_stride` elements apart, with the patches of the channels of group `group` of
    /// `image` `[c, h, w]`: `oh * ow` columns from the start of `col`; padding reads as zero.
    pub(super) fn im2col(&mut self, image: &[T], group: usize, col: &mut [T], row_stride: usize) {
        let g = self.g;
        let (plane, k, cols) = (g.h * g.w, g.k, g.out_plane());
        let wp = g.padded_sides().1;
        let first = group * g.group_channels();
        if self.border_dirty {
            self.padded.fill(T::zero());
            self.border_dirty = false;
        }
        for ci in 0..g.group_channels() {
            let channel = &image[(first + ci) * plane..][..plane];
            for (y, src) in channel.chunks(g.w).enumerate() {
                self.padded[(y + g.pad) * wp + g.pad..][..g.w].copy_from_slice(src);
            }
            for ky in 0..k {
                for kx in 0..k {
                    let row = &mut col[((ci * k + ky) * k + kx) * row_stride..][..cols];
                    self.gather(self.tap(ky, kx), row);
                }
            }
        }
    }

    /// Writes the channels of group `group` of the image gradient `image` `[c, h, w]` from the
    /// columns of one image in `col` (layout of [`Self::im2col`]), summing each input pixel's
    /// contributions from every patch that covers it.
    pub(super) fn col2im(&mut self, col: &[T], row_stride: usize, group: usize, image: &mut [T]) {
        let g = self.g;
        let (plane, k, cols) = (g.h * g.w, g.k, g.out_plane());
        let wp = g.padded_sides().1;
        let first = group * g.group_channels();
        self.border_dirty = true;
        for ci in 0..g.group_channels() {
            self.padded.fill(T::zero());
            for ky in 0..k {
                for kx in 0..k {
                    let row = &col[((ci * k + ky) * k + kx) * row_stride..][..cols];
                    self.scatter_add(self.tap(ky, kx), row);
                }
            }
            let channel = &mut image[(first + ci) * plane..][..plane];
            for (y, dst) in channel.chunks_mut(g.w).enumerate() {
                dst.copy_from_slice(&self.padded[(y + g.pad) * wp + g.pad..][..g.w]);
            }
        }
    }
}

/// The four dimensions of a layout's shape, or an error if it has another rank.
pub(super) fn dims4(layout: &Layout) -> Result<[usize; 4]> {
    let (a, b, c, d) = layout.shape().dims4()?;
    Ok([a, b, c, d])
}

/// The contiguous part of `data` that `layout` covers, or an error naming `what`.
pub(super) fn contiguous<'a, T>(data: &'a [T], layout: &Layout, what: &str) -> Result<&'a [T]> {
    match layout.contiguous_offsets() {
        Some((start, end)) => Ok(&data[start..end]),
        None => candle_core::bail!("conv2d: {what} must be contiguous"),
    }
}
