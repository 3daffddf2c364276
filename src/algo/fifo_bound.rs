//! The changeable bound (`maxsize`) of the lock-free FIFO stores, checked without reading the
//! consumers' end on every put.
//!
//! A put must not make the queue longer than `maxsize`. Reading the consumers' head on every
//! put would move its cache line on every put, so producers share a `limit`: a count of puts
//! known not to overfill (the head's count + `maxsize` when it was computed; the head only
//! grows, so it stays safe). Only a put that reaches it re-reads the head, once per `maxsize`
//! puts or so, or on every put while the queue is (nearly) full.
//!
//! Against a concurrent `set` (S1 store maxsize, S2 store limit 0), a refresh (P1 load maxsize,
//! P2 store limit, P3 load maxsize) uses SeqCst, so in their single total order either P2
//! precedes S2 (whose 0 then wins) or S1 precedes P3 (which sees the change and stores 0
//! itself): a limit computed from an old bound never outlives the change.

use super::fifo_list::Padded;
use crate::internal::Mutex;
use crate::primitive::{AtomicU64, AtomicUsize, Ordering::*};

pub(crate) struct Bound {
    /// Read by every put, written rarely: on cache lines of its own.
    limit: Padded<AtomicU64>,
    /// 0: unbounded (CPython's `maxsize <= 0`). Any value, changeable at any time: nothing is
    /// allocated for it.
    maxsize: AtomicUsize,
    /// Orders `set` with a parking putter's re-check (see `has_room`).
    changes: Mutex<()>,
}

impl Bound {
    pub(crate) fn new(maxsize: usize) -> Bound {
        Bound {
            limit: Padded(AtomicU64::new(0)),
            maxsize: AtomicUsize::new(maxsize),
            changes: Mutex::new(()),
        }
    }

    /// Whether one more put, making `count` items put in all, keeps the bound; `head` reads
    /// the count of items taken (Acquire), called only on the cold path.
    #[inline]
    pub(crate) fn admits(&self, count: u64, head: impl FnOnce() -> u64) -> bool {
        count < self.limit.load(Relaxed) || self.refresh(count, head)
    }

    #[cold]
    fn refresh(&self, count: u64, head: impl FnOnce() -> u64) -> bool {
        let maxsize = self.maxsize.load(SeqCst); // P1
        if maxsize == 0 {
            self.limit.store(u64::MAX, SeqCst);
        } else {
            // Saturating: a huge bound (`usize::MAX`) after gets must not wrap below the
            // count of puts (it did: a panic in debug; in release, Full on an empty queue).
            let limit = head().saturating_add(maxsize as u64);
            self.limit.store(limit, SeqCst); // P2
            if count >= limit {
                return false;
            }
        }
        if self.maxsize.load(SeqCst) != maxsize {
            // P3: the bound changed meanwhile; the next put recomputes, this one goes on
            // (it is ordered before the change).
            self.limit.store(0, SeqCst);
        }
        true
    }

    /// For a putter about to park: is there room for one more with `len` items in? Read under
    /// `changes`, so either a concurrent `set` is seen here, or its wake-up (after `set`)
    /// finds the putter already in the wait queue.
    pub(crate) fn has_room(&self, len: u64) -> bool {
        let _ordered = self.changes.lock();
        let maxsize = self.maxsize.load(SeqCst);
        maxsize == 0 || len < maxsize as u64
    }

    #[inline]
    pub(crate) fn maxsize(&self) -> usize {
        self.maxsize.load(Relaxed)
    }

    /// Changes the bound, after `before` (run under the same lock, so changes and their side
    /// effects are serialized); the next put re-checks it against the head.
    pub(crate) fn set(&self, maxsize: usize, before: impl FnOnce()) {
        let _ordered = self.changes.lock();
        before();
        self.maxsize.store(maxsize, SeqCst); // S1
        self.limit.store(0, SeqCst); // S2
    }
}
