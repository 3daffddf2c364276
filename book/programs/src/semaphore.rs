//! "Semaphore": a pool of permits. At most `permits` threads are inside at once; the others
//! wait for one to come back. And "BoundedSemaphore": giving back more than was taken is an
//! error, not a silent extra permit.

use crate::common::{join_all, start_threads, Stop};
use concurrency::{sleep, BoundedSemaphore, Error, Semaphore};
use std::sync::atomic::{AtomicU32, Ordering::SeqCst};
use std::sync::Arc;
use std::time::Duration;

/// `threads` downloads share `permits` connections. Returns the most that ever ran at once.
/// After a stop, the downloads not yet begun are skipped.
pub fn downloads(threads: usize, permits: i64, work: Duration, stop: &Stop) -> Result<u32, Error> {
    // ANCHOR: pool
    let connections = Arc::new(Semaphore::new(permits)?);
    let (inside, most) = (Arc::new(AtomicU32::new(0)), Arc::new(AtomicU32::new(0)));
    concurrency::trace::set_label(connections.trace_id(), "connections");
    let (c, i, m) = (connections.clone(), inside.clone(), most.clone());
    let s = stop.clone();
    let downloads = start_threads("download", threads, move |_| {
        let _permit = c.guard()?; // `with connections:` waits while all permits are out
        if s.requested() {
            return Ok(()); // the page's Stop button: skip the download
        }
        let now = i.fetch_add(1, SeqCst) + 1;
        m.fetch_max(now, SeqCst);
        sleep(work)?; // the download
        i.fetch_sub(1, SeqCst);
        Ok(())
    })?; // the permit goes back when `_permit` is dropped
         // ANCHOR_END: pool
    join_all(&downloads)?;
    Ok(most.load(SeqCst))
}

/// Takes one permit of a `BoundedSemaphore(2)` and gives back two. Returns the error of the
/// extra release and the value afterwards (still 2: the failed release changed nothing).
pub fn over_release() -> Result<(Error, u32), Error> {
    // ANCHOR: bounded
    let sem = BoundedSemaphore::new(2)?;
    sem.acquire(true, None)?;
    sem.release(1)?; // back to 2
    let mistake = sem.release(1); // one more than was taken
                                  // ANCHOR_END: bounded
    match mistake {
        Err(e) => Ok((e, sem.value())),
        Ok(()) => Err(Error::InvalidArgument(
            "a BoundedSemaphore accepted an extra release",
        )),
    }
}
