//! [`SharedWord`]: a 32-bit word inside a [`SharedRegion`](super::SharedRegion), as the
//! algorithms in `algo/` see it (their [`Word`] trait): the region's own atomic, and the seam's
//! **shared** futex kind, so that a waiter in one process meets a waker in another.
//!
//! A `SharedWord` is a borrow, built for one call: the process-shared primitives keep an
//! `Arc` of the region and an offset, and for each call build the algorithm's view over
//! `SharedWord`s at their offsets (`RawLock::over(region.word(off)?)`), which costs a bounds
//! check and no copy. The borrow keeps the mapping alive for as long as the view lives.

use crate::algo::word::Word;
use crate::primitive::{AtomicU32, Ordering};
use crate::sys::futex::{self, WaitOutcome};
use core::time::Duration;

/// A word in memory other processes map: its atomics, and the shared futex kind.
#[derive(Clone, Copy)]
pub(crate) struct SharedWord<'r>(&'r AtomicU32);

impl<'r> SharedWord<'r> {
    /// The word `atomic`, which must lie in a `MAP_SHARED` region (any other memory works too,
    /// only more slowly: the shared futex kind is keyed by the mapped object).
    #[inline]
    pub(crate) fn new(atomic: &'r AtomicU32) -> SharedWord<'r> {
        SharedWord(atomic)
    }
}

impl Word for SharedWord<'_> {
    #[inline(always)]
    fn load(&self, order: Ordering) -> u32 {
        self.0.load(order)
    }
    #[inline(always)]
    fn store(&self, value: u32, order: Ordering) {
        self.0.store(value, order)
    }
    #[inline(always)]
    fn swap(&self, value: u32, order: Ordering) -> u32 {
        self.0.swap(value, order)
    }
    #[inline(always)]
    fn compare_exchange(
        &self,
        current: u32,
        new: u32,
        success: Ordering,
        failure: Ordering,
    ) -> Result<u32, u32> {
        self.0.compare_exchange(current, new, success, failure)
    }
    #[inline(always)]
    fn compare_exchange_weak(
        &self,
        current: u32,
        new: u32,
        success: Ordering,
        failure: Ordering,
    ) -> Result<u32, u32> {
        self.0.compare_exchange_weak(current, new, success, failure)
    }
    #[inline(always)]
    fn fetch_update<F: FnMut(u32) -> Option<u32>>(
        &self,
        set_order: Ordering,
        fetch_order: Ordering,
        f: F,
    ) -> Result<u32, u32> {
        self.0.fetch_update(set_order, fetch_order, f)
    }
    #[inline(always)]
    fn fetch_add(&self, value: u32, order: Ordering) -> u32 {
        self.0.fetch_add(value, order)
    }
    #[inline(always)]
    fn fetch_sub(&self, value: u32, order: Ordering) -> u32 {
        self.0.fetch_sub(value, order)
    }
    #[inline(always)]
    fn fetch_and(&self, value: u32, order: Ordering) -> u32 {
        self.0.fetch_and(value, order)
    }
    #[inline]
    fn wait(&self, expected: u32, timeout: Option<Duration>) -> WaitOutcome {
        futex::shared::wait(self.0, expected, timeout)
    }
    #[inline]
    fn wake_one(&self) {
        futex::shared::wake_one(self.0)
    }
    #[inline]
    fn wake_all(&self) {
        futex::shared::wake_all(self.0)
    }
}
