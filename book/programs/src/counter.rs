//! "Threads and locks": N threads each add 1 to a shared counter many times, first without a
//! lock (updates get lost), then with a [`Lock`] (the total is always exact).

use concurrency::{Error, Lock, Thread};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;

/// Starts `threads` threads that each run `work`, then joins them all.
fn run_all(threads: usize, work: impl Fn() + Clone + Send + 'static) -> Result<(), Error> {
    // ANCHOR: start_join
    let workers: Vec<Thread> = (0..threads)
        .map(|i| {
            Thread::builder()
                .name(format!("adder-{i}"))
                .target(work.clone())
                .build()
        })
        .collect();
    for t in &workers {
        t.start()?;
    }
    for t in &workers {
        t.join(None)?;
    }
    // ANCHOR_END: start_join
    Ok(())
}

/// Every thread does `counter += 1` with no lock. Returns the final count, which is usually
/// less than `threads * iterations` when threads really run in parallel.
pub fn count_without_lock(threads: usize, iterations: u64) -> Result<u64, Error> {
    // ANCHOR: without_lock
    let counter = Arc::new(AtomicU64::new(0));
    let c = counter.clone();
    run_all(threads, move || {
        for _ in 0..iterations {
            // Python's `counter += 1` is three steps: read, add, write back.
            // Another thread can read the same old value in between: one update is lost.
            let old = c.load(Relaxed);
            c.store(old + 1, Relaxed);
        }
    })?;
    // ANCHOR_END: without_lock
    Ok(counter.load(Relaxed))
}

/// The same, with every read-add-write inside `with lock:`. Always `threads * iterations`.
pub fn count_with_lock(threads: usize, iterations: u64) -> Result<u64, Error> {
    // ANCHOR: with_lock
    let counter = Arc::new(AtomicU64::new(0));
    let lock = Arc::new(Lock::new());
    concurrency::trace::set_label(lock.trace_id(), "counter lock");
    let (c, l) = (counter.clone(), lock.clone());
    run_all(threads, move || {
        for _ in 0..iterations {
            let Ok(_held) = l.guard() else { return }; // `with lock:`
            let old = c.load(Relaxed);
            c.store(old + 1, Relaxed);
        } // `_held` is dropped here: the lock is released
    })?;
    // ANCHOR_END: with_lock
    Ok(counter.load(Relaxed))
}
