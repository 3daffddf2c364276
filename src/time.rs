//! Timeouts with CPython's argument rules, and deadlines on the crate's monotonic clock.

use crate::error::Error;
use core::time::Duration;

/// The largest timeout accepted, as CPython's `threading.TIMEOUT_MAX` on Linux (about 292
/// years: the nanoseconds that fit in an `i64`). Larger values are an [`Error::Overflow`].
pub const TIMEOUT_MAX: Duration = Duration::from_nanos(i64::MAX as u64);

/// How long a blocking call may wait.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timeout(Option<Duration>);

impl Timeout {
    /// Wait as long as it takes (CPython's `timeout=-1`, or `None` for `join`/`wait`).
    pub const FOREVER: Timeout = Timeout(None);

    /// Wait at most `d`.
    pub const fn after(d: Duration) -> Timeout {
        Timeout(Some(d))
    }

    /// The duration, or `None` for forever.
    pub const fn duration(self) -> Option<Duration> {
        self.0
    }

    /// The deadline this timeout gives from now.
    pub fn deadline(self) -> Option<Deadline> {
        self.0.map(Deadline::after)
    }
}

/// Anything that can be a timeout argument: a [`Duration`], `Option<Duration>` (`None` is
/// forever), a [`Timeout`], or float seconds with CPython's rules (`-1.0` is forever, other
/// negatives and NaN are [`Error::InvalidArgument`], more than [`TIMEOUT_MAX`] is
/// [`Error::Overflow`]).
pub trait IntoTimeout: Sized {
    /// Validates and converts.
    fn into_timeout(self) -> Result<Timeout, Error>;

    /// Validates and converts with the `queue` module's rule: float seconds must not be
    /// negative at all (`-1.0` is an error, not "forever"); `None` is forever.
    fn into_queue_timeout(self) -> Result<Timeout, Error> {
        self.into_timeout()
    }

    /// Whether this argument is a timeout at all, for the calls where giving one matters
    /// (CPython's `timeout is not None` in `Semaphore.acquire`, where a non-blocking call with
    /// a timeout is a `ValueError`). `None` and [`Timeout::FOREVER`] are no timeout; every
    /// float is one, even `-1.0` (which is "forever" only to `Lock.acquire`).
    fn is_given(&self) -> bool {
        true
    }
}

impl IntoTimeout for Timeout {
    fn into_timeout(self) -> Result<Timeout, Error> {
        match self.0 {
            Some(d) if d > TIMEOUT_MAX => Err(Error::Overflow("timeout value is too large")),
            _ => Ok(self),
        }
    }

    fn is_given(&self) -> bool {
        *self != Timeout::FOREVER
    }
}

impl IntoTimeout for Duration {
    fn into_timeout(self) -> Result<Timeout, Error> {
        Timeout::after(self).into_timeout()
    }
}

impl IntoTimeout for Option<Duration> {
    fn into_timeout(self) -> Result<Timeout, Error> {
        Timeout(self).into_timeout()
    }

    fn is_given(&self) -> bool {
        self.is_some()
    }
}

impl IntoTimeout for f64 {
    fn into_queue_timeout(self) -> Result<Timeout, Error> {
        if self.is_nan() || self < 0.0 {
            return Err(Error::InvalidArgument(
                "'timeout' must be a non-negative number",
            ));
        }
        self.into_timeout()
    }

    fn into_timeout(self) -> Result<Timeout, Error> {
        if self == -1.0 {
            Ok(Timeout::FOREVER)
        } else if self.is_nan() || self < 0.0 {
            Err(Error::InvalidArgument(
                "timeout value must be a non-negative number",
            ))
        } else if self > TIMEOUT_MAX.as_secs_f64() {
            Err(Error::Overflow("timeout value is too large"))
        } else {
            Ok(Timeout::after(Duration::from_secs_f64(self)))
        }
    }
}

/// A point on the crate's monotonic clock ([`crate::sys::now`]).
#[derive(Clone, Copy, Debug)]
pub struct Deadline {
    at: Duration,
}

impl Deadline {
    /// `d` from now (saturating far in the future).
    pub fn after(d: Duration) -> Deadline {
        Deadline {
            at: crate::sys::now().saturating_add(d),
        }
    }

    /// Time left, or `None` once the deadline has passed.
    pub fn remaining(self) -> Option<Duration> {
        let left = self.at.checked_sub(crate::sys::now())?;
        (!left.is_zero()).then_some(left)
    }
}

/// Seconds on the crate's monotonic clock, comparable across threads and (in a browser)
/// workers: Python's `time.monotonic()`, as a `Duration`.
pub fn monotonic() -> Duration {
    crate::sys::now()
}

/// Suspends the calling thread for `d` (Python's `time.sleep`). On the browser's main thread,
/// where nothing may block, it returns [`Error::WouldBlockOnMainThread`] (a zero sleep is fine).
pub fn sleep(d: Duration) -> Result<(), Error> {
    if d.is_zero() {
        return Ok(());
    }
    if !crate::sys::futex::can_block() {
        return Err(Error::WouldBlockOnMainThread("sleep"));
    }
    let deadline = Deadline::after(d);
    let word = crate::primitive::AtomicU32::new(0);
    while let Some(left) = deadline.remaining() {
        crate::sys::futex::wait(&word, 0, Some(left));
    }
    Ok(())
}
