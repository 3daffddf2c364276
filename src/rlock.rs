//! `threading.RLock`: a reentrant lock. It has an owner (the thread that acquired it) and a
//! recursion count; the owner may acquire it again, and must release it as many times. The
//! owner/count/lock-word states: `algo/reentrant_lock.rs`. This file adds CPython's argument
//! rules, the guard, and what the book and `inspect` see.

use crate::algo::reentrant_lock::{Entered, ReentrantLock};
use crate::error::Error;
use crate::inspect::{self, Observed};
use crate::lock::check_blocking_args;
use crate::sys::futex;
use crate::thread::{current_id, Blocked};
use crate::time::{IntoTimeout, Timeout};
use crate::trace::{self, Kind, ObjectKind};
use core::fmt;
use core::marker::PhantomData;
use core::time::Duration;
use std::sync::Arc;

/// A reentrant lock (CPython's `threading.RLock`).
pub struct RLock {
    s: Arc<RLockState>,
}

struct RLockState {
    lock: ReentrantLock,
    id: u64,
}

impl Observed for RLockState {
    fn id(&self) -> u64 {
        self.id
    }
    fn kind(&self) -> ObjectKind {
        ObjectKind::RLock
    }
    fn holders(&self) -> Vec<u64> {
        match self.lock.owner() {
            0 => vec![],
            t => vec![t],
        }
    }
    fn value(&self) -> u64 {
        u64::from(self.lock.count())
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
            lock: ReentrantLock::new(),
            id: trace::next_id(),
        });
        inspect::register(&s);
        RLock { s }
    }

    /// CPython's `acquire(blocking=True, timeout=-1)`: the owner re-enters at once; anyone
    /// else waits as for a [`crate::Lock`] (same argument rules and errors).
    ///
    /// With deadlock detection on, a wait without a timeout that would close a certain cycle
    /// (only RLocks and joins on it) returns [`Error::Deadlock`] instead of waiting for ever.
    pub fn acquire(&self, blocking: bool, timeout: impl IntoTimeout) -> Result<bool, Error> {
        let timeout = check_blocking_args(
            blocking,
            timeout,
            "can't specify a timeout for a non-blocking call",
        )?;
        let me = current_id();
        let entered = match self.s.lock.try_enter(me) {
            Some(e) => Some(e),
            None if !blocking => None,
            None => self.enter_waiting(me, 1, timeout, "RLock::acquire")?,
        };
        self.entered(entered)
    }

    #[cold]
    fn enter_waiting(
        &self,
        me: u64,
        count: u32,
        timeout: Timeout,
        what: &'static str,
    ) -> Result<Option<Entered>, Error> {
        if timeout.duration() == Some(Duration::ZERO) {
            return Ok(None);
        }
        if !futex::can_block() {
            return Err(Error::WouldBlockOnMainThread(what));
        }
        let blocked = Blocked::on(self.s.id, timeout.duration().is_some())?;
        let entered = self.s.lock.enter_waiting(me, count, timeout.deadline());
        if entered.is_some() {
            blocked.succeeded();
        }
        Ok(entered)
    }

    /// Reports an enter; false if the lock was not taken.
    fn entered(&self, entered: Option<Entered>) -> Result<bool, Error> {
        match entered {
            None => Ok(false),
            Some(Entered::Took(count)) => {
                trace::emit(Kind::Acquire, self.s.id, count);
                Ok(true)
            }
            Some(Entered::Deeper(count)) => {
                trace::emit(Kind::Value, self.s.id, count);
                Ok(true)
            }
            Some(Entered::TooDeep) => Err(Error::Overflow("RLock recursion count is too large")),
        }
    }

    /// Releases one level. [`Error::NotOwner`] if the caller does not own it (also for one
    /// release too many). The last level frees the lock for others. Never blocks.
    pub fn release(&self) -> Result<(), Error> {
        match self.s.lock.exit(current_id()) {
            Ok(0) => trace::emit(Kind::Release, self.s.id, 0),
            Ok(left) => trace::emit(Kind::Value, self.s.id, left),
            Err(_) => return Err(Error::NotOwner),
        }
        Ok(())
    }

    /// `with rlock:` — acquires (re-entering if owned) and releases one level on drop.
    pub fn guard(&self) -> Result<RLockGuard<'_>, Error> {
        self.acquire(true, Timeout::FOREVER)?;
        Ok(RLockGuard {
            lock: self,
            _owner_thread: PhantomData,
        })
    }

    /// Whether anyone holds it.
    pub fn locked(&self) -> bool {
        self.s.lock.is_locked()
    }

    /// The caller's recursion count: 0 unless the caller owns it (CPython's
    /// `_recursion_count`).
    pub fn recursion_count(&self) -> u32 {
        if self.is_owned() {
            self.s.lock.count()
        } else {
            0
        }
    }

    /// Whether the caller owns it (CPython's `_is_owned`).
    pub fn is_owned(&self) -> bool {
        self.s.lock.is_owned_by(current_id())
    }

    /// Releases every level at once and returns the count (CPython's `_release_save`, used by
    /// [`crate::Condition::wait`]). [`Error::NotOwner`] if the caller does not own it.
    pub(crate) fn release_save(&self) -> Result<u32, Error> {
        let count = self
            .s
            .lock
            .exit_all(current_id())
            .map_err(|_| Error::NotOwner)?;
        trace::emit(Kind::Release, self.s.id, 0);
        Ok(count)
    }

    /// Takes the lock back with the saved count (CPython's `_acquire_restore`).
    pub(crate) fn acquire_restore(&self, count: u32) -> Result<(), Error> {
        let entered =
            self.enter_waiting(current_id(), count, Timeout::FOREVER, "Condition::wait")?;
        self.entered(entered).map(drop)
    }

    /// This lock's id in trace events and snapshots.
    pub fn trace_id(&self) -> u64 {
        self.s.id
    }
}

impl fmt::Debug for RLock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = if self.locked() { "locked" } else { "unlocked" };
        write!(
            f,
            "<{state} RLock object owner={} count={}>",
            self.s.lock.owner(),
            self.s.lock.count()
        )
    }
}

/// Makes a guard `!Send` (and `!Sync`), like std's `MutexGuard`: it must be dropped on the
/// thread that took the lock.
pub(crate) type NotSend = PhantomData<*const ()>;

/// Holds one level of an [`RLock`] until dropped.
///
/// It is neither `Send` nor `Sync`: an RLock has an owner, and only the owner may release it.
/// Dropped on another thread, the release would fail with [`Error::NotOwner`] (a `Drop`
/// cannot report it) and the lock would stay held for ever. So this does not compile:
///
/// ```compile_fail,E0277
/// let lock = concurrency::RLock::new();
/// let guard = lock.guard().unwrap();
/// std::thread::scope(|s| {
///     s.spawn(move || drop(guard)); // the guard cannot move to another thread
/// });
/// ```
///
/// while releasing on the owner's thread does:
///
/// ```
/// let lock = concurrency::RLock::new();
/// let guard = lock.guard().unwrap();
/// std::thread::scope(|s| {
///     s.spawn(|| assert!(!lock.is_owned())); // other threads may look
/// });
/// drop(guard);
/// assert!(!lock.locked());
/// ```
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
