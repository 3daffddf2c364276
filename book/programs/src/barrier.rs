//! "Barrier": workers do a round of work of different lengths, then wait for each other before
//! the next round. The action runs once per round, before anyone goes on. And a barrier that
//! breaks: one worker is late, and the others' timeout (or an `abort()`) breaks it for all.

use crate::common::{join_all, start_threads, Stop};
use concurrency::{monotonic, sleep, Barrier, Error};
use serde::Serialize;
use std::sync::atomic::{AtomicU32, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How a run of [`rounds`] ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Rounds {
    /// How many times the barrier tripped: `rounds`, unless it was aborted.
    pub trips: u32,
    /// Whether it ended broken (the page's Abort or Stop).
    pub broken: bool,
}

/// `threads` workers do `rounds` rounds; worker i works `(i + 1) * unit` per round. A stop, or
/// an `abort()` of the barrier, ends the rounds for everyone.
pub fn rounds(threads: usize, rounds: u32, unit: Duration, stop: &Stop) -> Result<Rounds, Error> {
    let trips = Arc::new(AtomicU32::new(0));
    let t = trips.clone();
    // ANCHOR: barrier
    let barrier = Arc::new(Barrier::with(
        threads as u32,
        Some(Box::new(move || {
            t.fetch_add(1, SeqCst); // once per round, before anyone goes on
        })),
        None,
    )?);
    concurrency::trace::set_label(barrier.trace_id(), "round barrier");
    let (b, s) = (barrier.clone(), stop.clone());
    let workers = start_threads("worker", threads, move |i| {
        for _ in 0..rounds {
            if s.requested() {
                b.abort(); // the page's Stop: this worker will not come, so nobody waits for it
                break;
            }
            sleep(unit * (i as u32 + 1))?; // this round's work: longer for higher i
            match b.wait(None) {
                Ok(_) => {} // nobody starts the next round before all finished this one
                Err(Error::BrokenBarrier) => break, // aborted: this round can never finish
                Err(e) => return Err(e),
            }
        }
        Ok(())
    })?;
    // ANCHOR_END: barrier
    stop.watch_barrier(&barrier); // the page's Stop and Abort buttons reach it
    join_all(&workers)?;
    Ok(Rounds {
        trips: trips.load(SeqCst),
        broken: barrier.broken(),
    })
}

/// A worker's `wait` returned: the barrier tripped.
pub const PASSED: &str = "passed";
/// A worker's own timeout ran out: its `wait` broke the barrier (and failed).
pub const TIMED_OUT: &str = "timed out: broke the barrier";
/// A worker's `wait` failed because someone else broke the barrier (before or while it waited).
pub const BROKEN: &str = "BrokenBarrierError";

/// How long a late worker with no timeout to respect stays away at most: then it comes, and
/// the barrier trips.
pub const LATEST: Duration = Duration::from_secs(60);

/// `threads` parties (at least 2). Workers `0..threads - 1` arrive one after another, 100 ms
/// apart (closer if that would take more than half of `timeout`), and wait at most `timeout` (`None`:
/// as long as it takes). The last worker is late by `late`; by default by `2 * timeout`, and
/// with no timeout it does not come on its own (only once the barrier is broken, by the
/// page's Abort or Stop, or after [`LATEST`]). A stop calls it in at once.
/// Returns each worker's outcome: [`PASSED`], [`TIMED_OUT`] or [`BROKEN`].
pub fn late_worker(
    threads: usize,
    timeout: Option<Duration>,
    late_by: Option<Duration>,
    stop: &Stop,
) -> Result<Vec<&'static str>, Error> {
    let late = threads.max(2) - 1;
    let barrier = Arc::new(Barrier::new(late as u32 + 1)?);
    concurrency::trace::set_label(barrier.trace_id(), "meeting barrier");
    stop.watch_barrier(&barrier);
    let outcomes = Arc::new(Mutex::new(vec![BROKEN; late + 1]));
    // Apart enough that the first to arrive is the first to time out, by a margin.
    let apart = Duration::from_millis(100);
    let step = timeout.map_or(apart, |t| apart.min(t / (2 * late as u32)));
    let (b, s, o) = (barrier.clone(), stop.clone(), outcomes.clone());
    let workers = start_threads("worker", late + 1, move |i| {
        if i == late {
            stay_away(late_by, timeout, &b, &s)?;
        } else {
            sleep(step * i as u32)?; // the on-time workers arrive one after another
        }
        // ANCHOR: broken
        let arrived = monotonic();
        let outcome = match b.wait(timeout) {
            Ok(_) => PASSED, // everyone came in time
            Err(Error::BrokenBarrier) if timeout.is_some_and(|t| monotonic() - arrived >= t) => {
                TIMED_OUT // my own timeout ran out: I broke it, for everyone
            }
            Err(Error::BrokenBarrier) => BROKEN, // someone else's timeout, or an abort()
            Err(e) => return Err(e),
        };
        // ANCHOR_END: broken
        if let Ok(mut all) = o.lock() {
            all[i] = outcome;
        }
        Ok(())
    })?;
    join_all(&workers)?;
    let all = outcomes.lock().map(|v| v.clone()).unwrap_or_default();
    Ok(all)
}

/// The late worker: away for `late_by` (by default twice the others' `timeout`), or until a
/// stop; by default with no timeout, until the barrier is broken (or [`LATEST`]).
fn stay_away(
    late_by: Option<Duration>,
    timeout: Option<Duration>,
    barrier: &Barrier,
    stop: &Stop,
) -> Result<(), Error> {
    let away = late_by.or(timeout.map(|t| 2 * t));
    let back = monotonic() + away.unwrap_or(LATEST).min(LATEST);
    let given_up = || away.is_none() && barrier.broken();
    while !stop.requested() && !given_up() {
        let left = back.saturating_sub(monotonic());
        if left.is_zero() {
            break;
        }
        sleep(left.min(Duration::from_millis(10)))?;
    }
    Ok(())
}
