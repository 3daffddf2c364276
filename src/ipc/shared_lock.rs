//! A lock on one word in a shared region, held by a *process*, that survives its holder's
//! death: the smallest lock the process [`Queue`](super::Queue) needs for its several
//! producers and its several consumers.
//!
//! **Temporary.** It will be replaced by the shared `RawLock` (`src/algo/raw_lock.rs` made
//! generic over where its word lives and which futex kind it uses, see
//! `src/sys/region/README.md`) once that lands, with this file's owner-death handling moved
//! there. Until then this is written like the algorithms in `algo/`: plain atomics over a
//! trait ([`LockWord`]), so that `tests/loom.rs` model-checks this very file.
//!
//! # The word
//!
//! | value                     | meaning                                                   |
//! |---------------------------|-----------------------------------------------------------|
//! | `0`                       | free                                                      |
//! | `pid`                     | held by the process `pid` (bits 0..31), nobody asleep      |
//! | `pid \| WAITERS`          | held; someone may be asleep on the word: unlock wakes     |
//!
//! The holder is named by its process id, written by the very compare-exchange that takes the
//! lock: a holder that dies a moment after taking it is still named. (A separate "owner"
//! word written after the take would leave a window in which the lock is held by nobody
//! known.) Threads of one process share its id; the lock is not reentrant and is only ever
//! held for one step of the queue, released by a guard (also on unwinding).
//!
//! # Waiting, and no lost wake-up
//!
//! A waiter sets `WAITERS` by a compare-exchange from the value it found, then sleeps (the
//! shared futex) while the word still holds that value. Unlock clears the word with a
//! compare-exchange and wakes everyone if `WAITERS` was set; a woken waiter that takes the
//! lock sets `WAITERS` again (others may still sleep), so the next unlock wakes them too.
//! Both changes are read-modify-writes of the one word, so either the unlocker sees
//! `WAITERS`, or the waiter's compare-exchange or its futex compare sees the unlock.
//!
//! # The holder dies
//!
//! A process killed while it holds the lock never unlocks it, and the kernel does not know
//! what the word means (a robust-futex list would, but glibc already registers one per thread
//! and a second registration would replace it). So every sleep is at most [`SLICE`]; a sleep
//! that ends by timing out asks [`LockWord::alive`] about the holder named in the word. If it
//! is gone (or a zombie), the waiter takes the lock over with a compare-exchange from the
//! value it slept on, so exactly one waiter does, and [`lock`] returns
//! [`Acquired::OwnerDied`] (robust mutexes' `EOWNERDEAD`): the lock is held, and the caller
//! must repair what the dead holder may have left half done before unlocking. Waiters that lose
//! the race see the new holder and go on waiting. A holder's death is noticed within about one
//! slice.
//!
//! Limits: a pid reused by a new process before a waiter checks looks alive, so that lock is
//! not recovered (waiters then wait until their own timeout). A value another process writes
//! into the word is at worst a lock held by someone else, or by a dead process (then
//! recovered), never memory unsafety.

use crate::primitive::Ordering::{self, *};
use crate::time::Deadline;
use core::time::Duration;

/// Someone may be asleep on the word: unlock must wake.
pub(crate) const WAITERS: u32 = 1 << 31;
/// The holder's process id.
pub(crate) const PID_MASK: u32 = !WAITERS;
/// The longest a waiter sleeps before it checks that the holder still lives.
pub(crate) const SLICE: Duration = Duration::from_millis(20);

/// Where the word lives and how its waiters sleep: a shared region with the shared futex in
/// the queue, loom's atomics in `tests/loom.rs`.
pub(crate) trait LockWord {
    fn load(&self, o: Ordering) -> u32;
    fn compare_exchange(
        &self,
        current: u32,
        new: u32,
        success: Ordering,
        failure: Ordering,
    ) -> Result<u32, u32>;
    /// Sleeps while the word holds `expected`, at most `timeout`. True if it timed out.
    fn wait(&self, expected: u32, timeout: Duration) -> bool;
    fn wake_all(&self);
    /// Whether the process `pid` still runs (a zombie does not). May cost system calls.
    fn alive(&self, pid: u32) -> bool;
}

/// How [`lock`] got the lock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Acquired {
    /// From a holder that released it (or it was free).
    Clean,
    /// Taken over from the process with this id, which died holding it. The caller holds the
    /// lock and must repair what that process may have left half done.
    OwnerDied(u32),
}

/// Why [`lock`] or [`unlock`] failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum LockError {
    /// The deadline passed first.
    TimedOut,
    /// `me` cannot name a holder (0, or the `WAITERS` bit set).
    BadId,
    /// Unlock by a process that does not hold the lock: another process wrote the word.
    NotHeld,
}

/// Takes the lock if it is free.
pub(crate) fn try_lock(w: &impl LockWord, me: u32) -> bool {
    me != 0 && me & WAITERS == 0 && w.compare_exchange(0, me, Acquire, Relaxed).is_ok()
}

/// Takes the lock for the process `me`, waiting until `deadline` (`None`: as long as it takes,
/// in slices, recovering from a dead holder).
pub(crate) fn lock(
    w: &impl LockWord,
    me: u32,
    deadline: Option<Deadline>,
) -> Result<Acquired, LockError> {
    if me == 0 || me & WAITERS != 0 {
        return Err(LockError::BadId);
    }
    if try_lock(w, me) {
        return Ok(Acquired::Clean);
    }
    loop {
        let cur = w.load(Relaxed);
        let holder = cur & PID_MASK;
        if holder == 0 {
            // Free. Others may sleep on it: keep WAITERS so that our unlock wakes them.
            if w.compare_exchange(cur, me | WAITERS, Acquire, Relaxed)
                .is_ok()
            {
                return Ok(Acquired::Clean);
            }
            continue;
        }
        let seen = cur | WAITERS;
        if cur & WAITERS == 0 && w.compare_exchange(cur, seen, Relaxed, Relaxed).is_err() {
            continue;
        }
        let timeout = match deadline {
            None => SLICE,
            Some(d) => d.remaining().ok_or(LockError::TimedOut)?.min(SLICE),
        };
        if w.wait(seen, timeout) && !w.alive(holder) {
            // Acquire: whatever the dead holder published before it died (it never released).
            if w.compare_exchange(seen, me | WAITERS, Acquire, Relaxed)
                .is_ok()
            {
                return Ok(Acquired::OwnerDied(holder));
            }
        }
    }
}

/// Releases the lock `me` holds, waking the sleepers if any.
pub(crate) fn unlock(w: &impl LockWord, me: u32) -> Result<(), LockError> {
    let mut cur = w.load(Relaxed);
    loop {
        if cur & PID_MASK != me {
            return Err(LockError::NotHeld);
        }
        // Release: everything done under the lock, before the next holder's Acquire.
        match w.compare_exchange(cur, 0, Release, Relaxed) {
            Ok(_) => break,
            Err(now) => cur = now,
        }
    }
    if cur & WAITERS != 0 {
        w.wake_all();
    }
    Ok(())
}
