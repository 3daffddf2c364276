//! `threading.Event`: a flag threads can wait for. The word and its generation (why a
//! `set()` followed at once by `clear()` still releases every waiter): `algo/event_word.rs`.

use crate::algo::event_word::EventWord;
use crate::error::Error;
use crate::inspect::{self, Observed};
use crate::sys::futex;
use crate::thread::Blocked;
use crate::time::IntoTimeout;
use crate::trace::{self, Kind, ObjectKind};
use core::fmt;
use core::time::Duration;
use std::sync::Arc;

/// An event flag (CPython's `threading.Event`).
pub struct Event {
    s: Arc<EventState>,
}

struct EventState {
    word: EventWord,
    id: u64,
}

impl Observed for EventState {
    fn id(&self) -> u64 {
        self.id
    }
    fn kind(&self) -> ObjectKind {
        ObjectKind::Event
    }
    fn holders(&self) -> Vec<u64> {
        Vec::new()
    }
    fn value(&self) -> u64 {
        u64::from(self.word.is_set())
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
            word: EventWord::new(),
            id: trace::next_id(),
        });
        inspect::register(&s);
        Event { s }
    }

    /// Whether the flag is set.
    pub fn is_set(&self) -> bool {
        self.s.word.is_set()
    }

    /// Sets the flag and wakes every waiter. Never blocks.
    pub fn set(&self) {
        if self.s.word.set() {
            trace::emit(Kind::Value, self.s.id, 1);
        }
    }

    /// Clears the flag.
    pub fn clear(&self) {
        if self.s.word.clear() {
            trace::emit(Kind::Value, self.s.id, 0);
        }
    }

    /// Waits until the flag is set, up to `timeout` (`None`: forever). Returns true if it was
    /// set (even if cleared again since), false on timeout.
    pub fn wait(&self, timeout: impl IntoTimeout) -> Result<bool, Error> {
        let timeout = timeout.into_timeout()?;
        let Some(ticket) = self.s.word.ticket() else {
            return Ok(true);
        };
        if timeout.duration() == Some(Duration::ZERO) {
            return Ok(false);
        }
        if !futex::can_block() {
            return Err(Error::WouldBlockOnMainThread("Event::wait"));
        }
        let blocked = Blocked::on(self.s.id, timeout.duration().is_some())?;
        let signalled = self.s.word.wait(ticket, timeout.deadline());
        if signalled {
            blocked.succeeded();
        }
        Ok(signalled)
    }

    /// This event's id in trace events and snapshots.
    pub fn trace_id(&self) -> u64 {
        self.s.id
    }
}

impl fmt::Debug for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = if self.is_set() { "set" } else { "unset" };
        write!(f, "<Event object {}: {state}>", self.s.id)
    }
}
