//! "Barrier": workers do a round of work of different lengths, then wait for each other before
//! the next round. The action runs once per round, before anyone goes on.

use crate::common::{join_all, start_threads};
use concurrency::{sleep, Barrier, Error};
use std::sync::atomic::{AtomicU32, Ordering::SeqCst};
use std::sync::Arc;
use std::time::Duration;

/// `threads` workers do `rounds` rounds; worker i works `(i + 1) * unit` per round.
/// Returns how many times the barrier tripped (always `rounds`).
pub fn rounds(threads: usize, rounds: u32, unit: Duration) -> Result<u32, Error> {
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
    let b = barrier.clone();
    let workers = start_threads("worker", threads, move |i| {
        for _ in 0..rounds {
            sleep(unit * (i as u32 + 1))?; // this round's work: longer for higher i
            b.wait(None)?; // nobody starts the next round before all finished this one
        }
        Ok(())
    })?;
    // ANCHOR_END: barrier
    join_all(&workers)?;
    Ok(trips.load(SeqCst))
}
