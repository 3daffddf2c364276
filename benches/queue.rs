//! `concurrency::Queue` and `SimpleQueue` throughput against Rust's channels, side by side in
//! one run, in M items/s, reported as ratios (ours / reference; higher is better):
//!
//! 1. SPSC unbounded: `Queue::new(0)` vs `crossbeam_channel::unbounded`, `std::sync::mpsc::channel`
//!    and a `parking_lot::Mutex<VecDeque>` + `Condvar` queue;
//! 2. SPSC bounded, capacity 1024: `Queue::new(1024)` vs `crossbeam_channel::bounded(1024)` and
//!    `std::sync::mpsc::sync_channel(1024)`;
//! 3. MPMC: 2 producers + 2 consumers, bounded 1024: `Queue::new(1024)` vs crossbeam bounded;
//! 4. `SimpleQueue` SPSC vs crossbeam unbounded.
//!
//! In every shape the producers put the `u64`s 0..N-1 between them (N = 200,000 in all) and the
//! consumers take N items in all, blocking; all threads start together on a barrier and the time
//! runs from there until every one is joined. The consumers' sum is checked. Each run uses a
//! fresh queue. Each figure is the median of 7 repetitions after a warm-up; implementations are
//! interleaved within every repetition so drift hits them all alike. Then
//! `benches/cpython_queue.py` measures `queue.Queue()`, `queue.Queue(1024)` and
//! `queue.SimpleQueue()` SPSC in CPython (run as `python3`, after ours, never alongside) and a
//! second table gives our speedup over it; without a working `python3` that table is skipped.
//!
//! Run with `cargo bench --bench queue`; `BENCH_QUICK=1` divides the items by 20 (CI smoke) and
//! passes `--quick` to the CPython script.

mod common;

use common::{cpython_comparison, measure, Quick, Table, REPS};
use concurrency::{Queue, SimpleQueue};
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Barrier;
use std::time::Instant;

const ITEMS: u64 = 200_000;
const CAPACITY: usize = 1024;
/// Goal: ours ≥ crossbeam / 1.5 for the same shape and capacity.
const CROSSBEAM_GOAL: f64 = 1.0 / 1.5;
/// Goals against CPython (speedup = ours / CPython, both in items/s).
const CPYTHON_QUEUE_GOAL: f64 = 100.0;
const CPYTHON_SIMPLEQUEUE_GOAL: f64 = 5.0;

/// One producer puts 0..n-1 with `put`, one consumer takes n items with `get`; both are moved
/// into their threads (so a `!Sync` receiver works). Returns M items/s.
fn spsc_mops(n: u64, mut put: impl FnMut(u64) + Send, mut get: impl FnMut() -> u64 + Send) -> f64 {
    let barrier = Barrier::new(3);
    let mut sum = 0;
    let mut start = Instant::now();
    std::thread::scope(|s| {
        let b = &barrier;
        s.spawn(move || {
            b.wait();
            for i in 0..n {
                put(i);
            }
        });
        let consumer = s.spawn(move || {
            b.wait();
            let mut sum = 0u64;
            for _ in 0..n {
                sum += get();
            }
            sum
        });
        barrier.wait();
        start = Instant::now();
        sum = consumer.join().unwrap();
    });
    let elapsed = start.elapsed();
    assert_eq!(sum, n * (n - 1) / 2, "the consumer got the wrong items");
    n as f64 / elapsed.as_secs_f64() / 1e6
}

/// `producers` threads put 0..n-1 between them (interleaved: producer p puts p, p+P, ...),
/// `consumers` threads take n items between them (n divisible by `consumers`). Returns M items/s.
fn mpmc_mops(
    n: u64,
    producers: u64,
    consumers: u64,
    put: &(impl Fn(u64) + Sync),
    get: &(impl Fn() -> u64 + Sync),
) -> f64 {
    assert_eq!(n % consumers, 0);
    let barrier = Barrier::new((producers + consumers + 1) as usize);
    let sum = AtomicU64::new(0);
    let mut start = Instant::now();
    std::thread::scope(|s| {
        for p in 0..producers {
            let b = &barrier;
            s.spawn(move || {
                b.wait();
                for i in (p..n).step_by(producers as usize) {
                    put(i);
                }
            });
        }
        for _ in 0..consumers {
            let (b, sum) = (&barrier, &sum);
            s.spawn(move || {
                b.wait();
                let mut mine = 0u64;
                for _ in 0..n / consumers {
                    mine += get();
                }
                sum.fetch_add(mine, Relaxed);
            });
        }
        barrier.wait();
        start = Instant::now();
    });
    let elapsed = start.elapsed();
    assert_eq!(
        sum.load(Relaxed),
        n * (n - 1) / 2,
        "the consumers got the wrong items"
    );
    n as f64 / elapsed.as_secs_f64() / 1e6
}

/// The textbook blocking queue: `parking_lot::Mutex<VecDeque>` + `Condvar`, unbounded. A put
/// notifies one after unlocking; parking_lot's `notify_one` is a single atomic load when nobody
/// waits, so this costs a syscall only when the consumer actually sleeps.
struct PlQueue<T> {
    items: parking_lot::Mutex<VecDeque<T>>,
    not_empty: parking_lot::Condvar,
}

impl<T> PlQueue<T> {
    fn new() -> PlQueue<T> {
        PlQueue {
            items: parking_lot::Mutex::new(VecDeque::new()),
            not_empty: parking_lot::Condvar::new(),
        }
    }
    fn put(&self, item: T) {
        self.items.lock().push_back(item);
        self.not_empty.notify_one();
    }
    fn get(&self) -> T {
        let mut items = self.items.lock();
        loop {
            if let Some(item) = items.pop_front() {
                return item;
            }
            self.not_empty.wait(&mut items);
        }
    }
}

/// "met" or "MISSED", for a figure where higher is better.
fn verdict(ratio: f64, goal: f64) -> &'static str {
    if ratio >= goal {
        "met"
    } else {
        "MISSED"
    }
}

/// The first table's columns.
const TABLE: Table = Table {
    shape: 30,
    figure: 8,
    reference: 36,
};

/// One line of the first table. An empty `shape` continues the shape above: `ours` is not
/// repeated, only the ratio to another reference. `goal`: the lowest ratio asked for, if any.
fn row(shape: &str, ours: f64, reference: &str, refv: f64, goal: Option<(f64, &str)>) {
    let (line, ratio) = TABLE.line(shape, ours, reference, refv);
    match goal {
        Some((g, what)) => println!("{line}  ≥ {g:.2}x ({what}) {}", verdict(ratio, g)),
        None => println!("{line}"),
    }
}

fn main() {
    let quick = Quick::from_env();
    let n = ITEMS / quick.div();
    let began = Instant::now();

    // 1. SPSC unbounded.
    let [o_un, cb_un, std_un, pl_un] = measure([
        &mut || {
            let q = Queue::<u64>::new(0);
            spsc_mops(
                n,
                |i| q.put(i, true, None).unwrap(),
                || q.get(true, None).unwrap(),
            )
        },
        &mut || {
            let (tx, rx) = crossbeam_channel::unbounded::<u64>();
            spsc_mops(n, move |i| tx.send(i).unwrap(), move || rx.recv().unwrap())
        },
        &mut || {
            let (tx, rx) = std::sync::mpsc::channel::<u64>();
            spsc_mops(n, move |i| tx.send(i).unwrap(), move || rx.recv().unwrap())
        },
        &mut || {
            let q = PlQueue::<u64>::new();
            spsc_mops(n, |i| q.put(i), || q.get())
        },
    ]);

    // 2. SPSC bounded.
    let [o_b, cb_b, std_b] = measure([
        &mut || {
            let q = Queue::<u64>::new(CAPACITY);
            spsc_mops(
                n,
                |i| q.put(i, true, None).unwrap(),
                || q.get(true, None).unwrap(),
            )
        },
        &mut || {
            let (tx, rx) = crossbeam_channel::bounded::<u64>(CAPACITY);
            spsc_mops(n, move |i| tx.send(i).unwrap(), move || rx.recv().unwrap())
        },
        &mut || {
            let (tx, rx) = std::sync::mpsc::sync_channel::<u64>(CAPACITY);
            spsc_mops(n, move |i| tx.send(i).unwrap(), move || rx.recv().unwrap())
        },
    ]);

    // 3. MPMC, 2 producers + 2 consumers, bounded.
    let [o_mp, cb_mp] = measure([
        &mut || {
            let q = Queue::<u64>::new(CAPACITY);
            mpmc_mops(n, 2, 2, &|i| q.put(i, true, None).unwrap(), &|| {
                q.get(true, None).unwrap()
            })
        },
        &mut || {
            let (tx, rx) = crossbeam_channel::bounded::<u64>(CAPACITY);
            mpmc_mops(n, 2, 2, &|i| tx.send(i).unwrap(), &|| rx.recv().unwrap())
        },
    ]);

    // 4. SimpleQueue SPSC.
    let [o_sq, cb_sq] = measure([
        &mut || {
            let q = SimpleQueue::<u64>::new();
            spsc_mops(n, |i| q.put(i), || q.get(true, None).unwrap())
        },
        &mut || {
            let (tx, rx) = crossbeam_channel::unbounded::<u64>();
            spsc_mops(n, move |i| tx.send(i).unwrap(), move || rx.recv().unwrap())
        },
    ]);
    let rust_secs = began.elapsed().as_secs_f64();

    println!(
        "concurrency::Queue / SimpleQueue vs Rust channels: median of {REPS}, {n} u64 items per \
         run, capacity {CAPACITY} where bounded{}",
        quick.note()
    );
    TABLE.heading("shape (M items/s)");
    let cb = Some((CROSSBEAM_GOAL, "crossbeam/1.5"));
    row("1. SPSC unbounded", o_un, "crossbeam unbounded", cb_un, cb);
    row("", o_un, "std mpsc::channel", std_un, None);
    row("", o_un, "parking_lot Mutex<VecDeque>+Condvar", pl_un, None);
    row(
        "2. SPSC bounded 1024",
        o_b,
        "crossbeam bounded(1024)",
        cb_b,
        cb,
    );
    row("", o_b, "std mpsc::sync_channel(1024)", std_b, None);
    row(
        "3. MPMC 2+2, bounded 1024",
        o_mp,
        "crossbeam bounded(1024)",
        cb_mp,
        cb,
    );
    row(
        "4. SimpleQueue SPSC",
        o_sq,
        "crossbeam unbounded",
        cb_sq,
        None,
    );
    println!("(throughput: higher is better)");

    cpython_comparison(
        "benches/cpython_queue.py",
        quick,
        [
            "queue_unbounded_per_s",
            "queue_1024_per_s",
            "simplequeue_per_s",
        ],
        began,
        rust_secs,
        |version, [queue_unbounded, queue_1024, simplequeue]| {
            println!(
                "speedup vs CPython 3.11 ({version}, benches/cpython_queue.py{}, SPSC with two \
                 threading.Threads; ours / CPython, higher is better)",
                quick.flag()
            );
            println!(
                "{:<30}{:>10}{:>10}{:>10}  goal",
                "shape (M items/s)", "CPython", "ours", "speedup"
            );
            for (shape, cpy, ours, goal) in [
                (
                    "Queue() SPSC",
                    queue_unbounded / 1e6,
                    o_un,
                    CPYTHON_QUEUE_GOAL,
                ),
                (
                    "Queue(1024) SPSC",
                    queue_1024 / 1e6,
                    o_b,
                    CPYTHON_QUEUE_GOAL,
                ),
                (
                    "SimpleQueue() SPSC",
                    simplequeue / 1e6,
                    o_sq,
                    CPYTHON_SIMPLEQUEUE_GOAL,
                ),
            ] {
                let speedup = ours / cpy;
                println!(
                    "{shape:<30}{cpy:>10.3}{ours:>10.2}{speedup:>9.1}x  ≥ {goal}x {}",
                    verdict(speedup, goal)
                );
            }
        },
    );
}
