//! `test_queue.BaseSimpleQueueTest` and `CSimpleQueueTest` (SQ-01…SQ-09, spec §8.3).
//! SimpleQueue is an unbounded FIFO: `put` never blocks and never fails.

use super::{join, spawn, spawn_n, wait_blocked_on, SHORT};
use concurrency::{Error, Queue, SimpleQueue, Thread};
use std::sync::atomic::{AtomicU64, Ordering::SeqCst};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

/// SQ-01 `test_basic`.
pub fn sq_01_basic() {
    let q = SimpleQueue::new();
    assert!(q.empty());
    assert_eq!(q.qsize(), 0);
    q.put(1);
    assert!(!q.empty());
    assert_eq!(q.qsize(), 1);
    q.put(2);
    q.put_nowait(3);
    q.put(4);
    assert!(!q.empty());
    assert_eq!(q.qsize(), 4);

    assert_eq!(q.get(true, None), Ok(1));
    assert_eq!(q.qsize(), 3);
    assert_eq!(q.get_nowait(), Ok(2));
    assert_eq!(q.qsize(), 2);
    assert_eq!(q.get(false, None), Ok(3));
    assert!(!q.empty());
    assert_eq!(q.qsize(), 1);
    assert_eq!(q.get(true, 0.1), Ok(4));
    assert!(q.empty());
    assert_eq!(q.qsize(), 0);

    assert_eq!(q.get(false, None), Err(Error::Empty));
    assert_eq!(q.get(true, 1e-3), Err(Error::Empty));
    assert_eq!(q.get_nowait(), Err(Error::Empty));
    assert!(q.empty());
    assert_eq!(q.qsize(), 0);
}

/// SQ-02 `test_negative_timeout_raises_exception`: validated before availability.
pub fn sq_02_negative_timeout_raises_exception() {
    let q = SimpleQueue::new();
    q.put(1);
    let negative = Error::InvalidArgument("'timeout' must be a non-negative number");
    assert_eq!(q.get(true, -1.0), Err(negative.clone()));
    assert_eq!(q.get(true, f64::NAN), Err(negative));
    assert_eq!(q.qsize(), 1, "the item stays");
    assert_eq!(q.get(false, -1.0), Ok(1), "block=False ignores the timeout");
}

/// CPython's `random.Random(42)` stand-in: a seeded xorshift, shared by the feeders.
struct Rng(u64);

impl Rng {
    /// `random()`: uniform in [0, 1).
    fn random(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// `None` is CPython's sentinel.
type Item = Option<u32>;

#[derive(Clone, Copy)]
enum Consume {
    /// `consume`: `get()`.
    Blocking,
    /// `consume_nonblock`: `get(block=False)`, sleeping 10 µs on Empty.
    NonBlocking,
    /// `consume_timeout`: `get(timeout=1e-5)` until it returns an item.
    Timeout,
}

fn consume_one(q: &SimpleQueue<Item>, how: Consume) -> Item {
    loop {
        let r = match how {
            Consume::Blocking => q.get(true, None),
            Consume::NonBlocking => q.get(false, None),
            Consume::Timeout => q.get(true, 1e-5),
        };
        match r {
            Ok(val) => return val,
            Err(Error::Empty) if !matches!(how, Consume::Blocking) => {
                if matches!(how, Consume::NonBlocking) {
                    concurrency::sleep(Duration::from_micros(10)).unwrap();
                }
            }
            Err(e) => panic!("{e:?}"),
        }
    }
}

/// CPython's `run_threads`: `n` feeders share the input (and one seeded RNG: half the time a
/// feeder sleeps up to 1 ms after a put) and each puts a sentinel when it runs out; `n`
/// consumers take items until they see a sentinel. Every thread must end without an error
/// (a failed assertion in a thread fails [`join`]), and the queue ends empty.
fn run_threads(n: usize, q: &Arc<SimpleQueue<Item>>, inputs: &[u32], how: Consume) -> Vec<u32> {
    let seq: Arc<Mutex<Vec<u32>>> = Arc::new(Mutex::new(inputs.iter().rev().copied().collect()));
    let rnd = Arc::new(Mutex::new(Rng(42)));
    let results = Arc::new(Mutex::new(Vec::new()));
    let (qq, s) = (q.clone(), seq.clone());
    let mut threads: Vec<Thread> = spawn_n("feeder", n, move |_| loop {
        let val = s.lock().unwrap().pop();
        let Some(val) = val else {
            qq.put(None);
            return;
        };
        qq.put(Some(val));
        let pause = {
            let mut rnd = rnd.lock().unwrap();
            (rnd.random() > 0.5).then(|| rnd.random() * 1e-3)
        };
        if let Some(secs) = pause {
            concurrency::sleep(Duration::from_secs_f64(secs)).unwrap();
        }
    });
    let (qq, res) = (q.clone(), results.clone());
    threads.extend(spawn_n("consumer", n, move |_| {
        while let Some(val) = consume_one(&qq, how) {
            res.lock().unwrap().push(val);
        }
    }));
    threads.iter().for_each(join);
    assert!(q.empty());
    assert_eq!(q.qsize(), 0);
    let results = results.lock().unwrap().clone();
    results
}

/// SQ-03 `test_order`: one producer and one consumer: the results are in input order.
pub fn sq_03_order() {
    let q = Arc::new(SimpleQueue::new());
    let inputs: Vec<u32> = (0..100).collect();
    let results = run_threads(1, &q, &inputs, Consume::Blocking);
    assert_eq!(results, inputs);
}

/// SQ-04…SQ-06's thread count (each of feeders and consumers). CPython: 50; fewer in a
/// browser, where each thread is a Web Worker.
const N: usize = if cfg!(target_arch = "wasm32") { 8 } else { 50 };

fn many_threads(items: u32, how: Consume) {
    let q = Arc::new(SimpleQueue::new());
    let inputs: Vec<u32> = (0..items).collect();
    let mut results = run_threads(N, &q, &inputs, how);
    results.sort();
    assert_eq!(results, inputs, "every item exactly once");
}

/// SQ-04 `test_many_threads`: 50 producers, 50 consumers, 10,000 items.
pub fn sq_04_many_threads() {
    many_threads(10_000, Consume::Blocking);
}

/// SQ-05 `test_many_threads_nonblock`: consumers spin on `get(block=False)`.
pub fn sq_05_many_threads_nonblock() {
    many_threads(10_000, Consume::NonBlocking);
}

/// SQ-06 `test_many_threads_timeout`: 1,000 items; consumers retry `get(timeout=1e-5)`.
pub fn sq_06_many_threads_timeout() {
    many_threads(1_000, Consume::Timeout);
}

/// SQ-07 `test_references`: the queue keeps no reference to an item it handed out (here: the
/// item's `Weak` is dead as soon as the caller drops it).
pub fn sq_07_references() {
    struct C;
    const N: usize = 20;
    let q = SimpleQueue::new();
    for _ in 0..N {
        q.put(Arc::new(C));
    }
    for _ in 0..N {
        let wr = Arc::downgrade(&q.get(true, None).unwrap());
        assert!(wr.upgrade().is_none(), "the queue still holds the item");
    }
}

/// An item whose `Drop` puts the next number into its queue (CPython's `Circular.__del__`).
struct Reentrant {
    n: u64,
    hook: Option<(Weak<SimpleQueue<Reentrant>>, Arc<AtomicU64>)>,
}

impl Reentrant {
    fn plain(n: u64) -> Reentrant {
        Reentrant { n, hook: None }
    }

    fn hooked(n: u64, q: &Arc<SimpleQueue<Reentrant>>, gen: &Arc<AtomicU64>) -> Reentrant {
        Reentrant {
            n,
            hook: Some((Arc::downgrade(q), gen.clone())),
        }
    }
}

impl Drop for Reentrant {
    fn drop(&mut self) {
        if let Some((q, gen)) = self.hook.take() {
            // A queue being dropped cannot be reached any more: nothing to do then.
            if let Some(q) = q.upgrade() {
                q.put(Reentrant::plain(gen.fetch_add(1, SeqCst)));
            }
        }
    }
}

/// SQ-09 `test_reentrancy` (bpo-14976), in Rust form: a `put` from an item's `Drop` while
/// the queue is in use. As in CPython, each round an object's finaliser puts the next number
/// right after a put; here every item the consumer gets and drops puts one more too. The
/// results are exactly `0..=N` in order. Finally the queue is dropped with items whose `Drop`
/// would put into it: they find it gone.
pub fn sq_09_reentrancy() {
    const N: u64 = 10_000;
    let q = Arc::new(SimpleQueue::new());
    let gen = Arc::new(AtomicU64::new(0));
    let next = || gen.fetch_add(1, SeqCst);
    let mut results = Vec::new();
    loop {
        let o = Reentrant::hooked(u64::MAX, &q, &gen); // Circular()
        q.put(Reentrant::hooked(next(), &q, &gen));
        drop(o); // its finaliser puts the next number
        let got = q.get(true, None).unwrap();
        results.push(got.n);
        drop(got); // and so does the item got
        if *results.last().unwrap() >= N {
            break;
        }
    }
    assert_eq!(results, (0..=N).collect::<Vec<_>>());
    assert!(q.qsize() > 0, "items left for the drop below");
    drop(q);
}

/// SQ-09 across threads: a consumer thread drops each item it gets, and that item's `Drop`
/// puts into the same queue, while a producer thread keeps putting. Every item arrives exactly
/// once, each source's in order.
pub fn sq_09_reentrancy_across_threads() {
    const N: u64 = 5_000;
    const PRODUCED: u64 = 1 << 32; // the producer's numbers; the drops' are below
    let q = Arc::new(SimpleQueue::new());
    let gen = Arc::new(AtomicU64::new(0));
    let (qq, g) = (q.clone(), gen.clone());
    let producer = spawn("producer", move || {
        for i in 0..N {
            qq.put(Reentrant::hooked(PRODUCED + i, &qq, &g));
        }
    });
    let qq = q.clone();
    let consumer = spawn("consumer", move || {
        let (mut produced, mut dropped) = (Vec::new(), Vec::new());
        while produced.len() < N as usize || dropped.len() < N as usize {
            let got = qq.get(true, SHORT).unwrap();
            if got.n >= PRODUCED {
                produced.push(got.n - PRODUCED);
            } else {
                dropped.push(got.n);
            }
            drop(got); // a produced item puts the next drop number
        }
        assert_eq!(
            produced,
            (0..N).collect::<Vec<_>>(),
            "the producer's items, in order"
        );
        assert_eq!(
            dropped,
            (0..N).collect::<Vec<_>>(),
            "the drops' items, in order"
        );
    });
    join(&producer);
    join(&consumer);
    assert!(q.empty());
}

/// What a `put` and a `get_nowait` from an item's `Drop` returned.
type Seen = Arc<Mutex<Vec<(Result<(), Error>, Result<(), Error>)>>>;

/// An item whose `Drop` uses its `Queue`: it records what a `put` (and a `get_nowait`) there
/// returned.
struct PutsOnDrop {
    q: Weak<Queue<PutsOnDrop>>,
    seen: Seen,
    hooked: bool,
}

impl Drop for PutsOnDrop {
    fn drop(&mut self) {
        if !self.hooked {
            return;
        }
        if let Some(q) = self.q.upgrade() {
            let plain = PutsOnDrop {
                q: self.q.clone(),
                seen: self.seen.clone(),
                hooked: false,
            };
            let put = q.put(plain, true, None).map_err(|e| e.error);
            let get = q.get_nowait().map(drop);
            self.seen.lock().unwrap().push((put, get));
        }
    }
}

/// SQ-09's Rust analogue on a `Queue`: `shutdown(immediate=True)` drops the drained items,
/// whose `Drop` puts into (and gets from) that same queue. It must not deadlock (the items
/// are dropped outside the queue's lock) and each of those calls gets ShutDown. A putter
/// blocked on the full queue gets its item back with ShutDown, and that item's `Drop` does
/// the same.
pub fn sq_09_queue_shutdown_drop_puts() {
    const SIZE: usize = 5;
    let q = Arc::new(Queue::new(SIZE));
    let seen = Arc::new(Mutex::new(Vec::new()));
    let item = || PutsOnDrop {
        q: Arc::downgrade(&q),
        seen: seen.clone(),
        hooked: true,
    };
    for _ in 0..SIZE {
        q.put(item(), true, None).unwrap();
    }
    let (qq, extra) = (q.clone(), item());
    let putter = spawn("putter", move || {
        let e = qq.put(extra, true, None).unwrap_err();
        assert_eq!(e.error, Error::ShutDown);
        drop(e); // the item comes back and is dropped here
    });
    wait_blocked_on(std::slice::from_ref(&putter), q.trace_id());
    // In a thread, so that a deadlock fails the test instead of hanging it.
    let qq = q.clone();
    let shutdown = spawn("shutdown", move || qq.shutdown(true));
    join(&shutdown);
    join(&putter);
    assert_eq!(q.qsize(), 0);
    assert_eq!(q.unfinished_tasks(), 0);
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), SIZE + 1, "every hooked item was dropped once");
    for r in seen.iter() {
        assert_eq!(*r, (Err(Error::ShutDown), Err(Error::ShutDown)));
    }
}
