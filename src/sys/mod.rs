//! Everything platform-specific lives under `sys/`: the futex seam, the clock, and how a new
//! thread gets something to run on. Primitives use only these functions.

pub mod futex;

#[cfg(not(target_arch = "wasm32"))]
mod native;
#[cfg(not(target_arch = "wasm32"))]
use native::spawn as spawn_os;
#[cfg(not(target_arch = "wasm32"))]
pub(crate) use native::{
    can_block, is_main_thread, native_id, now, report_error, set_current_os_name,
};

#[cfg(target_arch = "wasm32")]
pub(crate) mod wasm;
#[cfg(target_arch = "wasm32")]
use wasm::spawn as spawn_os;
#[cfg(target_arch = "wasm32")]
pub(crate) use wasm::{can_block, is_main_thread, native_id, now, report_error};

/// A worker has no OS-level name to change.
#[cfg(target_arch = "wasm32")]
pub(crate) fn set_current_os_name(_name: &str) {}

use std::cell::Cell;

thread_local! {
    /// How many more thread starts made by this thread must fail ([`fail_next_spawns`]).
    static FAIL_SPAWNS: Cell<u32> = const { Cell::new(0) };
}

/// Makes the next `n` thread starts made *by the calling thread* fail as if the OS (or, in a
/// browser, the worker pool) refused to run another thread: `Thread::start` then returns
/// [`crate::Error::SpawnFailed`]. `0` cancels what is left.
///
/// For tests of that path, as [`futex::inject_spurious_wakeups`] is for wake-ups: CPython's
/// own tests (TH-12, TH-13) make the OS refuse with `RLIMIT_NPROC = 0`, which root ignores.
/// Only the calling thread is affected, so tests running in parallel are not.
pub fn fail_next_spawns(n: u32) {
    let _ = FAIL_SPAWNS.try_with(|c| c.set(n));
}

/// Takes one injected failure, if the calling thread has any left.
fn injected_failure() -> bool {
    FAIL_SPAWNS
        .try_with(|c| match c.get() {
            0 => false,
            n => {
                c.set(n - 1);
                true
            }
        })
        .unwrap_or(false)
}

/// Runs `job` on a new OS thread (natively) or a pooled worker (in a browser), named `name`
/// where the platform keeps names.
pub(crate) fn spawn(name: &str, job: Box<dyn FnOnce() + Send>) -> Result<(), String> {
    if injected_failure() {
        return Err("refused on purpose (sys::fail_next_spawns)".to_owned());
    }
    spawn_os(name, job)
}
