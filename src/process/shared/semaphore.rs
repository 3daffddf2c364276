//! The process-shared `Semaphore` and `BoundedSemaphore` (CPython's
//! `multiprocessing.Semaphore`/`BoundedSemaphore`): `algo/semaphore_word.rs` over two words
//! of an arena, plus the limit of a bounded one.
//!
//! ```text
//! block: tag "Sema"/"BSem" | aux | value | waiters | limit (u32::MAX: unbounded) | pad
//! ```
//!
//! A semaphore has no owner, so a process that dies holding permits is not detected: the
//! permits are gone (as in CPython). A waiter that dies leaves `waiters` counted up, which
//! only costs each later release a wake-up call.

use super::arena::{Arena, Block, SharedHandle, Tag};
use crate::algo::semaphore_word::SemaphoreWord;
use crate::primitive::Ordering::Relaxed;
use crate::process::JoinTimeout;
use crate::sys::region::SharedWord;
use crate::time::Deadline;
use crate::Error;
use core::fmt;
use std::time::Duration;

const VALUE: usize = 4;
const WAITERS: usize = 8;
const LIMIT: usize = 12;
const SIZE: usize = 16;
const OWN_ARENA: usize = 4096;

/// A counting semaphore shared by processes (CPython's `multiprocessing.Semaphore`). Lives in
/// an [`Arena`]. No owner: any thread of any process may release it.
///
/// Timeouts follow multiprocessing's rules ([`JoinTimeout`]: negative floats do not wait, and
/// a non-blocking acquire ignores its timeout, SM-16), unlike [`crate::Semaphore`]'s.
#[derive(Clone)]
pub struct Semaphore {
    block: Block,
    /// The limit, read once when opened (another process could change the word).
    limit: Option<u32>,
}

/// A shared semaphore that refuses to be released above its initial value.
#[derive(Clone)]
pub struct BoundedSemaphore {
    sem: Semaphore,
}

fn initial(value: i64) -> Result<u32, Error> {
    if value < 0 {
        return Err(Error::InvalidArgument(
            "semaphore initial value must be >= 0",
        ));
    }
    u32::try_from(value).map_err(|_| Error::Overflow("semaphore initial value is too large"))
}

impl Semaphore {
    /// A semaphore with `value` permits, in an arena of its own. Negative:
    /// [`Error::InvalidArgument`].
    pub fn new(value: i64) -> Result<Semaphore, Error> {
        Semaphore::new_in(&Arena::create(OWN_ARENA)?, value)
    }

    /// A semaphore with `value` permits, in `arena`.
    pub fn new_in(arena: &Arena, value: i64) -> Result<Semaphore, Error> {
        Semaphore::make(arena, Tag::Semaphore, initial(value)?, None)
    }

    fn make(arena: &Arena, tag: Tag, value: u32, limit: Option<u32>) -> Result<Semaphore, Error> {
        let block = arena.new_block(tag, 0, SIZE, |b| {
            b.u32(VALUE)?.store(value, Relaxed);
            b.u32(LIMIT)?.store(limit.unwrap_or(u32::MAX), Relaxed);
            Ok(())
        })?;
        Ok(Semaphore { block, limit })
    }

    /// The semaphore at `offset` of `arena`. [`Error::InvalidArgument`] if there is none.
    pub fn open(arena: &Arena, offset: usize) -> Result<Semaphore, Error> {
        Ok(Semaphore {
            block: arena.open_block(offset, Tag::Semaphore, SIZE)?,
            limit: None,
        })
    }

    /// What another process needs to open this semaphore.
    pub fn handle(&self) -> SharedHandle {
        self.block.handle()
    }

    #[inline]
    fn word(&self) -> Result<SemaphoreWord<SharedWord<'_>>, Error> {
        Ok(SemaphoreWord::over(
            self.block.word(VALUE)?,
            self.block.word(WAITERS)?,
        ))
    }

    /// CPython's `acquire(block=True, timeout=None)`: takes a permit, waiting up to `timeout`
    /// for one. Non-blocking: try once, ignoring the timeout (SM-16).
    pub fn acquire(&self, blocking: bool, timeout: impl JoinTimeout) -> Result<bool, Error> {
        let wait = timeout.into_wait()?;
        let word = self.word()?;
        if word.try_take().is_some() {
            return Ok(true);
        }
        if !blocking || wait == Some(Duration::ZERO) {
            return Ok(false);
        }
        Ok(word.take_waiting(wait.map(Deadline::after)).is_some())
    }

    /// `acquire(false)`.
    pub fn try_acquire(&self) -> Result<bool, Error> {
        self.acquire(false, None)
    }

    /// Adds `n` permits and wakes up to `n` waiters, in any process. `n == 0`:
    /// [`Error::InvalidArgument`]. Never blocks.
    pub fn release(&self, n: u32) -> Result<(), Error> {
        if n == 0 {
            return Err(Error::InvalidArgument("n must be one or more"));
        }
        self.word()?
            .release(n, self.limit.unwrap_or(u32::MAX))
            .map(drop)
            .map_err(|_| match self.limit {
                Some(_) => Error::TooManyReleases,
                None => Error::Overflow("semaphore value is too large"),
            })
    }

    /// `with sem:` — the guard gives the permit back when dropped.
    pub fn guard(&self) -> Result<SemaphoreGuard<'_>, Error> {
        self.acquire(true, None)?;
        Ok(SemaphoreGuard { sem: self })
    }

    /// Free permits now (CPython's `get_value()`).
    pub fn value(&self) -> u32 {
        self.word().map_or(0, |w| w.value())
    }
}

impl BoundedSemaphore {
    /// A bounded semaphore with `value` permits, also its maximum, in an arena of its own.
    pub fn new(value: i64) -> Result<BoundedSemaphore, Error> {
        BoundedSemaphore::new_in(&Arena::create(OWN_ARENA)?, value)
    }

    /// A bounded semaphore with `value` permits, also its maximum, in `arena`.
    pub fn new_in(arena: &Arena, value: i64) -> Result<BoundedSemaphore, Error> {
        let v = initial(value)?;
        Ok(BoundedSemaphore {
            sem: Semaphore::make(arena, Tag::BoundedSemaphore, v, Some(v))?,
        })
    }

    /// The bounded semaphore at `offset` of `arena`. [`Error::InvalidArgument`] if there is
    /// none.
    pub fn open(arena: &Arena, offset: usize) -> Result<BoundedSemaphore, Error> {
        let block = arena.open_block(offset, Tag::BoundedSemaphore, SIZE)?;
        let limit = block.u32(LIMIT)?.load(Relaxed);
        Ok(BoundedSemaphore {
            sem: Semaphore {
                block,
                limit: Some(limit),
            },
        })
    }

    /// What another process needs to open it.
    pub fn handle(&self) -> SharedHandle {
        self.sem.handle()
    }

    /// As [`Semaphore::acquire`].
    pub fn acquire(&self, blocking: bool, timeout: impl JoinTimeout) -> Result<bool, Error> {
        self.sem.acquire(blocking, timeout)
    }

    /// As [`Semaphore::try_acquire`].
    pub fn try_acquire(&self) -> Result<bool, Error> {
        self.sem.try_acquire()
    }

    /// As [`Semaphore::release`], but past the initial value it is
    /// [`Error::TooManyReleases`] and changes nothing.
    pub fn release(&self, n: u32) -> Result<(), Error> {
        self.sem.release(n)
    }

    /// `with sem:`.
    pub fn guard(&self) -> Result<SemaphoreGuard<'_>, Error> {
        self.sem.guard()
    }

    /// Free permits now.
    pub fn value(&self) -> u32 {
        self.sem.value()
    }

    /// The initial (and maximum) value.
    pub fn limit(&self) -> u32 {
        self.sem.limit.unwrap_or(0)
    }
}

impl fmt::Debug for Semaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<Semaphore(value={})>", self.value())
    }
}

impl fmt::Debug for BoundedSemaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "<BoundedSemaphore(value={}, maxvalue={})>",
            self.value(),
            self.limit()
        )
    }
}

/// Holds one permit until dropped.
#[must_use = "the permit is given back as soon as the guard is dropped"]
pub struct SemaphoreGuard<'a> {
    sem: &'a Semaphore,
}

impl Drop for SemaphoreGuard<'_> {
    fn drop(&mut self) {
        let _ = self.sem.release(1);
    }
}
