//! The process-shared `Event` (CPython's `multiprocessing.Event`): `algo/event_word.rs` over
//! one word of an arena (flag, someone-waits bit, generation: see that file).
//!
//! ```text
//! block: tag "Evnt" | aux | word
//! ```

use super::arena::{Arena, Block, SharedHandle, Tag};
use crate::algo::event_word::EventWord;
use crate::process::JoinTimeout;
use crate::sys::region::SharedWord;
use crate::time::Deadline;
use crate::Error;
use core::fmt;
use std::time::Duration;

const WORD: usize = 4;
const SIZE: usize = 8;
const OWN_ARENA: usize = 4096;

/// An event flag shared by processes (CPython's `multiprocessing.Event`). Lives in an
/// [`Arena`]. A `set()` in one process wakes the waiters of every process (ML-06).
#[derive(Clone)]
pub struct Event {
    block: Block,
}

impl Event {
    /// A new, unset event in an arena of its own.
    pub fn new() -> Result<Event, Error> {
        Event::new_in(&Arena::create(OWN_ARENA)?)
    }

    /// A new, unset event in `arena`.
    pub fn new_in(arena: &Arena) -> Result<Event, Error> {
        Ok(Event {
            block: arena.new_block(Tag::Event, 0, SIZE, |_| Ok(()))?,
        })
    }

    /// The event at `offset` of `arena`. [`Error::InvalidArgument`] if there is none.
    pub fn open(arena: &Arena, offset: usize) -> Result<Event, Error> {
        Ok(Event {
            block: arena.open_block(offset, Tag::Event, SIZE)?,
        })
    }

    /// What another process needs to open this event.
    pub fn handle(&self) -> SharedHandle {
        self.block.handle()
    }

    #[inline]
    fn word(&self) -> Result<EventWord<SharedWord<'_>>, Error> {
        Ok(EventWord::over(self.block.word(WORD)?))
    }

    /// Whether the flag is set.
    pub fn is_set(&self) -> bool {
        self.word().is_ok_and(|w| w.is_set())
    }

    /// Sets the flag and wakes every waiter, in every process. Never blocks.
    pub fn set(&self) {
        // The block's bounds were checked when it was made or opened: `word` cannot fail.
        if let Ok(w) = self.word() {
            w.set();
        }
    }

    /// Clears the flag.
    pub fn clear(&self) {
        if let Ok(w) = self.word() {
            w.clear();
        }
    }

    /// Waits until the flag is set, up to `timeout` ([`JoinTimeout`]: `None` forever, negative
    /// floats not at all). True if it was set (even if cleared again since), false on
    /// timeout.
    pub fn wait(&self, timeout: impl JoinTimeout) -> Result<bool, Error> {
        let wait = timeout.into_wait()?;
        let word = self.word()?;
        let Some(ticket) = word.ticket() else {
            return Ok(true);
        };
        if wait == Some(Duration::ZERO) {
            return Ok(false);
        }
        Ok(word.wait(ticket, wait.map(Deadline::after)))
    }
}

impl fmt::Debug for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = if self.is_set() { "set" } else { "unset" };
        write!(f, "<Event({state})>")
    }
}
