//! The matrix products of the CPU convolution and how its work is cut: [`matmul`] over strided
//! views with the `gemm` crate, the split of a batch into parallel chunks and gemm batches, and
//! the [`Workspace`] a thread runs its batches in.

use candle_core::WithDType;
use gemm::Parallelism;

use super::conv_geometry::{ConvGeometry, Patches};
use super::scratch::Scratch;

/// A row-major-or-strided view of a matrix for [`matmul`]: data, row stride, column stride.
pub(super) struct Strided<'a, T> {
    data: &'a [T],
    rs: usize,
    cs: usize,
}

impl<'a, T> Strided<'a, T> {
    /// A matrix stored row by row, rows `rs` elements apart.
    pub(super) fn rows(data: &'a [T], rs: usize) -> Self {
        Self { data, rs, cs: 1 }
    }

    /// A matrix stored column by column, columns `cs` elements apart (a transposed view).
    pub(super) fn cols(data: &'a [T], cs: usize) -> Self {
        Self { data, rs: 1, cs }
    }

    fn check(&self, rows: usize, cols: usize) {
        let last = (rows - 1) * self.rs + (cols - 1) * self.cs;
        assert!(last < self.data.len(), "conv2d: matrix view out of bounds");
    }
}

/// `dst [m, n] (row-major, row stride dst_rs) (+)= lhs [m, k] * rhs [k, n]`; with `accumulate`
/// unset, `dst` is only written, never read.
pub(super) fn matmul<T: WithDType>(
    dst: &mut [T],
    dst_rs: usize,
    lhs: Strided<T>,
    rhs: Strided<T>,
    (m, n, k): (usize, usize, usize),
    accumulate: bool,
    parallelism: Parallelism,
) {
    if m == 0 || n == 0 || k == 0 {
        return;
    }
    assert!(
        (m - 1) * dst_rs + n <= dst.len(),
        "conv2d: output view out of bounds"
    );
    lhs.check(m, k);
    rhs.check(k, n);
    // SAFETY: the three views were checked to lie inside their slices, `dst` is borrowed
    // mutably and does not alias the shared `lhs` and `rhs`; T is f32 or f64 (checked by the
    // callers' dtype match), which gemm supports.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            dst.as_mut_ptr(),
            1,
            dst_rs as isize,
            accumulate,
            lhs.data.as_ptr(),
            lhs.cs as isize,
            lhs.rs as isize,
            rhs.data.as_ptr(),
            rhs.cs as isize,
            rhs.rs as isize,
            T::one(),
            T::one(),
            false,
            false,
            false,
            parallelism,
        )
    }
}

/// Images per parallel chunk and the gemm parallelism of each chunk. The batch is cut into
/// [`CHUNKS`] chunks whatever the number of threads: the weight and bias gradients are summed
/// chunk by chunk in chunk order, so a fixed cut gives the same sums, to the last bit, on one
/// thread or on many. Threads beyond the chunks go to each chunk's matrix products, which
/// split their rows and columns, never the sum over `k`.
pub(super) fn split(n: usize) -> (usize, Parallelism) {
    let threads = rayon::current_num_threads().max(1);
    let per = n.div_ceil(n.clamp(1, CHUNKS)).max(1);
    let chunks = n.div_ceil(per).max(1);
    let parallelism = if threads > chunks {
        Parallelism::Rayon(threads.div_ceil(chunks))
    } else {
        Parallelism::None
    };
    (per, parallelism)
}

/// Parallel chunks of a batch (see [`split`]): enough for work stealing to even out two
/// threads slowed by other processes, few enough that each chunk's weight-gradient partial
/// stays small.
const CHUNKS: usize = 8;

/// Most elements of one thread's column buffer: images are batched into one gemm (wider
/// matrices run faster) until their columns reach this size, 512 KiB of f32, so that the
/// columns im2col writes are still in a 1 MiB L2 cache when gemm reads them (a step of
/// `alexnet-32` ran about 10% faster than with 16 MiB buffers).
const COLUMN_BUDGET: usize = 1 << 17;

/// Images per gemm for this geometry: as many as fit [`COLUMN_BUDGET`], at most `per`.
pub(super) fn batch_size(g: &ConvGeometry, per: usize) -> usize {
    (COLUMN_BUDGET / (g.col_rows() * g.out_plane()).max(1)).clamp(1, per.max(1))
}

/// What one thread works in while it runs gemm batches of a convolution: the im2col state,
/// the columns of one batch (`col`), a second buffer of `o / groups * out_plane` per image
/// (`other`: the products of the forward pass, the gathered output gradient of the backward
/// pass), and the gemm parallelism.
pub(super) struct Workspace<'a, T> {
    pub(super) patches: Patches<T>,
    pub(super) col: &'a mut [T],
    pub(super) other: &'a mut [T],
    pub(super) parallelism: Parallelism,
}

/// Runs `f` in a [`Workspace`] for `batch` images of geometry `g`, on this thread's scratch;
/// without `columns`, its column buffer is empty (a Winograd batch needs only `other`).
pub(super) fn with_workspace<T: WithDType + Scratch, R>(
    g: &ConvGeometry,
    (batch, columns): (usize, bool),
    parallelism: Parallelism,
    f: impl FnOnce(&mut Workspace<T>) -> R,
) -> R {
    let col_len = if columns {
        g.col_rows() * g.out_plane() * batch
    } else {
        0
    };
    let other_len = g.group_outputs() * g.out_plane() * batch;
    T::with_scratch(col_len + other_len, |scratch| {
        let (col, other) = scratch.split_at_mut(col_len);
        f(&mut Workspace {
            patches: Patches::new(g),
            col,
            other,
            parallelism,
        })
    })
}
