//! "Event": threads wait for a signal. The page's Set button calls `set()` on the browser's
//! main thread (it never blocks); every waiter wakes at once.

use crate::common::{join_all, start_threads};
use concurrency::{Error, Event};
use std::sync::Arc;
use std::time::Duration;

/// Starts `runners` threads that wait for `start` (up to `patience`), then joins them.
/// Returns how many saw the signal (the others gave up).
pub fn starting_line(
    start: Arc<Event>,
    runners: usize,
    patience: Duration,
) -> Result<usize, Error> {
    concurrency::trace::set_label(start.trace_id(), "starting gun");
    let seen = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let (s, n) = (start.clone(), seen.clone());
    // ANCHOR: wait
    let runners = start_threads("runner", runners, move |_| {
        if s.wait(patience)? {
            // set() happened: run!
            n.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
        Ok(())
    })?;
    // ANCHOR_END: wait
    join_all(&runners)?;
    Ok(seen.load(std::sync::atomic::Ordering::SeqCst))
}
