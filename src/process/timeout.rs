//! `Process::join`'s timeout argument, with multiprocessing's rules, which differ from
//! threading's: a negative float timeout (also `-1.0`) waits not at all, like `0.0`, and is
//! not an error (MP-23). `None` waits forever.

use crate::error::Error;
use crate::time::{Timeout, TIMEOUT_MAX};
use std::time::Duration;

/// Anything `Process::join` accepts as a timeout: a [`Duration`], `Option<Duration>`
/// (`None`: forever), a [`Timeout`], or float seconds (negative: do not wait;
/// NaN: [`Error::InvalidArgument`]; more than [`TIMEOUT_MAX`]: [`Error::Overflow`]).
pub trait JoinTimeout {
    /// The wait, `None` for forever.
    fn into_wait(self) -> Result<Option<Duration>, Error>;
}

fn bounded(d: Duration) -> Result<Option<Duration>, Error> {
    if d > TIMEOUT_MAX {
        Err(Error::Overflow("timeout value is too large"))
    } else {
        Ok(Some(d))
    }
}

impl JoinTimeout for Duration {
    fn into_wait(self) -> Result<Option<Duration>, Error> {
        bounded(self)
    }
}

impl JoinTimeout for Option<Duration> {
    fn into_wait(self) -> Result<Option<Duration>, Error> {
        self.map_or(Ok(None), bounded)
    }
}

impl JoinTimeout for Timeout {
    fn into_wait(self) -> Result<Option<Duration>, Error> {
        self.duration().into_wait()
    }
}

impl JoinTimeout for f64 {
    fn into_wait(self) -> Result<Option<Duration>, Error> {
        if self.is_nan() {
            Err(Error::InvalidArgument("timeout must be a number, not NaN"))
        } else if self <= 0.0 {
            Ok(Some(Duration::ZERO))
        } else if self > TIMEOUT_MAX.as_secs_f64() {
            Err(Error::Overflow("timeout value is too large"))
        } else {
            Ok(Some(Duration::from_secs_f64(self)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negative_float_timeouts_wait_not_at_all() {
        assert_eq!((-1.0).into_wait(), Ok(Some(Duration::ZERO)));
        assert_eq!((-0.5).into_wait(), Ok(Some(Duration::ZERO)));
        assert_eq!(0.25.into_wait(), Ok(Some(Duration::from_millis(250))));
        assert_eq!(None::<Duration>.into_wait(), Ok(None));
        assert!(f64::NAN.into_wait().is_err());
        assert!(1e300.into_wait().is_err());
    }
}
