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
//! # Two kinds of words
//! The functions above are the **private** kind: the word lives in this process's own memory
//! (a `static`, the heap, a stack), and only this process's threads wait on it. The
//! [`shared`] module is the **shared** kind, the same three calls for a word inside a
//! [`SharedRegion`](crate::sys::region::SharedRegion): memory mapped by several processes,
//! where a thread of one process waits and a thread of another wakes it.
//!
//! | kind    | where the word lives                 | Linux                              | elsewhere |
//! |---------|--------------------------------------|------------------------------------|-----------|
//! | private | this process's memory                | `FUTEX_WAIT/WAKE_PRIVATE`          | see above |
//! | shared  | a `MAP_SHARED` region, any process   | `FUTEX_WAIT/WAKE` (no private flag) | not yet (the browser's will be `Atomics.wait`/`notify` on a SharedArrayBuffer) |
//!
//! An algorithm never mixes the kinds on one word: a wake of one kind does not reach a waiter
//! of the other. `sys/region/README.md` says how the algorithms in `algo/` will run over
//! either kind without a second copy.
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
//!
//! The shared kind promises no more than the private kind, and gives up three more things:
//! - **Liveness of the other side.** A process that dies while others wait on a word wakes
//!   nobody: the kernel does not know what the word meant. Whoever waits on a word another
//!   process changes must bound its waits and check that process some other way (the pipe in
//!   `crate::ipc` waits in slices and checks a socket the kernel closes at death).
//! - **Trust.** The other process can write any value into the word at any time. Callers
//!   treat every value they read as untrusted input (bounds, invariants) and never let it
//!   size an allocation or index memory unchecked.
//! - **A portable fallback.** Only Linux has it natively; the parking table cannot reach
//!   another process, so `portable-seam` leaves the shared kind on the futex.

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

// Linux's futex serves the private kind unless `portable-seam` asks for the parking table,
// and always serves the shared kind.
#[cfg(target_os = "linux")]
mod linux;
#[cfg(all(target_os = "linux", not(feature = "portable-seam")))]
use linux as imp;

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

/// The seam's shared kind: the same three calls, for words in memory mapped by several
/// processes (a [`SharedRegion`](crate::sys::region::SharedRegion)). See the module docs for
/// what this kind does not promise.
#[cfg(target_os = "linux")]
pub mod shared {
    use super::WaitOutcome;
    use crate::primitive::AtomicU32;
    use core::time::Duration;

    /// Blocks while `word` holds `expected`, up to `timeout` (`None`: forever). `word` may be
    /// in a region another process maps; its waker may be in that process.
    #[inline]
    pub fn wait(word: &AtomicU32, expected: u32, timeout: Option<Duration>) -> WaitOutcome {
        super::linux::wait_shared(word, expected, timeout)
    }

    /// Wakes one thread, of any process, blocked in [`wait`] on `word`. Never blocks.
    #[inline]
    pub fn wake_one(word: &AtomicU32) {
        super::linux::wake_one_shared(word)
    }

    /// Wakes every thread, of every process, blocked in [`wait`] on `word`. Never blocks.
    #[inline]
    pub fn wake_all(word: &AtomicU32) {
        super::linux::wake_all_shared(word)
    }
}

/// Whether the calling thread may block. False only on the browser's main thread.
#[inline]
pub fn can_block() -> bool {
    crate::sys::can_block()
}
