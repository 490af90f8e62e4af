//! Process-wide setting of the C allocator for training on the CPU.

/// Makes glibc's `malloc` keep freed memory for reuse instead of handing it back to the
/// operating system; returns whether the setting was applied (on glibc only).
///
/// A training step frees and allocates again the same few dozen MiB of tensors at every
/// iteration. By default glibc unmaps large blocks as soon as they are freed and trims the top
/// of its heaps, so every step pays for the page faults of getting that memory back (a fifth of
/// an `alexnet-32` step on 2 cores; see `docs/performance.md`). With this setting, blocks below
/// 32 MiB come from the heap and the heap is never trimmed: peak memory does not grow, since the
/// same blocks are reused step after step.
///
/// The setting belongs to the whole process, so a library never applies it on its own: call it
/// once at the start of a program that trains (the `xtask` command line and the benchmarks
/// do). It changes how memory is obtained, never a computed value.
pub fn retain_freed_memory() -> bool {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        /// Largest block served from the heap rather than by its own `mmap` (glibc's cap).
        const MMAP_THRESHOLD: libc::c_int = 32 << 20;
        // SAFETY: `mallopt` only changes allocator parameters, with values glibc accepts.
        unsafe {
            libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD) == 1
                && libc::mallopt(libc::M_TRIM_THRESHOLD, libc::c_int::MAX) == 1
        }
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    {
        false
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn glibc_accepts_the_setting() {
        let applied = super::retain_freed_memory();
        assert_eq!(applied, cfg!(all(target_os = "linux", target_env = "gnu")));
        let block = vec![1u8; 40 << 20];
        assert_eq!(
            block.iter().map(|b| usize::from(*b)).sum::<usize>(),
            40 << 20
        );
    }
}
