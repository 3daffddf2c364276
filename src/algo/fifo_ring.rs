//! The first store of a `Queue` created with a small bound (`fifo_core.rs` decides): a ring of
//! `capacity` slots, each with a stamp that says whose turn it is (D. Vyukov's bounded queue,
//! as in crossbeam's `ArrayQueue`), a one-way close, and a one-way *move*: once the bound is
//! raised past the capacity (or made unbounded), `move_out` freezes the tail, every later push
//! fails with `Moved` (the caller puts into its list instead) and the ring is only drained.
//! Below the capacity, the caller's bound (`fifo_bound.rs`) is checked too.
//!
//! Why a ring beside the list of `fifo_list.rs`? The ring never allocates after its creation,
//! and a consumer takes a slot only once its item is written (the stamp says so): when producer
//! and consumer work on neighbouring slots, neither waits on the other mid-operation. Measured
//! side by side (`benches/queue.rs`), bounded MPMC ran at about twice the list's throughput.
//!
//! Positions are `lap * ONE_LAP + index` (64-bit, so they never wrap); the tail also carries
//! `CLOSED` and `MOVED`. Slot `index`'s stamp:
//!
//! | stamp                       | meaning                                               |
//! |-----------------------------|-------------------------------------------------------|
//! | `position`                  | free for the put at `position`                         |
//! | `position + 1`              | holds the item put at `position`, for the get there    |
//! | `position + ONE_LAP`        | taken; free for the put one lap later                  |
//!
//! A put at tail position `t` whose slot's stamp is `t` claims it with a CAS of the tail, writes
//! the item, then stores stamp `t + 1` (Release). A get at head position `h` whose slot's stamp
//! is `h + 1` claims it with a CAS of the head, reads the item, then stores `h + ONE_LAP`. A
//! stamp one lap behind means full (put) or empty (get) unless the other end shows the slot is
//! being filled or emptied right now, in which case the caller waits a moment.

use super::fifo_bound::Bound;
use super::fifo_list::{Ends, Padded, PopFail, PushFail};
use super::spin::Backoff;
use crate::primitive::{AtomicU64, Ordering::*, UnsafeCell};
use core::mem::MaybeUninit;

/// The tail's closed mark: above every position.
const CLOSED: u64 = 1 << 62;
/// The tail's moved mark (frozen: later items go to the caller's list).
const MOVED: u64 = 1 << 61;
/// The marks a tail may carry.
const MARKS: u64 = CLOSED | MOVED;

/// What a getter about to park sees in the ring ([`FifoRing::look`]).
pub(crate) struct Look {
    pub(crate) item: bool,
    pub(crate) closed: bool,
    pub(crate) moved: bool,
}

struct Slot<T> {
    stamp: AtomicU64,
    value: UnsafeCell<MaybeUninit<T>>,
}

pub(crate) struct FifoRing<T> {
    head: Padded<AtomicU64>,
    tail: Padded<AtomicU64>,
    slots: Box<[Slot<T>]>,
    /// Positions per lap: a power of two above the capacity.
    one_lap: u64,
}

// SAFETY: each `T` moves from the producer that wrote its slot to the one consumer that claimed
// it (the stamp, Release/Acquire, orders the write before the read), which `T: Send` permits.
unsafe impl<T: Send> Sync for FifoRing<T> {}
// SAFETY: the ring owns its items; moving it moves `T`s, which `T: Send` permits.
unsafe impl<T: Send> Send for FifoRing<T> {}

impl<T> FifoRing<T> {
    /// The bytes one slot takes (the caller sizes rings by it).
    pub(crate) const SLOT_BYTES: usize = core::mem::size_of::<Slot<T>>();

    /// A ring of `capacity` slots (at least 1).
    pub(crate) fn new(capacity: usize) -> FifoRing<T> {
        let capacity = capacity.max(1);
        FifoRing {
            head: Padded(AtomicU64::new(0)),
            tail: Padded(AtomicU64::new(0)),
            slots: (0..capacity as u64)
                .map(|i| Slot {
                    stamp: AtomicU64::new(i),
                    value: UnsafeCell::new(MaybeUninit::uninit()),
                })
                .collect(),
            one_lap: (capacity as u64 + 1).next_power_of_two(),
        }
    }

    fn capacity(&self) -> u64 {
        self.slots.len() as u64
    }

    /// How many slots: the most items it holds.
    pub(crate) fn slot_count(&self) -> usize {
        self.slots.len()
    }

    /// The position after `position`.
    #[inline]
    fn next(&self, position: u64) -> u64 {
        let index = position & (self.one_lap - 1);
        if index + 1 < self.capacity() {
            position + 1
        } else {
            (position & !(self.one_lap - 1)) + self.one_lap
        }
    }

    /// Items put before `position`.
    #[inline]
    fn count(&self, position: u64) -> u64 {
        (position / self.one_lap) * self.capacity() + (position & (self.one_lap - 1))
    }

    /// The slot of `position`.
    #[inline]
    fn slot(&self, position: u64) -> &Slot<T> {
        &self.slots[(position & (self.one_lap - 1)) as usize]
    }

    /// Appends `item`, unless the ring is closed, moved, full, or `bound` (when below the
    /// capacity) refuses it. Never waits for long.
    #[inline]
    pub(crate) fn push(&self, item: T, bound: &Bound) -> Result<(), (PushFail, T)> {
        let mut backoff = Backoff::new();
        let mut tail = self.tail.load(Relaxed);
        loop {
            if tail & MARKS != 0 {
                // Acquire: a pusher sent on to the list sees what `move_out` published, and a
                // getter that counted itself before the move (`fifo_core.rs`).
                let tail = self.tail.load(Acquire);
                return Err((
                    if tail & MOVED != 0 {
                        PushFail::Moved
                    } else {
                        PushFail::Closed
                    },
                    item,
                ));
            }
            // The bound counts only while it is below the capacity (0 < maxsize < slots); a
            // larger one (or 0) is seen here only just before `move_out` marks the tail.
            if bound.maxsize().wrapping_sub(1) < self.slots.len() - 1
                && !bound.admits(self.count(tail), || self.taken())
            {
                return Err((PushFail::Full, item));
            }
            let slot = self.slot(tail);
            // Acquire: the consumer that emptied the slot a lap ago is done with it.
            let stamp = slot.stamp.load(Acquire);
            if stamp == tail {
                // AcqRel: ordered with a parking getter's check of the tail (`fifo_core.rs`).
                match self
                    .tail
                    .compare_exchange_weak(tail, self.next(tail), AcqRel, Relaxed)
                {
                    Ok(_) => {
                        // SAFETY: the CAS gave this thread the slot alone; its stamp says its
                        // last item was taken, so it holds no value to overwrite or race with.
                        slot.value
                            .with_mut(|p| unsafe { p.write(MaybeUninit::new(item)) });
                        slot.stamp.store(tail + 1, Release);
                        return Ok(());
                    }
                    Err(now) => tail = now,
                }
            } else if stamp + self.one_lap == tail + 1 {
                // The slot still holds last lap's item: full, unless a get is taking it now.
                if self.head.load(Acquire) + self.one_lap == tail {
                    return Err((PushFail::Full, item));
                }
                backoff.snooze();
                tail = self.tail.load(Relaxed);
            } else {
                backoff.snooze(); // another put took this position; catch up
                tail = self.tail.load(Relaxed);
            }
        }
    }

    /// Takes the oldest item.
    #[inline]
    pub(crate) fn pop(&self) -> Result<T, PopFail> {
        let mut backoff = Backoff::new();
        let mut head = self.head.load(Relaxed);
        loop {
            let slot = self.slot(head);
            // Acquire: pairs with the producer's Release of this stamp (the item is written).
            let stamp = slot.stamp.load(Acquire);
            if stamp == head + 1 {
                // AcqRel: ordered with a parking putter's check of the head.
                match self
                    .head
                    .compare_exchange_weak(head, self.next(head), AcqRel, Relaxed)
                {
                    Ok(_) => {
                        // SAFETY: the stamp showed an initialized item; the CAS made this the
                        // one read of it, so it moves out exactly once.
                        let item = slot.value.with(|p| unsafe { p.read().assume_init() });
                        slot.stamp.store(head + self.one_lap, Release);
                        return Ok(item);
                    }
                    Err(now) => head = now,
                }
            } else if stamp == head {
                // Nothing written here yet: empty, unless a put has claimed it and is writing.
                let tail = self.tail.load(Acquire);
                if tail & !MARKS == head {
                    return Err(if tail & MOVED != 0 {
                        PopFail::Moved
                    } else if tail & CLOSED != 0 {
                        PopFail::Closed
                    } else {
                        PopFail::Empty
                    });
                }
                backoff.snooze();
                head = self.head.load(Relaxed);
            } else {
                backoff.snooze(); // another get took this position; catch up
                head = self.head.load(Relaxed);
            }
        }
    }

    /// Closes the ring: every later push fails. True if this call closed it.
    pub(crate) fn close(&self) -> bool {
        self.tail.fetch_or(CLOSED, AcqRel) & CLOSED == 0
    }

    /// Freezes the tail: every later push fails with `Moved`, and once the items in are taken,
    /// every pop does too. One-way; the caller serializes it with its bound's changes.
    pub(crate) fn move_out(&self) {
        self.tail.fetch_or(MOVED, AcqRel);
    }

    /// Whether `move_out` was called.
    #[cfg(test)]
    pub(crate) fn is_moved(&self) -> bool {
        self.tail.load(Acquire) & MOVED != 0
    }

    /// For a getter about to park: is there an item (or a claimed slot about to be one), and
    /// is the ring closed or moved? A read-modify-write of the tail, ordered with every
    /// producer's claim and with `close` and `move_out` (`fifo_core.rs`).
    pub(crate) fn look(&self) -> Look {
        let tail = self.tail.fetch_add(0, AcqRel);
        Look {
            item: self.head.load(Acquire) != tail & !MARKS,
            closed: tail & CLOSED != 0,
            moved: tail & MOVED != 0,
        }
    }

    /// For a putter about to park: both ends, by read-modify-writes (ordered with every claim).
    pub(crate) fn ends(&self) -> Ends {
        let head = self.head.fetch_add(0, AcqRel);
        let tail = self.tail.fetch_add(0, AcqRel);
        Ends {
            puts: self.count(tail & !MARKS),
            taken: self.count(head),
            closed: tail & CLOSED != 0,
        }
    }

    /// How many items were ever taken (claimed slots included): for a bound's check.
    #[inline]
    pub(crate) fn taken(&self) -> u64 {
        self.count(self.head.load(Acquire))
    }

    /// How many items were ever put (claimed slots included); fixed once moved.
    pub(crate) fn put_count(&self) -> u64 {
        self.count(self.tail.load(Acquire) & !MARKS)
    }

    /// How many items (a snapshot; the queue's count is `fifo_core.rs`'s, over both stores).
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        loop {
            let tail = self.tail.load(Acquire);
            let head = self.head.load(Acquire);
            if self.tail.load(Acquire) == tail {
                let len = self.count(tail & !MARKS).saturating_sub(self.count(head));
                return usize::try_from(len).unwrap_or(usize::MAX);
            }
        }
    }
}

impl<T> Drop for FifoRing<T> {
    fn drop(&mut self) {
        // `&mut self`: nobody is mid-operation, so head..tail hold written items.
        let tail = self.tail.load(Relaxed) & !MARKS;
        let mut position = self.head.load(Relaxed);
        while position != tail {
            let value = &self.slot(position).value;
            // SAFETY: the slot at a position in head..tail holds an initialized item that no
            // consumer took; it is dropped exactly once here.
            value.with_mut(|p| unsafe { (*p).assume_init_drop() });
            position = self.next(position);
        }
    }
}
