//! The store behind a bounded `Queue` (`maxsize > 0` at creation): a ring of `capacity` slots,
//! each with a stamp that says whose turn it is (D. Vyukov's bounded queue, as in crossbeam's
//! `ArrayQueue`), a one-way close, and a bound that may be lowered below the capacity.
//!
//! Why a ring beside the list of `fifo_list.rs`? The ring never allocates, and a consumer
//! takes a slot only once its item is written (the stamp says so): when producer and consumer
//! work on neighbouring slots, neither waits on the other mid-operation. Measured side by side
//! (`benches/queue.rs`), it is what brings a bounded queue near crossbeam's bounded channel.
//!
//! Positions are `lap * ONE_LAP + index` (64-bit, so they never wrap); the tail also carries
//! `CLOSED`. Slot `index`'s stamp:
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
use super::fifo_list::{Padded, PopFail, PushFail};
use super::spin::Backoff;
use crate::primitive::{AtomicU64, Ordering::*, UnsafeCell};
use core::mem::MaybeUninit;

/// The tail's closed mark: above every index.
const CLOSED: u64 = 1 << 62;

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
    /// Set only when `maxsize` is lowered below the capacity.
    bound: Bound,
}

// SAFETY: each `T` moves from the producer that wrote its slot to the one consumer that claimed
// it (the stamp, Release/Acquire, orders the write before the read), which `T: Send` permits.
unsafe impl<T: Send> Sync for FifoRing<T> {}
// SAFETY: the ring owns its items; moving it moves `T`s, which `T: Send` permits.
unsafe impl<T: Send> Send for FifoRing<T> {}

impl<T> FifoRing<T> {
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
            bound: Bound::new(capacity),
        }
    }

    fn capacity(&self) -> u64 {
        self.slots.len() as u64
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

    /// Appends `item`, unless the ring is closed or full. Never waits for long.
    pub(crate) fn push(&self, item: T) -> Result<(), (PushFail, T)> {
        let mut backoff = Backoff::new();
        let mut tail = self.tail.load(Relaxed);
        loop {
            if tail & CLOSED != 0 {
                return Err((PushFail::Closed, item));
            }
            if self.bound.maxsize() < self.slots.len()
                && !self
                    .bound
                    .admits(self.count(tail), || self.count(self.head.load(Acquire)))
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
                if tail & !CLOSED == head {
                    return Err(if tail & CLOSED != 0 {
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

    pub(crate) fn is_closed(&self) -> bool {
        self.tail.load(Acquire) & CLOSED != 0
    }

    /// For a getter about to park: an item (or a claimed slot about to be one), or closed? A
    /// read-modify-write of the tail, ordered with every producer's claim (`fifo_core.rs`).
    pub(crate) fn has_item_or_closed(&self) -> bool {
        let tail = self.tail.fetch_add(0, AcqRel);
        tail & CLOSED != 0 || self.head.load(Acquire) != tail
    }

    /// For a putter about to park: room, or closed? Read-modify-writes of both ends.
    pub(crate) fn has_room_or_closed(&self) -> bool {
        let head = self.head.fetch_add(0, AcqRel);
        let tail = self.tail.fetch_add(0, AcqRel);
        tail & CLOSED != 0 || {
            let len = self.count(tail & !CLOSED).saturating_sub(self.count(head));
            len < self.capacity() && self.bound.has_room(len)
        }
    }

    /// How many items were ever put (claimed slots included).
    pub(crate) fn put_count(&self) -> u64 {
        self.count(self.tail.load(Acquire) & !CLOSED)
    }

    /// How many items (a snapshot).
    pub(crate) fn len(&self) -> usize {
        loop {
            let tail = self.tail.load(Acquire);
            let head = self.head.load(Acquire);
            if self.tail.load(Acquire) == tail {
                return self.count(tail & !CLOSED).saturating_sub(self.count(head)) as usize;
            }
        }
    }

    pub(crate) fn maxsize(&self) -> usize {
        self.bound.maxsize()
    }

    /// Changes the bound, which may not exceed the capacity (nor be 0, unbounded): the caller
    /// checks.
    pub(crate) fn set_maxsize(&self, maxsize: usize) {
        self.bound.set(maxsize);
    }

    /// The most `maxsize` can be.
    pub(crate) fn capacity_limit(&self) -> usize {
        self.slots.len()
    }
}

impl<T> Drop for FifoRing<T> {
    fn drop(&mut self) {
        // `&mut self`: nobody is mid-operation, so head..tail hold written items.
        let tail = self.tail.load(Relaxed) & !CLOSED;
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
