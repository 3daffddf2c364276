//! An event's one 32-bit word:
//!
//! | bits  | meaning                                                                      |
//! |-------|------------------------------------------------------------------------------|
//! | 0     | the flag                                                                      |
//! | 1     | someone may be waiting: `set` wakes only then, so a set with no waiter is one |
//! |       | atomic operation                                                              |
//! | 2..32 | generation: `set` (of an unset event) increments it                           |
//!
//! A waiter remembers the generation it started in and returns true once the flag is set *or*
//! the generation moved on, so a `set()` immediately followed by `clear()` still releases every
//! thread that was waiting (CPython's EV-04, gh-57711).

//!
//! The word is a type parameter ([`Word`]): this process's own atomic by default, or a word in
//! a region several processes map (the process-shared Event).

use super::word::Word;
use crate::primitive::{AtomicU32, Ordering::*};
use crate::time::Deadline;

const FLAG: u32 = 1;
const WAITERS: u32 = 2;
const GENERATION: u32 = 4;

pub(crate) struct EventWord<W: Word = AtomicU32> {
    word: W,
}

/// Where a waiter started: the generation it must see change.
#[derive(Clone, Copy)]
pub(crate) struct Ticket(u32);

impl EventWord {
    pub(crate) fn new() -> EventWord {
        EventWord {
            word: AtomicU32::new(0),
        }
    }
}

impl<W: Word> EventWord<W> {
    /// The event kept in `word` (0 when new: unset, generation 0).
    #[cfg_attr(not(all(target_os = "linux", feature = "native")), allow(dead_code))] // used by process::shared
    #[inline]
    pub(crate) const fn over(word: W) -> EventWord<W> {
        EventWord { word }
    }

    pub(crate) fn is_set(&self) -> bool {
        self.word.load(Acquire) & FLAG != 0
    }

    /// Sets the flag; wakes every waiter. Returns whether it changed. Never blocks.
    pub(crate) fn set(&self) -> bool {
        // Release: a waiter that sees the flag sees what was written before set().
        let old = self.word.fetch_update(Release, Relaxed, |w| {
            (w & FLAG == 0).then(|| (w & !(FLAG | WAITERS)).wrapping_add(GENERATION) | FLAG)
        });
        match old {
            Ok(old) => {
                if old & WAITERS != 0 {
                    self.word.wake_all();
                }
                true
            }
            Err(_) => false,
        }
    }

    /// Clears the flag. Returns whether it changed.
    pub(crate) fn clear(&self) -> bool {
        self.word.fetch_and(!FLAG, Relaxed) & FLAG != 0
    }

    /// `None` if the flag is set now; otherwise the ticket to wait with.
    pub(crate) fn ticket(&self) -> Option<Ticket> {
        let w = self.word.load(Acquire);
        (w & FLAG == 0).then_some(Ticket(w / GENERATION))
    }

    /// Waits until the flag is set or was set since `ticket`, up to `deadline`. Returns whether
    /// it was signalled. The caller has checked that it may block.
    pub(crate) fn wait(&self, ticket: Ticket, deadline: Option<Deadline>) -> bool {
        let signalled = |w: u32| w & FLAG != 0 || w / GENERATION != ticket.0;
        if super::spin::spin_until(|| signalled(self.word.load(Acquire))) {
            return true;
        }
        loop {
            let w = self.word.load(Acquire);
            if signalled(w) {
                return true;
            }
            if w & WAITERS == 0
                && self
                    .word
                    .compare_exchange(w, w | WAITERS, Relaxed, Relaxed)
                    .is_err()
            {
                continue;
            }
            let timeout = match deadline {
                None => None,
                Some(d) => match d.remaining() {
                    Some(t) => Some(t),
                    None => return false,
                },
            };
            self.word.wait(w | WAITERS, timeout);
        }
    }
}
