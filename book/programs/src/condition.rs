//! "Condition": producers and consumers share a bounded buffer. A producer waits while it is
//! full, a consumer while it is empty; each change is announced with `notify_all`.

use crate::common::{join_all, start_threads, Stop};
use concurrency::{sleep, Condition, Error};
use std::sync::atomic::{AtomicU32, Ordering::Relaxed};
use std::sync::Arc;
use std::time::Duration;

/// The buffer's bookkeeping, only ever touched while holding the condition's lock.
struct Shelf {
    cond: Condition,
    items: AtomicU32,
    capacity: u32,
    producers_left: AtomicU32,
}

/// Returns how many items were consumed (always `producers * per_producer`; fewer if stopped:
/// the producers stop making items, the consumers take what is left).
pub fn shelf(
    producers: usize,
    consumers: usize,
    per_producer: u32,
    capacity: u32,
    work: Duration,
    stop: &Stop,
) -> Result<u64, Error> {
    let shelf = Arc::new(Shelf {
        cond: Condition::new(),
        items: AtomicU32::new(0),
        capacity: capacity.max(1),
        producers_left: AtomicU32::new(producers as u32),
    });
    concurrency::trace::set_label(shelf.cond.trace_id(), "shelf condition");
    concurrency::trace::set_label(shelf.cond.lock().trace_id(), "shelf lock");
    let consumed = Arc::new(AtomicU32::new(0));
    let (s, stop) = (shelf.clone(), stop.clone());
    // ANCHOR: producer
    let makers = start_threads("producer", producers, move |_| {
        for _ in 0..per_producer {
            if stop.requested() {
                break; // the page's Stop button
            }
            sleep(work)?; // make an item
            let held = s.cond.guard()?; // `with cond:`
            held.wait_for(|| s.items.load(Relaxed) < s.capacity, None)?; // room?
            s.items.fetch_add(1, Relaxed);
            held.notify_all()?; // wake consumers waiting for an item
        }
        let _held = s.cond.guard()?;
        s.producers_left.fetch_sub(1, Relaxed);
        s.cond.notify_all()
    })?;
    // ANCHOR_END: producer
    let (s, c) = (shelf.clone(), consumed.clone());
    // ANCHOR: consumer
    let takers = start_threads("consumer", consumers, move |_| loop {
        {
            let held = s.cond.guard()?;
            let ready = || s.items.load(Relaxed) > 0 || s.producers_left.load(Relaxed) == 0;
            held.wait_for(ready, None)?; // an item, or the end
            if s.items.load(Relaxed) == 0 {
                return Ok(()); // no items and no producers: done
            }
            s.items.fetch_sub(1, Relaxed);
            held.notify_all()?; // wake producers waiting for room
        }
        c.fetch_add(1, Relaxed);
        sleep(work)?; // use the item, without holding the lock
    })?;
    // ANCHOR_END: consumer
    join_all(&makers)?;
    join_all(&takers)?;
    Ok(u64::from(consumed.load(Relaxed)))
}
