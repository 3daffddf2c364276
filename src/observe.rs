//! Who is watching: one word of flags that every primitive's fast path reads once (a relaxed
//! load) to decide whether it has anything to report. Nobody watching costs that one load.
//!
//! What is recorded only while someone watches (a plain Lock's last acquirer) is stale after
//! a time when nobody did: the lock may have changed hands unseen. So when watching starts
//! again (all flags off → one on), every such record is forgotten first
//! (`inspect::forget_holders`); a holder is then either recorded since or unknown, never old.

use crate::primitive::{AtomicU32, Ordering::Relaxed};

static FLAGS: AtomicU32 = AtomicU32::new(0);

/// The trace ring records events.
pub(crate) const TRACE: u32 = 1;
/// Holders are recorded for `inspect` (snapshots, the wait-for graph).
pub(crate) const INSPECT: u32 = 2;
/// A wait that would close a certain cycle in the wait-for graph fails with `Error::Deadlock`.
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
        if FLAGS.load(Relaxed) == 0 {
            // Before the flag goes up: an acquire that still sees it down leaves the holder
            // unknown, not stale.
            crate::inspect::forget_holders();
        }
        FLAGS.fetch_or(flag, Relaxed);
    } else {
        FLAGS.fetch_and(!flag, Relaxed);
    }
}
