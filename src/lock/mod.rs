//! `threading.Lock`: a primitive lock with no owner (any thread may release it, LK-16) that is
//! not reentrant (a second `acquire` by the holder blocks, LK-15).
//!
//! The lock word and its states are in `algo/raw_lock.rs`; this file adds CPython's argument rules,
//! the RAII guard that stands for `with lock:`, and what the book and `inspect` see.

use crate::algo::raw_lock::RawLock;
use crate::error::Error;
use crate::inspect::{self, Holder, Observed};
use crate::observe;
use crate::sys::futex;
use crate::thread::Blocked;
use crate::time::{IntoTimeout, Timeout};
use crate::trace::{self, Kind, ObjectKind};
use core::fmt;
use core::time::Duration;
use std::sync::Arc;

/// A primitive lock (CPython's `threading.Lock`).
pub struct Lock {
    s: Arc<LockState>,
}

struct LockState {
    raw: RawLock,
    id: u64,
    /// The last acquirer, recorded only while someone observes (`inspect`, trace).
    holder: Holder,
}

impl Observed for LockState {
    fn id(&self) -> u64 {
        self.id
    }
    fn kind(&self) -> ObjectKind {
        ObjectKind::Lock
    }
    fn holders(&self) -> Vec<u64> {
        self.holder.holders(self.raw.is_locked())
    }
    fn forget_holder(&self) {
        self.holder.forget();
    }
    fn value(&self) -> u64 {
        self.raw.is_locked() as u64
    }
}

impl Default for Lock {
    fn default() -> Lock {
        Lock::new()
    }
}

/// CPython's rule: a non-blocking call takes no timeout (only the "none" value `-1`).
pub(crate) fn check_blocking_args(
    blocking: bool,
    timeout: impl IntoTimeout,
    message: &'static str,
) -> Result<Timeout, Error> {
    let timeout = timeout.into_timeout()?;
    if !blocking && timeout != Timeout::FOREVER {
        return Err(Error::InvalidArgument(message));
    }
    Ok(timeout)
}

/// The contended half of an acquire on a [`RawLock`] word, shared by Lock, RLock and
/// Condition: give up at once for a zero timeout, refuse where nothing may block, otherwise
/// wait as Blocked on `object`.
#[cold]
pub(crate) fn acquire_contended(
    raw: &RawLock,
    object: u64,
    timeout: Timeout,
    what: &'static str,
) -> Result<bool, Error> {
    if timeout.duration() == Some(Duration::ZERO) {
        return Ok(false);
    }
    if !futex::can_block() {
        return Err(Error::WouldBlockOnMainThread(what));
    }
    let blocked = Blocked::on(object, timeout.duration().is_some())?;
    let taken = raw.lock_contended(timeout.deadline());
    if taken {
        blocked.succeeded();
    }
    Ok(taken)
}

impl Lock {
    /// A new, unlocked lock.
    pub fn new() -> Lock {
        let s = Arc::new(LockState {
            raw: RawLock::new(),
            id: trace::next_id(),
            holder: Holder::new(),
        });
        inspect::register(&s);
        Lock { s }
    }

    /// CPython's `acquire(blocking=True, timeout=-1)`. Returns whether the lock was taken.
    ///
    /// * `blocking == false`: try once; the timeout must be "none" (`-1.0`, `None`,
    ///   [`Timeout::FOREVER`]) or it is an [`Error::InvalidArgument`].
    /// * `blocking == true`: wait up to `timeout` (see [`IntoTimeout`]: `-1.0`/`None` wait
    ///   forever, other negatives are invalid, more than [`crate::TIMEOUT_MAX`] overflows).
    /// * On the browser's main thread, a call that would have to wait returns
    ///   [`Error::WouldBlockOnMainThread`] instead (a free lock is still taken).
    /// * Deadlock detection never refuses it: a Lock has no owner, so whoever holds it, another
    ///   thread could still release it. A cycle through it shows in
    ///   [`crate::inspect::deadlocks`] as suspected.
    #[inline]
    pub fn acquire(&self, blocking: bool, timeout: impl IntoTimeout) -> Result<bool, Error> {
        let timeout = check_blocking_args(
            blocking,
            timeout,
            "can't specify a timeout for a non-blocking call",
        )?;
        let taken = self.s.raw.try_lock()
            || (blocking && acquire_contended(&self.s.raw, self.s.id, timeout, "Lock::acquire")?);
        if taken {
            self.acquired();
        }
        Ok(taken)
    }

    /// `acquire(false)`: takes the lock if it is free, never waits. Works on every thread.
    #[inline]
    pub fn try_acquire(&self) -> bool {
        let taken = self.s.raw.try_lock();
        if taken {
            self.acquired();
        }
        taken
    }

    #[inline]
    fn acquired(&self) {
        if observe::any() {
            self.s.holder.record();
            trace::emit(Kind::Acquire, self.s.id, 0);
        }
    }

    /// `with lock:` — waits for the lock and returns a guard that releases it when dropped,
    /// also during a panic. Errors only where waiting is impossible (the browser's main
    /// thread, when the lock is held).
    pub fn guard(&self) -> Result<LockGuard<'_>, Error> {
        self.acquire(true, Timeout::FOREVER)?;
        Ok(LockGuard { lock: self })
    }

    /// Releases the lock, from any thread. [`Error::ReleaseUnlocked`] if it is not locked.
    /// Never blocks: callable on the browser's main thread.
    #[inline]
    pub fn release(&self) -> Result<(), Error> {
        if self.s.raw.unlock() {
            trace::emit(Kind::Release, self.s.id, 0);
            Ok(())
        } else {
            Err(Error::ReleaseUnlocked)
        }
    }

    /// Whether the lock is held (a snapshot).
    pub fn locked(&self) -> bool {
        self.s.raw.is_locked()
    }

    /// This lock's id in trace events and snapshots (see [`crate::trace::set_label`]).
    pub fn trace_id(&self) -> u64 {
        self.s.id
    }
}

impl fmt::Debug for Lock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = if self.locked() { "locked" } else { "unlocked" };
        write!(f, "<{state} Lock object {}>", self.s.id)
    }
}

/// Holds a [`Lock`] until dropped (the body of `with lock:`).
///
/// Unlike [`crate::RLockGuard`] it is `Send`: a Lock has no owner in Python, and any thread
/// may release it (LK-16), so a guard dropped on another thread releases it all the same.
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct LockGuard<'a> {
    lock: &'a Lock,
}

impl Drop for LockGuard<'_> {
    fn drop(&mut self) {
        // Lock has no owner: another thread may already have released it (LK-16); then there
        // is nothing left to release and nothing to report.
        let _ = self.lock.release();
    }
}
