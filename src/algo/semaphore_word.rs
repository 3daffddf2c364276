//! A semaphore's two words.
//!
//! | word      | meaning                                                              |
//! |-----------|----------------------------------------------------------------------|
//! | `value`   | free permits; waiters park on it while it is 0                       |
//! | `waiters` | threads in the slow path; `release` wakes only if it is non-zero, so |
//! |           | a release with nobody waiting is one atomic add and one load          |
//!
//! Why no wake-up is lost, without relying on SeqCst (which loom cannot fully model): before
//! it parks, a waiter (A) increments `waiters`, then (B) confirms `value` is 0 with a
//! compare-exchange of 0 for 0, a read-modify-write. A releaser (X) adds to `value` with an
//! AcqRel read-modify-write, then (Y) reads `waiters`. Either X comes after B in `value`'s
//! modification order, so X acquires B, A happens-before Y, and Y sees the waiter and wakes
//! it; or X comes first, B fails, and the waiter takes the permit instead of parking. (The
//! futex then compares `value` again atomically, so a wake between B and the park is kept.)

//!
//! Both words are a type parameter ([`Word`]): this process's own atomics by default, or words
//! in a region several processes map (the process-shared Semaphore builds a
//! `SemaphoreWord<SharedWord>` over them for each call).

use super::word::Word;
use crate::primitive::{AtomicU32, Ordering::*};
use crate::time::Deadline;

pub(crate) struct SemaphoreWord<W: Word = AtomicU32> {
    value: W,
    waiters: W,
}

/// Why a release was refused (nothing changed).
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Refused {
    /// Past the limit (a BoundedSemaphore's initial value).
    OverLimit,
}

impl SemaphoreWord {
    pub(crate) fn new(value: u32) -> SemaphoreWord {
        SemaphoreWord {
            value: AtomicU32::new(value),
            waiters: AtomicU32::new(0),
        }
    }
}

impl<W: Word> SemaphoreWord<W> {
    /// The semaphore kept in `value` (free permits) and `waiters` (0 when new).
    #[cfg_attr(not(all(target_os = "linux", feature = "native")), allow(dead_code))] // used by process::shared
    #[inline]
    pub(crate) const fn over(value: W, waiters: W) -> SemaphoreWord<W> {
        SemaphoreWord { value, waiters }
    }

    pub(crate) fn value(&self) -> u32 {
        self.value.load(Relaxed)
    }

    /// Takes a permit if one is free; returns the value left.
    #[inline]
    pub(crate) fn try_take(&self) -> Option<u32> {
        let mut v = self.value.load(Relaxed);
        while v > 0 {
            // Acquire: the permit's releaser's writes are visible to the taker.
            match self.value.compare_exchange_weak(v, v - 1, Acquire, Relaxed) {
                Ok(_) => return Some(v - 1),
                Err(now) => v = now,
            }
        }
        None
    }

    /// Waits for a permit until `deadline` (`None`: forever); returns the value left, or
    /// `None` on timeout. The caller has checked that it may block.
    #[cold]
    pub(crate) fn take_waiting(&self, deadline: Option<Deadline>) -> Option<u32> {
        if super::spin::spin_until(|| self.value.load(Relaxed) > 0) {
            if let Some(left) = self.try_take() {
                return Some(left);
            }
        }
        self.waiters.fetch_add(1, Relaxed); // A
        let taken = loop {
            if let Some(left) = self.try_take() {
                break Some(left);
            }
            let timeout = match deadline {
                None => None,
                Some(d) => match d.remaining() {
                    Some(t) => Some(t),
                    None => break None,
                },
            };
            // B: see the comment at the top; if a permit came in meanwhile, take it instead.
            if self.value.compare_exchange(0, 0, AcqRel, Relaxed).is_err() {
                continue;
            }
            self.value.wait(0, timeout);
        };
        self.waiters.fetch_sub(1, Relaxed);
        taken
    }

    /// Adds `n` permits unless that passes `limit`; wakes up to `n` waiters. Returns the new
    /// value. Never blocks.
    pub(crate) fn release(&self, n: u32, limit: u32) -> Result<u32, Refused> {
        let old = self
            .value
            .fetch_update(AcqRel, Relaxed, |v| {
                v.checked_add(n).filter(|&new| new <= limit)
            }) // X
            .map_err(|_| Refused::OverLimit)?;
        if self.waiters.load(Relaxed) > 0 {
            // Y
            if n == 1 {
                self.value.wake_one();
            } else {
                self.value.wake_all();
            }
        }
        Ok(old + n)
    }
}
