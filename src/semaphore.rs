//! `threading.Semaphore` and `BoundedSemaphore`: a pool of permits with no owner (any thread
//! may release, SM-15). The words and why no wake-up is lost: `algo/semaphore_word.rs`.

use crate::algo::semaphore_word::SemaphoreWord;
use crate::error::Error;
use crate::inspect::{self, Observed};
use crate::sys::futex;
use crate::thread::Blocked;
use crate::time::{IntoTimeout, Timeout};
use crate::trace::{self, Kind, ObjectKind};
use core::fmt;
use core::time::Duration;
use std::sync::Arc;

struct SemState {
    word: SemaphoreWord,
    id: u64,
    /// `Some(initial)` for a BoundedSemaphore.
    bound: Option<u32>,
}

impl Observed for SemState {
    fn id(&self) -> u64 {
        self.id
    }
    fn kind(&self) -> ObjectKind {
        if self.bound.is_some() {
            ObjectKind::BoundedSemaphore
        } else {
            ObjectKind::Semaphore
        }
    }
    fn holders(&self) -> Vec<u64> {
        Vec::new()
    }
    fn value(&self) -> u64 {
        u64::from(self.word.value())
    }
}

/// A counting semaphore (CPython's `threading.Semaphore`).
pub struct Semaphore {
    s: Arc<SemState>,
}

/// A semaphore that refuses to be released above its initial value.
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
    /// A semaphore with `value` permits. Negative: [`Error::InvalidArgument`].
    pub fn new(value: i64) -> Result<Semaphore, Error> {
        Ok(Semaphore::with_bound(initial(value)?, None))
    }

    fn with_bound(value: u32, bound: Option<u32>) -> Semaphore {
        let s = Arc::new(SemState {
            word: SemaphoreWord::new(value),
            id: trace::next_id(),
            bound,
        });
        inspect::register(&s);
        Semaphore { s }
    }

    /// CPython's `acquire(blocking=True, timeout=None)`: takes a permit, waiting up to
    /// `timeout` for one.
    ///
    /// * `blocking == false`: try once. *Any* timeout is then an [`Error::InvalidArgument`]
    ///   ("can't specify timeout for non-blocking acquire"), `-1.0` included, as in CPython
    ///   (SM-08): only "no timeout" (`None`, [`Timeout::FOREVER`]) is accepted. (Stricter than
    ///   [`crate::Lock::acquire`], which accepts `-1.0` there.)
    /// * `blocking == true`: the timeout follows [`IntoTimeout`]'s rules, as for a Lock.
    #[inline]
    pub fn acquire(&self, blocking: bool, timeout: impl IntoTimeout) -> Result<bool, Error> {
        if !blocking && timeout.is_given() {
            return Err(Error::InvalidArgument(
                "can't specify timeout for non-blocking acquire",
            ));
        }
        let timeout = timeout.into_timeout()?;
        if self.try_take() {
            return Ok(true);
        }
        if !blocking {
            return Ok(false);
        }
        self.acquire_slow(timeout)
    }

    #[inline]
    fn try_take(&self) -> bool {
        match self.s.word.try_take() {
            Some(left) => {
                trace::emit(Kind::Value, self.s.id, left);
                true
            }
            None => false,
        }
    }

    #[cold]
    fn acquire_slow(&self, timeout: Timeout) -> Result<bool, Error> {
        if timeout.duration() == Some(Duration::ZERO) {
            return Ok(false);
        }
        if !futex::can_block() {
            return Err(Error::WouldBlockOnMainThread("Semaphore::acquire"));
        }
        let blocked = Blocked::on(self.s.id, timeout.duration().is_some())?;
        match self.s.word.take_waiting(timeout.deadline()) {
            Some(left) => {
                blocked.succeeded();
                trace::emit(Kind::Value, self.s.id, left);
                Ok(true)
            }
            None => Ok(false),
        }
    }

    /// `acquire(false)`.
    pub fn try_acquire(&self) -> bool {
        self.try_take()
    }

    /// Adds `n` permits and wakes up to `n` waiters. `n == 0`: [`Error::InvalidArgument`].
    /// Never blocks: callable on the browser's main thread.
    pub fn release(&self, n: u32) -> Result<(), Error> {
        if n == 0 {
            return Err(Error::InvalidArgument("n must be one or more"));
        }
        let limit = self.s.bound.unwrap_or(u32::MAX);
        let value = self
            .s
            .word
            .release(n, limit)
            .map_err(|_| match self.s.bound {
                Some(_) => Error::TooManyReleases,
                None => Error::Overflow("semaphore value is too large"),
            })?;
        trace::emit(Kind::Value, self.s.id, value);
        Ok(())
    }

    /// `with sem:` — takes a permit, gives it back on drop.
    pub fn guard(&self) -> Result<SemaphoreGuard<'_>, Error> {
        self.acquire(true, Timeout::FOREVER)?;
        Ok(SemaphoreGuard { sem: self })
    }

    /// Free permits now.
    pub fn value(&self) -> u32 {
        self.s.word.value()
    }

    /// This semaphore's id in trace events and snapshots.
    pub fn trace_id(&self) -> u64 {
        self.s.id
    }
}

impl BoundedSemaphore {
    /// A bounded semaphore with `value` permits, which is also its maximum.
    pub fn new(value: i64) -> Result<BoundedSemaphore, Error> {
        let v = initial(value)?;
        Ok(BoundedSemaphore {
            sem: Semaphore::with_bound(v, Some(v)),
        })
    }

    /// As [`Semaphore::acquire`].
    pub fn acquire(&self, blocking: bool, timeout: impl IntoTimeout) -> Result<bool, Error> {
        self.sem.acquire(blocking, timeout)
    }

    /// As [`Semaphore::try_acquire`].
    pub fn try_acquire(&self) -> bool {
        self.sem.try_acquire()
    }

    /// As [`Semaphore::release`], but releasing past the initial value is
    /// [`Error::TooManyReleases`] and changes nothing (even if part of `n` would fit).
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
        self.sem.s.bound.unwrap_or(0)
    }

    /// This semaphore's id in trace events and snapshots.
    pub fn trace_id(&self) -> u64 {
        self.sem.trace_id()
    }
}

impl fmt::Debug for Semaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<Semaphore object value={}>", self.value())
    }
}

impl fmt::Debug for BoundedSemaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "<BoundedSemaphore object value={}/{}>",
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
