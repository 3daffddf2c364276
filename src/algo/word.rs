//! What the state machines in `algo/` run on: a 32-bit **word** that offers the atomic
//! operations they use plus the seam's three calls (`wait`, `wake_one`, `wake_all`).
//!
//! The algorithms are generic over it, with this process's own `AtomicU32` and the private
//! futex as the default, so every primitive of `threading` compiles to what it did before the
//! trait existed (the impl below is a list of `#[inline(always)]` forwards). Other kinds of
//! word run the same algorithm, unchanged:
//!
//! | kind              | type                                   | atomics           | wait / wake                    |
//! |-------------------|----------------------------------------|-------------------|--------------------------------|
//! | private (default) | `AtomicU32` (a field of the primitive) | its own           | `sys::futex::{wait, wake_*}`   |
//! | shared            | `sys::region::SharedWord<'r>`: a word at an offset of a `SharedRegion` | the region's `AtomicU32` | `sys::futex::shared::*` |
//! | loom models       | `tests/loom.rs`'s `AtomicU32`           | loom's            | the loom seam                  |
//!
//! Why a *word* trait rather than a *seam* trait (a type parameter choosing only the
//! futex kind): in the browser a region shared between processes is a `SharedArrayBuffer` that
//! is not the instance's own memory, so no `&AtomicU32` into it exists; there the word's atomic
//! operations themselves must be calls (`Atomics.*`), and this trait lets them be.
//!
//! [`Word64`] is the same for the one 64-bit word an algorithm keeps (an RLock's owner): only
//! loads, stores and a compare-exchange, never waited on.
//!
//! This file is compiled by `tests/loom.rs` too, where `crate::primitive::AtomicU32` and
//! `crate::sys::futex` are loom's, so the models check the algorithms through this trait.

use crate::primitive::{AtomicU32, AtomicU64, Ordering};
use crate::sys::futex::{self, WaitOutcome};
use core::time::Duration;

/// A 32-bit word an algorithm can keep its state in and wait on. The atomic operations have
/// the meaning of `core::sync::atomic::AtomicU32`'s; `wait`/`wake_*` the seam's (see
/// `sys/futex/mod.rs`: no lost wake-up, spurious wake-ups allowed, no ordering).
pub(crate) trait Word {
    fn load(&self, order: Ordering) -> u32;
    fn store(&self, value: u32, order: Ordering);
    fn swap(&self, value: u32, order: Ordering) -> u32;
    fn compare_exchange(
        &self,
        current: u32,
        new: u32,
        success: Ordering,
        failure: Ordering,
    ) -> Result<u32, u32>;
    fn compare_exchange_weak(
        &self,
        current: u32,
        new: u32,
        success: Ordering,
        failure: Ordering,
    ) -> Result<u32, u32>;
    fn fetch_update<F: FnMut(u32) -> Option<u32>>(
        &self,
        set_order: Ordering,
        fetch_order: Ordering,
        f: F,
    ) -> Result<u32, u32>;
    fn fetch_add(&self, value: u32, order: Ordering) -> u32;
    fn fetch_sub(&self, value: u32, order: Ordering) -> u32;
    fn fetch_and(&self, value: u32, order: Ordering) -> u32;
    /// Blocks while the word holds `expected`, up to `timeout` (`None`: forever).
    fn wait(&self, expected: u32, timeout: Option<Duration>) -> WaitOutcome;
    /// Wakes at least one thread blocked in [`Word::wait`] on this word, if any.
    fn wake_one(&self);
    /// Wakes every thread blocked in [`Word::wait`] on this word.
    fn wake_all(&self);
}

/// A 64-bit word an algorithm keeps beside its [`Word`]s (loads, stores, one CAS; no waits).
pub(crate) trait Word64 {
    fn load(&self, order: Ordering) -> u64;
    fn store(&self, value: u64, order: Ordering);
    fn compare_exchange(
        &self,
        current: u64,
        new: u64,
        success: Ordering,
        failure: Ordering,
    ) -> Result<u64, u64>;
}

/// The private kind: this process's own atomic and the private futex.
impl Word for AtomicU32 {
    #[inline(always)]
    fn load(&self, order: Ordering) -> u32 {
        AtomicU32::load(self, order)
    }
    #[inline(always)]
    fn store(&self, value: u32, order: Ordering) {
        AtomicU32::store(self, value, order)
    }
    #[inline(always)]
    fn swap(&self, value: u32, order: Ordering) -> u32 {
        AtomicU32::swap(self, value, order)
    }
    #[inline(always)]
    fn compare_exchange(
        &self,
        current: u32,
        new: u32,
        success: Ordering,
        failure: Ordering,
    ) -> Result<u32, u32> {
        AtomicU32::compare_exchange(self, current, new, success, failure)
    }
    #[inline(always)]
    fn compare_exchange_weak(
        &self,
        current: u32,
        new: u32,
        success: Ordering,
        failure: Ordering,
    ) -> Result<u32, u32> {
        AtomicU32::compare_exchange_weak(self, current, new, success, failure)
    }
    #[inline(always)]
    fn fetch_update<F: FnMut(u32) -> Option<u32>>(
        &self,
        set_order: Ordering,
        fetch_order: Ordering,
        f: F,
    ) -> Result<u32, u32> {
        AtomicU32::fetch_update(self, set_order, fetch_order, f)
    }
    #[inline(always)]
    fn fetch_add(&self, value: u32, order: Ordering) -> u32 {
        AtomicU32::fetch_add(self, value, order)
    }
    #[inline(always)]
    fn fetch_sub(&self, value: u32, order: Ordering) -> u32 {
        AtomicU32::fetch_sub(self, value, order)
    }
    #[inline(always)]
    fn fetch_and(&self, value: u32, order: Ordering) -> u32 {
        AtomicU32::fetch_and(self, value, order)
    }
    #[inline(always)]
    fn wait(&self, expected: u32, timeout: Option<Duration>) -> WaitOutcome {
        futex::wait(self, expected, timeout)
    }
    #[inline(always)]
    fn wake_one(&self) {
        futex::wake_one(self)
    }
    #[inline(always)]
    fn wake_all(&self) {
        futex::wake_all(self)
    }
}

impl Word64 for AtomicU64 {
    #[inline(always)]
    fn load(&self, order: Ordering) -> u64 {
        AtomicU64::load(self, order)
    }
    #[inline(always)]
    fn store(&self, value: u64, order: Ordering) {
        AtomicU64::store(self, value, order)
    }
    #[inline(always)]
    fn compare_exchange(
        &self,
        current: u64,
        new: u64,
        success: Ordering,
        failure: Ordering,
    ) -> Result<u64, u64> {
        AtomicU64::compare_exchange(self, current, new, success, failure)
    }
}

/// A borrowed 64-bit word (one inside a shared region) is a `Word64` too.
impl<T: Word64 + ?Sized> Word64 for &T {
    #[inline(always)]
    fn load(&self, order: Ordering) -> u64 {
        (**self).load(order)
    }
    #[inline(always)]
    fn store(&self, value: u64, order: Ordering) {
        (**self).store(value, order)
    }
    #[inline(always)]
    fn compare_exchange(
        &self,
        current: u64,
        new: u64,
        success: Ordering,
        failure: Ordering,
    ) -> Result<u64, u64> {
        (**self).compare_exchange(current, new, success, failure)
    }
}
