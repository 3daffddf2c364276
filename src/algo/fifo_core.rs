//! `Queue`'s (FIFO) state machine without a mutex: the items in a lock-free store (the ring of
//! `fifo_ring.rs` when bounded, the list of blocks of `fifo_list.rs` when not), an atomic count
//! of unfinished tasks, and three wait queues (getters waiting for an item, putters for room,
//! joiners for every task done). Same contract as `queue_core.rs`, which LIFO and priority
//! order keep.
//!
//! A getter parks at once, without spinning first: measured while building this
//! (`benches/queue.rs`), a getter that spins or yields keeps producer and consumer in lock-step
//! on neighbouring slots, and SPSC throughput fell from ~30 to 6-15 M items/s; parking lets the
//! producer run ahead, and the consumer then drains a batch. Likewise a put makes no atomic
//! read-modify-write beyond claiming its slot (the unfinished count is derived from the tail):
//! one more, on a line of its own, cost a third of the throughput.
//!
//! | counter      | meaning                                                              |
//! |--------------|----------------------------------------------------------------------|
//! | `done`       | tasks done (`task_done()`, or dropped by `shutdown(immediate)`); the  |
//! |              | unfinished ones, which `join` waits for, are the items put (the      |
//! |              | store's tail, no extra write per put) minus these                    |
//! | `getters`    | getters counted before they park; a put looks (one load) and wakes   |
//! |              | one only if non-zero                                                 |
//! | `putters`    | the same for putters waiting for room, looked at by every get        |
//! | `joiners`    | the same for `join`, looked at by the `task_done` that reaches 0     |
//!
//! Why no wake-up is lost (getters; putters and joiners are the same with the head, resp.
//! `done`, in the tail's place): a getter (A) counts itself and joins the wait queue,
//! then (B) re-checks for an item with a read-modify-write of the store's tail, and parks only
//! if there is none. A put (X) claims its slot with a read-modify-write of the tail, writes
//! it, then (Y) loads `getters`. Either X comes after B in the tail's modification order: X
//! acquires B, so A happens-before Y, and Y sees the getter (or that a waker already took it
//! out) and wakes it; or X comes first, and B sees the item. A waker that pops a waiter
//! uncounts it; a waiter that leaves by itself (timeout, or the re-check found what it wanted)
//! uncounts itself only if it was still in the queue. (`tests/loom.rs` checks this under all
//! interleavings of small models.)

use super::spin::Backoff;
use crate::algo::fifo_list::{FifoList, Padded, PopFail, PushFail};
use crate::algo::fifo_ring::FifoRing;
use crate::algo::queue_core::{GetFail, PutFail};
use crate::algo::wait_queue::{wake, WaitQueue};
use crate::primitive::{AtomicU32, AtomicU64, Ordering::*};
use crate::time::Deadline;

/// Where the items are: a bounded queue gets a ring of `maxsize` slots, an unbounded one the
/// list of blocks (one branch per call, always taken the same way for a queue).
enum Items<T> {
    List(FifoList<T>),
    Ring(FifoRing<T>),
}

macro_rules! on_items {
    ($items:expr, $store:ident => $call:expr) => {
        match $items {
            Items::List($store) => $call,
            Items::Ring($store) => $call,
        }
    };
}

pub struct FifoCore<T> {
    items: Items<T>,
    /// Written by every `task_done`: on its own lines, away from what puts and gets read.
    done: Padded<AtomicU64>,
    /// Read by every put or get, written only around a park.
    getters: AtomicU32,
    putters: AtomicU32,
    joiners: AtomicU32,
    not_empty: WaitQueue,
    not_full: WaitQueue,
    all_done: WaitQueue,
}

impl<T> FifoCore<T> {
    pub(crate) fn new(maxsize: usize) -> FifoCore<T> {
        FifoCore {
            items: if maxsize == 0 {
                Items::List(FifoList::new(0))
            } else {
                Items::Ring(FifoRing::new(maxsize))
            },
            done: Padded(AtomicU64::new(0)),
            getters: AtomicU32::new(0),
            putters: AtomicU32::new(0),
            joiners: AtomicU32::new(0),
            not_empty: WaitQueue::new(),
            not_full: WaitQueue::new(),
            all_done: WaitQueue::new(),
        }
    }

    /// Puts without waiting.
    #[inline]
    pub(crate) fn try_put(&self, item: T) -> Result<(), (PutFail, T)> {
        match on_items!(&self.items, items => items.push(item)) {
            Ok(()) => {
                // Y (the push's claim was X).
                if self.getters.load(Relaxed) > 0 {
                    self.wake_one(&self.not_empty, &self.getters);
                }
                Ok(())
            }
            Err((why, item)) => Err((
                match why {
                    PushFail::Full => PutFail::Full,
                    PushFail::Closed => PutFail::ShutDown,
                },
                item,
            )),
        }
    }

    /// Puts, waiting for room until `deadline` (`None`: forever). The caller may block.
    pub(crate) fn put_waiting(
        &self,
        mut item: T,
        deadline: Option<Deadline>,
    ) -> Result<(), (PutFail, T)> {
        loop {
            item = match self.try_put(item) {
                Err((PutFail::Full, item)) => item,
                done => return done,
            };
            // A full queue's putter backs off a few microseconds first (crossbeam's shape):
            // consumers usually free a slot sooner than a park and a wake-up take. Measured
            // with 2 producers + 2 consumers on 2 cores, median of 16 interleaved runs: 29 vs
            // 26 M items/s (a small gain; runs here spread 15-70); SPSC unchanged. (Getters
            // do not back off: see the module doc.)
            let mut backoff = Backoff::new();
            for _ in 0..crate::primitive::PUT_BACKOFF_ROUNDS {
                backoff.snooze();
                item = match self.try_put(item) {
                    Err((PutFail::Full, item)) => item,
                    done => return done,
                };
            }
            self.putters.fetch_add(1, Relaxed); // A
            let me = self.not_full.enqueue();
            if on_items!(&self.items, items => items.has_room_or_closed()) {
                // B found room: try again (if a waker took us meanwhile, it uncounted us).
                if self.not_full.cancel(&me) {
                    self.putters.fetch_sub(1, Relaxed);
                }
                continue;
            }
            if !self.not_full.wait(&me, deadline, false) {
                // Timed out (and out of the queue): uncount, and one last try.
                self.putters.fetch_sub(1, Relaxed);
                return self.try_put(item);
            }
        }
    }

    /// Gets without waiting: ShutDown wins over Empty once the queue is shut down and empty.
    #[inline]
    pub(crate) fn try_get(&self) -> Result<T, GetFail> {
        match on_items!(&self.items, items => items.pop()) {
            Ok(item) => {
                // Y for putters (the pop's claim of the head was X).
                if self.putters.load(Relaxed) > 0 {
                    self.wake_one(&self.not_full, &self.putters);
                }
                Ok(item)
            }
            Err(PopFail::Empty) => Err(GetFail::Empty),
            Err(PopFail::Closed) => Err(GetFail::ShutDown),
        }
    }

    /// Gets, waiting for an item until `deadline`. The caller may block.
    pub(crate) fn get_waiting(&self, deadline: Option<Deadline>) -> Result<T, GetFail> {
        loop {
            match self.try_get() {
                Err(GetFail::Empty) => {}
                done => return done,
            }
            self.getters.fetch_add(1, Relaxed); // A
            let me = self.not_empty.enqueue();
            if on_items!(&self.items, items => items.has_item_or_closed()) {
                // B
                if self.not_empty.cancel(&me) {
                    self.getters.fetch_sub(1, Relaxed);
                }
                continue;
            }
            if !self.not_empty.wait(&me, deadline, false) {
                self.getters.fetch_sub(1, Relaxed);
                return self.try_get();
            }
        }
    }

    /// Pops one waiter of `queue` (if any is there yet) and wakes it.
    #[cold]
    fn wake_one(&self, queue: &WaitQueue, count: &AtomicU32) {
        if let Some(taken) = queue.take_one() {
            count.fetch_sub(1, Relaxed);
            wake(Some(taken));
        }
    }

    /// Wakes every waiter of `queue`.
    fn wake_all(&self, queue: &WaitQueue, count: &AtomicU32) {
        let woken = queue.notify(usize::MAX);
        count.fetch_sub(woken as u32, Relaxed);
    }

    /// Items put so far (each counted by the claim of its slot, before any get can see it, so
    /// a `task_done` for an item got always finds it counted).
    fn puts(&self) -> u64 {
        on_items!(&self.items, items => items.put_count())
    }

    /// One task finished. `None` (and nothing changed) if none was unfinished.
    pub(crate) fn task_done(&self) -> Option<usize> {
        // X for joiners: an RMW of `done`, AcqRel.
        let before = self
            .done
            .fetch_update(AcqRel, Acquire, |d| (d < self.puts()).then_some(d + 1))
            .ok()?;
        // A stale (smaller) count of puts here only means waking the joiners early, and they
        // check again; it never hides the last task_done, whose count is at least the puts.
        let left = self.puts().saturating_sub(before + 1);
        if left == 0 && self.joiners.load(Relaxed) > 0 {
            self.wake_all(&self.all_done, &self.joiners);
        }
        Some(left as usize)
    }

    /// Whether every task is done now.
    pub(crate) fn all_done(&self) -> bool {
        self.unfinished() == 0
    }

    /// Waits until every task is done. The caller may block.
    pub(crate) fn join_waiting(&self) {
        loop {
            self.joiners.fetch_add(1, Relaxed); // A
            let me = self.all_done.enqueue();
            // B: an RMW of `done`; the puts read after it are at least those it counted.
            if self.done.fetch_add(0, AcqRel) >= self.puts() {
                if self.all_done.cancel(&me) {
                    self.joiners.fetch_sub(1, Relaxed);
                }
                return;
            }
            self.all_done.wait(&me, None, false);
        }
    }

    /// Shuts down: puts fail from now on; gets drain what is left, then fail. `immediate`
    /// also drains the queue now (counting each drained item as done); the items are returned
    /// so the caller drops them. Wakes every waiter to re-check.
    pub(crate) fn shutdown(&self, immediate: bool) -> Vec<T> {
        on_items!(&self.items, items => items.close());
        let mut drained = Vec::new();
        if immediate {
            while let Ok(item) = on_items!(&self.items, items => items.pop()) {
                drained.push(item);
            }
            // Dropped items count as done (an RMW like task_done's); joiners re-check.
            self.done.fetch_add(drained.len() as u64, AcqRel);
            self.wake_all(&self.all_done, &self.joiners);
        }
        self.wake_all(&self.not_empty, &self.getters);
        self.wake_all(&self.not_full, &self.putters);
        drained
    }

    pub(crate) fn is_shutdown(&self) -> bool {
        on_items!(&self.items, items => items.is_closed())
    }

    pub(crate) fn len(&self) -> usize {
        on_items!(&self.items, items => items.len())
    }

    pub(crate) fn maxsize(&self) -> usize {
        on_items!(&self.items, items => items.maxsize())
    }

    /// Changes the bound (CPython lets `maxsize` be assigned). Putters re-check. A bounded
    /// queue's ring cannot grow: `Err(capacity)` (nothing changed) for 0 or more than that.
    pub(crate) fn set_maxsize(&self, maxsize: usize) -> Result<(), usize> {
        match &self.items {
            Items::List(list) => list.set_maxsize(maxsize),
            Items::Ring(ring) if (1..=ring.capacity_limit()).contains(&maxsize) => {
                ring.set_maxsize(maxsize)
            }
            Items::Ring(ring) => return Err(ring.capacity_limit()),
        }
        self.wake_all(&self.not_full, &self.putters);
        Ok(())
    }

    pub(crate) fn unfinished(&self) -> usize {
        let done = self.done.load(Acquire);
        self.puts().saturating_sub(done) as usize
    }
}
