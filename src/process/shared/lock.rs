//! The process-shared `Lock` (CPython's `multiprocessing.Lock`): the lock word of
//! `algo/raw_lock.rs`, in an arena, plus the id of the thread (of whichever process) that
//! took it, kept only so that a waiter can tell when that process has died.
//!
//! ```text
//! block: tag "Lock" | aux | word (RawLock: UNLOCKED/LOCKED/CONTENDED) | holder (u64: pid<<32 | thread)
//! ```
//!
//! | step            | lock word                    | holder                                |
//! |-----------------|------------------------------|---------------------------------------|
//! | acquire         | UNLOCKED → LOCKED/CONTENDED  | then set to the acquirer's id         |
//! | release         | → UNLOCKED (wakes a waiter)  | first cleared to 0                    |
//! | holder died     | stays held                   | a waiter swaps the dead id for its own (compare-exchange: one wins) and gets [`Error::OwnerDied`] |
//!
//! A waiter waits on the word in slices of [`SLICE`](super::holder::SLICE) and, between
//! slices, checks whether the holder's process is gone (`holder.rs`).

use super::arena::{Arena, Block, SharedHandle, Tag};
use super::holder::{self, me, next_slice, passed, pid_of};
use crate::algo::raw_lock::{RawLock, FREE};
use crate::primitive::{AtomicU64, Ordering::*};
use crate::process::JoinTimeout;
use crate::sys::region::SharedWord;
use crate::time::Deadline;
use crate::Error;
use core::fmt;
use std::time::Duration;

const WORD: usize = 4;
const HOLDER: usize = 8;
pub(crate) const SIZE: usize = 16;
/// Bytes of the arena a `Lock::new()` makes for itself.
const OWN_ARENA: usize = 4096;

/// A lock shared by processes (CPython's `multiprocessing.Lock`): no owner (any thread of any
/// process may release it), not reentrant. Lives in an [`Arena`].
///
/// Its rules are CPython's for `multiprocessing` (section 11 of the specification), where
/// they differ from [`crate::Lock`]'s: a negative timeout (also `-1.0`) does not wait at all,
/// and a timeout given to a non-blocking acquire is ignored. Releasing an unlocked lock is
/// [`Error::ReleaseUnlocked`], as for [`crate::Lock`].
///
/// If the process holding it dies, a waiter does not wait for ever (CPython's does): it takes
/// the lock and gets [`Error::OwnerDied`]; see the module docs.
#[derive(Clone)]
pub struct Lock {
    block: Block,
}

impl Lock {
    /// A new, unlocked lock in an arena of its own.
    pub fn new() -> Result<Lock, Error> {
        Lock::new_in(&Arena::create(OWN_ARENA)?)
    }

    /// A new, unlocked lock in `arena`.
    pub fn new_in(arena: &Arena) -> Result<Lock, Error> {
        let block = arena.new_block(Tag::Lock, 0, SIZE, |b| {
            b.u32(WORD)?.store(FREE, Relaxed);
            Ok(())
        })?;
        Ok(Lock { block })
    }

    /// The lock at `offset` of `arena` (made by another process, or by this one).
    /// [`Error::InvalidArgument`] if there is none.
    pub fn open(arena: &Arena, offset: usize) -> Result<Lock, Error> {
        Ok(Lock {
            block: arena.open_block(offset, Tag::Lock, SIZE)?,
        })
    }

    /// What another process needs to open this lock.
    pub fn handle(&self) -> SharedHandle {
        self.block.handle()
    }

    /// The arena the lock lives in.
    pub fn arena(&self) -> &Arena {
        self.block.arena()
    }

    #[inline]
    fn parts(&self) -> Result<(RawLock<SharedWord<'_>>, &AtomicU64), Error> {
        Ok((
            RawLock::over(self.block.word(WORD)?),
            self.block.u64(HOLDER)?,
        ))
    }

    /// CPython's `acquire(block=True, timeout=None)`: returns whether the lock was taken.
    ///
    /// * `blocking == false`: try once (a timeout is ignored, as in CPython).
    /// * `blocking == true`: wait up to `timeout` ([`JoinTimeout`]: `None` forever, negative
    ///   floats not at all).
    /// * [`Error::OwnerDied`] if the holder's process died holding it: the caller holds the
    ///   lock now (as after `Ok(true)`); what it protects may be half-updated.
    #[inline]
    pub fn acquire(&self, blocking: bool, timeout: impl JoinTimeout) -> Result<bool, Error> {
        let wait = timeout.into_wait()?;
        let (raw, holder) = self.parts()?;
        let me = me();
        if raw.try_lock() {
            holder.store(me, Relaxed);
            return Ok(true);
        }
        let wait = if blocking { wait } else { Some(Duration::ZERO) };
        acquire_slow(&raw, holder, me, wait)
    }

    /// `acquire(false)`.
    pub fn try_acquire(&self) -> Result<bool, Error> {
        self.acquire(false, None)
    }

    /// Releases the lock, from any thread of any process. [`Error::ReleaseUnlocked`] if it is
    /// not locked. Never blocks.
    pub fn release(&self) -> Result<(), Error> {
        let (raw, holder) = self.parts()?;
        if !raw.is_locked() {
            return Err(Error::ReleaseUnlocked);
        }
        holder.store(0, Relaxed);
        if raw.unlock() {
            Ok(())
        } else {
            Err(Error::ReleaseUnlocked)
        }
    }

    /// `with lock:` — waits for the lock; the guard releases it when dropped. On
    /// [`Error::OwnerDied`] the caller holds the lock without a guard: repair, then
    /// [`release`](Self::release).
    pub fn guard(&self) -> Result<LockGuard<'_>, Error> {
        self.acquire(true, None)?;
        Ok(LockGuard { lock: self })
    }

    /// Whether the lock is held (a snapshot; ML-03: also when another process holds it).
    pub fn locked(&self) -> bool {
        self.parts().is_ok_and(|(raw, _)| raw.is_locked())
    }

    /// Whether the calling thread took it (CPython's `SemLock._is_mine`; what a Condition
    /// over this lock calls owning it).
    pub fn is_mine(&self) -> bool {
        self.parts()
            .is_ok_and(|(raw, holder)| raw.is_locked() && holder.load(Relaxed) == me())
    }
}

/// Waits in slices for the lock; between slices, takes it over if its holder's process died.
#[cold]
fn acquire_slow(
    raw: &RawLock<SharedWord<'_>>,
    holder: &AtomicU64,
    me: u64,
    wait: Option<Duration>,
) -> Result<bool, Error> {
    let deadline = wait.map(Deadline::after);
    loop {
        if let Some(slice) = next_slice(deadline) {
            if raw.lock_contended(Some(slice)) {
                holder.store(me, Relaxed);
                return Ok(true);
            }
        }
        if let Some(pid) = take_over_if_gone(holder, me) {
            return Err(Error::OwnerDied { pid });
        }
        if passed(deadline) {
            return Ok(false);
        }
    }
}

/// If the lock's recorded holder is a process that has ended, makes `me` the holder in its
/// place (the lock word stays held) and returns the dead pid. A compare-exchange, so of
/// several waiters exactly one takes over; a holder id of 0 (the few instructions between
/// taking the word and recording the id, or a release in progress) is never taken over.
fn take_over_if_gone(holder: &AtomicU64, me: u64) -> Option<u32> {
    let h = holder.load(Acquire);
    let pid = pid_of(h);
    if h == 0 || pid == pid_of(me) || !holder::process_gone(pid) {
        return None;
    }
    holder
        .compare_exchange(h, me, AcqRel, Relaxed)
        .ok()
        .map(|_| pid)
}

/// CPython's repr: `<Lock(owner=None)>` when free, else the holder's `pid|thread`
/// (`owner=unknown` in the instant between taking the word and recording the holder).
impl fmt::Debug for Lock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.parts() {
            Ok((raw, _)) if !raw.is_locked() => f.write_str("<Lock(owner=None)>"),
            Ok((_, holder)) => match holder.load(Relaxed) {
                0 => f.write_str("<Lock(owner=unknown)>"),
                h => write!(f, "<Lock(owner={}|{})>", pid_of(h), h as u32),
            },
            Err(_) => f.write_str("<Lock(unreadable)>"),
        }
    }
}

/// Holds a [`Lock`] until dropped (the body of `with lock:`). `Send`: any thread of any
/// process may release a Lock.
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct LockGuard<'a> {
    lock: &'a Lock,
}

impl Drop for LockGuard<'_> {
    fn drop(&mut self) {
        // No owner: someone else may have released it already; nothing to report then.
        let _ = self.lock.release();
    }
}

#[cfg(test)]
impl Lock {
    /// Records `id` as the holder (tests fake a holder that died).
    pub(crate) fn set_holder_for_test(&self, id: u64) {
        if let Ok((_, holder)) = self.parts() {
            holder.store(id, Relaxed);
        }
    }
}
