//! Bounded stress tests of the queue module: several producers and consumers with random
//! timeouts over bounded and unbounded queues of each order, and shutdowns under load; with
//! `--features portable-seam`, spurious wake-ups injected by the fallback seam. They assert
//! what must never happen: an item received twice or never, a counter out of step, a wake-up
//! lost (a thread that never finishes: every join is bounded).
#![cfg(not(target_arch = "wasm32"))]

mod stress_common;

use concurrency::queue::{BaseQueue, Fifo, Lifo, Order, Priority};
use concurrency::{Error, SimpleQueue, Thread, ThreadState};
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use stress_common::{chaos, join_all, start, Rng, BOUND};

const PRODUCERS: usize = 4;
const CONSUMERS: usize = 4;
const PER_PRODUCER: u32 = 5_000;

/// Producer `p`'s item `i`.
fn item(p: usize, i: u32) -> u32 {
    p as u32 * PER_PRODUCER + i
}

/// Puts `item`, retrying after each Full (a timed-out or non-blocking put gives the item back).
fn put_retrying<S: Order<Item = u32>>(q: &BaseQueue<S>, rng: &mut Rng, mut x: u32) {
    loop {
        let r = match rng.below(8) {
            0 => q.put_nowait(x),
            _ => q.put(x, true, rng.timeout()),
        };
        match r {
            Ok(()) => return,
            Err(e) => {
                assert_eq!(e.error, Error::Full, "only Full before the shutdown");
                assert_eq!(e.item, x, "the item comes back");
                x = e.item;
            }
        }
    }
}

/// Producers put every item (random timeouts, retrying on Full); consumers take items with
/// random timeouts, call `task_done()` for each, and stop at ShutDown. Once the producers are
/// done, a `join()` must return (every item done), then `shutdown()` ends the consumers.
/// Every item is received exactly once; with one consumer of a FIFO queue, each producer's
/// items arrive in order.
fn producers_consumers<S: Order<Item = u32>>(maxsize: usize, consumers: usize, fifo_order: bool) {
    run_producers_consumers::<S>(maxsize, consumers, fifo_order, false)
}

/// The bounds a resizing thread picks from: below, at and past a small queue's first bound,
/// unbounded, huge.
const RESIZES: [usize; 7] = [1, 2, 3, 8, 64, 0, usize::MAX];

/// [`producers_consumers`], with `resize`: a thread changes `maxsize` at random meanwhile.
fn run_producers_consumers<S: Order<Item = u32>>(
    maxsize: usize,
    consumers: usize,
    fifo_order: bool,
    resize: bool,
) {
    chaos();
    let q = Arc::new(BaseQueue::<S>::new(maxsize));
    let stop = Arc::new(AtomicBool::new(false));
    let resizer = resize.then(|| {
        let (q, stop) = (q.clone(), stop.clone());
        start("resizer".into(), 777, move |rng| {
            while !stop.load(SeqCst) {
                q.set_maxsize(RESIZES[rng.below(RESIZES.len() as u32) as usize]);
                std::thread::sleep(Duration::from_micros(u64::from(rng.below(300))));
            }
        })
    });
    let received = Arc::new(Mutex::new(Vec::new()));
    let producers: Vec<Thread> = (0..PRODUCERS)
        .map(|p| {
            let q = q.clone();
            start(format!("producer-{p}"), p as u32, move |rng| {
                for i in 0..PER_PRODUCER {
                    put_retrying(&q, rng, item(p, i));
                    if maxsize > 0 && !resize {
                        assert!(q.qsize() <= maxsize, "more items than maxsize");
                    }
                }
            })
        })
        .collect();
    let consumer_threads: Vec<Thread> = (0..consumers)
        .map(|c| {
            let (q, received) = (q.clone(), received.clone());
            start(format!("consumer-{c}"), 100 + c as u32, move |rng| {
                let mut mine = Vec::new();
                loop {
                    let r = match rng.below(8) {
                        0 => q.get_nowait(),
                        _ => q.get(true, rng.timeout()),
                    };
                    match r {
                        Ok(x) => {
                            mine.push(x);
                            q.task_done().unwrap();
                        }
                        Err(Error::Empty) => {}
                        Err(Error::ShutDown) => break,
                        Err(e) => panic!("{e:?}"),
                    }
                }
                if fifo_order {
                    let mut last = [None; PRODUCERS];
                    for &x in &mine {
                        let p = (x / PER_PRODUCER) as usize;
                        assert!(last[p] < Some(x), "producer {p}'s items out of order");
                        last[p] = Some(x);
                    }
                }
                received.lock().unwrap().extend(mine);
            })
        })
        .collect();
    join_all(&producers);
    stop.store(true, SeqCst);
    join_all(resizer.as_slice());
    let qq = q.clone();
    let joiner = start("joiner".into(), 999, move |_| qq.join().unwrap());
    join_all(&[joiner]);
    assert_eq!(q.unfinished_tasks(), 0);
    assert!(q.empty());
    q.shutdown(false);
    join_all(&consumer_threads);
    let mut received = received.lock().unwrap().clone();
    received.sort_unstable();
    let expected: Vec<u32> = (0..PRODUCERS as u32 * PER_PRODUCER).collect();
    assert!(received == expected, "every item received exactly once");
    assert_eq!(q.task_done(), Err(Error::TaskDoneTooManyTimes));
}

#[test]
fn bounded_fifo_every_item_once() {
    producers_consumers::<Fifo<u32>>(3, CONSUMERS, false);
}

#[test]
fn bounded_fifo_one_consumer_keeps_each_producers_order() {
    producers_consumers::<Fifo<u32>>(3, 1, true);
}

#[test]
fn bounded_lifo_every_item_once() {
    producers_consumers::<Lifo<u32>>(2, CONSUMERS, false);
}

#[test]
fn bounded_priority_every_item_once() {
    producers_consumers::<Priority<u32>>(4, CONSUMERS, false);
}

#[test]
fn maxsize_one_every_item_once() {
    producers_consumers::<Fifo<u32>>(1, CONSUMERS, false);
}

#[test]
fn resized_fifo_every_item_once() {
    run_producers_consumers::<Fifo<u32>>(3, CONSUMERS, false, true);
}

#[test]
fn resized_fifo_one_consumer_keeps_each_producers_order() {
    run_producers_consumers::<Fifo<u32>>(2, 1, true, true);
}

#[test]
fn resized_lifo_every_item_once() {
    run_producers_consumers::<Lifo<u32>>(2, CONSUMERS, false, true);
}

#[test]
fn unbounded_fifo_every_item_once() {
    producers_consumers::<Fifo<u32>>(0, CONSUMERS, false);
}

#[test]
fn unbounded_priority_every_item_once() {
    producers_consumers::<Priority<u32>>(0, CONSUMERS, false);
}

#[test]
fn simple_queue_every_item_once() {
    chaos();
    let q = Arc::new(SimpleQueue::new());
    let (taken, done) = (
        Arc::new(AtomicU32::new(0)),
        Arc::new(AtomicBool::new(false)),
    );
    let received = Arc::new(Mutex::new(Vec::new()));
    let producers: Vec<Thread> = (0..PRODUCERS)
        .map(|p| {
            let q = q.clone();
            start(format!("producer-{p}"), p as u32, move |rng| {
                for i in 0..PER_PRODUCER {
                    q.put(item(p, i));
                    if rng.below(64) == 0 {
                        std::thread::yield_now();
                    }
                }
            })
        })
        .collect();
    let consumers: Vec<Thread> = (0..CONSUMERS)
        .map(|c| {
            let (q, taken, done, received) =
                (q.clone(), taken.clone(), done.clone(), received.clone());
            start(format!("consumer-{c}"), 100 + c as u32, move |rng| {
                let mut mine = Vec::new();
                // SimpleQueue has no shutdown: stop once every item is taken (timeouts let a
                // consumer notice).
                while !done.load(SeqCst) {
                    match q.get(true, rng.timeout().or(Some(Duration::from_millis(5)))) {
                        Ok(x) => {
                            mine.push(x);
                            if taken.fetch_add(1, SeqCst) + 1 == PRODUCERS as u32 * PER_PRODUCER {
                                done.store(true, SeqCst);
                            }
                        }
                        Err(Error::Empty) => {}
                        Err(e) => panic!("{e:?}"),
                    }
                }
                received.lock().unwrap().extend(mine);
            })
        })
        .collect();
    join_all(&producers);
    join_all(&consumers);
    let mut received = received.lock().unwrap().clone();
    received.sort_unstable();
    let expected: Vec<u32> = (0..PRODUCERS as u32 * PER_PRODUCER).collect();
    assert!(received == expected, "every item received exactly once");
    assert!(q.empty());
}

/// Where a tracked item ended up.
const IN_FLIGHT: u8 = 0;
const RECEIVED: u8 = 1;
const REJECTED: u8 = 2;

#[derive(Default)]
struct Tally {
    created: AtomicUsize,
    received: AtomicUsize,
    rejected: AtomicUsize,
    /// Dropped while still "in flight": discarded by `shutdown(immediate=True)`.
    drained: AtomicUsize,
}

/// An item that reports on drop whether it was received, given back by a failed put, or
/// dropped by the queue.
struct Tracked {
    id: u32,
    fate: u8,
    tally: Arc<Tally>,
}

impl Tracked {
    fn new(id: u32, tally: &Arc<Tally>) -> Tracked {
        tally.created.fetch_add(1, SeqCst);
        Tracked {
            id,
            fate: IN_FLIGHT,
            tally: tally.clone(),
        }
    }
}

impl Drop for Tracked {
    fn drop(&mut self) {
        let counter = match self.fate {
            RECEIVED => &self.tally.received,
            REJECTED => &self.tally.rejected,
            _ => &self.tally.drained,
        };
        counter.fetch_add(1, SeqCst);
    }
}

impl PartialEq for Tracked {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
    }
}
impl Eq for Tracked {}
impl PartialOrd for Tracked {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Tracked {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.id.cmp(&other.id)
    }
}

/// Producers and consumers run flat out with random timeouts (and threads blocked in `join()`)
/// until the queue is shut down under them, each round at a different moment. Every thread
/// must end (ShutDown reaches producers, consumers and, once every task is done, joiners), and
/// every item is accounted for exactly once: received, given back by a failed put, or (only
/// with `immediate`) discarded by the shutdown.
fn shutdown_under_load<S: Order<Item = Tracked>>(maxsize: usize, immediate: bool) {
    chaos();
    for round in 0..10u32 {
        let q = Arc::new(BaseQueue::<S>::new(maxsize));
        let tally = Arc::new(Tally::default());
        let put_ok = Arc::new(AtomicUsize::new(0));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let mut threads = Vec::new();
        for p in 0..PRODUCERS {
            let (q, tally, put_ok) = (q.clone(), tally.clone(), put_ok.clone());
            threads.push(start(
                format!("producer-{p}"),
                round * 31 + p as u32,
                move |rng| {
                    for i in 0.. {
                        let x = Tracked::new(i * PRODUCERS as u32 + p as u32, &tally);
                        let r = match rng.below(8) {
                            0 => q.put_nowait(x),
                            _ => q.put(x, true, rng.timeout()),
                        };
                        match r {
                            Ok(()) => {
                                put_ok.fetch_add(1, SeqCst);
                            }
                            Err(mut e) => {
                                e.item.fate = REJECTED;
                                match e.error {
                                    Error::Full => {}
                                    Error::ShutDown => return,
                                    other => panic!("{other:?}"),
                                }
                            }
                        }
                    }
                },
            ));
        }
        for c in 0..CONSUMERS {
            let (q, seen) = (q.clone(), seen.clone());
            threads.push(start(
                format!("consumer-{c}"),
                round * 31 + 100 + c as u32,
                move |rng| {
                    let mut mine = Vec::new();
                    loop {
                        let r = match rng.below(8) {
                            0 => q.get_nowait(),
                            _ => q.get(true, rng.timeout()),
                        };
                        match r {
                            Ok(mut x) => {
                                x.fate = RECEIVED;
                                mine.push(x.id);
                                q.task_done().unwrap();
                            }
                            Err(Error::Empty) => {}
                            Err(Error::ShutDown) => break,
                            Err(e) => panic!("{e:?}"),
                        }
                    }
                    seen.lock().unwrap().extend(mine);
                },
            ));
        }
        let joiners: Vec<Thread> = (0..2)
            .map(|j| {
                let q = q.clone();
                start(format!("joiner-{j}"), j, move |_| q.join().unwrap())
            })
            .collect();
        // Let the load build up, then shut down at a different moment each round.
        let target = 200 + round as usize * 300;
        let begin = concurrency::monotonic();
        while put_ok.load(SeqCst) < target {
            assert!(
                concurrency::monotonic() - begin < BOUND,
                "the producers made no progress"
            );
            std::thread::yield_now();
        }
        q.shutdown(immediate);
        if immediate {
            assert_eq!(q.qsize(), 0, "shutdown(immediate=True) drained the queue");
        }
        join_all(&threads);
        join_all(&joiners);
        assert!(joiners.iter().all(|t| t.state() == ThreadState::Terminated));
        assert!(
            q.empty(),
            "round {round}: the consumers drained what was left"
        );
        assert_eq!(q.unfinished_tasks(), 0, "round {round}");
        assert_eq!(q.task_done(), Err(Error::TaskDoneTooManyTimes));
        let mut seen = seen.lock().unwrap().clone();
        let received = seen.len();
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(
            seen.len(),
            received,
            "round {round}: an item was received twice"
        );
        drop(q);
        let put_ok = put_ok.load(SeqCst);
        let t = |c: &AtomicUsize| c.load(SeqCst);
        assert_eq!(t(&tally.received), received, "round {round}");
        assert_eq!(
            t(&tally.created),
            put_ok + t(&tally.rejected),
            "round {round}: every item dropped once"
        );
        assert_eq!(
            put_ok,
            received + t(&tally.drained),
            "round {round}: every item put was received or drained"
        );
        if !immediate {
            assert_eq!(
                t(&tally.drained),
                0,
                "round {round}: nothing discarded without immediate"
            );
        }
    }
}

#[test]
fn shutdown_under_load_bounded() {
    shutdown_under_load::<Fifo<Tracked>>(3, false);
}

#[test]
fn shutdown_immediate_under_load_bounded() {
    shutdown_under_load::<Fifo<Tracked>>(3, true);
}

#[test]
fn shutdown_under_load_unbounded_lifo() {
    shutdown_under_load::<Lifo<Tracked>>(0, false);
}

#[test]
fn shutdown_immediate_under_load_unbounded_priority() {
    shutdown_under_load::<Priority<Tracked>>(0, true);
}

#[test]
fn shutdown_immediate_under_load_bounded_priority() {
    shutdown_under_load::<Priority<Tracked>>(5, true);
}
