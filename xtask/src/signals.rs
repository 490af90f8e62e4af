//! Stopping cleanly: SIGINT (Ctrl-C), SIGTERM and SIGUSR1 ask the running cell to checkpoint
//! and return; a second SIGINT ends the process at once.

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
