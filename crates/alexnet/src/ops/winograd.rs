//! Convolutions with a 3x3 kernel, stride 1 and padding 1 by Winograd's minimal filtering
//! F(2x2, 3x3) (Lavin and Gray, "Fast Algorithms for Convolutional Neural Networks", 2016).
//!
//! Each 2x2 tile of output comes from a 4x4 tile of input: with the input tile transformed
//! (`V = Bᵀ d B`) and the filter transformed (`U = G g Gᵀ`), the output is `Aᵀ (U ⊙ V) A`.
//! Summed over input channels, the 16 points of the transform domain are 16 independent
//! matrix products `M[p] = U[p] V[p]` (`[o, c] x [c, tiles]`): 16 multiply-adds per 4 outputs
//! and input channel where im2col + gemm needs 36. The backward pass runs the transposed
//! transforms: the output gradient to `A dY Aᵀ`, then `Uᵀ` times it for the input gradient
//! (`B dV Bᵀ`, summed where input tiles overlap) and it times `Vᵀ` for the filter gradient
//! (`Gᵀ dU G`).

use candle_core::WithDType;
use gemm::Parallelism;

use super::conv_gemm::{matmul, Strided};
use super::conv_geometry::ConvGeometry;
use super::scratch::Scratch;

/// Points of the transform domain: one 4x4 tile.
pub(super) const POINTS: usize = 16;

/// Whether this geometry runs by Winograd: a 3x3 kernel, stride 1, padding 1 (the output as
/// large as the input), at least 2x2 outputs.
pub(super) fn applies(g: &ConvGeometry) -> bool {
    g.k == 3 && g.stride == 1 && g.pad == 1 && g.oh >= 2 && g.ow >= 2
}

/// 2x2 output tiles down and across a plane (the last ones clipped when a side is odd).
fn tiles(g: &ConvGeometry) -> (usize, usize) {
    (g.oh.div_ceil(2), g.ow.div_ceil(2))
}

/// 2x2 output tiles per image plane.
fn tiles_per_image(g: &ConvGeometry) -> usize {
    let (th, tw) = tiles(g);
    th * tw
}

/// Sides of the zero-bordered plane that every 4x4 input tile lies in.
fn padded_sides(g: &ConvGeometry) -> (usize, usize) {
    let (th, tw) = tiles(g);
    (2 * th + 2, 2 * tw + 2)
}

/// Most elements of one batch's transform-domain buffers: images are batched into one set of
/// 16 products until their buffers reach this size (1 MiB of f32).
const BUDGET: usize = 1 << 19;

/// Images per batch for this geometry: as many as fit [`BUDGET`], at most `per`.
pub(super) fn batch_size(g: &ConvGeometry, per: usize) -> usize {
    let per_image = POINTS * tiles_per_image(g) * (g.group_channels() + g.group_outputs());
    (BUDGET / per_image.max(1)).clamp(1, per.max(1))
}

/// `Bᵀ v` for one column or row of a 4x4 input tile.
fn input_step<T: WithDType>([a, b, c, d]: [T; 4]) -> [T; 4] {
    [a - c, b + c, c - b, b - d]
}

/// `B v`, the transpose of [`input_step`].
fn input_grad_step<T: WithDType>([a, b, c, d]: [T; 4]) -> [T; 4] {
    [a, b - c + d, b + c - a, T::zero() - d]
}

/// `Aᵀ v` for one column or row of a 4x4 product tile.
fn output_step<T: WithDType>([a, b, c, d]: [T; 4]) -> [T; 2] {
    [a + b + c, b - c - d]
}

/// `A v`, the transpose of [`output_step`].
fn output_grad_step<T: WithDType>([a, b]: [T; 2]) -> [T; 4] {
    [a, a + b, a - b, T::zero() - b]
}

/// `G v` for one column or row of a 3x3 filter.
fn filter_step<T: WithDType>([a, b, c]: [T; 3]) -> [T; 4] {
    let half = T::from_f64(0.5);
    [a, (a + b + c) * half, (a - b + c) * half, c]
}

/// `Gᵀ v`, the transpose of [`filter_step`].
fn filter_grad_step<T: WithDType>([a, b, c, d]: [T; 4]) -> [T; 3] {
    let half = T::from_f64(0.5);
    [a + (b + c) * half, (b - c) * half, (b + c) * half + d]
}

/// `f` applied to each column of `tile` (`R` rows of `C`), giving `S` rows.
fn columns<T: Copy, const R: usize, const C: usize, const S: usize>(
    tile: &[[T; C]; R],
    f: impl Fn([T; R]) -> [T; S],
) -> [[T; C]; S] {
    let mut out = [[tile[0][0]; C]; S];
    for j in 0..C {
        let column = f(std::array::from_fn(|i| tile[i][j]));
        for (row, v) in out.iter_mut().zip(column) {
            row[j] = v;
        }
    }
    out
}

/// The transformed filters `U = G g Gᵀ` of weight `w` `[o, c / groups, 3, 3]`, laid out
/// `[16][o][c / groups]`: for each point, a row-major `[o, c / groups]` matrix.
pub(super) fn transform_filters<T: WithDType>(w: &[T], g: &ConvGeometry) -> Vec<T> {
    let filters = g.o * g.group_channels();
    let mut u = vec![T::zero(); POINTS * filters];
    for (f, k) in w.chunks_exact(9).enumerate() {
        let k: [[T; 3]; 3] = std::array::from_fn(|i| std::array::from_fn(|j| k[3 * i + j]));
        let rows = columns(&k, filter_step);
        for (i, row) in rows.iter().enumerate() {
            for (j, v) in filter_step(*row).into_iter().enumerate() {
                u[(4 * i + j) * filters + f] = v;
            }
        }
    }
    u
}

/// The weight gradient `[o, c / groups, 3, 3]` into `dw` from the transform-domain gradient
/// `du` (`[16][o][c / groups]`): `Gᵀ dU G` for every filter.
pub(super) fn filter_gradient<T: WithDType>(du: &[T], g: &ConvGeometry, dw: &mut [T]) {
    let filters = g.o * g.group_channels();
    for (f, dw) in dw.chunks_exact_mut(9).enumerate() {
        let tile: [[T; 4]; 4] =
            std::array::from_fn(|i| std::array::from_fn(|j| du[(4 * i + j) * filters + f]));
        let rows = columns(&tile, filter_grad_step);
        for (i, row) in rows.iter().enumerate() {
            dw[3 * i..3 * i + 3].copy_from_slice(&filter_grad_step(*row));
        }
    }
}

/// For every lane `i`: `outs[k][i] = f([ins[0][i], ins[1][i], ..])[k]`. One loop per output
/// (`S` is small and the loops unroll, each computing only its part of `f`): a loop that
/// writes one slice vectorises, one that writes several that might alias does not.
#[inline(always)]
fn map_lanes<T: Copy, const R: usize, const S: usize>(
    ins: [&[T]; R],
    outs: [&mut [T]; S],
    f: impl Fn([T; R]) -> [T; S],
) {
    let lanes = outs[0].len();
    let ins = ins.map(|s| &s[..lanes]);
    for (k, out) in outs.into_iter().enumerate() {
        for (i, o) in out[..lanes].iter_mut().enumerate() {
            *o = f(std::array::from_fn(|r| ins[r][i]))[k];
        }
    }
}

/// `N` disjoint `len`-element slices of `data`, starting at `starts`.
fn rows_mut<T, const N: usize>(data: &mut [T], starts: [usize; N], len: usize) -> [&mut [T]; N] {
    data.get_disjoint_mut(starts.map(|s| s..s + len))
        .expect("winograd: overlapping or out-of-range rows")
}

/// The transform-domain buffers of one thread for one batch of `images` images. Tiles are
/// numbered tile by tile, the images of a tile side by side (`tile * images + image`), so
/// that every transform runs over the images as vector lanes.
struct Buffers<'a, T> {
    /// Images side by side: one channel's zero-bordered planes ([`padded_sides`]), element by
    /// element, `images` lanes each.
    lanes: &'a mut [T],
    /// Two 4x4 tiles of lanes: the transforms' intermediate steps.
    steps: &'a mut [T],
    /// Input tiles `[16][c / groups][tiles]` (or their gradient).
    input: &'a mut [T],
    /// Products `[16][o / groups][tiles]` (or their gradient).
    output: &'a mut [T],
    images: usize,
}

/// Runs `f` on this thread's scratch cut into [`Buffers`] for `images` images.
fn with_buffers<T: WithDType + Scratch, R>(
    g: &ConvGeometry,
    images: usize,
    f: impl FnOnce(Buffers<T>) -> R,
) -> R {
    let tiles = images * tiles_per_image(g);
    let (ph, pw) = padded_sides(g);
    let lanes = ph * pw * images;
    let steps = 2 * POINTS * images;
    let input = POINTS * g.group_channels() * tiles;
    let output = POINTS * g.group_outputs() * tiles;
    T::with_scratch(lanes + steps + input + output, |scratch| {
        let (lanes, rest) = scratch.split_at_mut(lanes);
        let (steps, rest) = rest.split_at_mut(steps);
        let (input, output) = rest.split_at_mut(input);
        lanes.fill(T::zero());
        f(Buffers {
            lanes,
            steps,
            input,
            output,
            images,
        })
    })
}

impl<T: WithDType> Buffers<'_, T> {
    /// Channel `channel` of every image of `x` into the interior of [`Buffers::lanes`].
    fn load_channel(&mut self, x: &[T], channel: usize, g: &ConvGeometry) {
        let (pw, plane, n) = (padded_sides(g).1, g.h * g.w, self.images);
        for (i, image) in x.chunks_exact(g.in_image()).enumerate() {
            let src = &image[channel * plane..][..plane];
            for (y, row) in src.chunks_exact(g.w).enumerate() {
                for (x, v) in row.iter().enumerate() {
                    self.lanes[((y + 1) * pw + x + 1) * n + i] = *v;
                }
            }
        }
    }

    /// The input tiles of group `group` of every image of `x` into [`Buffers::input`]:
    /// `Bᵀ d B` of each 4x4 tile.
    fn transform_inputs(&mut self, x: &[T], group: usize, g: &ConvGeometry) {
        let (th, tw) = tiles(g);
        let (pw, n, cg) = (padded_sides(g).1, self.images, g.group_channels());
        let tiles = th * tw * n;
        let stride = cg * tiles;
        for c in 0..cg {
            self.load_channel(x, group * cg + c, g);
            for ty in 0..th {
                for tx in 0..tw {
                    let at = |a: usize, b: usize| ((2 * ty + a) * pw + 2 * tx + b) * n;
                    // Down the columns: steps[4 b + a] = (Bᵀ d)[a][b].
                    for b in 0..4 {
                        let d = std::array::from_fn(|a| &self.lanes[at(a, b)..][..n]);
                        let out = rows_mut(self.steps, std::array::from_fn(|a| (4 * b + a) * n), n);
                        map_lanes(d, out, input_step);
                    }
                    // Along the rows: (Bᵀ d B)[a][b] into point 4 a + b.
                    let first = c * tiles + (ty * tw + tx) * n;
                    for a in 0..4 {
                        let t = std::array::from_fn(|b| &self.steps[(4 * b + a) * n..][..n]);
                        let starts = std::array::from_fn(|b| (4 * a + b) * stride + first);
                        map_lanes(t, rows_mut(self.input, starts, n), input_step);
                    }
                }
            }
        }
    }

    /// The transpose of [`Buffers::transform_inputs`]: `B dV Bᵀ` of each tile of
    /// [`Buffers::input`], summed where tiles overlap, into group `group`'s channels of the
    /// input gradient `dx` (`[images, c, h, w]`).
    fn transform_input_grads(&mut self, group: usize, g: &ConvGeometry, dx: &mut [T]) {
        let (th, tw) = tiles(g);
        let (pw, n, cg, plane) = (
            padded_sides(g).1,
            self.images,
            g.group_channels(),
            g.h * g.w,
        );
        let tiles = th * tw * n;
        let stride = cg * tiles;
        for c in 0..cg {
            self.lanes.fill(T::zero());
            for ty in 0..th {
                for tx in 0..tw {
                    let first = c * tiles + (ty * tw + tx) * n;
                    let (columns, rows) = self.steps.split_at_mut(POINTS * n);
                    // Down the columns: columns[4 b + a] = (B dV)[a][b].
                    for b in 0..4 {
                        let v = std::array::from_fn(|a| {
                            &self.input[(4 * a + b) * stride + first..][..n]
                        });
                        let out = rows_mut(columns, std::array::from_fn(|a| (4 * b + a) * n), n);
                        map_lanes(v, out, input_grad_step);
                    }
                    // Along the rows: rows[4 a + b] = (B dV Bᵀ)[a][b], added into the tile.
                    for a in 0..4 {
                        let t = std::array::from_fn(|b| &columns[(4 * b + a) * n..][..n]);
                        let out = rows_mut(rows, std::array::from_fn(|b| (4 * a + b) * n), n);
                        map_lanes(t, out, input_grad_step);
                        for b in 0..4 {
                            let at = ((2 * ty + a) * pw + 2 * tx + b) * n;
                            let sum = &mut self.lanes[at..][..n];
                            for (s, v) in sum.iter_mut().zip(&rows[(4 * a + b) * n..][..n]) {
                                *s += *v;
                            }
                        }
                    }
                }
            }
            for (i, image) in dx.chunks_exact_mut(g.in_image()).enumerate() {
                let dst = &mut image[(group * cg + c) * plane..][..plane];
                for (y, row) in dst.chunks_exact_mut(g.w).enumerate() {
                    for (x, v) in row.iter_mut().enumerate() {
                        *v = self.lanes[((y + 1) * pw + x + 1) * n + i];
                    }
                }
            }
        }
        self.lanes.fill(T::zero());
    }

    /// `Aᵀ M A` of each tile of [`Buffers::output`], plus the bias, through a ReLU if `relu`,
    /// into group `group`'s channels of `y` (`[images, o, oh, ow]`, the last tiles clipped).
    fn transform_outputs(
        &mut self,
        group: usize,
        g: &ConvGeometry,
        (bias, relu): (&[T], bool),
        y: &mut [T],
    ) {
        let (th, tw) = tiles(g);
        let (n, og) = (self.images, g.group_outputs());
        let tiles = th * tw * n;
        let stride = og * tiles;
        for o in 0..og {
            let channel = group * og + o;
            for ty in 0..th {
                for tx in 0..tw {
                    let first = o * tiles + (ty * tw + tx) * n;
                    let (columns, rows) = self.steps.split_at_mut(POINTS * n);
                    // Down the columns: columns[2 b + a] = (Aᵀ M)[a][b].
                    for b in 0..4 {
                        let m = std::array::from_fn(|a| {
                            &self.output[(4 * a + b) * stride + first..][..n]
                        });
                        let out = rows_mut(columns, [2 * b * n, (2 * b + 1) * n], n);
                        map_lanes(m, out, output_step);
                    }
                    // Along the rows: rows[2 a + b] = (Aᵀ M A)[a][b].
                    for a in 0..2 {
                        let t = std::array::from_fn(|b| &columns[(2 * b + a) * n..][..n]);
                        let out = rows_mut(rows, [2 * a * n, (2 * a + 1) * n], n);
                        map_lanes(t, out, output_step);
                    }
                    for (a, b) in [(0, 0), (0, 1), (1, 0), (1, 1)] {
                        let (yy, xx) = (2 * ty + a, 2 * tx + b);
                        if yy >= g.oh || xx >= g.ow {
                            continue;
                        }
                        let values = &rows[(2 * a + b) * n..][..n];
                        let at = channel * g.out_plane() + yy * g.ow + xx;
                        for (image, v) in y.chunks_exact_mut(g.out_image()).zip(values) {
                            let v = *v + bias[channel];
                            image[at] = if relu && v < T::zero() { T::zero() } else { v };
                        }
                    }
                }
            }
        }
    }

    /// The transpose of [`Buffers::transform_outputs`]: `A dY Aᵀ` of each 2x2 tile of the
    /// output gradient `grads` (`[o / groups, images * oh * ow]`, images side by side; zero
    /// past the edge) into [`Buffers::output`].
    fn transform_output_grads(&mut self, grads: &[T], g: &ConvGeometry) {
        let (th, tw) = tiles(g);
        let (n, og, cols) = (self.images, g.group_outputs(), g.out_plane());
        let tiles = th * tw * n;
        let stride = og * tiles;
        let width = n * cols;
        for o in 0..og {
            for ty in 0..th {
                for tx in 0..tw {
                    let (values, columns) = self.steps.split_at_mut(POINTS * n);
                    // The tile's four gradients, images as lanes: values[2 a + b].
                    for (a, b) in [(0, 0), (0, 1), (1, 0), (1, 1)] {
                        let (yy, xx) = (2 * ty + a, 2 * tx + b);
                        let lane = &mut values[(2 * a + b) * n..][..n];
                        if yy >= g.oh || xx >= g.ow {
                            lane.fill(T::zero());
                            continue;
                        }
                        for (i, v) in lane.iter_mut().enumerate() {
                            *v = grads[o * width + i * cols + yy * g.ow + xx];
                        }
                    }
                    // Down the columns: columns[4 b + a] = (A dY)[a][b].
                    for b in 0..2 {
                        let e = [&values[b * n..][..n], &values[(2 + b) * n..][..n]];
                        let out = rows_mut(columns, std::array::from_fn(|a| (4 * b + a) * n), n);
                        map_lanes(e, out, output_grad_step);
                    }
                    // Along the rows: (A dY Aᵀ)[a][b] into point 4 a + b.
                    let first = o * tiles + (ty * tw + tx) * n;
                    for a in 0..4 {
                        let t = [&columns[a * n..][..n], &columns[(4 + a) * n..][..n]];
                        let starts = std::array::from_fn(|b| (4 * a + b) * stride + first);
                        map_lanes(t, rows_mut(self.output, starts, n), output_grad_step);
                    }
                }
            }
        }
    }
}

/// `y = relu?(conv(x, w) + b)` for a few whole images `x`, from the transformed filters `u`
/// ([`transform_filters`]).
pub(super) fn forward_batch<T: WithDType + Scratch>(
    x: &[T],
    u: &[T],
    bias: (&[T], bool),
    g: &ConvGeometry,
    parallelism: Parallelism,
    y: &mut [T],
) {
    let (cg, og) = (g.group_channels(), g.group_outputs());
    let images = x.len() / g.in_image();
    let tiles = images * tiles_per_image(g);
    with_buffers(g, images, |mut buf: Buffers<T>| {
        for group in 0..g.groups {
            buf.transform_inputs(x, group, g);
            for point in 0..POINTS {
                // M[p] [og, tiles] = U[p]_g [og, cg] * V[p] [cg, tiles]
                matmul(
                    &mut buf.output[point * og * tiles..][..og * tiles],
                    tiles,
                    Strided::rows(&u[(point * g.o + group * og) * cg..][..og * cg], cg),
                    Strided::rows(&buf.input[point * cg * tiles..][..cg * tiles], tiles),
                    (og, tiles, cg),
                    false,
                    parallelism,
                );
            }
            buf.transform_outputs(group, g, bias, y);
        }
    })
}

/// The input and filter gradients of group `group` for a few whole images `x`, from `grads`
/// (`[o / groups, images * oh * ow]`, the group's output gradient, images side by side): the
/// input gradient into `dx` (`[images, c, h, w]`) from the transformed filters `u`, when
/// given; the transform-domain filter gradient added to `du` (`[16][o][c / groups]`), when
/// given.
pub(super) fn backward_group<T: WithDType + Scratch>(
    grads: &[T],
    x: &[T],
    group: usize,
    g: &ConvGeometry,
    parallelism: Parallelism,
    dx: Option<(&mut [T], &[T])>,
    du: Option<&mut [T]>,
) {
    let (cg, og) = (g.group_channels(), g.group_outputs());
    let images = x.len() / g.in_image();
    let tiles = images * tiles_per_image(g);
    with_buffers(g, images, |mut buf: Buffers<T>| {
        buf.transform_output_grads(grads, g);
        if let Some((dx, u)) = dx {
            for point in 0..POINTS {
                // dV[p] [cg, tiles] = U[p]_g^T [cg, og] * dM[p] [og, tiles]
                matmul(
                    &mut buf.input[point * cg * tiles..][..cg * tiles],
                    tiles,
                    Strided::cols(&u[(point * g.o + group * og) * cg..][..og * cg], cg),
                    Strided::rows(&buf.output[point * og * tiles..][..og * tiles], tiles),
                    (cg, tiles, og),
                    false,
                    parallelism,
                );
            }
            buf.transform_input_grads(group, g, dx);
        }
        if let Some(du) = du {
            buf.transform_inputs(x, group, g);
            for point in 0..POINTS {
                // dU[p]_g [og, cg] += dM[p] [og, tiles] * V[p]^T [tiles, cg]
                matmul(
                    &mut du[(point * g.o + group * og) * cg..][..og * cg],
                    cg,
                    Strided::rows(&buf.output[point * og * tiles..][..og * tiles], tiles),
                    Strided::cols(&buf.input[point * cg * tiles..][..cg * tiles], tiles),
                    (og, cg, tiles),
                    true,
                    parallelism,
                );
            }
        }
    })
}
