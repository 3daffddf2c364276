//! `threading.Condition`: wait until notified, over a Lock or (by default) an RLock. Like
//! CPython's, it queues its waiters (FIFO), so waits return true only when really notified and
//! `notify(n)` wakes at most `n`: see `algo/wait_queue.rs`.

use crate::algo::wait_queue::WaitQueue;
use crate::error::Error;
use crate::inspect::{self, Observed};
use crate::rlock::NotSend;
use crate::sys::futex;
use crate::thread::Blocked;
use crate::time::{IntoTimeout, Timeout};
use crate::trace::{self, Kind, ObjectKind};
use crate::{Lock, RLock};
use core::fmt;
use core::marker::PhantomData;
use core::time::Duration;
use std::sync::Arc;

/// The lock under a condition.
#[derive(Clone)]
pub enum ConditionLock {
    /// A plain Lock: "owned" means "locked" (CPython's fallback `_is_owned`).
    Lock(Arc<Lock>),
    /// An RLock (the default): owned by a thread, fully released across a wait.
    RLock(Arc<RLock>),
}

impl ConditionLock {
    /// The lock's id in trace events and snapshots.
    pub fn trace_id(&self) -> u64 {
        match self {
            ConditionLock::Lock(l) => l.trace_id(),
            ConditionLock::RLock(l) => l.trace_id(),
        }
    }
}

impl fmt::Debug for ConditionLock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConditionLock::Lock(l) => l.fmt(f),
            ConditionLock::RLock(l) => l.fmt(f),
        }
    }
}

struct CondState {
    queue: WaitQueue,
    id: u64,
}

impl Observed for CondState {
    fn id(&self) -> u64 {
        self.id
    }
    fn kind(&self) -> ObjectKind {
        ObjectKind::Condition
    }
    fn holders(&self) -> Vec<u64> {
        Vec::new()
    }
    fn value(&self) -> u64 {
        self.queue.len() as u64
    }
}

/// A condition variable (CPython's `threading.Condition`).
pub struct Condition {
    lock: ConditionLock,
    s: Arc<CondState>,
}

impl Default for Condition {
    fn default() -> Condition {
        Condition::new()
    }
}

impl Condition {
    /// A condition over a new RLock (CPython's `Condition()`).
    pub fn new() -> Condition {
        Condition::with_lock(ConditionLock::RLock(Arc::new(RLock::new())))
    }

    /// A condition over the given lock (CPython's `Condition(lock)`).
    pub fn with_lock(lock: ConditionLock) -> Condition {
        let s = Arc::new(CondState {
            queue: WaitQueue::new(),
            id: trace::next_id(),
        });
        inspect::register(&s);
        Condition { lock, s }
    }

    /// The underlying lock.
    pub fn lock(&self) -> &ConditionLock {
        &self.lock
    }

    /// Acquires the underlying lock (its rules).
    pub fn acquire(&self, blocking: bool, timeout: impl IntoTimeout) -> Result<bool, Error> {
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

    /// `with cond:` — holds the underlying lock until dropped.
    pub fn guard(&self) -> Result<ConditionGuard<'_>, Error> {
        self.acquire(true, Timeout::FOREVER)?;
        Ok(ConditionGuard {
            cond: self,
            _owner_thread: PhantomData,
        })
    }

    fn is_owned(&self) -> bool {
        match &self.lock {
            ConditionLock::Lock(l) => l.locked(),
            ConditionLock::RLock(l) => l.is_owned(),
        }
    }

    /// Releases the lock (all levels of an RLock), waits until notified or `timeout` passes,
    /// re-acquires the lock (as before), and returns whether it was notified.
    ///
    /// [`Error::WaitNotOwned`] if the caller does not hold the lock.
    pub fn wait(&self, timeout: impl IntoTimeout) -> Result<bool, Error> {
        let timeout = timeout.into_timeout()?;
        if !self.is_owned() {
            return Err(Error::WaitNotOwned);
        }
        if timeout.duration() == Some(Duration::ZERO) {
            return Ok(false);
        }
        if !futex::can_block() {
            return Err(Error::WouldBlockOnMainThread("Condition::wait"));
        }
        let blocked = Blocked::on(self.s.id, timeout.duration().is_some())?;
        let me = self.s.queue.enqueue();
        let released = match &self.lock {
            ConditionLock::Lock(l) => l.release().map(|()| 1),
            ConditionLock::RLock(l) => l.release_save(),
        };
        let saved = match released {
            Ok(levels) => levels,
            Err(e) => {
                self.s.queue.cancel(&me);
                return Err(e);
            }
        };
        let notified = self.s.queue.wait(&me, timeout.deadline(), true);
        if notified {
            blocked.succeeded();
        } else {
            drop(blocked);
        }
        match &self.lock {
            ConditionLock::Lock(l) => l.acquire(true, Timeout::FOREVER).map(drop)?,
            ConditionLock::RLock(l) => l.acquire_restore(saved)?,
        }
        Ok(notified)
    }

    /// Waits until `predicate()` is true (checked first, then after each wake-up), up to
    /// `timeout` in total. Returns the predicate's last value.
    pub fn wait_for(
        &self,
        mut predicate: impl FnMut() -> bool,
        timeout: impl IntoTimeout,
    ) -> Result<bool, Error> {
        let deadline = timeout.into_timeout()?.deadline();
        loop {
            if predicate() {
                return Ok(true);
            }
            let left = match deadline {
                None => Timeout::FOREVER,
                Some(d) => match d.remaining() {
                    Some(left) => Timeout::after(left),
                    None => return Ok(false),
                },
            };
            self.wait(left)?;
        }
    }

    /// Wakes at most `n` waiters (oldest first). [`Error::NotifyNotOwned`] without the lock.
    /// The woken threads run once the caller releases the lock.
    pub fn notify(&self, n: usize) -> Result<(), Error> {
        if !self.is_owned() {
            return Err(Error::NotifyNotOwned);
        }
        let woken = self.s.queue.notify(n);
        trace::emit(Kind::Notify, self.s.id, woken as u32);
        Ok(())
    }

    /// Wakes every waiter.
    pub fn notify_all(&self) -> Result<(), Error> {
        self.notify(usize::MAX)
    }

    /// This condition's id in trace events and snapshots.
    pub fn trace_id(&self) -> u64 {
        self.s.id
    }
}

/// Holds a [`Condition`]'s lock until dropped.
///
/// It is neither `Send` nor `Sync`, whichever lock the condition has: over an RLock (the
/// default) only the owner may release it, and a guard dropped on another thread would fail
/// to release (a `Drop` cannot report [`Error::NotOwner`]) and leave the lock held for ever.
/// So this does not compile:
///
/// ```compile_fail,E0277
/// let cond = concurrency::Condition::new();
/// let guard = cond.guard().unwrap();
/// std::thread::scope(|s| {
///     s.spawn(move || drop(guard)); // the guard cannot move to another thread
/// });
/// ```
///
/// while using it on the thread that took it does:
///
/// ```
/// let cond = concurrency::Condition::new();
/// let guard = cond.guard().unwrap();
/// assert_eq!(guard.wait(0.01), Ok(false)); // nobody notifies: times out, lock taken back
/// drop(guard);
/// assert!(cond.acquire(false, None).unwrap());
/// ```
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct ConditionGuard<'a> {
    cond: &'a Condition,
    _owner_thread: NotSend,
}

impl ConditionGuard<'_> {
    /// `cond.wait(timeout)` while holding the guard.
    pub fn wait(&self, timeout: impl IntoTimeout) -> Result<bool, Error> {
        self.cond.wait(timeout)
    }

    /// `cond.wait_for(predicate, timeout)` while holding the guard.
    pub fn wait_for(
        &self,
        predicate: impl FnMut() -> bool,
        timeout: impl IntoTimeout,
    ) -> Result<bool, Error> {
        self.cond.wait_for(predicate, timeout)
    }

    /// `cond.notify(n)`.
    pub fn notify(&self, n: usize) -> Result<(), Error> {
        self.cond.notify(n)
    }

    /// `cond.notify_all()`.
    pub fn notify_all(&self) -> Result<(), Error> {
        self.cond.notify_all()
    }
}

impl Drop for ConditionGuard<'_> {
    fn drop(&mut self) {
        let _ = self.cond.release();
    }
}

/// CPython's repr: `<Condition(<its lock>, <number of waiters>)>`.
impl fmt::Debug for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<Condition({:?}, {})>", self.lock, self.s.queue.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_shows_the_lock_and_the_waiters_like_cpython() {
        let cond = Condition::new();
        let repr = format!("{cond:?}");
        assert!(
            repr.starts_with("<Condition(<unlocked RLock object"),
            "{repr}"
        );
        assert!(repr.ends_with(", 0)>"), "{repr}");
        let over_lock = Condition::with_lock(ConditionLock::Lock(Arc::new(Lock::new())));
        let repr = format!("{over_lock:?}");
        assert!(
            repr.starts_with("<Condition(<unlocked Lock object"),
            "{repr}"
        );
    }
}
