//! Stride-1 convolutions with 3x3 or 5x5 kernels and "same" padding by Winograd's minimal
//! filtering F(2x2, 3x3), F(2x2, 5x5) and F(4x4, 5x5) (Lavin and Gray, "Fast Algorithms for
//! Convolutional Neural Networks", 2016).
//!
//! Each `m x m` tile of output comes from an `a x a` tile of input (`a = m + k - 1`): with
//! the input tile transformed (`V = Bᵀ d B`) and the filter transformed (`U = G g Gᵀ`), the
//! output is `Aᵀ (U ⊙ V) A`. Summed over input channels, the `a²` points of the transform
//! domain are independent matrix products `M[p] = U[p] V[p]` (`[o, c] x [c, tiles]`): `a²`
//! multiply-adds per `m²` outputs and input channel where im2col + gemm needs `m² k²` (16
//! against 36 for F(2x2, 3x3), 36 against 100 for F(2x2, 5x5), 64 against 400 for F(4x4,
//! 5x5)). The backward pass runs the transposed transforms: the output gradient to
//! `A dY Aᵀ`, then `Uᵀ` times it for the input gradient (`B dV Bᵀ`, summed where input tiles
//! overlap) and it times `Vᵀ` for the filter gradient (`Gᵀ dU G`).
//!
//! The matrices come from the Cook-Toom construction with interpolation points 0, 1, -1 (and
//! 2, -2 for 5x5, and 1/2, -1/2 for 4x4 tiles) and infinity. The transforms run over all
//! tiles of a batch as vector lanes, one matrix coefficient per pass; the filter transforms
//! likewise, the filters as lanes.

use candle_core::WithDType;
use gemm::Parallelism;

use super::conv_gemm::{matmul, Strided};
use super::conv_geometry::ConvGeometry;
use super::scratch::Scratch;

/// The matrices of a 1-D minimal filtering algorithm F(M, R) on tiles of `A = M + R - 1`
/// points, from which the 2-D algorithm F(M x M, R x R) nests.
trait Tiling<const M: usize, const R: usize, const A: usize> {
    /// `Aᵀ` (`M x A`): the transform domain to outputs.
    const AT: [[f64; A]; M];
    /// `G` (`A x R`): a filter to the transform domain.
    const G: [[f64; R]; A];
    /// `Bᵀ` (`A x A`): an input tile to the transform domain.
    const BT: [[f64; A]; A];
}

/// F(2, 3): points 0, 1, -1 and infinity.
struct F2x3;

impl Tiling<2, 3, 4> for F2x3 {
    const AT: [[f64; 4]; 2] = [[1., 1., 1., 0.], [0., 1., -1., 1.]];
    const G: [[f64; 3]; 4] = [
        [-1., 0., 0.],
        [0.5, 0.5, 0.5],
        [0.5, -0.5, 0.5],
        [0., 0., 1.],
    ];
    const BT: [[f64; 4]; 4] = [
        [-1., 0., 1., 0.],
        [0., 1., 1., 0.],
        [0., -1., 1., 0.],
        [0., -1., 0., 1.],
    ];
}

/// F(2, 5): points 0, 1, -1, 2, -2 and infinity.
struct F2x5;

impl Tiling<2, 5, 6> for F2x5 {
    const AT: [[f64; 6]; 2] = [[1., 1., 1., 1., 1., 0.], [0., 1., -1., 2., -2., 1.]];
    const G: [[f64; 5]; 6] = [
        [1. / 4., 0., 0., 0., 0.],
        [-1. / 6., -1. / 6., -1. / 6., -1. / 6., -1. / 6.],
        [-1. / 6., 1. / 6., -1. / 6., 1. / 6., -1. / 6.],
        [1. / 24., 1. / 12., 1. / 6., 1. / 3., 2. / 3.],
        [1. / 24., -1. / 12., 1. / 6., -1. / 3., 2. / 3.],
        [0., 0., 0., 0., 1.],
    ];
    const BT: [[f64; 6]; 6] = [
        [4., 0., -5., 0., 1., 0.],
        [0., -4., -4., 1., 1., 0.],
        [0., 4., -4., -1., 1., 0.],
        [0., -2., -1., 2., 1., 0.],
        [0., 2., -1., -2., 1., 0.],
        [0., 4., 0., -5., 0., 1.],
    ];
}

/// F(4, 5): points 0, 1, -1, 2, -2, 1/2, -1/2 and infinity.
struct F4x5;

impl Tiling<4, 5, 8> for F4x5 {
    const AT: [[f64; 8]; 4] = [
        [1., 1., 1., 1., 1., 1., 1., 0.],
        [0., 1., -1., 2., -2., 0.5, -0.5, 0.],
        [0., 1., 1., 4., 4., 0.25, 0.25, 0.],
        [0., 1., -1., 8., -8., 0.125, -0.125, 1.],
    ];
    const G: [[f64; 5]; 8] = [
        [-1., 0., 0., 0., 0.],
        [-2. / 9., -2. / 9., -2. / 9., -2. / 9., -2. / 9.],
        [-2. / 9., 2. / 9., -2. / 9., 2. / 9., -2. / 9.],
        [1. / 90., 1. / 45., 2. / 45., 4. / 45., 8. / 45.],
        [1. / 90., -1. / 45., 2. / 45., -4. / 45., 8. / 45.],
        [32. / 45., 16. / 45., 8. / 45., 4. / 45., 2. / 45.],
        [32. / 45., -16. / 45., 8. / 45., -4. / 45., 2. / 45.],
        [0., 0., 0., 0., 1.],
    ];
    const BT: [[f64; 8]; 8] = [
        [-1., 0., 21. / 4., 0., -21. / 4., 0., 1., 0.],
        [0., 1., 1., -17. / 4., -17. / 4., 1., 1., 0.],
        [0., -1., 1., 17. / 4., -17. / 4., -1., 1., 0.],
        [0., 0.5, 0.25, -2.5, -1.25, 2., 1., 0.],
        [0., -0.5, 0.25, 2.5, -1.25, -2., 1., 0.],
        [0., 2., 4., -2.5, -5., 0.5, 1., 0.],
        [0., -2., 4., 2.5, -5., -0.5, 1., 0.],
        [0., -1., 0., 21. / 4., 0., -21. / 4., 0., 1.],
    ];
}

/// `dst = Σ_j c(j) src[j]` over lanes (each `src[j]` at least as long as `dst`): one pass per
/// nonzero coefficient, each a plain loop over the lanes, which vectorises. Where the CPU has
/// AVX2 the loops are compiled for it (twice the lanes of the SSE2 baseline).
fn combine<T: WithDType>(dst: &mut [T], src: &[&[T]], c: impl Fn(usize) -> f64) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU has AVX2, checked just above.
        return unsafe { combine_avx2(dst, src, c) };
    }
    combine_passes(dst, src, c)
}

/// [`combine_passes`] compiled for AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn combine_avx2<T: WithDType>(dst: &mut [T], src: &[&[T]], c: impl Fn(usize) -> f64) {
    combine_passes(dst, src, c)
}

/// The body of [`combine`].
#[inline(always)]
fn combine_passes<T: WithDType>(dst: &mut [T], src: &[&[T]], c: impl Fn(usize) -> f64) {
    let mut first = true;
    for (j, src) in src.iter().enumerate() {
        let c = c(j);
        if c == 0.0 {
            continue;
        }
        let c = T::from_f64(c);
        if first {
            for (d, v) in dst.iter_mut().zip(src.iter()) {
                *d = c * *v;
            }
        } else {
            for (d, v) in dst.iter_mut().zip(src.iter()) {
                *d += c * *v;
            }
        }
        first = false;
    }
    if first {
        dst.fill(T::zero());
    }
}

/// One step of a transform over lanes: the `outputs x I` matrix `m` applied to the `I` lane
/// vectors `src`, output `k` written at `dst[at(k)..]`.
fn apply<T: WithDType, const I: usize>(
    src: [&[T]; I],
    (m, outputs): (impl Fn(usize, usize) -> f64, usize),
    dst: &mut [T],
    at: impl Fn(usize) -> usize,
) {
    let lanes = src[0].len();
    for k in 0..outputs {
        combine(&mut dst[at(k)..][..lanes], &src, |j| m(k, j));
    }
}

/// A separable transform `X -> S X Sᵀ` of `lanes` `C x C` tiles side by side, for the matrix
/// `S` of `step` (its entries by `(output, input)`, and its output count): first down each of
/// the `C` columns of a tile, its point `(a, b)` read from `src` at `from(C a + b)`, into
/// `steps` (`[rows][C][lanes]`); then along each of the rows this made, its output `(a, k)`
/// written to `dst` at `to(a, k)`.
fn separable<T: WithDType, const C: usize>(
    (src, from): (&[T], impl Fn(usize) -> usize),
    step: (impl Fn(usize, usize) -> f64 + Copy, usize),
    steps: &mut [T],
    (dst, to): (&mut [T], impl Fn(usize, usize) -> usize),
    lanes: usize,
) {
    let rows = step.1;
    for b in 0..C {
        let column: [&[T]; C] = std::array::from_fn(|a| &src[from(C * a + b)..][..lanes]);
        apply(column, step, steps, |k| (rows * b + k) * lanes);
    }
    for a in 0..rows {
        let row: [&[T]; C] = std::array::from_fn(|b| &steps[(rows * b + a) * lanes..][..lanes]);
        apply(row, step, dst, |k| to(a, k));
    }
}

/// The sizes of one geometry's tiling F(M x M, R x R) on tiles of `A x A`.
#[derive(Clone, Copy)]
struct Tiles<const M: usize, const R: usize, const A: usize> {
    /// Output tiles down and across a plane (the last ones clipped where `M` does not divide).
    down: usize,
    across: usize,
}

impl<const M: usize, const R: usize, const A: usize> Tiles<M, R, A> {
    fn new(g: &ConvGeometry) -> Self {
        Self {
            down: g.oh.div_ceil(M),
            across: g.ow.div_ceil(M),
        }
    }

    fn per_image(&self) -> usize {
        self.down * self.across
    }

    /// Sides of the zero-bordered plane all input tiles lie in.
    fn padded_sides(&self) -> (usize, usize) {
        (M * self.down + A - M, M * self.across + A - M)
    }

    /// Calls `f(p, t, y, x)` for each point `p` of the `side x side` points (row-major) of
    /// every tile `t` (row-major), point by point: `(y, x)` is the point in the plane.
    fn for_each_point(self, side: usize, mut f: impl FnMut(usize, usize, usize, usize)) {
        for a in 0..side {
            for b in 0..side {
                for ty in 0..self.down {
                    for tx in 0..self.across {
                        f(side * a + b, self.across * ty + tx, M * ty + a, M * tx + b);
                    }
                }
            }
        }
    }
}

/// Filters per block of the filter transforms: a block's taps, intermediate step and
/// transform take about 256 KiB (f32, 5x5 filters on 8x8 tiles), in L2.
const FILTER_BLOCK: usize = 512;

/// The transformed filters `U = G g Gᵀ` of weight `w` `[o, c / groups, R, R]`, laid out
/// `[A²][o][c / groups]`: for each point, a row-major `[o, c / groups]` matrix. The filters
/// are the transform's lanes, a block of them at a time.
fn transform_filters<
    T: WithDType + Scratch,
    W: Tiling<M, R, A>,
    const M: usize,
    const R: usize,
    const A: usize,
>(
    w: &[T],
    g: &ConvGeometry,
) -> Vec<T> {
    let filters = g.o * g.group_channels();
    let mut u = vec![T::zero(); A * A * filters];
    let step = (|k: usize, j: usize| W::G[k][j], A);
    T::with_scratch((R * R + A * R) * FILTER_BLOCK, |scratch| {
        let (taps, steps) = scratch.split_at_mut(R * R * FILTER_BLOCK);
        for (block, w) in w.chunks(R * R * FILTER_BLOCK).enumerate() {
            let (start, lanes) = (block * FILTER_BLOCK, w.len() / (R * R));
            for (f, kernel) in w.chunks_exact(R * R).enumerate() {
                for (tap, v) in kernel.iter().enumerate() {
                    taps[tap * lanes + f] = *v;
                }
            }
            let to = |a: usize, b: usize| (A * a + b) * filters + start;
            separable::<T, R>((taps, |p| p * lanes), step, steps, (&mut u, to), lanes);
        }
    });
    u
}

/// The weight gradient `[o, c / groups, R, R]` into `dw` from the transform-domain gradient
/// `du` (`[A²][o][c / groups]`): `Gᵀ dU G` for every filter, the filters as lanes.
fn filter_gradient<
    T: WithDType + Scratch,
    W: Tiling<M, R, A>,
    const M: usize,
    const R: usize,
    const A: usize,
>(
    du: &[T],
    g: &ConvGeometry,
    dw: &mut [T],
) {
    let filters = g.o * g.group_channels();
    let step = (|k: usize, j: usize| W::G[j][k], R);
    T::with_scratch((R * R + R * A) * FILTER_BLOCK, |scratch| {
        let (taps, steps) = scratch.split_at_mut(R * R * FILTER_BLOCK);
        for (block, dw) in dw.chunks_mut(R * R * FILTER_BLOCK).enumerate() {
            let (start, lanes) = (block * FILTER_BLOCK, dw.len() / (R * R));
            let from = |p: usize| p * filters + start;
            let to = |a: usize, b: usize| (R * a + b) * lanes;
            separable::<T, A>((du, from), step, steps, (&mut *taps, to), lanes);
            for (f, kernel) in dw.chunks_exact_mut(R * R).enumerate() {
                for (tap, v) in kernel.iter_mut().enumerate() {
                    *v = taps[tap * lanes + f];
                }
            }
        }
    });
}

/// The buffers of [`Buffers`] a transform reads or writes.
#[derive(Clone, Copy)]
enum Part {
    TilePoints,
    Input,
    Output,
}

/// The transform-domain buffers of one thread for one batch of `images` images. A batch's
/// tiles are numbered tile by tile, the images of a tile side by side (`tile * images +
/// image`); every transform runs over all of them, for a block of channels at a time, as
/// vector lanes, one point of a tile at a time.
struct Buffers<'a, T, const M: usize, const R: usize, const A: usize> {
    tiles: Tiles<M, R, A>,
    /// A block of channels' tiles, point by point (`[A²][channels][tiles]`): gathered from
    /// the images, or transformed back before they are scattered to them.
    tile_points: &'a mut [T],
    /// One channel's zero-bordered plane, the images side by side at each pixel: the input
    /// gathered once, or the input gradient summed over tiles.
    plane: &'a mut [T],
    /// The transforms' intermediate step (`[A²][channels][tiles]`).
    steps: &'a mut [T],
    /// Input tiles `[A²][c / groups][tiles]` (or their gradient).
    input: &'a mut [T],
    /// Products `[A²][o / groups][tiles]` (or their gradient).
    output: &'a mut [T],
    images: usize,
    /// Channels per block ([`CHANNEL_BLOCK`], or all of them if fewer).
    block: usize,
}

/// Channels whose tiles are transformed together, their lanes side by side: a batch has a
/// few dozen tiles (fewer on small planes), too few lanes for a pass to run at full speed.
const CHANNEL_BLOCK: usize = 16;

/// Channels per block for geometry `g` ([`CHANNEL_BLOCK`], or all of a group's if fewer).
fn channel_block(g: &ConvGeometry) -> usize {
    CHANNEL_BLOCK.min(g.group_channels().max(g.group_outputs()))
}

/// Runs `f` on this thread's scratch cut into [`Buffers`] for `images` images.
fn with_buffers<T: WithDType + Scratch, Out, const M: usize, const R: usize, const A: usize>(
    g: &ConvGeometry,
    images: usize,
    f: impl FnOnce(Buffers<T, M, R, A>) -> Out,
) -> Out {
    let (tiles, block) = (Tiles::<M, R, A>::new(g), channel_block(g));
    let point_rows = A * A * images * tiles.per_image();
    let (ph, pw) = tiles.padded_sides();
    let (plane, input) = (ph * pw * images, point_rows * g.group_channels());
    let len = plane + 2 * block * point_rows + input + point_rows * g.group_outputs();
    T::with_scratch(len, |scratch| {
        let (plane, rest) = scratch.split_at_mut(plane);
        plane.fill(T::zero());
        let (tile_points, rest) = rest.split_at_mut(point_rows * block);
        let (steps, rest) = rest.split_at_mut(point_rows * block);
        let (input, output) = rest.split_at_mut(input);
        f(Buffers {
            tiles,
            tile_points,
            plane,
            steps,
            input,
            output,
            images,
            block,
        })
    })
}

/// Where point `p`'s rows of the block of channels from `start` begin in a buffer laid out
/// `[points][channels][count]` (`count` lanes per channel).
fn block_rows(channels: usize, start: usize, count: usize) -> impl Fn(usize) -> usize {
    move |p| (p * channels + start) * count
}

/// The first channel and the channel count of each block of `channels` channels.
fn blocks(channels: usize, block: usize) -> impl Iterator<Item = (usize, usize)> {
    (0..channels)
        .step_by(block)
        .map(move |start| (start, block.min(channels - start)))
}

impl<'a, T: WithDType, const M: usize, const R: usize, const A: usize> Buffers<'a, T, M, R, A> {
    /// Tiles in the batch (all images).
    fn count(&self) -> usize {
        self.images * self.tiles.per_image()
    }

    /// Where pixel `(y, x)` of the padded plane starts in [`Buffers::plane`].
    fn pixel(&self) -> impl Fn(usize, usize) -> usize + use<T, M, R, A> {
        let (width, images) = (self.tiles.padded_sides().1, self.images);
        move |y, x| (y * width + x) * images
    }

    /// Where the images of tile `t` of channel `b` of a block of `len` channels start, at
    /// point `p`, in [`Buffers::tile_points`].
    fn lanes(&self, len: usize) -> impl Fn(usize, usize, usize) -> usize + use<T, M, R, A> {
        let (tiles, n) = (self.tiles.per_image(), self.images);
        move |p, b, t| ((p * len + b) * tiles + t) * n
    }

    /// Channel `channel` of every image of `x`, tile by tile, into [`Buffers::tile_points`]
    /// as channel `b` of a block of `len`, through [`Buffers::plane`] (whose border stays
    /// zero).
    fn gather_channel(
        &mut self,
        x: &[T],
        channel: usize,
        g: &ConvGeometry,
        (b, len): (usize, usize),
    ) {
        let (n, plane, pixel, lanes) = (self.images, g.h * g.w, self.pixel(), self.lanes(len));
        for (i, image) in x.chunks_exact(g.in_image()).enumerate() {
            let src = &image[channel * plane..][..plane];
            for (y, row) in src.chunks_exact(g.w).enumerate() {
                for (x, v) in row.iter().enumerate() {
                    self.plane[pixel(y + g.pad, x + g.pad) + i] = *v;
                }
            }
        }
        let (points, plane) = (&mut *self.tile_points, &*self.plane);
        self.tiles.for_each_point(A, |p, t, y, x| {
            points[lanes(p, b, t)..][..n].copy_from_slice(&plane[pixel(y, x)..][..n]);
        });
    }

    /// The buffer `part` names.
    fn part(&mut self, part: Part) -> &mut &'a mut [T] {
        match part {
            Part::TilePoints => &mut self.tile_points,
            Part::Input => &mut self.input,
            Part::Output => &mut self.output,
        }
    }

    /// [`separable`] of the tiles of a block of channels (`lanes` of them), from the buffer
    /// `source` to the buffer `dest`, through [`Buffers::steps`].
    fn transform<const C: usize>(
        &mut self,
        (source, from): (Part, impl Fn(usize) -> usize),
        step: (impl Fn(usize, usize) -> f64 + Copy, usize),
        (dest, to): (Part, impl Fn(usize, usize) -> usize),
        lanes: usize,
    ) {
        let src = std::mem::take(self.part(source));
        let dst = std::mem::take(self.part(dest));
        separable::<T, C>((src, from), step, self.steps, (&mut *dst, to), lanes);
        *self.part(source) = src;
        *self.part(dest) = dst;
    }

    /// The input tiles of group `group` of every image of `x` into [`Buffers::input`]:
    /// `Bᵀ d B` of each `A x A` tile.
    fn transform_inputs<W: Tiling<M, R, A>>(&mut self, x: &[T], group: usize, g: &ConvGeometry) {
        let (cg, count) = (g.group_channels(), self.count());
        let step = (|k: usize, j: usize| W::BT[k][j], A);
        for (start, len) in blocks(cg, self.block) {
            for b in 0..len {
                self.gather_channel(x, group * cg + start + b, g, (b, len));
            }
            let (lanes, rows) = (len * count, block_rows(cg, start, count));
            let (from, to) = (|p: usize| p * lanes, |a: usize, k: usize| rows(A * a + k));
            self.transform::<A>((Part::TilePoints, from), step, (Part::Input, to), lanes);
        }
    }

    /// The transpose of [`Buffers::transform_inputs`]: `B dV Bᵀ` of each tile of
    /// [`Buffers::input`], summed where tiles overlap, into group `group`'s channels of the
    /// input gradient `dx` (`[images, c, h, w]`).
    fn transform_input_grads<W: Tiling<M, R, A>>(
        &mut self,
        group: usize,
        g: &ConvGeometry,
        dx: &mut [T],
    ) {
        let (n, cg, count, plane) = (self.images, g.group_channels(), self.count(), g.h * g.w);
        let (pixel, step) = (self.pixel(), (|k: usize, j: usize| W::BT[j][k], A));
        for (start, len) in blocks(cg, self.block) {
            let (lanes, from) = (len * count, block_rows(cg, start, count));
            let to = |a: usize, k: usize| (A * a + k) * lanes;
            self.transform::<A>((Part::Input, from), step, (Part::TilePoints, to), lanes);
            let at = self.lanes(len);
            for b in 0..len {
                let (points, sums) = (&*self.tile_points, &mut *self.plane);
                sums.fill(T::zero());
                self.tiles.for_each_point(A, |p, t, y, x| {
                    let sums = &mut sums[pixel(y, x)..][..n];
                    for (s, v) in sums.iter_mut().zip(&points[at(p, b, t)..][..n]) {
                        *s += *v;
                    }
                });
                let channel = (group * cg + start + b) * plane;
                for (i, image) in dx.chunks_exact_mut(g.in_image()).enumerate() {
                    let dst = &mut image[channel..][..plane];
                    for (y, row) in dst.chunks_exact_mut(g.w).enumerate() {
                        for (x, v) in row.iter_mut().enumerate() {
                            *v = self.plane[pixel(y + g.pad, x + g.pad) + i];
                        }
                    }
                }
            }
        }
        // The border again zero, as gathering needs it.
        self.plane.fill(T::zero());
    }

    /// `Aᵀ M A` of each tile of [`Buffers::output`], plus the bias, through a ReLU if `relu`,
    /// into group `group`'s channels of `y` (`[images, o, oh, ow]`, the last tiles clipped).
    fn transform_outputs<W: Tiling<M, R, A>>(
        &mut self,
        group: usize,
        g: &ConvGeometry,
        (bias, relu): (&[T], bool),
        y: &mut [T],
    ) {
        let (og, count) = (g.group_outputs(), self.count());
        let step = (|k: usize, j: usize| W::AT[k][j], M);
        for (start, len) in blocks(og, self.block) {
            let (lanes, from) = (len * count, block_rows(og, start, count));
            let to = |a: usize, k: usize| (M * a + k) * lanes;
            self.transform::<A>((Part::Output, from), step, (Part::TilePoints, to), lanes);
            let (at, points) = (self.lanes(len), &*self.tile_points);
            for b in 0..len {
                let channel = group * og + start + b;
                // Image by image: the planes of one channel of a batch lie a whole image
                // apart, often a multiple of 4 KiB, so that writing a pixel of every image in
                // turn would make each write a cache miss.
                for (i, image) in y.chunks_exact_mut(g.out_image()).enumerate() {
                    let plane = &mut image[channel * g.out_plane()..][..g.out_plane()];
                    self.tiles.for_each_point(M, |p, t, yy, xx| {
                        if yy < g.oh && xx < g.ow {
                            let v = points[at(p, b, t) + i] + bias[channel];
                            plane[yy * g.ow + xx] =
                                if relu && v < T::zero() { T::zero() } else { v };
                        }
                    });
                }
            }
        }
    }

    /// The transpose of [`Buffers::transform_outputs`]: `A dY Aᵀ` of each `M x M` tile of
    /// the output gradient `grads` (`[o / groups, images * oh * ow]`, images side by side;
    /// zero past the edge) into [`Buffers::output`].
    fn transform_output_grads<W: Tiling<M, R, A>>(&mut self, grads: &[T], g: &ConvGeometry) {
        let (n, og, count, cols) = (self.images, g.group_outputs(), self.count(), g.out_plane());
        let step = (|k: usize, j: usize| W::AT[j][k], A);
        for (start, len) in blocks(og, self.block) {
            let (at, points) = (self.lanes(len), &mut *self.tile_points);
            for b in 0..len {
                let grads = &grads[(start + b) * n * cols..][..n * cols];
                self.tiles.for_each_point(M, |p, t, yy, xx| {
                    let lanes = &mut points[at(p, b, t)..][..n];
                    if yy >= g.oh || xx >= g.ow {
                        lanes.fill(T::zero());
                        return;
                    }
                    for (v, image) in lanes.iter_mut().zip(grads.chunks_exact(cols)) {
                        *v = image[yy * g.ow + xx];
                    }
                });
            }
            let (lanes, rows) = (len * count, block_rows(og, start, count));
            let (from, to) = (|p: usize| p * lanes, |a: usize, k: usize| rows(A * a + k));
            self.transform::<M>((Part::TilePoints, from), step, (Part::Output, to), lanes);
        }
    }
}

/// Point `p`'s matrix (`len` elements) of a buffer laid out `[A²][..]`.
fn point<T>(data: &[T], p: usize, len: usize) -> &[T] {
    &data[p * len..][..len]
}

/// [`point`], mutable.
fn point_mut<T>(data: &mut [T], p: usize, len: usize) -> &mut [T] {
    &mut data[p * len..][..len]
}

/// Point `p`'s transformed filters of group `group` (`[o / groups, c / groups]`, row-major) in
/// `u` (`[A²][o][c / groups]`).
fn filters<'a, T>(u: &'a [T], p: usize, group: usize, g: &ConvGeometry) -> &'a [T] {
    let (cg, og) = (g.group_channels(), g.group_outputs());
    &u[(p * g.o + group * og) * cg..][..og * cg]
}

/// `y = relu?(conv(x, w) + b)` for a few whole images `x`, from the transformed filters `u`.
fn forward_batch<
    T: WithDType + Scratch,
    W: Tiling<M, R, A>,
    const M: usize,
    const R: usize,
    const A: usize,
>(
    x: &[T],
    u: &[T],
    bias: (&[T], bool),
    g: &ConvGeometry,
    parallelism: Parallelism,
    y: &mut [T],
) {
    let (cg, og) = (g.group_channels(), g.group_outputs());
    with_buffers(g, x.len() / g.in_image(), |mut buf: Buffers<T, M, R, A>| {
        let count = buf.count();
        for group in 0..g.groups {
            buf.transform_inputs::<W>(x, group, g);
            for p in 0..A * A {
                // M[p] [og, count] = U[p]_g [og, cg] * V[p] [cg, count]
                let (u, v) = (filters(u, p, group, g), point(buf.input, p, cg * count));
                let m = point_mut(buf.output, p, og * count);
                let (u, v) = (Strided::rows(u, cg), Strided::rows(v, count));
                matmul(m, count, u, v, (og, count, cg), false, parallelism);
            }
            buf.transform_outputs::<W>(group, g, bias, y);
        }
    })
}

/// What the backward pass of one group of a few whole images works from and writes to.
pub(super) struct GroupGradients<'a, T> {
    /// The group's output gradient `[o / groups, images * oh * ow]`, images side by side.
    pub(super) grads: &'a [T],
    /// The images `[images, c, h, w]`.
    pub(super) x: &'a [T],
    pub(super) group: usize,
    /// The input gradient `[images, c, h, w]` to write, with the transformed filters
    /// (`[A²][o][c / groups]`), when it is needed.
    pub(super) dx: Option<(&'a mut [T], &'a [T])>,
    /// The transform-domain filter gradient (`[A²][o][c / groups]`) to add to, when needed.
    pub(super) du: Option<&'a mut [T]>,
}

/// The input and filter gradients of one group for a few whole images ([`GroupGradients`]).
fn backward_group<
    T: WithDType + Scratch,
    W: Tiling<M, R, A>,
    const M: usize,
    const R: usize,
    const A: usize,
>(
    gradients: GroupGradients<T>,
    g: &ConvGeometry,
    parallelism: Parallelism,
) {
    let GroupGradients {
        grads,
        x,
        group,
        dx,
        du,
    } = gradients;
    let (cg, og) = (g.group_channels(), g.group_outputs());
    with_buffers(g, x.len() / g.in_image(), |mut buf: Buffers<T, M, R, A>| {
        let count = buf.count();
        buf.transform_output_grads::<W>(grads, g);
        if let Some((dx, u)) = dx {
            for p in 0..A * A {
                // dV[p] [cg, count] = U[p]_g^T [cg, og] * dM[p] [og, count]
                let (u, dm) = (filters(u, p, group, g), point(buf.output, p, og * count));
                let dv = point_mut(buf.input, p, cg * count);
                let (ut, dm) = (Strided::cols(u, cg), Strided::rows(dm, count));
                matmul(dv, count, ut, dm, (cg, count, og), false, parallelism);
            }
            buf.transform_input_grads::<W>(group, g, dx);
        }
        if let Some(du) = du {
            buf.transform_inputs::<W>(x, group, g);
            for p in 0..A * A {
                // dU[p]_g [og, cg] += dM[p] [og, count] * V[p]^T [count, cg]
                let (dm, v) = (
                    point(buf.output, p, og * count),
                    point(buf.input, p, cg * count),
                );
                let du = &mut du[(p * g.o + group * og) * cg..][..og * cg];
                let (dm, vt) = (Strided::rows(dm, count), Strided::cols(v, count));
                matmul(du, cg, dm, vt, (og, cg, count), true, parallelism);
            }
        }
    })
}

/// Which Winograd algorithm a convolution runs, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Winograd {
    /// F(2x2, 3x3): 3x3 kernel, stride 1, padding 1.
    F2x3,
    /// F(2x2, 5x5): 5x5 kernel, stride 1, padding 2.
    F2x5,
    /// F(4x4, 5x5): 5x5 kernel, stride 1, padding 2.
    F4x5,
}

/// Calls the generic function `$f` with the tiling of `$which`.
macro_rules! with_tiling {
    ($which:expr, $f:ident$(::<$t:ty>)?($($arg:expr),* $(,)?)) => {
        match $which {
            Winograd::F2x3 => $f::<$($t,)? F2x3, 2, 3, 4>($($arg),*),
            Winograd::F2x5 => $f::<$($t,)? F2x5, 2, 5, 6>($($arg),*),
            Winograd::F4x5 => $f::<$($t,)? F4x5, 4, 5, 8>($($arg),*),
        }
    };
}

/// Points of the transform domain (`A²`) and tiles per image of geometry `g`.
fn sizes<W: Tiling<M, R, A>, const M: usize, const R: usize, const A: usize>(
    g: &ConvGeometry,
) -> (usize, usize) {
    (A * A, Tiles::<M, R, A>::new(g).per_image())
}

/// Most elements of one batch's transform-domain buffers: images are batched into one set of
/// products until their buffers reach this size (2 MiB of f32: 16 images of alexnet-32's
/// conv3-5), the images being the transforms' vector lanes.
const BUDGET: usize = 1 << 19;

/// Fewest tiles per image for 4x4 output tiles: with fewer, a batch (at most a parallel
/// chunk of images) has too few tiles to make wide lanes and products.
const MIN_TILES: usize = 4;

impl Winograd {
    /// The algorithm for this geometry: a 3x3 or 5x5 kernel at stride 1 with the padding
    /// that keeps the output as large as the input, at least 2x2 outputs. A 5x5 kernel runs
    /// on 4x4 output tiles where they need fewer transform-domain points per image than 2x2
    /// tiles and a plane holds at least [`MIN_TILES`] of them.
    pub(super) fn for_geometry(g: &ConvGeometry) -> Option<Self> {
        let same = g.stride == 1 && 2 * g.pad + 1 == g.k && g.oh >= 2 && g.ow >= 2;
        let points = |which: Self| {
            let (points, tiles) = with_tiling!(which, sizes(g));
            (points * tiles, tiles)
        };
        match g.k {
            3 if same => Some(Self::F2x3),
            5 if same => {
                let (large, tiles) = points(Self::F4x5);
                let fewer = tiles >= MIN_TILES && large < points(Self::F2x5).0;
                Some(if fewer { Self::F4x5 } else { Self::F2x5 })
            }
            _ => None,
        }
    }

    /// Elements of the weight gradient's transform (`[A²][o][c / groups]`).
    pub(super) fn filter_gradient_len(self, g: &ConvGeometry) -> usize {
        let (points, _) = with_tiling!(self, sizes(g));
        points * g.o * g.group_channels()
    }

    /// Images per batch for this geometry: as many as fit [`BUDGET`], at most `per`.
    pub(super) fn batch_size(self, g: &ConvGeometry, per: usize) -> usize {
        let (points, tiles) = with_tiling!(self, sizes(g));
        let channels = g.group_channels() + g.group_outputs() + 2 * channel_block(g);
        (BUDGET / (points * tiles * channels).max(1)).clamp(1, per.max(1))
    }

    /// The transformed filters `U = G g Gᵀ` of weight `w` `[o, c / groups, k, k]`, laid out
    /// `[points][o][c / groups]`.
    pub(super) fn transform_filters<T: WithDType + Scratch>(
        self,
        w: &[T],
        g: &ConvGeometry,
    ) -> Vec<T> {
        with_tiling!(self, transform_filters::<T>(w, g))
    }

    /// The weight gradient `[o, c / groups, k, k]` into `dw` from its transform
    /// (`[points][o][c / groups]`, summed over a batch by [`Winograd::backward_group`]).
    pub(super) fn filter_gradient<T: WithDType + Scratch>(
        self,
        du: &[T],
        g: &ConvGeometry,
        dw: &mut [T],
    ) {
        with_tiling!(self, filter_gradient::<T>(du, g, dw))
    }

    /// `y = relu?(conv(x, w) + b)` for a few whole images `x`, from the transformed filters
    /// `u`; `bias` is `(b, relu)`.
    pub(super) fn forward_batch<T: WithDType + Scratch>(
        self,
        x: &[T],
        u: &[T],
        bias: (&[T], bool),
        g: &ConvGeometry,
        parallelism: Parallelism,
        y: &mut [T],
    ) {
        with_tiling!(self, forward_batch::<T>(x, u, bias, g, parallelism, y))
    }

    /// The input and filter gradients of one group for a few whole images
    /// ([`GroupGradients`]).
    pub(super) fn backward_group<T: WithDType + Scratch>(
        self,
        gradients: GroupGradients<T>,
        g: &ConvGeometry,
        parallelism: Parallelism,
    ) {
        with_tiling!(self, backward_group::<T>(gradients, g, parallelism))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The algorithm for a `k x k` convolution at `stride` and `pad` on one `size x size`
    /// plane.
    fn choice(k: usize, stride: usize, pad: usize, size: usize) -> Option<Winograd> {
        let g = ConvGeometry::new([1, 4, size, size], [4, 4, k, k], stride, pad, 1).unwrap();
        Winograd::for_geometry(&g)
    }

    #[test]
    fn each_geometry_gets_the_tiling_with_the_fewest_points() {
        // 3x3: always 2x2 tiles.
        assert_eq!(choice(3, 1, 1, 4), Some(Winograd::F2x3));
        assert_eq!(choice(3, 1, 1, 13), Some(Winograd::F2x3));
        // 5x5: 4x4 tiles from 5x5 planes on (four tiles of 64 points against nine of 36),
        // 2x2 tiles on 4x4 planes (one tile of 4x4 outputs is too few).
        assert_eq!(choice(5, 1, 2, 4), Some(Winograd::F2x5));
        assert_eq!(choice(5, 1, 2, 5), Some(Winograd::F4x5));
        assert_eq!(choice(5, 1, 2, 8), Some(Winograd::F4x5));
        assert_eq!(choice(5, 1, 2, 27), Some(Winograd::F4x5));
        // Not "same" convolutions, too small outputs, other kernels: no Winograd.
        assert_eq!(choice(3, 2, 1, 8), None);
        assert_eq!(choice(3, 1, 0, 8), None);
        assert_eq!(choice(3, 1, 1, 1), None);
        assert_eq!(choice(11, 1, 5, 16), None);
    }
}
