//! The process-shared `RLock` (CPython's `multiprocessing.RLock`): `algo/reentrant_lock.rs`
//! over three words of an arena. The owner is a thread *of a process*: its id is
//! `pid << 32 | thread index` (`holder.rs`), so a thread of another process never passes for
//! the owner, and a waiter can tell when the owner's process has died.
//!
//! ```text
//! block: tag "RLck" | aux | word (RawLock) | owner (u64) | count (u32) | pad
//! ```
//!
//! | owner | count | lock word          | meaning                                         |
//! |-------|-------|--------------------|-------------------------------------------------|
//! | 0     | 0     | UNLOCKED           | free                                            |
//! | P\|T  | n ≥ 1 | LOCKED / CONTENDED | held by thread T of process P, n levels deep     |
//! | P\|T, P dead | n | held           | a waiter replaces the owner (compare-exchange), count 1, and gets [`Error::OwnerDied`] |
//!
//! An owner *thread* that ends while its process lives leaves the lock held for ever, as in
//! CPython (RL-05): only a process's death is detected.

use super::arena::{Arena, Block, SharedHandle, Tag};
use super::holder::{self, me, next_slice, passed, pid_of};
use crate::algo::raw_lock::FREE;
use crate::algo::reentrant_lock::{Entered, ReentrantLock};
use crate::primitive::{AtomicU64, Ordering::*};
use crate::process::JoinTimeout;
use crate::rlock::NotSend;
use crate::sys::region::SharedWord;
use crate::time::Deadline;
use crate::Error;
use core::fmt;
use core::marker::PhantomData;
use std::time::Duration;

const WORD: usize = 4;
const OWNER: usize = 8;
const COUNT: usize = 16;
pub(crate) const SIZE: usize = 24;
const OWN_ARENA: usize = 4096;

type View<'a> = ReentrantLock<SharedWord<'a>, &'a AtomicU64>;

/// A reentrant lock shared by processes (CPython's `multiprocessing.RLock`). Lives in an
/// [`Arena`].
///
/// As [`crate::RLock`], it has an owner and a recursion count, and only the owner may release
/// it ([`Error::NotOwner`] for anyone else, in this process or another, and for one release
/// too many: ML-02). Timeouts follow multiprocessing's rules ([`JoinTimeout`]). If the owner's
/// process dies, a waiter takes it over with [`Error::OwnerDied`] (see [`super::Lock`]).
#[derive(Clone)]
pub struct RLock {
    block: Block,
}

impl RLock {
    /// A new, unowned RLock in an arena of its own.
    pub fn new() -> Result<RLock, Error> {
        RLock::new_in(&Arena::create(OWN_ARENA)?)
    }

    /// A new, unowned RLock in `arena`.
    pub fn new_in(arena: &Arena) -> Result<RLock, Error> {
        let block = arena.new_block(Tag::RLock, 0, SIZE, |b| {
            b.u32(WORD)?.store(FREE, Relaxed);
            Ok(())
        })?;
        Ok(RLock { block })
    }

    /// The RLock at `offset` of `arena`. [`Error::InvalidArgument`] if there is none.
    pub fn open(arena: &Arena, offset: usize) -> Result<RLock, Error> {
        Ok(RLock {
            block: arena.open_block(offset, Tag::RLock, SIZE)?,
        })
    }

    /// What another process needs to open this RLock.
    pub fn handle(&self) -> SharedHandle {
        self.block.handle()
    }

    /// The arena it lives in.
    pub fn arena(&self) -> &Arena {
        self.block.arena()
    }

    #[inline]
    fn view(&self) -> Result<View<'_>, Error> {
        Ok(ReentrantLock::over(
            self.block.word(WORD)?,
            self.block.u64(OWNER)?,
            self.block.word(COUNT)?,
        ))
    }

    /// CPython's `acquire(block=True, timeout=None)`: the owner re-enters at once; anyone
    /// else waits as for a [`super::Lock`] (same rules, and [`Error::OwnerDied`] when the
    /// owner's process died: the caller then owns it, one level deep).
    pub fn acquire(&self, blocking: bool, timeout: impl JoinTimeout) -> Result<bool, Error> {
        let wait = timeout.into_wait()?;
        let lock = self.view()?;
        let me = me();
        if let Some(e) = lock.try_enter(me) {
            return entered(e);
        }
        let wait = if blocking { wait } else { Some(Duration::ZERO) };
        enter_slow(&lock, me, 1, wait)
    }

    /// `acquire(false)`.
    pub fn try_acquire(&self) -> Result<bool, Error> {
        self.acquire(false, None)
    }

    /// Releases one level. [`Error::NotOwner`] unless the calling thread (of this process)
    /// owns it. Never blocks.
    pub fn release(&self) -> Result<(), Error> {
        self.view()?
            .exit(me())
            .map(drop)
            .map_err(|_| Error::NotOwner)
    }

    /// `with rlock:` — the guard releases one level when dropped. On [`Error::OwnerDied`]
    /// the caller owns the lock without a guard: repair, then [`release`](Self::release).
    pub fn guard(&self) -> Result<RLockGuard<'_>, Error> {
        self.acquire(true, None)?;
        Ok(RLockGuard {
            lock: self,
            _owner_thread: PhantomData,
        })
    }

    /// Whether anyone (in any process) holds it.
    pub fn locked(&self) -> bool {
        self.view().is_ok_and(|l| l.is_locked())
    }

    /// Whether the calling thread owns it (CPython's `_is_mine`).
    pub fn is_owned(&self) -> bool {
        self.view().is_ok_and(|l| l.is_owned_by(me()))
    }

    /// The caller's recursion count: 0 unless it owns the lock.
    pub fn recursion_count(&self) -> u32 {
        match self.view() {
            Ok(l) if l.is_owned_by(me()) => l.count(),
            _ => 0,
        }
    }

    /// Releases every level; returns how many there were (for Condition's wait).
    pub(crate) fn release_save(&self) -> Result<u32, Error> {
        self.view()?.exit_all(me()).map_err(|_| Error::NotOwner)
    }

    /// Takes the lock back with `count` levels (Condition's wait). [`Error::OwnerDied`] if
    /// it had to take it from a dead process: it is held with `count` levels all the same.
    pub(crate) fn acquire_restore(&self, count: u32) -> Result<(), Error> {
        let lock = self.view()?;
        enter_slow(&lock, me(), count, None).map(drop)
    }
}

fn entered(e: Entered) -> Result<bool, Error> {
    match e {
        Entered::Took(_) | Entered::Deeper(_) => Ok(true),
        Entered::TooDeep => Err(Error::Overflow("RLock recursion count is too large")),
    }
}

/// Waits in slices to take the lock with `count` levels; between slices, takes it over if
/// its owner's process died.
#[cold]
fn enter_slow(lock: &View<'_>, me: u64, count: u32, wait: Option<Duration>) -> Result<bool, Error> {
    let deadline = wait.map(Deadline::after);
    loop {
        if let Some(slice) = next_slice(deadline) {
            if let Some(e) = lock.enter_waiting(me, count, Some(slice)) {
                return entered(e);
            }
        }
        let owner = lock.owner();
        let pid = pid_of(owner);
        if owner != 0
            && pid != pid_of(me)
            && holder::process_gone(pid)
            && lock.take_over(owner, me, count)
        {
            return Err(Error::OwnerDied { pid });
        }
        if passed(deadline) {
            return Ok(false);
        }
    }
}

/// CPython's repr: `<RLock(None, 0)>` when free, else `<RLock(pid|thread, count)>`.
impl fmt::Debug for RLock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.view() {
            Ok(l) => match l.owner() {
                0 => write!(f, "<RLock(None, {})>", l.count()),
                o => write!(f, "<RLock({}|{}, {})>", pid_of(o), o as u32, l.count()),
            },
            Err(_) => f.write_str("<RLock(unreadable)>"),
        }
    }
}

/// Holds one level of a shared [`RLock`] until dropped. Neither `Send` nor `Sync`: only the
/// owner thread may release it (see [`crate::RLockGuard`]).
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct RLockGuard<'a> {
    lock: &'a RLock,
    _owner_thread: NotSend,
}

impl Drop for RLockGuard<'_> {
    fn drop(&mut self) {
        let _ = self.lock.release();
    }
}

#[cfg(test)]
impl RLock {
    /// Makes `id` the owner at one level (tests fake an owner that died). The lock must be
    /// held.
    pub(crate) fn set_owner_for_test(&self, id: u64) {
        if let Ok(l) = self.view() {
            let _ = l.take_over(l.owner(), id, 1);
        }
    }
}
