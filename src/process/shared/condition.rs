//! The process-shared `Condition` (CPython's `multiprocessing.Condition`): a shared lock
//! (an [`RLock`] by default, or a [`Lock`]) in the same arena, and the ticket condition
//! variable of `algo/ticket_condvar.rs` in the condition's block (waiter queues with pointers
//! cannot live in shared memory; that file says why tickets give Python's guarantees).
//!
//! ```text
//! block: tag "Cond" | lock kind (0 RLock, 1 Lock) | lock offset (u64) | head | next | cancelled[8]
//! ```
//!
//! | step      | holding the lock | what it does                                                     |
//! |-----------|------------------|------------------------------------------------------------------|
//! | `wait`    | yes → no → yes   | takes a ticket, releases the lock (all levels), sleeps on `head`, takes the lock back, then learns (under it) whether it was notified |
//! | `notify`  | yes              | moves `head` past up to `n` waiters' tickets and wakes them      |
//!
//! Python's rules, as for the threading Condition: waiting or notifying without holding the
//! lock is [`Error::WaitNotOwned`] / [`Error::NotifyNotOwned`] (CPython's multiprocessing
//! raises AssertionError there); a wait returns true only when notified; `notify(n)` wakes at
//! most `n`. A waiter whose process dies is counted once by the next notify (that
//! notification is lost); a notifier's death affects nobody.

use super::arena::{Arena, Block, SharedHandle, Tag};
use super::{Lock, RLock};
use crate::algo::ticket_condvar::{TicketCondvar, FLAG_WORDS};
use crate::primitive::{AtomicU32, Ordering::Relaxed};
use crate::process::JoinTimeout;
use crate::rlock::NotSend;
use crate::sys::region::SharedWord;
use crate::time::Deadline;
use crate::Error;
use core::fmt;
use core::marker::PhantomData;
use std::time::Duration;

const LOCK_OFFSET: usize = 8;
const HEAD: usize = 16;
const NEXT: usize = 20;
const CANCELLED: usize = 24;
const SIZE: usize = CANCELLED + 4 * FLAG_WORDS;
/// Room for a condition and its RLock in an arena of their own.
const OWN_ARENA: usize = 4096;

const KIND_RLOCK: u32 = 0;
const KIND_LOCK: u32 = 1;

/// The lock under a shared [`Condition`]: it must live in the condition's arena.
#[derive(Clone, Debug)]
pub enum ConditionLock {
    /// A plain shared Lock: the caller "owns" it if it is the thread that took it.
    Lock(Lock),
    /// A shared RLock (the default), fully released across a wait.
    RLock(RLock),
}

/// A condition variable shared by processes (CPython's `multiprocessing.Condition`). Lives
/// in an [`Arena`] together with its lock.
#[derive(Clone)]
pub struct Condition {
    block: Block,
    lock: ConditionLock,
}

impl Condition {
    /// A condition over a new RLock, both in an arena of their own (CPython's `Condition()`).
    pub fn new() -> Result<Condition, Error> {
        Condition::new_in(&Arena::create(OWN_ARENA)?)
    }

    /// A condition over a new RLock, both in `arena`.
    pub fn new_in(arena: &Arena) -> Result<Condition, Error> {
        Condition::with_lock(arena, ConditionLock::RLock(RLock::new_in(arena)?))
    }

    /// A condition over `lock`, in `arena`, which must be the lock's arena (the condition
    /// names its lock by offset): else [`Error::InvalidArgument`].
    pub fn with_lock(arena: &Arena, lock: ConditionLock) -> Result<Condition, Error> {
        let (kind, lock_arena, offset) = match &lock {
            ConditionLock::RLock(l) => (KIND_RLOCK, l.arena(), l.handle().offset),
            ConditionLock::Lock(l) => (KIND_LOCK, l.arena(), l.handle().offset),
        };
        if !arena.same(lock_arena) {
            return Err(Error::InvalidArgument(
                "a shared Condition's lock must live in the condition's arena",
            ));
        }
        let block = arena.new_block(Tag::Condition, kind, SIZE, |b| {
            b.u64(LOCK_OFFSET)?.store(offset as u64, Relaxed);
            Ok(())
        })?;
        Ok(Condition { block, lock })
    }

    /// The condition at `offset` of `arena`, with its lock. [`Error::InvalidArgument`] if
    /// there is none (or its lock is not where it says).
    pub fn open(arena: &Arena, offset: usize) -> Result<Condition, Error> {
        let block = arena.open_block(offset, Tag::Condition, SIZE)?;
        let at = usize::try_from(block.u64(LOCK_OFFSET)?.load(Relaxed))
            .map_err(|_| Error::InvalidArgument("a shared Condition's lock offset is corrupt"))?;
        let lock = match block.aux()? {
            KIND_RLOCK => ConditionLock::RLock(RLock::open(arena, at)?),
            KIND_LOCK => ConditionLock::Lock(Lock::open(arena, at)?),
            _ => {
                return Err(Error::InvalidArgument(
                    "a shared Condition's lock kind is corrupt",
                ))
            }
        };
        Ok(Condition { block, lock })
    }

    /// What another process needs to open this condition (and its lock).
    pub fn handle(&self) -> SharedHandle {
        self.block.handle()
    }

    /// The underlying lock.
    pub fn lock(&self) -> &ConditionLock {
        &self.lock
    }

    #[inline]
    fn cv(&self) -> Result<TicketCondvar<SharedWord<'_>, &[AtomicU32]>, Error> {
        Ok(TicketCondvar::over(
            self.block.word(HEAD)?,
            self.block.word(NEXT)?,
            self.block.u32s(CANCELLED, FLAG_WORDS)?,
        ))
    }

    /// Acquires the underlying lock (its rules).
    pub fn acquire(&self, blocking: bool, timeout: impl JoinTimeout) -> Result<bool, Error> {
        match &self.lock {
            ConditionLock::Lock(l) => l.acquire(blocking, timeout),
            ConditionLock::RLock(l) => l.acquire(blocking, timeout),
        }
    }

    /// Releases the underlying lock (its rules).
    pub fn release(&self) -> Result<(), Error> {
        match &self.lock {
            ConditionLock::Lock(l) => l.release(),
            ConditionLock::RLock(l) => l.release(),
        }
    }

    /// `with cond:` — holds the lock until the guard is dropped.
    pub fn guard(&self) -> Result<ConditionGuard<'_>, Error> {
        self.acquire(true, None)?;
        Ok(ConditionGuard {
            cond: self,
            _owner_thread: PhantomData,
        })
    }

    fn is_owned(&self) -> bool {
        match &self.lock {
            ConditionLock::Lock(l) => l.is_mine(),
            ConditionLock::RLock(l) => l.is_owned(),
        }
    }

    /// Releases the lock (all levels of an RLock), waits until notified or `timeout` passes
    /// ([`JoinTimeout`]), takes the lock back as it was, and returns whether it was notified.
    ///
    /// [`Error::WaitNotOwned`] without the lock. [`Error::OwnerDied`] if taking the lock back
    /// meant taking it from a process that died holding it: the caller holds it all the same.
    pub fn wait(&self, timeout: impl JoinTimeout) -> Result<bool, Error> {
        let wait = timeout.into_wait()?;
        if !self.is_owned() {
            return Err(Error::WaitNotOwned);
        }
        if wait == Some(Duration::ZERO) {
            return Ok(false);
        }
        let cv = self.cv()?;
        let ticket = cv.register().map_err(|_| {
            Error::Overflow("too many waiters on a process-shared Condition at once")
        })?;
        let released = match &self.lock {
            ConditionLock::Lock(l) => l.release().map(|()| 1),
            ConditionLock::RLock(l) => l.release_save(),
        };
        let saved = match released {
            Ok(levels) => levels,
            Err(e) => {
                cv.finish(ticket); // still holding the lock: cancels the ticket
                return Err(e);
            }
        };
        cv.wait(ticket, wait.map(Deadline::after), true);
        let retaken = match &self.lock {
            ConditionLock::Lock(l) => l.acquire(true, None).map(drop),
            ConditionLock::RLock(l) => l.acquire_restore(saved),
        };
        match retaken {
            // Held again (also after taking it from a dead holder): the ticket's fate is
            // decided under the lock.
            Ok(()) => Ok(cv.finish(ticket)),
            Err(e @ Error::OwnerDied { .. }) => {
                cv.finish(ticket);
                Err(e)
            }
            Err(e) => Err(e),
        }
    }

    /// Waits until `predicate()` is true (checked first, then after each wake-up), up to
    /// `timeout` in all. Returns the predicate's last value.
    pub fn wait_for(
        &self,
        mut predicate: impl FnMut() -> bool,
        timeout: impl JoinTimeout,
    ) -> Result<bool, Error> {
        let deadline = timeout.into_wait()?.map(Deadline::after);
        loop {
            if predicate() {
                return Ok(true);
            }
            let left = match deadline {
                None => None,
                Some(d) => match d.remaining() {
                    Some(left) => Some(left),
                    None => return Ok(false),
                },
            };
            self.wait(left)?;
        }
    }

    /// Wakes at most `n` waiters, oldest first, in any process. [`Error::NotifyNotOwned`]
    /// without the lock. Returns how many it woke.
    pub fn notify(&self, n: usize) -> Result<usize, Error> {
        if !self.is_owned() {
            return Err(Error::NotifyNotOwned);
        }
        Ok(self.cv()?.notify(n))
    }

    /// Wakes every waiter.
    pub fn notify_all(&self) -> Result<usize, Error> {
        self.notify(usize::MAX)
    }

    /// Waiters now (a snapshot).
    pub fn waiters(&self) -> u32 {
        self.cv().map_or(0, |cv| cv.len())
    }
}

/// CPython's repr: `<Condition(<its lock>, <number of waiters>)>`.
impl fmt::Debug for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let lock: &dyn fmt::Debug = match &self.lock {
            ConditionLock::Lock(l) => l,
            ConditionLock::RLock(l) => l,
        };
        write!(f, "<Condition({lock:?}, {})>", self.waiters())
    }
}

/// Holds a shared [`Condition`]'s lock until dropped; neither `Send` nor `Sync` (see
/// [`crate::ConditionGuard`]).
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct ConditionGuard<'a> {
    cond: &'a Condition,
    _owner_thread: NotSend,
}

impl ConditionGuard<'_> {
    /// `cond.wait(timeout)` while holding the guard.
    pub fn wait(&self, timeout: impl JoinTimeout) -> Result<bool, Error> {
        self.cond.wait(timeout)
    }

    /// `cond.wait_for(predicate, timeout)` while holding the guard.
    pub fn wait_for(
        &self,
        predicate: impl FnMut() -> bool,
        timeout: impl JoinTimeout,
    ) -> Result<bool, Error> {
        self.cond.wait_for(predicate, timeout)
    }

    /// `cond.notify(n)`.
    pub fn notify(&self, n: usize) -> Result<usize, Error> {
        self.cond.notify(n)
    }

    /// `cond.notify_all()`.
    pub fn notify_all(&self) -> Result<usize, Error> {
        self.cond.notify_all()
    }
}

impl Drop for ConditionGuard<'_> {
    fn drop(&mut self) {
        let _ = self.cond.release();
    }
}
