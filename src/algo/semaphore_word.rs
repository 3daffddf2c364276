//! A semaphore's two words.
//!
//! | word      | meaning                                                              |
//! |-----------|----------------------------------------------------------------------|
//! | `value`   | free permits; waiters park on it while it is 0                       |
//! | `waiters` | threads in the slow path; `release` wakes only if it is non-zero, so |
//! |           | a release with nobody waiting is one atomic add and one load          |
//!
//! Why no wake-up is lost: a waiter increments `waiters` and then re-reads `value`; a releaser
//! adds to `value` and then reads `waiters`. Both are SeqCst, so at least one of them sees the
//! other's write: either the waiter finds the permit, or the releaser finds the waiter (and the
//! futex compares `value` again atomically before parking).

use crate::primitive::{AtomicU32, Ordering::*};
use crate::sys::futex;
use crate::time::Deadline;

pub(crate) struct SemaphoreWord {
    value: AtomicU32,
    waiters: AtomicU32,
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

    pub(crate) fn value(&self) -> u32 {
        self.value.load(Relaxed)
    }

    /// Takes a permit if one is free; returns the value left.
    #[inline]
    pub(crate) fn try_take(&self) -> Option<u32> {
        let mut v = self.value.load(SeqCst);
        while v > 0 {
            match self.value.compare_exchange_weak(v, v - 1, SeqCst, Relaxed) {
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
        self.waiters.fetch_add(1, SeqCst);
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
            futex::wait(&self.value, 0, timeout);
        };
        self.waiters.fetch_sub(1, SeqCst);
        taken
    }

    /// Adds `n` permits unless that passes `limit`; wakes up to `n` waiters. Returns the new
    /// value. Never blocks.
    pub(crate) fn release(&self, n: u32, limit: u32) -> Result<u32, Refused> {
        let old = self
            .value
            .fetch_update(SeqCst, Relaxed, |v| v.checked_add(n).filter(|&new| new <= limit))
            .map_err(|_| Refused::OverLimit)?;
        if self.waiters.load(SeqCst) > 0 {
            if n == 1 {
                futex::wake_one(&self.value);
            } else {
                futex::wake_all(&self.value);
            }
        }
        Ok(old + n)
    }
}
