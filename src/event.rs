//! `threading.Event`: a flag threads can wait for.
//!
//! One 32-bit word:
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

use crate::error::Error;
use crate::inspect::{self, Observed};
use crate::primitive::{AtomicU32, Ordering::*};
use crate::sys::futex;
use crate::thread::Blocked;
use crate::time::IntoTimeout;
use crate::trace::{self, Kind, ObjectKind};
use core::fmt;
use core::time::Duration;
use std::sync::Arc;

const FLAG: u32 = 1;
const WAITERS: u32 = 2;
const GENERATION: u32 = 4;

/// An event flag (CPython's `threading.Event`).
pub struct Event {
    s: Arc<EventState>,
}

struct EventState {
    word: AtomicU32,
    id: u32,
}

impl Observed for EventState {
    fn id(&self) -> u32 {
        self.id
    }
    fn kind(&self) -> ObjectKind {
        ObjectKind::Event
    }
    fn holders(&self) -> Vec<u32> {
        Vec::new()
    }
    fn value(&self) -> u64 {
        u64::from(self.word.load(Relaxed) & FLAG)
    }
}

impl Default for Event {
    fn default() -> Event {
        Event::new()
    }
}

impl Event {
    /// A new, unset event.
    pub fn new() -> Event {
        let s = Arc::new(EventState {
            word: AtomicU32::new(0),
            id: trace::next_id(),
        });
        inspect::register(&s);
        Event { s }
    }

    /// Whether the flag is set.
    pub fn is_set(&self) -> bool {
        self.s.word.load(Acquire) & FLAG != 0
    }

    /// Sets the flag and wakes every waiter. Never blocks.
    pub fn set(&self) {
        // Release: a waiter that sees the flag sees what was written before set().
        let old = self.s.word.fetch_update(Release, Relaxed, |w| {
            (w & FLAG == 0).then(|| (w & !(FLAG | WAITERS)).wrapping_add(GENERATION) | FLAG)
        });
        if let Ok(old) = old {
            trace::emit(Kind::Value, self.s.id, 1);
            if old & WAITERS != 0 {
                futex::wake_all(&self.s.word);
            }
        }
    }

    /// Clears the flag.
    pub fn clear(&self) {
        if self.s.word.fetch_and(!FLAG, Relaxed) & FLAG != 0 {
            trace::emit(Kind::Value, self.s.id, 0);
        }
    }

    /// Waits until the flag is set, up to `timeout` (`None`: forever). Returns true if it was
    /// set (even if cleared again since), false on timeout.
    pub fn wait(&self, timeout: impl IntoTimeout) -> Result<bool, Error> {
        let timeout = timeout.into_timeout()?;
        let start = self.s.word.load(Acquire);
        if start & FLAG != 0 {
            return Ok(true);
        }
        if timeout.duration() == Some(Duration::ZERO) {
            return Ok(false);
        }
        if !futex::can_block() {
            return Err(Error::WouldBlockOnMainThread("Event::wait"));
        }
        let generation = start / GENERATION;
        let signalled = |w: u32| w & FLAG != 0 || w / GENERATION != generation;
        let blocked = Blocked::on(self.s.id)?;
        let deadline = timeout.deadline();
        loop {
            let w = self.s.word.load(Acquire);
            if signalled(w) {
                blocked.succeeded();
                return Ok(true);
            }
            if w & WAITERS == 0
                && self
                    .s
                    .word
                    .compare_exchange(w, w | WAITERS, Relaxed, Relaxed)
                    .is_err()
            {
                continue;
            }
            let left = match deadline {
                None => None,
                Some(d) => match d.remaining() {
                    Some(left) => Some(left),
                    None => return Ok(false),
                },
            };
            futex::wait(&self.s.word, w | WAITERS, left);
        }
    }

    /// This event's id in trace events and snapshots.
    pub fn trace_id(&self) -> u32 {
        self.s.id
    }
}

impl fmt::Debug for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = if self.is_set() { "set" } else { "unset" };
        write!(f, "<Event object {}: {state}>", self.s.id)
    }
}
