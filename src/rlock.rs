//! `threading.RLock`: a reentrant lock. It has an owner (the thread that acquired it) and a
//! recursion count; the owner may acquire it again, and must release it as many times.
//!
//! | `owner` | `count` | lock word (`RawLock`) | meaning                         |
//! |---------|---------|-----------------------|---------------------------------|
//! | 0       | 0       | UNLOCKED              | free                            |
//! | T       | n ≥ 1   | LOCKED / CONTENDED    | held by thread T, n levels deep |
//!
//! Only the owner writes `owner` and `count` while it holds the word, so a thread that reads
//! its own id in `owner` really is the owner (ids are never reused). An RLock whose owner
//! ends without releasing stays locked forever, as in CPython (RL-05).

use crate::error::Error;
use crate::inspect::{self, Observed};
use crate::algo::raw_lock::RawLock;
use crate::lock::{acquire_contended, check_blocking_args};
use crate::primitive::{AtomicU32, Ordering::Relaxed};
use crate::thread::current_id;
use crate::time::{IntoTimeout, Timeout};
use crate::trace::{self, Kind, ObjectKind};
use core::fmt;
use std::sync::Arc;

/// A reentrant lock (CPython's `threading.RLock`).
pub struct RLock {
    s: Arc<RLockState>,
}

struct RLockState {
    raw: RawLock,
    id: u32,
    owner: AtomicU32,
    count: AtomicU32,
}

impl Observed for RLockState {
    fn id(&self) -> u32 {
        self.id
    }
    fn kind(&self) -> ObjectKind {
        ObjectKind::RLock
    }
    fn holders(&self) -> Vec<u32> {
        match self.owner.load(Relaxed) {
            0 => vec![],
            t => vec![t],
        }
    }
    fn value(&self) -> u64 {
        u64::from(self.count.load(Relaxed))
    }
}

impl Default for RLock {
    fn default() -> RLock {
        RLock::new()
    }
}

impl RLock {
    /// A new, unowned RLock.
    pub fn new() -> RLock {
        let s = Arc::new(RLockState {
            raw: RawLock::new(),
            id: crate::trace::next_id(),
            owner: AtomicU32::new(0),
            count: AtomicU32::new(0),
        });
        inspect::register(&s);
        RLock { s }
    }

    /// CPython's `acquire(blocking=True, timeout=-1)`: the owner re-enters at once; anyone
    /// else waits as for a [`crate::Lock`] (same argument rules and errors).
    pub fn acquire(&self, blocking: bool, timeout: impl IntoTimeout) -> Result<bool, Error> {
        let timeout = check_blocking_args(
            blocking,
            timeout,
            "can't specify a timeout for a non-blocking call",
        )?;
        let me = current_id();
        if self.s.owner.load(Relaxed) == me {
            let count = self.s.count.load(Relaxed);
            let count = count
                .checked_add(1)
                .ok_or(Error::Overflow("RLock recursion count is too large"))?;
            self.s.count.store(count, Relaxed);
            trace::emit(Kind::Value, self.s.id, count);
            return Ok(true);
        }
        let taken = self.s.raw.try_lock()
            || (blocking && acquire_contended(&self.s.raw, self.s.id, timeout, "RLock::acquire")?);
        if taken {
            self.take(me, 1);
        }
        Ok(taken)
    }

    fn take(&self, me: u32, count: u32) {
        self.s.owner.store(me, Relaxed);
        self.s.count.store(count, Relaxed);
        trace::emit(Kind::Acquire, self.s.id, count);
    }

    /// Releases one level. [`Error::NotOwner`] if the caller does not own it (also for one
    /// release too many). The last level frees the lock for others. Never blocks.
    pub fn release(&self) -> Result<(), Error> {
        if self.s.owner.load(Relaxed) != current_id() {
            return Err(Error::NotOwner);
        }
        let count = self.s.count.load(Relaxed) - 1;
        self.s.count.store(count, Relaxed);
        if count == 0 {
            self.s.owner.store(0, Relaxed);
            self.s.raw.unlock();
            trace::emit(Kind::Release, self.s.id, 0);
        } else {
            trace::emit(Kind::Value, self.s.id, count);
        }
        Ok(())
    }

    /// `with rlock:` — acquires (re-entering if owned) and releases one level on drop.
    pub fn guard(&self) -> Result<RLockGuard<'_>, Error> {
        self.acquire(true, Timeout::FOREVER)?;
        Ok(RLockGuard { lock: self })
    }

    /// Whether anyone holds it.
    pub fn locked(&self) -> bool {
        self.s.raw.is_locked()
    }

    /// The caller's recursion count: 0 unless the caller owns it (CPython's
    /// `_recursion_count`).
    pub fn recursion_count(&self) -> u32 {
        if self.is_owned() {
            self.s.count.load(Relaxed)
        } else {
            0
        }
    }

    /// Whether the caller owns it (CPython's `_is_owned`).
    pub fn is_owned(&self) -> bool {
        self.s.owner.load(Relaxed) == current_id()
    }

    /// Releases every level at once and returns the count (CPython's `_release_save`, used by
    /// [`crate::Condition::wait`]). [`Error::NotOwner`] if the caller does not own it.
    pub(crate) fn release_save(&self) -> Result<u32, Error> {
        if !self.is_owned() {
            return Err(Error::NotOwner);
        }
        let count = self.s.count.load(Relaxed);
        self.s.count.store(0, Relaxed);
        self.s.owner.store(0, Relaxed);
        self.s.raw.unlock();
        trace::emit(Kind::Release, self.s.id, 0);
        Ok(count)
    }

    /// Takes the lock back with the saved count (CPython's `_acquire_restore`).
    pub(crate) fn acquire_restore(&self, count: u32) -> Result<(), Error> {
        if !self.s.raw.try_lock() {
            acquire_contended(&self.s.raw, self.s.id, Timeout::FOREVER, "Condition::wait")?;
        }
        self.take(current_id(), count);
        Ok(())
    }

    /// This lock's id in trace events and snapshots.
    pub fn trace_id(&self) -> u32 {
        self.s.id
    }
}

impl fmt::Debug for RLock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = if self.locked() { "locked" } else { "unlocked" };
        write!(
            f,
            "<{state} RLock object owner={} count={}>",
            self.s.owner.load(Relaxed),
            self.s.count.load(Relaxed)
        )
    }
}

/// Holds one level of an [`RLock`] until dropped.
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct RLockGuard<'a> {
    lock: &'a RLock,
}

impl Drop for RLockGuard<'_> {
    fn drop(&mut self) {
        let _ = self.lock.release();
    }
}
