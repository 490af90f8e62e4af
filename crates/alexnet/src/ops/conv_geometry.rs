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

    /// The range `lo..hi` of output positions along a side of `out` whose input index
    /// `pos * stride + offset - pad` falls inside `0..len`.
    fn valid_range(&self, offset: usize, len: usize, out: usize) -> (usize, usize) {
        let s = self.stride;
        let lo = if self.pad > offset {
            (self.pad - offset).div_ceil(s)
        } else {
            0
        };
        let hi = if len + self.pad > offset {
            (len + self.pad - offset).div_ceil(s)
        } else {
            0
        };
        (lo.min(out), hi.min(out).max(lo.min(out)))
    }

    /// Fills the columns of one image in `col`, a matrix of `c / groups * k * k` rows whose rows
    /// start `row_stride` elements apart, with the patches of the channels of group `group` of
    /// `image` `[c, h, w]`: `oh * ow` columns from the start of `col`; padding reads as zero.
    pub(super) fn im2col<T: WithDType>(
        &self,
        image: &[T],
        group: usize,
        col: &mut [T],
        row_stride: usize,
    ) {
        let (k, s, p, ow) = (self.k, self.stride, self.pad, self.ow);
        let plane = self.h * self.w;
        let cols = self.out_plane();
        let first = group * self.group_channels();
        for ci in 0..self.group_channels() {
            let channel = &image[(first + ci) * plane..(first + ci + 1) * plane];
            for ky in 0..k {
                let (y_lo, y_hi) = self.valid_range(ky, self.h, self.oh);
                for kx in 0..k {
                    let (x_lo, x_hi) = self.valid_range(kx, self.w, ow);
                    let row = &mut col[((ci * k + ky) * k + kx) * row_stride..][..cols];
                    for oy in 0..self.oh {
                        let out = &mut row[oy * ow..(oy + 1) * ow];
                        if oy < y_lo || oy >= y_hi {
                            out.fill(T::zero());
                            continue;
                        }
                        let src = &channel[(oy * s + ky - p) * self.w..][..self.w];
                        out[..x_lo].fill(T::zero());
                        out[x_hi..].fill(T::zero());
                        if s == 1 {
                            let start = x_lo + kx - p;
                            out[x_lo..x_hi].copy_from_slice(&src[start..start + x_hi - x_lo]);
                        } else {
                            for (ox, o) in out.iter_mut().enumerate().take(x_hi).skip(x_lo) {
                                *o = src[ox * s + kx - p];
                            }
                        }
                    }
                }
            }
        }
    }

    /// Adds the columns of one image in `col` (layout of [`Self::im2col`]) back into the
    /// channels of group `group` of the image gradient `image` `[c, h, w]`.
    pub(super) fn col2im<T: WithDType>(
        &self,
        col: &[T],
        row_stride: usize,
        group: usize,
        image: &mut [T],
    ) {
        let (k, s, p, ow) = (self.k, self.stride, self.pad, self.ow);
        let plane = self.h * self.w;
        let cols = self.out_plane();
        let first = group * self.group_channels();
        for ci in 0..self.group_channels() {
            let channel = &mut image[(first + ci) * plane..(first + ci + 1) * plane];
            for ky in 0..k {
                let (y_lo, y_hi) = self.valid_range(ky, self.h, self.oh);
                for kx in 0..k {
                    let (x_lo, x_hi) = self.valid_range(kx, self.w, ow);
                    let row = &col[((ci * k + ky) * k + kx) * row_stride..][..cols];
                    for oy in y_lo..y_hi {
                        let src = &row[oy * ow..(oy + 1) * ow];
                        let dst = &mut channel[(oy * s + ky - p) * self.w..][..self.w];
                        if s == 1 {
                            let start = x_lo + kx - p;
                            for (d, v) in dst[start..start + x_hi - x_lo]
                                .iter_mut()
                                .zip(&src[x_lo..x_hi])
                            {
                                *d += *v;
                            }
                        } else {
                            for (ox, v) in src.iter().enumerate().take(x_hi).skip(x_lo) {
                                dst[ox * s + kx - p] += *v;
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The contiguous part of `data` that `layout` covers, or an error naming `what`.
pub(super) fn contiguous<'a, T>(data: &'a [T], layout: &Layout, what: &str) -> Result<&'a [T]> {
    match layout.contiguous_offsets() {
        Some((start, end)) => Ok(&data[start..end]),
        None => candle_core::bail!("conv2d: {what} must be contiguous"),
    }
}
