//! "Queues": producers put items, consumers take them, `task_done` marks each one processed and
//! `join` waits for all of them; `shutdown` ends the pipeline. And the three orders a queue can
//! hand items out in.

use crate::common::{join_all, start_threads, Stop};
use concurrency::{sleep, Error, LifoQueue, PriorityQueue, Queue};
use std::sync::atomic::{AtomicU32, Ordering::SeqCst};
use std::sync::Arc;
use std::time::Duration;

/// How a pipeline run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Counts {
    /// Items the producers put.
    pub made: u32,
    /// Items the consumers finished.
    pub used: u32,
}

/// Runs `producers` threads putting `items` each into `queue` (waiting `make` per item) and
/// `consumers` threads taking them (working `take` per item), until every item is done or
/// someone calls `queue.shutdown(..)`. A stop ends the producers' loops (the page's Stop
/// also shuts the queue down, at once).
pub fn pipeline(
    queue: Arc<Queue<u32>>,
    producers: usize,
    consumers: usize,
    items: u32,
    make: Duration,
    take: Duration,
    stop: &Stop,
) -> Result<Counts, Error> {
    concurrency::trace::set_label(queue.trace_id(), "work queue");
    let (made, used) = (Arc::new(AtomicU32::new(0)), Arc::new(AtomicU32::new(0)));
    let (q, m, s) = (queue.clone(), made.clone(), stop.clone());
    // ANCHOR: producer
    let makers = start_threads("producer", producers, move |p| {
        for i in 0..items {
            if s.requested() {
                break; // the page's Stop button
            }
            sleep(make)?; // make an item
            match q.put(p as u32 * 1000 + i, true, None) {
                Ok(()) => m.fetch_add(1, SeqCst),
                Err(e) if e.error == Error::ShutDown => break, // the pipeline was stopped
                Err(e) => return Err(e.error), // (the item is in `e.item`: nothing is lost)
            };
        }
        Ok(())
    })?;
    // ANCHOR_END: producer
    let (q, u) = (queue.clone(), used.clone());
    // ANCHOR: consumer
    let takers = start_threads("consumer", consumers, move |_| {
        for _item in &*q {
            // `for item in queue` runs until the queue is shut down and drained
            sleep(take)?; // use the item
            q.task_done()?;
            u.fetch_add(1, SeqCst);
        }
        Ok(())
    })?;
    // ANCHOR_END: consumer
    // ANCHOR: main
    join_all(&makers)?; // every item is in the queue (or the queue was shut down)
    queue.join()?; // ... and every item put was marked done
    queue.shutdown(false); // the consumers' loops end
    join_all(&takers)?;
    // ANCHOR_END: main
    Ok(Counts {
        made: made.load(SeqCst),
        used: used.load(SeqCst),
    })
}

/// The same items through a Queue, a LifoQueue and a PriorityQueue: the orders they come out.
pub fn orders(items: &[u32]) -> Result<[Vec<u32>; 3], Error> {
    // ANCHOR: orders
    let fifo = Queue::new(0);
    let lifo = LifoQueue::new(0);
    let smallest_first = PriorityQueue::new(0);
    for &item in items {
        fifo.put_nowait(item).map_err(|e| e.error)?;
        lifo.put_nowait(item).map_err(|e| e.error)?;
        smallest_first.put_nowait(item).map_err(|e| e.error)?;
    }
    let drain = |get: &dyn Fn() -> Result<u32, Error>| std::iter::from_fn(|| get().ok()).collect();
    Ok([
        drain(&|| fifo.get_nowait()),           // in the order put
        drain(&|| lifo.get_nowait()),           // newest first
        drain(&|| smallest_first.get_nowait()), // smallest first
    ])
    // ANCHOR_END: orders
}
