//! "Threads and locks": N threads each add 1 to a shared counter many times, first without a
//! lock (updates get lost), then with a [`Lock`] (the total is always exact).
//!
//! A race needs overlap: the adders wait at a start gate (an [`Event`]) until all of them are
//! started, then begin together. Without it, each adder could finish before the next one has
//! even started on its worker, and nothing would be lost.
//!
//! The unlocked loop passes its value through [`black_box`]: otherwise the optimizer fuses the
//! load and the store into one read-modify-write instruction (`inc [mem]` on x86), which
//! shrinks the window between read and write to almost nothing. Python's `counter += 1` runs
//! several bytecodes between the two; the demo keeps them apart too.

use crate::common::Stop;
use concurrency::{Error, Event, Lock, Thread};
use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;

/// Starts `threads` threads that each run `work` once the start gate opens, then joins them.
fn run_all(threads: usize, work: impl Fn() + Clone + Send + 'static) -> Result<(), Error> {
    // ANCHOR: start_join
    let gate = Arc::new(Event::new()); // the start gate
    concurrency::trace::set_label(gate.trace_id(), "start gate");
    let workers: Vec<Thread> = (0..threads)
        .map(|i| {
            let (g, work) = (gate.clone(), work.clone());
            Thread::builder()
                .name(format!("adder-{i}"))
                .target(move || {
                    if let Ok(true) = g.wait(None) {
                        work(); // everyone starts here at (nearly) the same moment
                    }
                })
                .build()
        })
        .collect();
    let started = workers.iter().try_for_each(Thread::start);
    gate.set(); // all are started (or one failed: let the others go and end)
    started?;
    for t in &workers {
        t.join(None)?;
    }
    // ANCHOR_END: start_join
    Ok(())
}

/// Every thread does `counter += 1` with no lock. Returns the final count, which is usually
/// less than `threads * iterations` when threads really run in parallel. A stop ends every
/// thread's loop early.
pub fn count_without_lock(threads: usize, iterations: u64, stop: &Stop) -> Result<u64, Error> {
    // ANCHOR: without_lock
    let counter = Arc::new(AtomicU64::new(0));
    let (c, s) = (counter.clone(), stop.clone());
    run_all(threads, move || {
        for _ in 0..iterations {
            if s.requested() {
                break; // the page's Stop button
            }
            // Python's `counter += 1` is three steps: read, add, write back.
            // Another thread can read the same old value in between: one update is lost.
            let old = c.load(Relaxed); // read
            c.store(black_box(old) + 1, Relaxed); // add, write back (`black_box`: see below)
        }
    })?;
    // ANCHOR_END: without_lock
    Ok(counter.load(Relaxed))
}

/// The same, with every read-add-write inside `with lock:`. Always `threads * iterations`
/// (unless stopped).
pub fn count_with_lock(threads: usize, iterations: u64, stop: &Stop) -> Result<u64, Error> {
    // ANCHOR: with_lock
    let counter = Arc::new(AtomicU64::new(0));
    let lock = Arc::new(Lock::new());
    concurrency::trace::set_label(lock.trace_id(), "counter lock");
    let (c, l, s) = (counter.clone(), lock.clone(), stop.clone());
    run_all(threads, move || {
        for _ in 0..iterations {
            if s.requested() {
                break; // the page's Stop button
            }
            let Ok(_held) = l.guard() else { return }; // `with lock:`
            let old = c.load(Relaxed);
            c.store(old + 1, Relaxed);
        } // `_held` is dropped here: the lock is released
    })?;
    // ANCHOR_END: with_lock
    Ok(counter.load(Relaxed))
}
