//! A bounded multi-producer ring of fixed-size event records (Dmitry Vyukov's bounded queue).
//!
//! Producers never block and never wait for the consumer: when the ring is full the new event
//! is dropped and counted. Each slot's fields are atomics written before the slot's sequence
//! number is published with Release, so the ring has no `unsafe` and no data race.
//!
//! | slot `seq` | meaning                                              |
//! |------------|------------------------------------------------------|
//! | `pos`      | free for the producer that claims position `pos`      |
//! | `pos + 1`  | holds the event of position `pos`, ready to be read   |
//! | `pos + N`  | read; free for the producer of the next lap           |

use super::Event;
use crate::primitive::{AtomicU32, AtomicU64, Ordering::*};

struct Slot {
    seq: AtomicU64,
    time_ns: AtomicU64,
    kind: AtomicU32,
    thread: AtomicU64,
    object: AtomicU64,
    arg: AtomicU32,
}

pub(crate) struct Ring {
    slots: Box<[Slot]>,
    mask: u64,
    head: AtomicU64,
    tail: AtomicU64,
    dropped: AtomicU64,
}

impl Ring {
    /// A ring of `capacity` slots, rounded up to a power of two (at least 2). The caller
    /// bounds `capacity` (`trace::MAX_CAPACITY`).
    pub(crate) fn new(capacity: usize) -> Ring {
        let capacity = capacity.max(2).next_power_of_two();
        let slots = (0..capacity as u64)
            .map(|i| Slot {
                seq: AtomicU64::new(i),
                time_ns: AtomicU64::new(0),
                kind: AtomicU32::new(0),
                thread: AtomicU64::new(0),
                object: AtomicU64::new(0),
                arg: AtomicU32::new(0),
            })
            .collect();
        Ring {
            slots,
            mask: capacity as u64 - 1,
            head: AtomicU64::new(0),
            tail: AtomicU64::new(0),
            dropped: AtomicU64::new(0),
        }
    }

    pub(crate) fn capacity(&self) -> usize {
        self.slots.len()
    }

    /// Appends, or drops the event (and counts it) if the ring is full.
    pub(crate) fn push(&self, e: &Event) -> bool {
        let mut pos = self.tail.load(Relaxed);
        loop {
            let slot = &self.slots[(pos & self.mask) as usize];
            let seq = slot.seq.load(Acquire);
            if seq == pos {
                match self
                    .tail
                    .compare_exchange_weak(pos, pos + 1, Relaxed, Relaxed)
                {
                    Ok(_) => {
                        slot.time_ns.store(e.time_ns, Relaxed);
                        slot.kind.store(e.kind as u32, Relaxed);
                        slot.thread.store(e.thread, Relaxed);
                        slot.object.store(e.object, Relaxed);
                        slot.arg.store(e.arg, Relaxed);
                        // Release: a consumer that sees `pos + 1` sees the fields above.
                        slot.seq.store(pos + 1, Release);
                        return true;
                    }
                    Err(now) => pos = now,
                }
            } else if seq < pos {
                // The slot still holds an unread event from the previous lap: full.
                self.dropped.fetch_add(1, Relaxed);
                return false;
            } else {
                pos = self.tail.load(Relaxed);
            }
        }
    }

    /// Takes the oldest event, if any. Never blocks.
    pub(crate) fn pop(&self) -> Option<Event> {
        let mut pos = self.head.load(Relaxed);
        loop {
            let slot = &self.slots[(pos & self.mask) as usize];
            let seq = slot.seq.load(Acquire);
            if seq == pos + 1 {
                match self
                    .head
                    .compare_exchange_weak(pos, pos + 1, Relaxed, Relaxed)
                {
                    Ok(_) => {
                        let e = Event {
                            time_ns: slot.time_ns.load(Relaxed),
                            kind: super::Kind::from_u32(slot.kind.load(Relaxed)),
                            thread: slot.thread.load(Relaxed),
                            object: slot.object.load(Relaxed),
                            arg: slot.arg.load(Relaxed),
                        };
                        // Release: the next lap's producer writes only after our reads.
                        slot.seq.store(pos + self.mask + 1, Release);
                        return Some(e);
                    }
                    Err(now) => pos = now,
                }
            } else if seq <= pos {
                return None;
            } else {
                pos = self.head.load(Relaxed);
            }
        }
    }

    pub(crate) fn dropped(&self) -> u64 {
        self.dropped.load(Relaxed)
    }
}
