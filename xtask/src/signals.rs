//! Stopping cleanly: SIGINT (Ctrl-C), SIGTERM and SIGUSR1 ask the running cell to checkpoint
//! and return; a second SIGINT ends the process at once; output into a closed pipe ends it
//! quietly.

use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use anyhow::Result;
use signal_hook::consts::{SIGINT, SIGTERM, SIGUSR1};

/// Exit status of a command that checkpointed and stopped on a signal (non-zero, so that a
/// scheduler requeues the task).
pub const INTERRUPTED_EXIT: u8 = 75;

/// A flag raised by SIGINT, SIGTERM or SIGUSR1.
pub fn stop_flag() -> Result<Arc<AtomicBool>> {
    let stop = Arc::new(AtomicBool::new(false));
    // A second Ctrl-C while the first one is being handled exits immediately.
    signal_hook::flag::register_conditional_shutdown(SIGINT, 130, stop.clone())?;
    for signal in [SIGINT, SIGTERM, SIGUSR1] {
        signal_hook::flag::register(signal, stop.clone())?;
    }
    Ok(stop)
}

/// Output into a closed pipe (`cargo xtask findings | head`) ends the process quietly, as it
/// ends other Unix tools, instead of a panic in `println!` (Rust ignores SIGPIPE by default).
pub fn quiet_broken_pipe() {
    #[cfg(unix)]
    // SAFETY: called first thing in `main`, before any other thread starts; SIG_DFL is a
    // valid disposition for SIGPIPE.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}
