//! The store behind `Queue` (FIFO) and `SimpleQueue`: an unbounded lock-free list of blocks,
//! with a one-way close. A push asks its caller whether it may go in (`fifo_core.rs` keeps the
//! changeable bound, `fifo_bound.rs`); storage grows and shrinks with the items held.
//!
//! The design follows crossbeam-channel's unbounded "list" flavor
//! (<https://github.com/crossbeam-rs/crossbeam>, `crossbeam-channel/src/flavors/list.rs`):
//! positions counted in laps of a block's slots plus one, the `WRITTEN`/`READ`/`DESTROY` slot
//! bits, and the hand-over of a block's freeing to a reader still busy in it. Adapted here: a
//! closed mark in the tail's bit 0, emptied blocks kept for reuse, a consumer's cached view of
//! the tail, the caller's bound check inside the claim loop, and loom's cell API. crossbeam is
//! Copyright (c) 2019 The Crossbeam Project Developers, licensed under MIT OR Apache-2.0
//! (<https://github.com/crossbeam-rs/crossbeam/blob/master/LICENSE-MIT>,
//! <https://github.com/crossbeam-rs/crossbeam/blob/master/LICENSE-APACHE>).
//!
//! Why not one mutex over a `VecDeque` (as CPython, and as `queue_core.rs` still does for LIFO
//! and priority order)? With a producer and a consumer on two cores, every put and every get
//! then moves the mutex's cache line to the other core: 10-12 M items/s here, a third of
//! crossbeam's channel. Here a producer and a consumer meet only in the slot they hand over.
//!
//! ```text
//!   head (consumers claim by CAS)            tail (producers claim by CAS; bit 0 = CLOSED)
//!     |                                         |
//!   [ block: slot 0 .. slot SLOTS-1, next ] -> [ block ... ] -> null
//! ```
//!
//! | slot state bit | set by                       | meaning                                  |
//! |----------------|------------------------------|------------------------------------------|
//! | `WRITTEN`      | the producer that claimed it | the value is there                       |
//! | `READ`         | the consumer that claimed it | the consumer is done with the slot       |
//! | `DESTROY`      | a consumer freeing the block | the slot's reader must finish the freeing |
//!
//! Positions count `LAP` per block; the last position of each lap (offset `SLOTS`) is never a
//! slot: while an index rests there, the thread that took the block's last slot is linking in
//! (producer) or moving to (consumer) the next block, and everyone else on that end waits a
//! moment. Whoever takes the last slot of a block does the switch, so the block pointer of each
//! end changes only while its index is parked on that position, and a CAS that succeeds on an
//! index proves the block pointer read after it belongs to it.
//!
//! A block is freed by the consumers, once every one of its slots has been read: the reader of
//! the last slot starts, and hands the job over (`DESTROY`) to any reader still busy. No
//! producer touches a block after setting its slot's `WRITTEN`.
//!
//! Positions are 64-bit on every target (wasm32 too), so they never wrap. What this list does
//! *not* give: fairness between producers, or
//! lock-freedom for a consumer whose producer is preempted mid-put (it waits for that slot, as
//! in every array-of-slots queue).

use super::spin::Backoff;
use crate::primitive::{AtomicPtr, AtomicU32, AtomicU64, Ordering::*, UnsafeCell};
use core::mem::MaybeUninit;
use core::ptr;

/// Positions per block; `SLOTS` of them hold items.
#[cfg(not(loom))]
const LAP: u64 = 32;
/// Two slots per block keep the models small and still switch blocks.
#[cfg(loom)]
const LAP: u64 = 3;
pub(crate) const SLOTS: usize = LAP as usize - 1;

const WRITTEN: u32 = 1;
const READ: u32 = 2;
const DESTROY: u32 = 4;

/// How many emptied blocks are kept for reuse (`FifoList::spares`). Measured side by side
/// (`benches/queue.rs`, SPSC unbounded): 1 spare 20-36 M items/s, 2-8 spares 40-170, 16 spares
/// (two cache lines of places, both bouncing between producer and consumer) 15-21.
#[cfg(not(loom))]
const SPARES: usize = 4;
#[cfg(loom)]
const SPARES: usize = 1;

/// The tail index holds `position << SHIFT | CLOSED`.
const CLOSED: u64 = 1;
const SHIFT: u32 = 1;

/// Items before `position` (sentinel positions are not items).
#[inline]
fn count(position: u64) -> u64 {
    position - position / LAP
}

/// The slot a position names (`SLOTS` for the sentinel).
#[inline]
fn offset(position: u64) -> usize {
    (position % LAP) as usize
}

struct Slot<T> {
    value: UnsafeCell<MaybeUninit<T>>,
    state: AtomicU32,
}

struct Block<T> {
    next: AtomicPtr<Block<T>>,
    slots: [Slot<T>; SLOTS],
}

impl<T> Block<T> {
    fn new() -> Box<Block<T>> {
        Box::new(Block {
            next: AtomicPtr::new(ptr::null_mut()),
            slots: core::array::from_fn(|_| Slot {
                value: UnsafeCell::new(MaybeUninit::uninit()),
                state: AtomicU32::new(0),
            }),
        })
    }
}

/// A value on cache lines of its own (128 bytes: two lines, as adjacent-line prefetchers pair
/// them), so that a word one side writes often does not slow the other side's reads.
#[repr(align(128))]
pub(crate) struct Padded<T>(pub(crate) T);

impl<T> core::ops::Deref for Padded<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

/// One end of the list: an index and the block it is in.
#[repr(align(128))] // its own cache line(s): producers and consumers do not share one
struct End<T> {
    index: AtomicU64,
    block: AtomicPtr<Block<T>>,
    /// On the head only: a tail position seen earlier (the tail only grows), so that a
    /// consumer behind it knows there is an item without reading the producers' line.
    tail_seen: AtomicU64,
}

/// Why a push failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PushFail {
    Full,
    Closed,
    /// The ring only (`fifo_ring.rs`): its items moved on to a list; put there.
    Moved,
}

/// Why a pop found nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PopFail {
    Empty,
    /// Empty, and closed: it stays empty.
    Closed,
    /// The ring only: empty for good, its later items are in the list.
    Moved,
}

/// Both ends of a store, read with read-modify-writes (so ordered with every claim and with
/// `close`) by a waiter about to park.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Ends {
    /// Items ever put (claimed slots included).
    pub(crate) puts: u64,
    /// Items ever taken (claimed slots included).
    pub(crate) taken: u64,
    pub(crate) closed: bool,
}

pub(crate) struct FifoList<T> {
    head: End<T>,
    tail: End<T>,
    /// Emptied blocks kept for reuse: a block per `SLOTS` items would otherwise be allocated
    /// by a producer and freed by a consumer, a costly pairing for allocators (a producer
    /// running ahead has many blocks in flight). Each entry is null or owns one block.
    spares: Padded<[AtomicPtr<Block<T>>; SPARES]>,
}

// SAFETY: the list hands each `T` from the producer that wrote its slot to the one consumer
// that claimed it (the slot's WRITTEN bit, Release/Acquire, orders the write before the read),
// so sharing the list moves `T`s between threads, which `T: Send` permits.
unsafe impl<T: Send> Sync for FifoList<T> {}
// SAFETY: the list owns its blocks and items; moving it moves `T`s, which `T: Send` permits.
unsafe impl<T: Send> Send for FifoList<T> {}

impl<T> FifoList<T> {
    pub(crate) fn new() -> FifoList<T> {
        let first = Box::into_raw(Block::new());
        FifoList {
            head: End {
                index: AtomicU64::new(0),
                block: AtomicPtr::new(first),
                tail_seen: AtomicU64::new(0),
            },
            tail: End {
                index: AtomicU64::new(0),
                block: AtomicPtr::new(first),
                tail_seen: AtomicU64::new(0),
            },
            spares: Padded(core::array::from_fn(|_| AtomicPtr::new(ptr::null_mut()))),
        }
    }

    /// Appends `item`, unless the list is closed or `admits` refuses it (Full). `admits` gets
    /// the count of items put before this one (exact: it is asked again for every position
    /// tried) and reads [`FifoList::taken`] if it needs the other end. Never waits for long.
    #[inline]
    pub(crate) fn push(&self, item: T, admits: impl Fn(u64) -> bool) -> Result<(), (PushFail, T)> {
        let mut backoff = Backoff::new();
        let mut spare: Option<Box<Block<T>>> = None;
        loop {
            let tail = self.tail.index.load(Acquire);
            if tail & CLOSED != 0 {
                return Err((PushFail::Closed, item));
            }
            let position = tail >> SHIFT;
            let offset = offset(position);
            if offset == SLOTS {
                backoff.snooze(); // the last slot's producer is linking the next block
                continue;
            }
            if !admits(count(position)) {
                return Err((PushFail::Full, item));
            }
            if offset + 1 == SLOTS && spare.is_none() {
                spare = Some(self.fresh_block()); // before the CAS: nobody waits on it
            }
            let block = self.tail.block.load(Acquire);
            // AcqRel: a waiting getter's check of the tail (an RMW, `has_item_or_closed`) and
            // this claim are ordered one way or the other: see `fifo_core.rs`.
            if self
                .tail
                .index
                .compare_exchange_weak(tail, tail + (1 << SHIFT), AcqRel, Relaxed)
                .is_err()
            {
                backoff.snooze();
                continue;
            }
            if offset + 1 == SLOTS {
                let next = Box::into_raw(spare.take().unwrap_or_else(|| self.fresh_block()));
                // Release both: a producer that sees the index move on sees the new block.
                self.tail.block.store(next, Release);
                self.tail.index.fetch_add(1 << SHIFT, Release); // over the sentinel
                                                                // SAFETY: `block` is live: our slot in it is claimed and not yet written, so
                                                                // no consumer has read it, and blocks are freed only once all slots are read.
                unsafe { (*block).next.store(next, Release) };
            }
            // SAFETY: as above, the block is live; the CAS gave this thread slot `offset`
            // alone, and no consumer reads it before WRITTEN is set.
            let slot = unsafe { &(*block).slots[offset] };
            // SAFETY: the slot is ours (see above); writing `MaybeUninit` needs no drop.
            slot.value
                .with_mut(|p| unsafe { p.write(MaybeUninit::new(item)) });
            slot.state.fetch_or(WRITTEN, Release);
            return Ok(());
        }
    }

    /// Takes the oldest item.
    pub(crate) fn pop(&self) -> Result<T, PopFail> {
        let mut backoff = Backoff::new();
        loop {
            let head = self.head.index.load(Acquire);
            let offset = offset(head);
            if offset == SLOTS {
                backoff.snooze(); // the last slot's consumer is moving to the next block
                continue;
            }
            let block = self.head.block.load(Acquire);
            if head >= self.head.tail_seen.load(Relaxed) {
                // Caught up with the last tail seen: look at the real one.
                let tail = self.tail.index.load(Acquire);
                if head == tail >> SHIFT {
                    return Err(if tail & CLOSED != 0 {
                        PopFail::Closed
                    } else {
                        PopFail::Empty
                    });
                }
                // A racing consumer may store an older tail: harmless, only a hint.
                self.head.tail_seen.store(tail >> SHIFT, Relaxed);
            }
            // AcqRel: pairs with a waiting putter's check of the head (`has_room_or_closed`).
            if self
                .head
                .index
                .compare_exchange_weak(head, head + 1, AcqRel, Relaxed)
                .is_err()
            {
                backoff.snooze();
                continue;
            }
            if offset + 1 == SLOTS {
                // The producer of this last slot links the next block right after its claim.
                let next = loop {
                    // SAFETY: `block` is live: our slot in it is claimed and unread.
                    let next = unsafe { (*block).next.load(Acquire) };
                    if !next.is_null() {
                        break next;
                    }
                    backoff.snooze();
                };
                self.head.block.store(next, Release);
                self.head.index.fetch_add(1, Release); // over the sentinel
            }
            // SAFETY: live as above; the CAS gave this thread slot `offset` alone.
            let slot = unsafe { &(*block).slots[offset] };
            while slot.state.load(Acquire) & WRITTEN == 0 {
                backoff.snooze(); // its producer claimed it and is writing it
            }
            // SAFETY: WRITTEN (Acquire) shows the producer's write of an initialized value;
            // this is the one read of it, so the value moves out exactly once.
            let item = slot.value.with(|p| unsafe { ptr::read(p).assume_init() });
            if offset + 1 == SLOTS {
                // SAFETY: the last slot is read; `destroy` frees only once all slots are.
                unsafe { self.destroy(block, 0) };
            } else if slot.state.fetch_or(READ, AcqRel) & DESTROY != 0 {
                // SAFETY: slots up to ours are read, and the destroyer handed over to us.
                unsafe { self.destroy(block, offset + 1) };
            }
            return Ok(item);
        }
    }

    /// Retires `block` unless a reader of one of the slots `start..SLOTS-1` is still busy, in
    /// which case that reader will call this again for the slots after its own. A retired
    /// block is emptied and kept as a spare, or freed if all spare places are taken.
    ///
    /// # Safety
    /// `block` came from `Block::new` and every slot before `start`, and the last one, has
    /// been read by a consumer that no longer touches the block (the caller is the last
    /// slot's reader, or the reader of `start - 1`).
    unsafe fn destroy(&self, block: *mut Block<T>, start: usize) {
        for i in start..SLOTS - 1 {
            // SAFETY: the block is not retired yet: only the last caller of `destroy` does
            // that, and the slot `i` reader (if still busy) has not called it.
            let slot = unsafe { &(*block).slots[i] };
            if slot.state.load(Acquire) & READ == 0
                && slot.state.fetch_or(DESTROY, AcqRel) & READ == 0
            {
                return; // its reader sees DESTROY and carries on from i + 1
            }
        }
        // SAFETY: every slot is read and no reader or producer will touch the block again
        // (a thread holding a stale pointer to it only ever compares it, never reads through
        // it, until a CAS on an index proves it current), so this thread has it alone.
        let emptied = unsafe { &mut *block };
        emptied.next.store(ptr::null_mut(), Relaxed);
        for slot in &emptied.slots {
            slot.state.store(0, Relaxed);
        }
        for place in self.spares.iter() {
            // Release: the producer that takes it (Acquire) sees it emptied.
            if place.load(Relaxed).is_null()
                && place
                    .compare_exchange(ptr::null_mut(), block, Release, Relaxed)
                    .is_ok()
            {
                return;
            }
        }
        // SAFETY: no place took it, so this thread still owns the block alone; it came from
        // `Box::into_raw`.
        drop(unsafe { Box::from_raw(block) });
    }

    /// A spare block if there is one, else a new one.
    fn fresh_block(&self) -> Box<Block<T>> {
        for place in self.spares.iter() {
            if !place.load(Relaxed).is_null() {
                let spare = place.swap(ptr::null_mut(), Acquire);
                if !spare.is_null() {
                    // SAFETY: swapped out of its place, so ours alone; emptied by `destroy`;
                    // it came from `Box::into_raw`.
                    return unsafe { Box::from_raw(spare) };
                }
            }
        }
        Block::new()
    }

    /// How many emptied blocks are kept for reuse now.
    #[cfg(test)]
    pub(crate) fn spare_count(&self) -> usize {
        self.spares
            .iter()
            .filter(|p| !p.load(Relaxed).is_null())
            .count()
    }

    /// Closes the list: every later push fails. True if this call closed it.
    pub(crate) fn close(&self) -> bool {
        self.tail.index.fetch_or(CLOSED, AcqRel) & CLOSED == 0
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.tail.index.load(Acquire) & CLOSED != 0
    }

    /// For a getter about to park: is there an item (or a claimed slot about to be one), or is
    /// the list closed? A read-modify-write of the tail, so that it is ordered with every
    /// producer's claim (see `fifo_core.rs`).
    pub(crate) fn has_item_or_closed(&self) -> bool {
        let tail = self.tail.index.fetch_add(0, AcqRel);
        tail & CLOSED != 0 || self.head.index.load(Acquire) != tail >> SHIFT
    }

    /// For a putter about to park: both ends and the closed mark, by read-modify-writes,
    /// ordered with every consumer's claim (and producer's) and with `close`.
    pub(crate) fn ends(&self) -> Ends {
        let head = self.head.index.fetch_add(0, AcqRel);
        let tail = self.tail.index.fetch_add(0, AcqRel);
        Ends {
            puts: count(tail >> SHIFT),
            taken: count(head),
            closed: tail & CLOSED != 0,
        }
    }

    /// How many items were ever taken (claimed slots included): for a caller's bound check.
    #[inline]
    pub(crate) fn taken(&self) -> u64 {
        count(self.head.index.load(Acquire))
    }

    /// How many items were ever put (claimed slots included).
    pub(crate) fn put_count(&self) -> u64 {
        count(self.tail.index.load(Acquire) >> SHIFT)
    }

    /// How many items (a snapshot).
    pub(crate) fn len(&self) -> usize {
        loop {
            let tail = self.tail.index.load(Acquire);
            let head = self.head.index.load(Acquire);
            if self.tail.index.load(Acquire) == tail {
                let len = count(tail >> SHIFT).saturating_sub(count(head));
                return usize::try_from(len).unwrap_or(usize::MAX);
            }
        }
    }
}

impl<T> Drop for FifoList<T> {
    fn drop(&mut self) {
        // `&mut self`: no other thread is inside; no index rests on a sentinel.
        let mut position = self.head.index.load(Relaxed);
        let tail = self.tail.index.load(Relaxed) >> SHIFT;
        let mut block = self.head.block.load(Relaxed);
        while position != tail {
            let offset = offset(position);
            if offset < SLOTS {
                // SAFETY: positions in head..tail hold written, unread values (every push
                // finished); `block` is the live block they are in.
                unsafe {
                    (*block).slots[offset]
                        .value
                        .with_mut(|p| (*p).assume_init_drop());
                }
            } else {
                // SAFETY: the block is live and fully passed; `next` is set (its last slot
                // was pushed). It came from `Box::into_raw` and nobody else frees it.
                unsafe {
                    let next = (*block).next.load(Relaxed);
                    drop(Box::from_raw(block));
                    block = next;
                }
            }
            position += 1;
        }
        // SAFETY: the block the head is in is live and owned by the list alone now.
        drop(unsafe { Box::from_raw(block) });
        for place in self.spares.iter() {
            let spare = place.load(Relaxed);
            if !spare.is_null() {
                // SAFETY: a spare is owned by its place alone, and the list by this thread;
                // it came from `Box::into_raw`.
                drop(unsafe { Box::from_raw(spare) });
            }
        }
    }
}
