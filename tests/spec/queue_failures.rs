//! `test_queue.FailingQueueTest`, Q-25 (spec §8.2): failure injection. A panic is Rust's
//! exception here. The cases that catch a panic need it to unwind, which a browser build does
//! not do (it aborts), so they are listed in `queue_unwind_cases!` and show as ignored in the
//! browser; the one whose panic only ends a thread runs on both backends. The shared kinds
//! and helpers are in `queue_common.rs`.

use super::queue_common::{
    blocking_test, per_kind, FifoKind, Kind, LifoKind, PriorityKind, QUEUE_SIZE,
};
use super::{join, spawn, wait_blocked_on, wait_until, SHORT};
use concurrency::queue::{BaseQueue, Store};
use concurrency::{Error, ThreadState};
use std::any::Any;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::Arc;

/// CPython's `FailingQueue` flags: the next `_put`/`_get` raises.
pub struct Trap {
    fail_next_put: AtomicBool,
    fail_next_get: AtomicBool,
}

impl Trap {
    const fn new() -> Trap {
        Trap {
            fail_next_put: AtomicBool::new(false),
            fail_next_get: AtomicBool::new(false),
        }
    }
}

/// Where a [`Failing`] store finds its flags: one static per queue type, so that the three
/// tests can run at the same time.
pub trait TrapSite: 'static {
    /// The flags.
    fn trap() -> &'static Trap;
}

/// `FailingQueue`'s overridden `_put`/`_get`: the store's push and pop panic on demand (with
/// CPython's message), before they touch the items. As in CPython, only a real put or get
/// fails: pop on an empty store (a get that is about to wait) does not.
pub struct Failing<S, Site> {
    inner: S,
    site: std::marker::PhantomData<fn() -> Site>,
}

impl<S: Default, Site> Default for Failing<S, Site> {
    fn default() -> Self {
        Failing {
            inner: S::default(),
            site: std::marker::PhantomData,
        }
    }
}

const YOU_LOSE: &str = "You Lose";

impl<S: Store, Site: TrapSite> Store for Failing<S, Site> {
    type Item = S::Item;
    fn len(&self) -> usize {
        self.inner.len()
    }
    fn push(&mut self, item: S::Item) {
        if Site::trap().fail_next_put.swap(false, SeqCst) {
            panic!("{YOU_LOSE}");
        }
        self.inner.push(item)
    }
    fn pop(&mut self) -> Option<S::Item> {
        if self.inner.len() > 0 && Site::trap().fail_next_get.swap(false, SeqCst) {
            panic!("{YOU_LOSE}");
        }
        self.inner.pop()
    }
}

/// The failing version of a queue kind.
pub trait FailingKind: Kind + TrapSite {}
impl<K: Kind + TrapSite> FailingKind for K {}

macro_rules! trap_site {
    ($k:ty) => {
        impl TrapSite for $k {
            fn trap() -> &'static Trap {
                static TRAP: Trap = Trap::new();
                &TRAP
            }
        }
    };
}
trap_site!(FifoKind);
trap_site!(LifoKind);
trap_site!(PriorityKind);

type FailingQ<K> = BaseQueue<Failing<<K as Kind>::Store<i32>, K>>;

/// Asserts that `f` panicked with CPython's `FailingQueueException("You Lose")`.
fn assert_you_lose<R>(r: Result<R, Box<dyn Any + Send>>) {
    match r {
        Ok(_) => panic!("The queue didn't fail when it should have"),
        Err(p) => {
            let msg = p
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| p.downcast_ref::<&str>().copied());
            assert_eq!(
                msg,
                Some(YOU_LOSE),
                "the injected failure, not another panic"
            );
        }
    }
}

/// `failing_queue_test`, with the counters checked after every injected failure: every put
/// that succeeded is an unfinished task (no `task_done()` here), and the size is the puts
/// that succeeded minus the gets that did.
fn failing_queue_test<K: FailingKind>(q: &Arc<FailingQ<K>>, tasks_before: usize) {
    let trap = K::trap();
    let id = q.trace_id();
    let (mut puts, mut gets) = (0usize, 0usize);
    let check = |puts: usize, gets: usize| {
        assert_eq!(
            q.qsize(),
            puts - gets,
            "qsize after {puts} puts and {gets} gets"
        );
        assert_eq!(
            q.unfinished_tasks(),
            tasks_before + puts,
            "unfinished_tasks"
        );
        assert_eq!(q.empty(), puts == gets);
        assert_eq!(q.full(), puts - gets == QUEUE_SIZE);
    };
    assert_eq!(q.qsize(), 0, "Call this function with an empty queue");
    for i in 0..QUEUE_SIZE as i32 - 1 {
        q.put(i, true, None).unwrap();
        puts += 1;
    }
    // Test a failing non-blocking put.
    trap.fail_next_put.store(true, SeqCst);
    assert_you_lose(catch_unwind(AssertUnwindSafe(|| q.put(-1, false, None))));
    check(puts, gets);
    trap.fail_next_put.store(true, SeqCst);
    assert_you_lose(catch_unwind(AssertUnwindSafe(|| q.put(-1, true, 0.1))));
    check(puts, gets);
    q.put(100, true, None).unwrap(); // "last"
    puts += 1;
    assert!(q.full(), "Queue should be full");
    // Test a failing blocking put: the trigger's get succeeds, the put fails.
    let getter = || {
        let q = q.clone();
        move || {
            q.get(true, None).unwrap();
        }
    };
    trap.fail_next_put.store(true, SeqCst);
    assert_you_lose(catch_unwind(AssertUnwindSafe(|| {
        blocking_test(id, || q.put(300, true, None), getter())
    })));
    gets += 1;
    check(puts, gets);
    // Check the queue isn't damaged: put failed, but get succeeded - re-add.
    q.put(100, true, None).unwrap();
    puts += 1;
    // Test a failing timeout put (`do_exceptional_blocking_test`).
    trap.fail_next_put.store(true, SeqCst);
    assert_you_lose(catch_unwind(AssertUnwindSafe(|| {
        blocking_test(id, || q.put(300, true, 10.0), getter())
    })));
    gets += 1;
    check(puts, gets);
    q.put(100, true, None).unwrap();
    puts += 1;
    assert!(q.full(), "Queue should be full");
    q.get(true, None).unwrap();
    gets += 1;
    assert!(!q.full(), "Queue should not be full");
    q.put(100, true, None).unwrap();
    puts += 1;
    assert!(q.full(), "Queue should be full");
    // Test a blocking put.
    blocking_test(id, || q.put(300, true, None), getter()).unwrap();
    puts += 1;
    gets += 1;
    check(puts, gets);
    // Empty it.
    for _ in 0..QUEUE_SIZE {
        q.get(true, None).unwrap();
        gets += 1;
    }
    assert_eq!(q.qsize(), 0, "Queue should be empty");
    q.put(1, true, None).unwrap(); // "first"
    puts += 1;
    trap.fail_next_get.store(true, SeqCst);
    assert_you_lose(catch_unwind(AssertUnwindSafe(|| q.get(true, None))));
    assert!(q.qsize() > 0, "Queue should not be empty");
    check(puts, gets);
    trap.fail_next_get.store(true, SeqCst);
    assert_you_lose(catch_unwind(AssertUnwindSafe(|| q.get(true, 0.1))));
    assert!(q.qsize() > 0, "Queue should not be empty");
    check(puts, gets);
    assert_eq!(q.get(true, None), Ok(1));
    gets += 1;
    assert_eq!(q.qsize(), 0, "Queue should be empty");
    // A failing blocking get: the trigger's put succeeds, the get fails.
    trap.fail_next_get.store(true, SeqCst);
    let putter = {
        let q = q.clone();
        move || q.put(-7, true, None).unwrap() // "empty"
    };
    assert_you_lose(catch_unwind(AssertUnwindSafe(|| {
        blocking_test(id, || q.get(true, None), putter)
    })));
    puts += 1;
    // Put succeeded, but get failed.
    assert!(q.qsize() > 0, "Queue should not be empty");
    check(puts, gets);
    assert_eq!(q.get(true, None), Ok(-7));
    gets += 1;
    assert_eq!(q.qsize(), 0, "Queue should be empty");
    check(puts, gets);
}

fn failing_queue<K: FailingKind>() {
    let q: Arc<FailingQ<K>> = Arc::new(BaseQueue::new(QUEUE_SIZE));
    failing_queue_test::<K>(&q, 0);
    let tasks = q.unfinished_tasks();
    failing_queue_test::<K>(&q, tasks);
    // And the task accounting still adds up: one task_done per successful put, then join.
    for _ in 0..q.unfinished_tasks() {
        q.task_done().unwrap();
    }
    q.join().unwrap();
    assert_eq!(q.task_done(), Err(Error::TaskDoneTooManyTimes));
}

per_kind! {
    /// Q-25 `test_failing_queue`: the store's put/get hooks panic on demand (CPython's
    /// `FailingQueue` raises); after each failure the queue is undamaged: a failed put adds
    /// nothing, a failed get takes nothing, the counters agree, and blocked callers still
    /// wake. Needs unwinding panics.
    failing_queue() => q_25_failing_queue_fifo, q_25_failing_queue_lifo, q_25_failing_queue_priority
}

/// A priority item whose comparison panics while its queue's trap is armed (then disarms).
#[derive(Debug)]
pub struct Touchy {
    value: i32,
    trap: Arc<AtomicBool>,
}

impl Touchy {
    fn new(value: i32, trap: &Arc<AtomicBool>) -> Touchy {
        Touchy {
            value,
            trap: trap.clone(),
        }
    }
}

impl PartialEq for Touchy {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == std::cmp::Ordering::Equal
    }
}
impl Eq for Touchy {}
impl PartialOrd for Touchy {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Touchy {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        if self.trap.swap(false, SeqCst) {
            panic!("Ord failed");
        }
        self.value.cmp(&other.value)
    }
}

fn panics<R>(f: impl FnOnce() -> R) -> bool {
    catch_unwind(AssertUnwindSafe(f)).is_err()
}

/// Q-25 in Rust form, part 1: a `PriorityQueue` whose item's `Ord` panics during a put and
/// during a get. The queue stays usable: its lock is not left held, later puts and gets work,
/// `full()`/`empty()` follow the size, blocked getters and putters still wake, shutdown
/// works. Needs unwinding panics.
pub fn q_25_panicking_ord_keeps_queue_usable() {
    let trap = Arc::new(AtomicBool::new(false));
    let t = |v| Touchy::new(v, &trap);
    let q = Arc::new(concurrency::PriorityQueue::<Touchy>::new(QUEUE_SIZE));
    for v in [5, 3, 4] {
        q.put(t(v), true, None).unwrap();
    }
    trap.store(true, SeqCst);
    assert!(
        panics(|| q.put(t(1), true, None)),
        "the put's comparison panicked"
    );
    trap.store(true, SeqCst);
    assert!(
        panics(|| q.get(true, None)),
        "the get's comparison panicked"
    );
    // Usable: whatever the panics did to the items, the lock is free and the queue works.
    let n = q.qsize();
    assert_eq!(q.empty(), n == 0);
    assert_eq!(q.full(), n >= QUEUE_SIZE);
    while !q.full() {
        q.put(t(10), false, None).unwrap();
    }
    assert_eq!(q.put(t(11), false, None).unwrap_err().error, Error::Full);
    // A putter blocked on the full queue is woken by a get.
    let qq = q.clone();
    let item = t(12);
    let putter = spawn("putter", move || qq.put(item, true, None).unwrap());
    wait_blocked_on(std::slice::from_ref(&putter), q.trace_id());
    q.get(true, None).unwrap();
    join(&putter);
    // (The order may not be smallest-first any more: a comparison that panics can leave
    // `BinaryHeap` out of heap order, which std allows.)
    let n = q.qsize();
    let mut got = 0;
    while q.get_nowait().is_ok() {
        got += 1;
    }
    assert_eq!(got, n, "qsize() items came out");
    assert!(q.empty());
    // A getter blocked on the empty queue is woken by a put; shutdown still works.
    let qq = q.clone();
    let getter = spawn("getter", move || {
        assert_eq!(qq.get(true, None).unwrap().value, 7);
        assert_eq!(qq.get(true, None).unwrap_err(), Error::ShutDown);
    });
    wait_blocked_on(std::slice::from_ref(&getter), q.trace_id());
    q.put(t(7), true, None).unwrap();
    wait_until("the getter is waiting again", || {
        getter.state() == ThreadState::Blocked { on: q.trace_id() } || !getter.is_alive()
    });
    q.shutdown(false);
    join(&getter);
}

/// Q-25 in Rust form, part 2: after an `Ord` that panics during a put, and (on another
/// queue) during a get, the task accounting still matches the items, as CPython's
/// `FailingQueue` requires: nothing was handed out, so the unfinished tasks are the items in
/// the queue (a failed put adds nothing, or adds and counts it; a failed get leaves the item
/// there). Then `task_done()` for each item got makes `join()` return.
pub fn q_25_panicking_ord_keeps_counts() {
    let trap = Arc::new(AtomicBool::new(false));
    let t = |v| Touchy::new(v, &trap);
    let filled = || {
        let q = Arc::new(concurrency::PriorityQueue::<Touchy>::new(QUEUE_SIZE));
        for v in [5, 3, 4] {
            q.put(t(v), true, None).unwrap();
        }
        q
    };
    let counts = |q: &concurrency::PriorityQueue<Touchy>| (q.qsize(), q.unfinished_tasks());
    let q_put = filled();
    trap.store(true, SeqCst);
    assert!(
        panics(|| q_put.put(t(1), true, None)),
        "the put's comparison panicked"
    );
    let after_put = counts(&q_put);
    let q_get = filled();
    trap.store(true, SeqCst);
    assert!(
        panics(|| q_get.get(true, None)),
        "the get's comparison panicked"
    );
    let after_get = counts(&q_get);
    assert!(
        after_put.0 == after_put.1 && after_get == (3, 3),
        "(qsize, unfinished_tasks) after the failed put: {after_put:?} (expected equal), \
         after the failed get: {after_get:?} (expected (3, 3))"
    );
    for q in [q_put, q_get] {
        while let Ok(_x) = q.get_nowait() {
            q.task_done().unwrap();
        }
        let qq = q.clone();
        let joiner = spawn("joiner", move || qq.join().unwrap());
        // Bounded, and fails if the joiner panicked (its `join()` returned an error).
        join(&joiner);
    }
}

/// Q-25 in Rust form, part 3: a producer thread that panics mid-stream (its own code, between
/// puts) leaves the queue usable: what it put is there and counted, consumers get it, and
/// `join()` returns once each is done. Runs on both backends: in a browser the panic ends the
/// producer's worker, and the panic hook reports it and finishes the thread first.
pub fn q_25_producer_panics_mid_stream() {
    let q = Arc::new(concurrency::Queue::<i32>::new(QUEUE_SIZE));
    let qq = q.clone();
    let producer = spawn("producer", move || {
        for i in 0..20 {
            if i == 12 {
                panic!("the producer failed mid-stream");
            }
            qq.put(i, true, None).unwrap();
        }
    });
    // Consume concurrently: the producer blocks on the full queue on the way.
    let mut got = Vec::new();
    while got.len() < 12 {
        got.push(q.get(true, SHORT).unwrap());
        q.task_done().unwrap();
    }
    assert_eq!(producer.join(SHORT), Ok(true));
    assert!(producer.panicked());
    assert_eq!(
        got,
        (0..12).collect::<Vec<_>>(),
        "FIFO, nothing lost or doubled"
    );
    assert!(q.empty());
    assert_eq!(q.unfinished_tasks(), 0);
    q.join().unwrap();
    // Still usable by others.
    q.put(99, true, None).unwrap();
    assert_eq!(q.get(true, None), Ok(99));
    q.task_done().unwrap();
    assert_eq!(q.get(true, 0.01), Err(Error::Empty));
}
