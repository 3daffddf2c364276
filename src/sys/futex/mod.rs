//! The seam: every blocking primitive in this crate is written once over these three calls.
//!
//! ```text
//! wait(word, expected, timeout)   block while `word` holds `expected` (or until the timeout)
//! wake_one(word)                  wake at least one thread waiting on `word`, if any
//! wake_all(word)                  wake every thread waiting on `word`
//! ```
//!
//! One file per platform implements them:
//!
//! | platform                          | file               | mechanism                              |
//! |-----------------------------------|--------------------|----------------------------------------|
//! | Linux                             | `linux.rs`         | `futex(FUTEX_WAIT/WAKE_PRIVATE)`       |
//! | wasm32 with atomics (Web Workers) | `wasm.rs`          | `memory.atomic.wait32` / `notify`      |
//! | every other OS, or feature `portable-seam` | `parking_table.rs` | a hashed table of std `Mutex` + `Condvar` |
//! | loom models (`tests/loom.rs` only) | `loom.rs` | bookkeeping loom does not see; exactly this contract |
//!
//! # What the seam promises
//! - **No lost wake-up.** `wait` compares the word and starts waiting in one step with respect
//!   to `wake_*` on the same word: a wake that comes after the compare wakes the waiter, and a
//!   compare that comes after a wake sees what the waking thread wrote to the word before it.
//!
//! # What the seam does NOT promise
//! - **Spurious wake-ups.** `wait` may return [`WaitOutcome::Woken`] although nobody called
//!   `wake_*` and the word still holds `expected`. Callers re-check their condition in a loop.
//! - **Fairness or order.** `wake_one` wakes *some* waiter, not the oldest one.
//! - **Exact timeouts.** A timed wait may return a little late (scheduling), never early by
//!   more than the clock's resolution. Callers that need a deadline keep their own.
//! - **Blocking everywhere.** The browser's main thread cannot wait. Primitives check
//!   [`can_block`] before calling `wait` and return a typed error instead; calling `wait` there
//!   anyway returns at once, as a spurious wake-up (never a trap).
//! - **Memory ordering.** The seam orders nothing. Primitives use Acquire/Release on their own
//!   state word; `wait` only compares the value, and being woken is no happens-before edge
//!   from the waker (the loom seam checks that no algorithm relies on one).

use crate::primitive::AtomicU32;
use core::time::Duration;

/// How a [`wait`] ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WaitOutcome {
    /// Woken by `wake_*`, or the value already differed, or a spurious wake-up.
    Woken,
    /// The timeout passed.
    TimedOut,
}

#[cfg(all(target_os = "linux", not(feature = "portable-seam")))]
#[path = "linux.rs"]
mod imp;

#[cfg(target_arch = "wasm32")]
#[path = "wasm.rs"]
mod imp;

#[cfg(all(
    not(target_arch = "wasm32"),
    any(not(target_os = "linux"), feature = "portable-seam")
))]
#[path = "parking_table.rs"]
mod imp;

/// Stress-test knob of the portable seam: see `parking_table.rs`.
#[cfg(all(
    not(target_arch = "wasm32"),
    any(not(target_os = "linux"), feature = "portable-seam")
))]
pub use imp::inject_spurious_wakeups;

/// Blocks while `word` holds `expected`, up to `timeout` (`None`: forever).
#[inline]
pub fn wait(word: &AtomicU32, expected: u32, timeout: Option<Duration>) -> WaitOutcome {
    imp::wait(word, expected, timeout)
}

/// Wakes one thread blocked in [`wait`] on `word`. Never blocks.
#[inline]
pub fn wake_one(word: &AtomicU32) {
    imp::wake_one(word)
}

/// Wakes every thread blocked in [`wait`] on `word`. Never blocks.
#[inline]
pub fn wake_all(word: &AtomicU32) {
    imp::wake_all(word)
}

/// Whether the calling thread may block. False only on the browser's main thread.
#[inline]
pub fn can_block() -> bool {
    crate::sys::can_block()
}
