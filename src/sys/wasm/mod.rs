//! The browser backend: threads are Web Workers sharing this module's memory. How the worker
//! pool, the coordinator and the page fit together: `www/bridge/README.md`.

mod host;
pub(crate) mod pool;

use std::cell::Cell;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::time::Duration;

pub(crate) use pool::spawn;

thread_local! {
    static CAN_BLOCK: Cell<Option<bool>> = const { Cell::new(None) };
}

/// Only workers may wait: on the page, `memory.atomic.wait32` traps.
#[inline]
pub(crate) fn can_block() -> bool {
    CAN_BLOCK.with(|c| match c.get() {
        Some(b) => b,
        None => {
            let b = host::is_worker();
            c.set(Some(b));
            b
        }
    })
}

/// Milliseconds since the Unix epoch, on a clock shared by all workers of the page.
pub(crate) fn now() -> Duration {
    Duration::from_secs_f64(host::now_ms().max(0.0) / 1000.0)
}

/// The pooled worker's number (1, 2, ...); 0 for the page or the agent that started the pool.
pub(crate) fn native_id() -> u64 {
    u64::from(pool::worker_number())
}

/// The agent that first asks and is not a pooled worker: the page, or a test runner's worker.
pub(crate) fn is_main_thread() -> bool {
    static CLAIMED: AtomicBool = AtomicBool::new(false);
    thread_local!(static IS_MAIN: Cell<bool> = const { Cell::new(false) });
    if pool::worker_number() != 0 {
        return false;
    }
    IS_MAIN.with(|m| {
        if !m.get() && !CLAIMED.swap(true, Relaxed) {
            m.set(true);
        }
        m.get()
    })
}

pub(crate) fn report_error(text: &str) {
    host::console_error(text);
}

pub(crate) use host::{coordinator_url, glue_url, start_coordinator, worker_url};
