//! wasm32 backend of the seam: `memory.atomic.wait32` / `memory.atomic.notify` on the shared
//! linear memory. Waiting is only possible in a Web Worker; on the page's main thread the
//! instruction traps, so `wait` refuses there (see `can_block`).

use super::WaitOutcome;
use crate::primitive::AtomicU32;
use core::arch::wasm32;
use core::time::Duration;

pub fn wait(word: &AtomicU32, expected: u32, timeout: Option<Duration>) -> WaitOutcome {
    if !crate::sys::can_block() {
        // Primitives check before waiting; this is the safety net (a spurious wake-up).
        return WaitOutcome::Woken;
    }
    let nanos = match timeout {
        // Negative means forever for the instruction; huge timeouts saturate to ~292 years.
        None => -1,
        Some(d) => i64::try_from(d.as_nanos()).unwrap_or(i64::MAX),
    };
    // SAFETY: `word` is a live, aligned 32-bit atomic in the shared linear memory (we hold a
    // reference for the whole call); the instruction only reads it atomically.
    let r =
        unsafe { wasm32::memory_atomic_wait32(word.as_ptr() as *mut i32, expected as i32, nanos) };
    // 0 = woken, 1 = value differed, 2 = timed out.
    if r == 2 {
        WaitOutcome::TimedOut
    } else {
        WaitOutcome::Woken
    }
}

pub fn wake_one(word: &AtomicU32) {
    // SAFETY: the pointer comes from a live reference; notify does not dereference it.
    unsafe {
        wasm32::memory_atomic_notify(word.as_ptr() as *mut i32, 1);
    }
}

pub fn wake_all(word: &AtomicU32) {
    // SAFETY: as in `wake_one`.
    unsafe {
        wasm32::memory_atomic_notify(word.as_ptr() as *mut i32, u32::MAX);
    }
}
