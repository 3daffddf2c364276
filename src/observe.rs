//! Who is watching: one word of flags that every primitive's fast path reads once (a relaxed
//! load) to decide whether it has anything to report. Nobody watching costs that one load.

use crate::primitive::{AtomicU32, Ordering::Relaxed};

static FLAGS: AtomicU32 = AtomicU32::new(0);

/// The trace ring records events.
pub(crate) const TRACE: u32 = 1;
/// Holders are recorded for `inspect` (snapshots, the wait-for graph).
pub(crate) const INSPECT: u32 = 2;
/// A wait that would close a cycle in the wait-for graph fails with `Error::Deadlock`.
pub(crate) const DETECT: u32 = 4;

#[inline]
pub(crate) fn any() -> bool {
    FLAGS.load(Relaxed) != 0
}

#[inline]
pub(crate) fn on(flag: u32) -> bool {
    FLAGS.load(Relaxed) & flag != 0
}

pub(crate) fn set(flag: u32, enabled: bool) {
    if enabled {
        FLAGS.fetch_or(flag, Relaxed);
    } else {
        FLAGS.fetch_and(!flag, Relaxed);
    }
}
