//! `Queue`'s (FIFO) state machine without a mutex: the items in lock-free stores, the bound
//! (`fifo_bound.rs`), an atomic count of unfinished tasks, and three wait queues (getters
//! waiting for an item, putters for room, joiners for every task done). Same contract as
//! `queue_core.rs`, which LIFO and priority order keep.
//!
//! Nothing is allocated for `maxsize`, and it may change to any value at any time (CPython):
//!
//! | created with                     | items in                                             |
//! |----------------------------------|------------------------------------------------------|
//! | 0 (unbounded), or a bound whose  | the list of blocks (`fifo_list.rs`), which grows and |
//! | ring would pass `RING_BYTES`     | shrinks with the items held                          |
//! | a small bound                    | a ring of that many slots (`fifo_ring.rs`, about     |
//! |                                  | twice the list's bounded MPMC throughput) until the  |
//! |                                  | bound is raised past it or made 0: then the ring is  |
//! |                                  | *moved* (its tail frozen), later puts go to the      |
//! |                                  | list, and gets drain the ring before the list        |
//!
//! Every count the bound compares runs over the whole queue: items put are the ring's (fixed
//! once moved) plus the list's, items taken likewise, so a bound lowered after the move still
//! counts what is left in the ring.
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
//!
//! Across the move: a getter's re-check is a read-modify-write of the ring's tail and, if that
//! shows the move, of the list's. A put that found the ring moved read its tail (Acquire) after
//! `move_out`'s read-modify-write, which came after any getter's re-check that missed the move:
//! so that getter's A happens-before the put's Y, as above. (Putters re-check both heads.)

use super::spin::Backoff;
use crate::algo::fifo_bound::Bound;
use crate::algo::fifo_list::{FifoList, Padded, PopFail, PushFail};
use crate::algo::fifo_ring::FifoRing;
use crate::algo::queue_core::{saturate, GetFail, PutFail};
use crate::algo::wait_queue::{wake, WaitQueue};
use crate::primitive::{AtomicU32, AtomicU64, Ordering::*};
use crate::time::Deadline;

/// A ring is used only while its slots take at most this many bytes: a small, fixed cost
/// paid up front, as a bounded channel's buffer (measured: 1024 `u64`s, 16 KiB, is where
/// the ring doubles bounded MPMC throughput; `benches/queue.rs`).
pub(crate) const RING_BYTES: usize = 32 * 1024;

pub struct FifoCore<T> {
    /// The first store of a queue created with a small bound; once moved, only drained.
    ring: Option<FifoRing<T>>,
    /// Every other queue's store, and a ring's queue's after the move.
    list: FifoList<T>,
    bound: Bound,
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
        let ring_fits = maxsize
            .checked_mul(FifoRing::<T>::SLOT_BYTES)
            .is_some_and(|bytes| bytes <= RING_BYTES);
        FifoCore {
            ring: (maxsize > 0 && ring_fits).then(|| FifoRing::new(maxsize)),
            list: FifoList::new(),
            bound: Bound::new(maxsize),
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
        let pushed = match &self.ring {
            Some(ring) => match ring.push(item, &self.bound) {
                Err((PushFail::Moved, item)) => self.push_after_move(ring, item),
                pushed => pushed,
            },
            None => self
                .list
                .push(item, |puts| self.bound.admits(puts, || self.list.taken())),
        };
        match pushed {
            Ok(()) => {
                // Y (the push's claim was X).
                if self.getters.load(Relaxed) > 0 {
                    self.wake_one(&self.not_empty, &self.getters);
                }
                Ok(())
            }
            Err((why, item)) => Err((
                match why {
                    PushFail::Full | PushFail::Moved => PutFail::Full,
                    PushFail::Closed => PutFail::ShutDown,
                },
                item,
            )),
        }
    }

    /// Puts into the list once the ring is moved, counting over both (the ring's items come
    /// first; its count of puts is fixed now).
    fn push_after_move(&self, ring: &FifoRing<T>, item: T) -> Result<(), (PushFail, T)> {
        let before = ring.put_count();
        self.list.push(item, |puts| {
            self.bound
                .admits(before + puts, || ring.taken() + self.list.taken())
        })
    }

    /// Takes the oldest item: the ring's first, until it is moved and drained.
    #[inline]
    fn pop(&self) -> Result<T, PopFail> {
        match &self.ring {
            Some(ring) => match ring.pop() {
                Err(PopFail::Moved) => self.list.pop(),
                popped => popped,
            },
            None => self.list.pop(),
        }
    }

    /// For a getter about to park (B): an item, or shut down? Read-modify-writes of the tail
    /// puts claim on (both tails once the ring is moved).
    fn has_item_or_closed(&self) -> bool {
        if let Some(ring) = &self.ring {
            let look = ring.look();
            if look.item || (look.closed && !look.moved) {
                return true;
            }
            if !look.moved {
                return false;
            }
        }
        self.list.has_item_or_closed()
    }

    /// For a putter about to park (B): room, or shut down? Read-modify-writes of both ends of
    /// each store, and the bound read under its lock (ordered with `set_maxsize`).
    fn has_room_or_closed(&self) -> bool {
        let mut ends = self.list.ends();
        if let Some(ring) = &self.ring {
            let more = ring.ends();
            ends.puts += more.puts;
            ends.taken += more.taken;
            ends.closed |= more.closed;
        }
        ends.closed || self.bound.has_room(ends.puts.saturating_sub(ends.taken))
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
            if self.has_room_or_closed() {
                // B found room: try again (if a waker took us meanwhile, it uncounted us).
                if self.not_full.cancel(&me) {
                    self.putters.fetch_sub(1, Relaxed);
                }
                // Room seen here and Full seen by the put can alternate while other putters
                // take the room (or the bound keeps changing): the timeout still ends this.
                if deadline.is_some_and(|d| d.remaining().is_none()) {
                    return self.try_put(item);
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
        match self.pop() {
            Ok(item) => {
                // Y for putters (the pop's claim of the head was X).
                if self.putters.load(Relaxed) > 0 {
                    self.wake_one(&self.not_full, &self.putters);
                }
                Ok(item)
            }
            Err(PopFail::Empty | PopFail::Moved) => Err(GetFail::Empty),
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
            if self.has_item_or_closed() {
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
        let ring = self.ring.as_ref().map_or(0, FifoRing::put_count);
        ring + self.list.put_count()
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
        Some(saturate(left))
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
        // The ring first: once the list is closed too (what `is_shutdown` reads), every put
        // fails.
        if let Some(ring) = &self.ring {
            ring.close();
        }
        self.list.close();
        let mut drained = Vec::new();
        if immediate {
            while let Ok(item) = self.pop() {
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
        self.list.is_closed()
    }

    /// How many items (a snapshot). With a ring, the counts of both stores are read until the
    /// puts and the ring's takes are seen unchanged around the read of the list's takes: then
    /// all four held at that moment. (Summing the two stores' own snapshots, taken one after
    /// the other, could count an item got from the ring and then one put into the list both,
    /// and say more than `maxsize`.)
    pub(crate) fn len(&self) -> usize {
        let Some(ring) = &self.ring else {
            return self.list.len();
        };
        loop {
            let puts = ring.put_count() + self.list.put_count();
            let ring_taken = ring.taken();
            let taken = ring_taken + self.list.taken();
            if ring.put_count() + self.list.put_count() == puts && ring.taken() == ring_taken {
                return saturate(puts.saturating_sub(taken));
            }
        }
    }

    pub(crate) fn maxsize(&self) -> usize {
        self.bound.maxsize()
    }

    /// Changes the bound, to any value at any time (CPython lets `maxsize` be assigned; 0 is
    /// unbounded). Putters re-check.
    pub(crate) fn set_maxsize(&self, maxsize: usize) {
        self.bound.set(maxsize, || {
            // Serialized with other changes: the ring cannot hold a larger bound (nor none),
            // so it is moved, for good, before the new bound shows.
            if let Some(ring) = &self.ring {
                if maxsize == 0 || maxsize > ring.slot_count() {
                    ring.move_out();
                }
            }
        });
        self.wake_all(&self.not_full, &self.putters);
    }

    /// Whether the items are in a ring that was not moved (for tests).
    #[cfg(test)]
    pub(crate) fn in_ring(&self) -> bool {
        self.ring.as_ref().is_some_and(|ring| !ring.is_moved())
    }

    pub(crate) fn unfinished(&self) -> usize {
        let done = self.done.load(Acquire);
        // 64-bit counts: on a 32-bit target more tasks than a usize holds saturate.
        saturate(self.puts().saturating_sub(done))
    }
}
