//! Memory for the CPU kernels: per-thread scratch buffers, and zeroed outputs.
//!
//! A training step runs every convolution three times (forward, input and weight gradient), and
//! each call needs column matrices of a few MiB per thread. Allocating them afresh made the
//! allocator zero them and hand them back to the operating system at every call (page faults
//! took a tenth of a step); instead each thread keeps one buffer per element type and reuses it.

use std::cell::Cell;
use std::thread::LocalKey;

use rayon::prelude::*;

thread_local! {
    static F32: Cell<Vec<f32>> = const { Cell::new(Vec::new()) };
    static F64: Cell<Vec<f64>> = const { Cell::new(Vec::new()) };
}

/// Element types with a per-thread scratch buffer.
pub(super) trait Scratch: Copy + Default + 'static {
    /// Runs `f` on this thread's scratch buffer of `len` elements. The contents are whatever an
    /// earlier call left there: `f` must write every element before reading it.
    fn with_scratch<R>(len: usize, f: impl FnOnce(&mut [Self]) -> R) -> R;
}

impl Scratch for f32 {
    fn with_scratch<R>(len: usize, f: impl FnOnce(&mut [Self]) -> R) -> R {
        with(&F32, len, f)
    }
}

impl Scratch for f64 {
    fn with_scratch<R>(len: usize, f: impl FnOnce(&mut [Self]) -> R) -> R {
        with(&F64, len, f)
    }
}

/// Takes the buffer out of its slot for the duration of `f` (a call nested through rayon's work
/// stealing then finds the slot empty and allocates its own), grows it to `len` if needed, and
/// puts back the larger of it and whatever a nested call left.
fn with<T: Copy + Default + 'static, R>(
    slot: &'static LocalKey<Cell<Vec<T>>>,
    len: usize,
    f: impl FnOnce(&mut [T]) -> R,
) -> R {
    let mut buffer = slot.take();
    if buffer.len() < len {
        buffer.resize(len, T::default());
    }
    let result = f(&mut buffer[..len]);
    slot.with(|cell| {
        let other = cell.take();
        cell.set(if other.len() > buffer.len() {
            other
        } else {
            buffer
        });
    });
    result
}

/// A zeroed vector of `len` elements, written by all threads: a large output allocated with
/// `vec![0; len]` is zeroed by the calling thread alone, while the kernel that fills it next
/// runs on all of them.
pub(super) fn zeros<T: Copy + Default + Send + Sync>(len: usize) -> Vec<T> {
    let mut out = Vec::with_capacity(len);
    out.par_extend(rayon::iter::repeat_n(T::default(), len));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_buffer_is_kept_between_calls_and_grows() {
        let first = f32::with_scratch(16, |b| {
            b.fill(3.0);
            b.as_ptr() as usize
        });
        let again = f32::with_scratch(8, |b| {
            assert_eq!(b.len(), 8);
            assert!(b.iter().all(|v| *v == 3.0), "the same memory comes back");
            b.as_ptr() as usize
        });
        assert_eq!(first, again);
        f32::with_scratch(1 << 12, |b| assert_eq!(b.len(), 1 << 12));
    }

    #[test]
    fn zeros_are_zeros() {
        let v: Vec<f32> = zeros(100_003);
        assert_eq!(v.len(), 100_003);
        assert!(v.iter().all(|x| *x == 0.0));
    }

    #[test]
    fn a_nested_call_gets_its_own_buffer() {
        f64::with_scratch(4, |outer| {
            outer.fill(1.0);
            f64::with_scratch(4, |inner| {
                inner.fill(2.0);
            });
            assert!(outer.iter().all(|v| *v == 1.0));
        });
    }
}
