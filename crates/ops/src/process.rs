//! Process-wide settings for training on the CPU.

/// The spin limit given to candle's worker threads (see [`prepare_cpu_process`]).
const CANDLE_SPIN_LIMIT: &str = "1000";

/// What [`prepare_cpu_process`] changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CpuProcessSettings {
    /// glibc's `malloc` keeps freed memory for reuse (false on other C libraries).
    pub retain_freed_memory: bool,
    /// candle's worker threads spin briefly before sleeping (false when the environment
    /// already set `CANDLE_BARRIER_POOL_SPIN_LIMIT`, which is then left as it is).
    pub short_candle_spin: bool,
}

/// Sets up this process for training on the CPU; call it first thing in `main`, before any
/// thread or tensor exists (the `xtask` command line and the benchmarks do). Neither setting
/// changes a computed value, only how fast they come.
///
/// - glibc's `malloc` keeps freed memory for reuse instead of handing it back to the operating
///   system. A training step frees and allocates again the same few dozen MiB of tensors at
///   every iteration; by default glibc unmaps large blocks as soon as they are freed and trims
///   its heaps, so every step paid for the page faults of getting the memory back (a fifth of
///   an `alexnet-32` step on 2 cores). With blocks below 32 MiB served from a never-trimmed
///   heap, peak memory does not grow: the same blocks are reused step after step.
/// - candle's element-wise ops run on a pool of worker threads that, by default, spin 25,000
///   times after each op waiting for the next one. Between candle ops this project's own
///   kernels run on rayon's threads, and the spinning took a core from them (8% of the CPU
///   time of a step); `CANDLE_BARRIER_POOL_SPIN_LIMIT` is set to 1,000 unless already set.
pub fn prepare_cpu_process() -> CpuProcessSettings {
    let short_candle_spin = std::env::var_os("CANDLE_BARRIER_POOL_SPIN_LIMIT").is_none();
    if short_candle_spin {
        std::env::set_var("CANDLE_BARRIER_POOL_SPIN_LIMIT", CANDLE_SPIN_LIMIT);
    }
    CpuProcessSettings {
        retain_freed_memory: retain_freed_memory(),
        short_candle_spin,
    }
}

/// Asks glibc's `malloc` to serve blocks below 32 MiB from its heap and never trim it; returns
/// whether glibc accepted (false on other C libraries).
fn retain_freed_memory() -> bool {
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
    use super::*;

    #[test]
    fn glibc_accepts_the_allocator_setting() {
        assert_eq!(
            retain_freed_memory(),
            cfg!(all(target_os = "linux", target_env = "gnu"))
        );
        let block = vec![1u8; 40 << 20];
        assert_eq!(
            block.iter().map(|b| usize::from(*b)).sum::<usize>(),
            40 << 20
        );
    }
}
