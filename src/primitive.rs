//! The atomics and locks the algorithms in `algo/` are written against, re-exported in one
//! place (crossbeam's and tokio's pattern). `tests/loom.rs` compiles those same algorithm files
//! with its own `primitive` module, whose names point at loom's model-checked types.

pub(crate) use core::sync::atomic::{
    AtomicBool, AtomicPtr, AtomicU32, AtomicU64, AtomicUsize, Ordering,
};

pub(crate) use std::thread::yield_now;

/// `UnsafeCell` with loom's closure API (`with`, `with_mut`), so that under loom every access
/// to a cell is checked for data races; natively the closures compile to plain pointer use.
pub(crate) struct UnsafeCell<T>(core::cell::UnsafeCell<T>);

impl<T> UnsafeCell<T> {
    pub(crate) fn new(value: T) -> UnsafeCell<T> {
        UnsafeCell(core::cell::UnsafeCell::new(value))
    }

    /// Runs `f` with a shared raw pointer to the value.
    #[inline(always)]
    pub(crate) fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
        f(self.0.get())
    }

    /// Runs `f` with a mutable raw pointer to the value.
    #[inline(always)]
    pub(crate) fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
        f(self.0.get())
    }
}
#[cfg(all(
    not(target_arch = "wasm32"),
    any(not(target_os = "linux"), feature = "portable-seam")
))]
pub(crate) use std::sync::{Condvar, Mutex};

/// How many times a waiter re-reads its condition before it parks (`algo/spin.rs`).
/// `tests/loom.rs` sets its own, tiny value to keep the models small.
pub(crate) const SPINS: u32 = 200;

/// How many rounds of `spin::Backoff` a putter on a full FIFO queue waits before it parks
/// (`algo/fifo_core.rs`): about 10 µs of growing spins, then yields.
pub(crate) const PUT_BACKOFF_ROUNDS: u32 = 10;

/// How many times a locker re-reads a `LOCKED` word before it parks. The holder of a short
/// critical section on the other core usually releases within this window, and a park + wake
/// round trip costs 15-30 µs on the VMs we measured. (std spins 100 times; with 100 the queue's
/// SPSC throughput was 4-7 M items/s here, with 1000 it reached 10-20 M: `benches/queue.rs`.)
pub(crate) const LOCK_SPINS: u32 = 1000;
