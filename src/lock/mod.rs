//! `threading.Lock`: a primitive lock with no owner (any thread may release it, LK-16) that is
//! not reentrant (a second `acquire` by the holder blocks, LK-15).
//!
//! The lock word and its states are in [`raw`]; this file adds CPython's argument rules,
//! the RAII guard that stands for `with lock:`, and the trace events the book draws.

pub(crate) mod raw;

use crate::error::Error;
use crate::sys::futex;
use crate::thread::Blocked;
use crate::time::{IntoTimeout, Timeout};
use crate::trace::{self, Kind, ObjectKind};
use core::fmt;
use core::time::Duration;
use raw::RawLock;

/// A primitive lock (CPython's `threading.Lock`).
pub struct Lock {
    raw: RawLock,
    id: u32,
}

impl Default for Lock {
    fn default() -> Lock {
        Lock::new()
    }
}

impl Lock {
    /// A new, unlocked lock.
    pub fn new() -> Lock {
        let id = trace::next_id();
        trace::emit(Kind::ObjectNew, id, ObjectKind::Lock as u32);
        Lock {
            raw: RawLock::new(),
            id,
        }
    }

    /// CPython's `acquire(blocking=True, timeout=-1)`. Returns whether the lock was taken.
    ///
    /// * `blocking == false`: try once; the timeout must be "none" (`-1.0`, `None`,
    ///   [`Timeout::FOREVER`]) or it is an [`Error::InvalidArgument`].
    /// * `blocking == true`: wait up to `timeout` (see [`IntoTimeout`]: `-1.0`/`None` wait
    ///   forever, other negatives are invalid, more than [`crate::TIMEOUT_MAX`] overflows).
    /// * On the browser's main thread, a call that would have to wait returns
    ///   [`Error::WouldBlockOnMainThread`] instead (a free lock is still taken).
    #[inline]
    pub fn acquire(&self, blocking: bool, timeout: impl IntoTimeout) -> Result<bool, Error> {
        let timeout = timeout.into_timeout()?;
        if !blocking && timeout != Timeout::FOREVER {
            return Err(Error::InvalidArgument(
                "can't specify a timeout for a non-blocking call",
            ));
        }
        if self.raw.try_lock() {
            trace::emit(Kind::Acquire, self.id, 0);
            return Ok(true);
        }
        if !blocking {
            return Ok(false);
        }
        self.acquire_contended(timeout)
    }

    #[cold]
    fn acquire_contended(&self, timeout: Timeout) -> Result<bool, Error> {
        if timeout.duration() == Some(Duration::ZERO) {
            return Ok(false);
        }
        if !futex::can_block() {
            return Err(Error::WouldBlockOnMainThread("Lock::acquire"));
        }
        let blocked = Blocked::on(self.id);
        let taken = self.raw.lock_contended(timeout.deadline());
        if taken {
            blocked.succeeded();
            trace::emit(Kind::Acquire, self.id, 0);
        } else {
            drop(blocked);
        }
        Ok(taken)
    }

    /// `acquire(false)`: takes the lock if it is free, never waits. Works on every thread.
    #[inline]
    pub fn try_acquire(&self) -> bool {
        let taken = self.raw.try_lock();
        if taken {
            trace::emit(Kind::Acquire, self.id, 0);
        }
        taken
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
        if self.raw.unlock() {
            trace::emit(Kind::Release, self.id, 0);
            Ok(())
        } else {
            Err(Error::ReleaseUnlocked)
        }
    }

    /// Whether the lock is held (a snapshot).
    pub fn locked(&self) -> bool {
        self.raw.is_locked()
    }

    /// This lock's id in trace events (see [`crate::trace::set_label`]).
    pub fn trace_id(&self) -> u32 {
        self.id
    }
}

impl fmt::Debug for Lock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = if self.locked() { "locked" } else { "unlocked" };
        write!(f, "<{state} Lock object {}>", self.id)
    }
}

/// Holds a [`Lock`] until dropped (the body of `with lock:`).
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
