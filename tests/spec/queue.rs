//! `test_queue.BaseQueueTestMixin` (Q-01…Q-24) and `FailingQueueTest` (Q-25) (spec §8.1–8.2).
//!
//! CPython runs the mixin on Queue, LifoQueue and PriorityQueue; so does every case here, one
//! test per type (`…_fifo`, `…_lifo`, `…_priority`), each from one generic body. Where CPython
//! sleeps to let a thread block (`_TriggerThread`'s 0.1 s), these wait until the thread shows
//! as Blocked on the queue, and then check, as `do_blocking_test` does, that the blocking call
//! did not return before its trigger fired.

use super::{join, spawn, spawn_n, timed, wait_blocked_on, wait_until, SHORT};
use concurrency::queue::{BaseQueue, Fifo, Lifo, Priority, Store};
use concurrency::{current_thread, Barrier, Error, Event, ThreadState};
use std::any::Any;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// `test_queue.QUEUE_SIZE`.
const QUEUE_SIZE: usize = 5;

/// CPython's ValueError for a negative queue timeout.
const NEGATIVE: Error = Error::InvalidArgument("'timeout' must be a non-negative number");

/// One of CPython's three queue classes: the order its store hands items out in.
pub trait Kind: 'static {
    /// The store of a queue of `T`s.
    type S<T: Ord + Send + 'static>: Store<Item = T> + Default + Send + 'static;
    /// Q-01's `target_order` for the puts 111, 333, 222.
    const BASIC_ORDER: [i32; 3];
}

/// `queue.Queue`.
pub struct FifoKind;
/// `queue.LifoQueue`.
pub struct LifoKind;
/// `queue.PriorityQueue`.
pub struct PriorityKind;

impl Kind for FifoKind {
    type S<T: Ord + Send + 'static> = Fifo<T>;
    const BASIC_ORDER: [i32; 3] = [111, 333, 222];
}

impl Kind for LifoKind {
    type S<T: Ord + Send + 'static> = Lifo<T>;
    const BASIC_ORDER: [i32; 3] = [222, 333, 111];
}

impl Kind for PriorityKind {
    type S<T: Ord + Send + 'static> = Priority<T>;
    const BASIC_ORDER: [i32; 3] = [111, 222, 333];
}

/// A queue of `T`s of kind `K`.
type Q<K, T> = BaseQueue<<K as Kind>::S<T>>;

/// `self.type2test(maxsize)`, shareable with threads.
fn new<K: Kind, T: Ord + Send + 'static>(maxsize: usize) -> Arc<Q<K, T>> {
    Arc::new(BaseQueue::new(maxsize))
}

/// One `pub fn` per queue type for a generic case body.
macro_rules! per_kind {
    ($(#[$doc:meta])* $body:ident($($arg:expr),*) => $fifo:ident, $lifo:ident, $prio:ident) => {
        $(#[$doc])*
        /// On `Queue`.
        pub fn $fifo() {
            $body::<FifoKind>($($arg),*)
        }
        $(#[$doc])*
        /// On `LifoQueue`.
        pub fn $lifo() {
            $body::<LifoKind>($($arg),*)
        }
        $(#[$doc])*
        /// On `PriorityQueue`.
        pub fn $prio() {
            $body::<PriorityKind>($($arg),*)
        }
    };
}

const PENDING: u8 = 0;
const FIRED: u8 = 1;
const RETURNED_EARLY: u8 = 2;

/// CPython's `do_blocking_test(block_func, block_args, trigger_func, trigger_args)` with its
/// `_TriggerThread`: runs `block` on this thread while a trigger thread waits until this thread
/// is Blocked on the queue `on` (CPython sleeps 0.1 s), records that it fired, and runs
/// `trigger`. Fails if `block` returned before the trigger fired (the call did not really
/// block). The trigger thread is joined, bounded by [`SHORT`]. A panic in `block` (Q-25's
/// `do_exceptional_blocking_test`) propagates after the join.
fn blocking_test<R>(
    on: u32,
    block: impl FnOnce() -> R,
    trigger: impl FnOnce() + Send + 'static,
) -> R {
    let me = current_thread();
    let state = Arc::new(AtomicU8::new(PENDING));
    let s = state.clone();
    let t = spawn("trigger", move || {
        wait_until("the call blocks", || {
            me.state() == ThreadState::Blocked { on } || s.load(SeqCst) == RETURNED_EARLY
        });
        if s.compare_exchange(PENDING, FIRED, SeqCst, SeqCst).is_ok() {
            trigger();
        }
    });
    let r = catch_unwind(AssertUnwindSafe(block));
    let early = state
        .compare_exchange(PENDING, RETURNED_EARLY, SeqCst, SeqCst)
        .is_ok();
    join(&t);
    assert!(
        !early,
        "blocking call returned before the trigger fired: it did not block"
    );
    r.unwrap_or_else(|panic| resume_unwind(panic))
}

fn basic_queue_test<K: Kind>(q: &Arc<Q<K, i32>>) {
    assert_eq!(q.qsize(), 0, "call this with an empty queue");
    assert!(q.empty());
    assert!(!q.full());
    for x in [111, 333, 222] {
        q.put(x, true, None).unwrap();
    }
    let actual: Vec<i32> = (0..3).map(|_| q.get(true, None).unwrap()).collect();
    assert_eq!(
        actual,
        K::BASIC_ORDER,
        "Didn't seem to queue the correct data!"
    );
    for i in 0..QUEUE_SIZE as i32 - 1 {
        q.put(i, true, None).unwrap();
        assert!(q.qsize() > 0, "Queue should not be empty");
    }
    assert!(!q.full(), "Queue should not be full");
    let last = 2 * QUEUE_SIZE as i32;
    let full = 3 * 2 * QUEUE_SIZE as i32;
    q.put(last, true, None).unwrap();
    assert!(q.full(), "Queue should be full");
    assert!(!q.empty());
    let e = q.put(full, false, None).unwrap_err();
    assert_eq!(
        (e.error, e.item),
        (Error::Full, full),
        "Didn't appear to block with a full queue"
    );
    let e = q.put(full, true, 0.01).unwrap_err();
    assert_eq!(
        (e.error, e.item),
        (Error::Full, full),
        "Didn't appear to time-out with a full queue"
    );
    assert_eq!(q.qsize(), QUEUE_SIZE, "the failed puts added nothing");
    // Test a blocking put.
    let id = q.trace_id();
    let getter = || {
        let q = q.clone();
        move || {
            q.get(true, None).unwrap();
        }
    };
    blocking_test(id, || q.put(full, true, None), getter()).unwrap();
    assert!(q.full());
    blocking_test(id, || q.put(full, true, 10.0), getter()).unwrap();
    assert!(q.full());
    // Empty it.
    for _ in 0..QUEUE_SIZE {
        q.get(true, None).unwrap();
    }
    assert_eq!(q.qsize(), 0, "Queue should be empty");
    assert_eq!(
        q.get(false, None),
        Err(Error::Empty),
        "Didn't appear to block with an empty queue"
    );
    assert_eq!(
        q.get(true, 0.01),
        Err(Error::Empty),
        "Didn't appear to time-out with an empty queue"
    );
    // Test a blocking get.
    const EMPTY: i32 = -7;
    let putter = || {
        let q = q.clone();
        move || q.put(EMPTY, true, None).unwrap()
    };
    assert_eq!(blocking_test(id, || q.get(true, None), putter()), Ok(EMPTY));
    assert_eq!(blocking_test(id, || q.get(true, 10.0), putter()), Ok(EMPTY));
    assert!(q.empty());
}

fn basic<K: Kind>() {
    let q = new::<K, i32>(QUEUE_SIZE);
    basic_queue_test::<K>(&q);
    basic_queue_test::<K>(&q);
}

per_kind! {
    /// Q-01 `test_basic`: order per type, Full/Empty without waiting and after a timeout, and
    /// put/get that really block until another thread gets/puts (run twice on one queue).
    basic() => q_01_basic_fifo, q_01_basic_lifo, q_01_basic_priority
}

fn queue_task_done<K: Kind>() {
    let q = new::<K, i32>(0);
    let e = q.task_done().unwrap_err();
    assert_eq!(
        e,
        Error::TaskDoneTooManyTimes,
        "Did not detect task count going negative"
    );
    assert_eq!(e.to_string(), "task_done() called too many times");
    assert_eq!(q.unfinished_tasks(), 0);
}

per_kind! {
    /// Q-02 `test_queue_task_done`: `task_done()` on a fresh queue is ValueError.
    queue_task_done() => q_02_queue_task_done_fifo, q_02_queue_task_done_lifo, q_02_queue_task_done_priority
}

fn queue_join_test<K: Kind>(q: &Arc<Q<K, i32>>) {
    let cum = Arc::new(Mutex::new(0));
    let (q2, c) = (q.clone(), cum.clone());
    let threads = spawn_n("worker", 2, move |_| loop {
        let x = q2.get(true, None).unwrap();
        if x < 0 {
            q2.task_done().unwrap();
            return;
        }
        *c.lock().unwrap() += x;
        q2.task_done().unwrap();
    });
    for i in 0..100 {
        q.put(i, true, None).unwrap();
    }
    q.join().unwrap();
    assert_eq!(
        *cum.lock().unwrap(),
        (0..100).sum::<i32>(),
        "q.join() did not block until the queue was empty"
    );
    for _ in 0..2 {
        q.put(-1, true, None).unwrap(); // instruct the threads to close
    }
    q.join().unwrap(); // verify that you can join twice
    threads.iter().for_each(join);
    assert_eq!(q.unfinished_tasks(), 0);
}

fn queue_join<K: Kind>() {
    let q = new::<K, i32>(0);
    queue_join_test::<K>(&q);
    queue_join_test::<K>(&q);
    assert_eq!(
        q.task_done(),
        Err(Error::TaskDoneTooManyTimes),
        "Did not detect task count going negative"
    );
}

per_kind! {
    /// Q-03 `test_queue_join`: when `join()` returns, every item put was processed; join can
    /// be repeated; one more `task_done()` is ValueError.
    queue_join() => q_03_queue_join_fifo, q_03_queue_join_lifo, q_03_queue_join_priority
}

fn negative_timeout_raises_exception<K: Kind>() {
    let q = new::<K, i32>(QUEUE_SIZE);
    let e = q.put(1, true, -1.0).unwrap_err();
    assert_eq!((e.error, e.item), (NEGATIVE, 1));
    assert_eq!(q.qsize(), 0, "the rejected put added nothing");
    assert_eq!(q.get(true, -1.0), Err(NEGATIVE));
    assert_eq!(
        NEGATIVE.to_string(),
        "'timeout' must be a non-negative number"
    );
}

per_kind! {
    /// Q-04 `test_negative_timeout_raises_exception`: on an empty `Queue(5)`,
    /// `put(1, timeout=-1)` and `get(1, timeout=-1)` are ValueError.
    negative_timeout_raises_exception()
        => q_04_negative_timeout_raises_exception_fifo,
           q_04_negative_timeout_raises_exception_lifo,
           q_04_negative_timeout_raises_exception_priority
}

fn negative_timeout_lazy<K: Kind>() {
    // An unbounded put never waits: its timeout is not looked at.
    let q = new::<K, i32>(0);
    assert!(q.put(1, true, -1.0).is_ok());
    assert!(q.put(2, true, f64::NAN).is_ok());
    // A blocking get checks the timeout first, even with an item there; the item stays.
    assert_eq!(q.get(true, -1.0), Err(NEGATIVE));
    assert_eq!(q.get(true, f64::NAN), Err(NEGATIVE));
    assert_eq!(q.qsize(), 2);
    // With block=False the timeout is ignored, even a negative one.
    assert!(q.get(false, -1.0).is_ok());
    assert!(q.get(false, -1.0).is_ok());
    assert_eq!(q.get(false, -1.0), Err(Error::Empty));
    // A full bounded queue: non-blocking is Full, blocking with a negative timeout ValueError.
    let q = new::<K, i32>(1);
    q.put(1, false, -1.0).unwrap();
    let e = q.put(2, false, -1.0).unwrap_err();
    assert_eq!((e.error, e.item), (Error::Full, 2));
    let e = q.put(2, true, -1.0).unwrap_err();
    assert_eq!((e.error, e.item), (NEGATIVE, 2));
    // Forever and a real timeout are fine.
    assert_eq!(q.get(true, None), Ok(1));
    q.put(3, true, 0.0).unwrap();
    assert_eq!(q.get(true, Duration::from_secs(1)), Ok(3));
    // A zero timeout is "do not wait".
    assert_eq!(q.get(true, 0.0), Err(Error::Empty));
    assert_eq!(q.get(true, Duration::ZERO), Err(Error::Empty));
}

per_kind! {
    /// Q-04's verified nuances (spec §14.8): the timeout is validated lazily, only on paths
    /// that would wait; `block=False` ignores it; a blocking get checks it before taking an
    /// available item.
    negative_timeout_lazy()
        => q_04_negative_timeout_lazy_fifo,
           q_04_negative_timeout_lazy_lifo,
           q_04_negative_timeout_lazy_priority
}

fn nowait<K: Kind>() {
    let q = new::<K, i32>(QUEUE_SIZE);
    for _ in 0..QUEUE_SIZE {
        q.put_nowait(1).unwrap();
    }
    let e = q.put_nowait(1).unwrap_err();
    assert_eq!((e.error, e.item), (Error::Full, 1));
    for _ in 0..QUEUE_SIZE {
        q.get_nowait().unwrap();
    }
    assert_eq!(q.get_nowait(), Err(Error::Empty));
}

per_kind! {
    /// Q-05 `test_nowait`: put_nowait ×5, the 6th is Full; get_nowait ×5, the 6th is Empty.
    nowait() => q_05_nowait_fifo, q_05_nowait_lifo, q_05_nowait_priority
}

fn shrinking_queue<K: Kind>() {
    let q = new::<K, i32>(3);
    for i in 1..=3 {
        q.put(i, true, None).unwrap();
    }
    assert_eq!(q.put_nowait(4).unwrap_err().error, Error::Full);
    assert_eq!(q.qsize(), 3);
    q.set_maxsize(2); // shrink the queue
    assert_eq!(q.maxsize(), 2);
    assert_eq!(q.put_nowait(4).unwrap_err().error, Error::Full);
    assert!(q.full(), "full() compares with >= maxsize");
    assert_eq!(q.qsize(), 3);
}

per_kind! {
    /// Q-06 `test_shrinking_queue` (issue 10110): a queue shrunk below its size stays full.
    shrinking_queue() => q_06_shrinking_queue_fifo, q_06_shrinking_queue_lifo, q_06_shrinking_queue_priority
}

fn shutdown_empty<K: Kind>() {
    let q = new::<K, &'static str>(0);
    q.shutdown(false);
    let e = q.put("data", true, None).unwrap_err();
    assert_eq!((e.error, e.item), (Error::ShutDown, "data"));
    assert_eq!(q.get(true, None), Err(Error::ShutDown));
}

per_kind! {
    /// Q-07 `test_shutdown_empty`: after `shutdown()`, put and get are ShutDown.
    shutdown_empty() => q_07_shutdown_empty_fifo, q_07_shutdown_empty_lifo, q_07_shutdown_empty_priority
}

fn shutdown_nonempty<K: Kind>() {
    let q = new::<K, &'static str>(0);
    q.put("data", true, None).unwrap();
    q.shutdown(false);
    assert_eq!(q.get(true, None), Ok("data"));
    assert_eq!(q.get(true, None), Err(Error::ShutDown));
}

per_kind! {
    /// Q-08 `test_shutdown_nonempty`: the queued item is still handed out; then ShutDown.
    shutdown_nonempty() => q_08_shutdown_nonempty_fifo, q_08_shutdown_nonempty_lifo, q_08_shutdown_nonempty_priority
}

fn shutdown_immediate<K: Kind>() {
    let q = new::<K, &'static str>(0);
    q.put("data", true, None).unwrap();
    q.shutdown(true);
    assert_eq!(q.get(true, None), Err(Error::ShutDown));
    assert_eq!(q.qsize(), 0, "the item was discarded");
}

per_kind! {
    /// Q-09 `test_shutdown_immediate`: `shutdown(immediate=True)` discards the item.
    shutdown_immediate() => q_09_shutdown_immediate_fifo, q_09_shutdown_immediate_lifo, q_09_shutdown_immediate_priority
}

fn shutdown_allowed_transitions<K: Kind>() {
    let q = new::<K, i32>(0);
    assert!(!q.is_shutdown());
    q.shutdown(false);
    assert!(q.is_shutdown());
    q.shutdown(true);
    assert!(q.is_shutdown());
    q.shutdown(false);
    assert!(q.is_shutdown(), "there is no way back");
}

per_kind! {
    /// Q-10 `test_shutdown_allowed_transitions`: alive → shutdown → immediate; repeatable.
    shutdown_allowed_transitions()
        => q_10_shutdown_allowed_transitions_fifo,
           q_10_shutdown_allowed_transitions_lifo,
           q_10_shutdown_allowed_transitions_priority
}

fn shutdown_all_methods_in_one_thread<K: Kind>(immediate: bool) {
    let q = new::<K, &'static str>(2);
    q.put("L", true, None).unwrap();
    q.put_nowait("O").unwrap();
    q.shutdown(immediate);
    assert_eq!(q.put("E", true, None).unwrap_err().error, Error::ShutDown);
    assert_eq!(q.put_nowait("W").unwrap_err().error, Error::ShutDown);
    if immediate {
        assert_eq!(q.get(true, None), Err(Error::ShutDown));
        assert_eq!(q.get_nowait(), Err(Error::ShutDown));
        assert_eq!(q.task_done(), Err(Error::TaskDoneTooManyTimes));
        q.join().unwrap();
    } else {
        assert!("LO".contains(q.get(true, None).unwrap()));
        q.task_done().unwrap();
        assert!("LO".contains(q.get(true, None).unwrap()));
        q.task_done().unwrap();
        q.join().unwrap();
        // Shut down and empty: ShutDown, not Empty, and no waiting.
        assert_eq!(q.get(true, None), Err(Error::ShutDown));
        assert_eq!(q.get_nowait(), Err(Error::ShutDown));
        let (r, took) = timed(|| q.get(true, 1.0));
        assert_eq!(r, Err(Error::ShutDown));
        assert!(
            took < Duration::from_millis(500),
            "get(True, 1.0) waited {took:?}"
        );
    }
}

per_kind! {
    /// Q-11 `test_shutdown_all_methods_in_one_thread`.
    shutdown_all_methods_in_one_thread(false)
        => q_11_shutdown_all_methods_in_one_thread_fifo,
           q_11_shutdown_all_methods_in_one_thread_lifo,
           q_11_shutdown_all_methods_in_one_thread_priority
}

per_kind! {
    /// Q-12 `test_shutdown_immediate_all_methods_in_one_thread`: the drained items count as
    /// done, so `task_done()` is ValueError and `join()` returns.
    shutdown_all_methods_in_one_thread(true)
        => q_12_shutdown_immediate_all_methods_in_one_thread_fifo,
           q_12_shutdown_immediate_all_methods_in_one_thread_lifo,
           q_12_shutdown_immediate_all_methods_in_one_thread_priority
}

/// Q-13/Q-14's message count. CPython: 65,536; reduced so the browser run stays fast.
const NB_MSGS: u32 = 4096;

fn shutdown_all_methods_in_many_threads<K: Kind>(immediate: bool) {
    const WRITE_THREADS: u32 = 4;
    const READ_THREADS: u32 = 6;
    const JOIN_THREADS: u32 = 2;
    let nb_msgs_w = NB_MSGS / WRITE_THREADS;
    let when_exec_shutdown = nb_msgs_w / 2;
    let q = new::<K, u32>(0);
    let nparties = WRITE_THREADS + READ_THREADS + if immediate { JOIN_THREADS } else { 0 };
    // A default timeout: a party that fails cannot leave the others waiting forever.
    let barrier_start = Arc::new(Barrier::with(nparties, None, SHORT).unwrap());
    let ev_exec_shutdown = Arc::new(Event::new());
    let (res_puts, res_gets, res_shutdown) = (
        Arc::new(Mutex::new(Vec::new())),
        Arc::new(Mutex::new(Vec::new())),
        Arc::new(Mutex::new(Vec::new())),
    );
    let mut threads = Vec::new();
    let (qq, b, ev, res) = (
        q.clone(),
        barrier_start.clone(),
        ev_exec_shutdown.clone(),
        res_puts.clone(),
    );
    threads.extend(spawn_n("writer", WRITE_THREADS as usize, move |_| {
        for i in 0..when_exec_shutdown / 2 {
            qq.put(i, true, None).unwrap();
        }
        b.wait(None).unwrap();
        for i in when_exec_shutdown / 2..nb_msgs_w {
            if let Err(e) = qq.put(i, true, None) {
                assert_eq!(e.error, Error::ShutDown);
                res.lock().unwrap().push(false);
                break;
            }
            // Trigger the queue's shutdown; only one writer should.
            if i == when_exec_shutdown && !ev.is_set() {
                ev.set();
                res.lock().unwrap().push(true);
            }
        }
    }));
    let (qq, b, res) = (q.clone(), barrier_start.clone(), res_gets.clone());
    threads.extend(spawn_n("reader", READ_THREADS as usize, move |_| {
        qq.get(true, None).unwrap(); // get at least one item
        qq.task_done().unwrap();
        b.wait(None).unwrap();
        loop {
            match qq.get(false, None) {
                Ok(_) => qq.task_done().unwrap(),
                Err(Error::ShutDown) => {
                    res.lock().unwrap().push(true);
                    break;
                }
                Err(Error::Empty) => std::thread::yield_now(),
                Err(e) => panic!("{e:?}"),
            }
        }
    }));
    let (qq, ev, res) = (q.clone(), ev_exec_shutdown.clone(), res_shutdown.clone());
    threads.push(spawn("shutdown", move || {
        ev.wait(None).unwrap();
        qq.shutdown(immediate);
        res.lock().unwrap().push(qq.qsize() == 0);
    }));
    if immediate {
        let (qq, b) = (q.clone(), barrier_start.clone());
        threads.extend(spawn_n("joiner", JOIN_THREADS as usize, move |_| {
            b.wait(None).unwrap();
            qq.join().unwrap();
        }));
    }
    threads.iter().for_each(join);
    assert!(
        res_puts.lock().unwrap().contains(&true),
        "a writer triggered the shutdown"
    );
    assert_eq!(
        res_gets.lock().unwrap().iter().filter(|&&r| r).count(),
        READ_THREADS as usize,
        "every reader got ShutDown"
    );
    if immediate {
        assert_eq!(*res_shutdown.lock().unwrap(), [true]);
        assert!(q.empty());
    }
    assert_eq!(q.unfinished_tasks(), 0);
}

per_kind! {
    /// Q-13 `test_shutdown_all_methods_in_many_threads`: 4 writers and 6 readers (4,096
    /// messages instead of 65,536); a shutdown mid-stream ends every one of them.
    shutdown_all_methods_in_many_threads(false)
        => q_13_shutdown_all_methods_in_many_threads_fifo,
           q_13_shutdown_all_methods_in_many_threads_lifo,
           q_13_shutdown_all_methods_in_many_threads_priority
}

per_kind! {
    /// Q-14 `test_shutdown_immediate_all_methods_in_many_threads`: as Q-13 with
    /// `immediate=True` and 2 threads in `join()`, which return.
    shutdown_all_methods_in_many_threads(true)
        => q_14_shutdown_immediate_all_methods_in_many_threads_fifo,
           q_14_shutdown_immediate_all_methods_in_many_threads_lifo,
           q_14_shutdown_immediate_all_methods_in_many_threads_priority
}

type Results = Arc<Mutex<Vec<Result<&'static str, Error>>>>;

/// The results, the items got first (in order), then the errors.
fn sorted(results: &Results) -> Vec<Result<&'static str, Error>> {
    let mut r = results.lock().unwrap().clone();
    r.sort_by_key(|r| (r.is_err(), r.as_ref().ok().copied()));
    r
}

fn shutdown_get<K: Kind>(immediate: bool) {
    let q = new::<K, &'static str>(2);
    let results: Results = Arc::default();
    let go = Arc::new(Event::new());
    q.put("Y", true, None).unwrap();
    q.put("D", true, None).unwrap(); // queue full
    let n = if immediate { 2 } else { 3 };
    let (qq, g, res) = (q.clone(), go.clone(), results.clone());
    let threads = spawn_n("getter", n, move |_| {
        g.wait(None).unwrap();
        let r = qq.get(true, None);
        res.lock().unwrap().push(r);
    });
    q.shutdown(immediate);
    go.set();
    threads.iter().for_each(join);
    let results = sorted(&results);
    if immediate {
        assert_eq!(results, [Err(Error::ShutDown), Err(Error::ShutDown)]);
    } else {
        assert_eq!(results, [Ok("D"), Ok("Y"), Err(Error::ShutDown)]);
    }
}

per_kind! {
    /// Q-15 `test_shutdown_get`: of 3 getters on 2 items after `shutdown()`, exactly one gets
    /// ShutDown.
    shutdown_get(false) => q_15_shutdown_get_fifo, q_15_shutdown_get_lifo, q_15_shutdown_get_priority
}

per_kind! {
    /// Q-16 `test_shutdown_immediate_get`: after `shutdown(immediate=True)` both getters get
    /// ShutDown.
    shutdown_get(true)
        => q_16_shutdown_immediate_get_fifo,
           q_16_shutdown_immediate_get_lifo,
           q_16_shutdown_immediate_get_priority
}

/// CPython's `_shutdown_put`: two putters on a full `Queue(2)` both get ShutDown. With
/// `blocked_first` they are Blocked on the full queue before the shutdown wakes them (CPython
/// lets them start only after it).
fn shutdown_put<K: Kind>(immediate: bool, blocked_first: bool) {
    let q = new::<K, &'static str>(2);
    let results: Results = Arc::default();
    let go = Arc::new(Event::new());
    q.put("Y", true, None).unwrap();
    q.put("D", true, None).unwrap(); // queue full
    let (qq, g, res) = (q.clone(), go.clone(), results.clone());
    let threads = spawn_n("putter", 2, move |i| {
        g.wait(None).unwrap();
        let r = qq.put(["E", "W"][i], true, None);
        res.lock()
            .unwrap()
            .push(r.map(|()| "put").map_err(|e| e.error));
    });
    if blocked_first {
        go.set();
        wait_blocked_on(&threads, q.trace_id());
        q.shutdown(immediate);
    } else {
        q.shutdown(immediate);
        go.set();
    }
    threads.iter().for_each(join);
    assert_eq!(
        *results.lock().unwrap(),
        [Err(Error::ShutDown), Err(Error::ShutDown)]
    );
    assert_eq!(q.qsize(), if immediate { 0 } else { 2 });
}

fn shutdown_put_cases<K: Kind>() {
    shutdown_put::<K>(false, false);
    shutdown_put::<K>(false, true);
}

per_kind! {
    /// Q-17 `test_shutdown_put`: putters on a full queue get ShutDown after `shutdown()`,
    /// whether they start after it (as in CPython) or were blocked before it.
    shutdown_put_cases() => q_17_shutdown_put_fifo, q_17_shutdown_put_lifo, q_17_shutdown_put_priority
}

fn shutdown_immediate_put_cases<K: Kind>() {
    // CPython's `test_shutdown_immediate_put` calls plain `shutdown()`; we also run the
    // immediate one it is named for.
    shutdown_put::<K>(false, false);
    shutdown_put::<K>(true, false);
    shutdown_put::<K>(true, true);
}

per_kind! {
    /// Q-18 `test_shutdown_immediate_put`.
    shutdown_immediate_put_cases()
        => q_18_shutdown_immediate_put_fifo,
           q_18_shutdown_immediate_put_lifo,
           q_18_shutdown_immediate_put_priority
}

fn joiners<K: Kind>(q: &Arc<Q<K, &'static str>>, n: usize) -> (Vec<concurrency::Thread>, Results) {
    let results: Results = Arc::default();
    let (qq, res) = (q.clone(), results.clone());
    let threads = spawn_n("joiner", n, move |_| {
        let r = qq.join();
        res.lock().unwrap().push(r.map(|()| "joined"));
    });
    (threads, results)
}

fn shutdown_join<K: Kind>(immediate: bool) {
    let q = new::<K, &'static str>(0);
    q.put("Y", true, None).unwrap();
    let go = Arc::new(Event::new());
    let (mut threads, results) = joiners::<K>(&q, 2);
    // The joiners wait: an item is unfinished (CPython starts them and carries on).
    wait_blocked_on(&threads, q.trace_id());
    if !immediate {
        let (qq, g) = (q.clone(), go.clone());
        threads.push(spawn("get_task_done", move || {
            g.wait(None).unwrap();
            assert_eq!(qq.get(true, None), Ok("Y"));
            qq.task_done().unwrap();
        }));
    }
    q.shutdown(immediate);
    go.set();
    threads.iter().for_each(join);
    assert_eq!(*results.lock().unwrap(), [Ok("joined"), Ok("joined")]);
    assert_eq!(q.unfinished_tasks(), 0);
}

per_kind! {
    /// Q-19 `test_shutdown_join`: `shutdown()` does not release the joiners; the item's
    /// `task_done()` does.
    shutdown_join(false) => q_19_shutdown_join_fifo, q_19_shutdown_join_lifo, q_19_shutdown_join_priority
}

per_kind! {
    /// Q-20 `test_shutdown_immediate_join`: the drained item counts as done; both joins return.
    shutdown_join(true)
        => q_20_shutdown_immediate_join_fifo,
           q_20_shutdown_immediate_join_lifo,
           q_20_shutdown_immediate_join_priority
}

fn shutdown_put_join<K: Kind>(immediate: bool) {
    let q = new::<K, &'static str>(2);
    let go = Arc::new(Event::new());
    q.put("Y", true, None).unwrap(); // queue not full
    let put_result: Results = Arc::default();
    let (qq, g, res) = (q.clone(), go.clone(), put_result.clone());
    let putter = spawn("putter", move || {
        g.wait(None).unwrap();
        let r = qq.put("E", true, None);
        res.lock()
            .unwrap()
            .push(r.map(|()| "put").map_err(|e| e.error));
    });
    let (joiner, join_result) = joiners::<K>(&q, 1);
    assert_eq!(q.unfinished_tasks(), 1);
    q.shutdown(immediate);
    go.set();
    if immediate {
        assert_eq!(q.get_nowait(), Err(Error::ShutDown));
    } else {
        assert_eq!(q.get(true, None), Ok("Y"));
        q.task_done().unwrap();
    }
    join(&putter);
    joiner.iter().for_each(join);
    assert_eq!(*put_result.lock().unwrap(), [Err(Error::ShutDown)]);
    assert_eq!(*join_result.lock().unwrap(), [Ok("joined")]);
}

per_kind! {
    /// Q-21 `test_shutdown_put_join`: the putter gets ShutDown; the joiner returns once the
    /// remaining item is got and done.
    shutdown_put_join(false) => q_21_shutdown_put_join_fifo, q_21_shutdown_put_join_lifo, q_21_shutdown_put_join_priority
}

per_kind! {
    /// Q-22 `test_shutdown_immediate_put_join`: the item is discarded (`get_nowait()` is
    /// ShutDown) and the joiner returns.
    shutdown_put_join(true)
        => q_22_shutdown_immediate_put_join_fifo,
           q_22_shutdown_immediate_put_join_lifo,
           q_22_shutdown_immediate_put_join_priority
}

fn shutdown_get_task_done_join<K: Kind>() {
    let q = new::<K, &'static str>(2);
    let go = Arc::new(Event::new());
    q.put("Y", true, None).unwrap();
    q.put("D", true, None).unwrap();
    assert_eq!(q.unfinished_tasks(), q.qsize());
    let got: Results = Arc::default();
    let (qq, g, res) = (q.clone(), go.clone(), got.clone());
    let mut threads = spawn_n("get_task_done", 2, move |_| {
        g.wait(None).unwrap();
        let r = qq.get(true, None);
        if r.is_ok() {
            qq.task_done().unwrap();
        }
        res.lock().unwrap().push(r);
    });
    let (joiners, joined) = joiners::<K>(&q, 2);
    threads.extend(joiners);
    go.set();
    q.shutdown(false);
    threads.iter().for_each(join);
    let got = sorted(&got);
    assert_eq!(got, [Ok("D"), Ok("Y")]);
    assert_eq!(*joined.lock().unwrap(), [Ok("joined"), Ok("joined")]);
}

per_kind! {
    /// Q-23 `test_shutdown_get_task_done_join`: getters, `task_done()`s and joiners all
    /// succeed across a `shutdown()`.
    shutdown_get_task_done_join()
        => q_23_shutdown_get_task_done_join_fifo,
           q_23_shutdown_get_task_done_join_lifo,
           q_23_shutdown_get_task_done_join_priority
}

fn shutdown_pending_get<K: Kind>() {
    let q = new::<K, i32>(0);
    let results = Arc::new(Mutex::new(Vec::new()));
    let (qq, res) = (q.clone(), results.clone());
    let get_thread = spawn("get", move || res.lock().unwrap().push(qq.get(true, None)));
    // CPython starts it and shuts down at once; here it is surely waiting first.
    wait_blocked_on(std::slice::from_ref(&get_thread), q.trace_id());
    q.shutdown(false);
    assert_eq!(get_thread.join(10.0), Ok(true), "the pending get ended");
    assert_eq!(*results.lock().unwrap(), [Err(Error::ShutDown)]);
}

per_kind! {
    /// Q-24 `test_shutdown_pending_get`: a get blocked on an empty queue wakes with ShutDown.
    shutdown_pending_get()
        => q_24_shutdown_pending_get_fifo,
           q_24_shutdown_pending_get_lifo,
           q_24_shutdown_pending_get_priority
}

// ---------------------------------------------------------------------------------------------
// failure injection. A panic is Rust's exception here, so these run natively only (a
// browser build aborts on panic).

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

type FailingQ<K> = BaseQueue<Failing<<K as Kind>::S<i32>, K>>;

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
    if !cfg!(panic = "unwind") {
        return;
    }
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
    /// wake. Native only (a browser build aborts on panic).
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
/// works. Native only (a browser build aborts on panic).
pub fn q_25_panicking_ord_keeps_queue_usable() {
    if !cfg!(panic = "unwind") {
        return;
    }
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
    if !cfg!(panic = "unwind") {
        return;
    }
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
        assert_eq!(
            joiner.join(SHORT),
            Ok(true),
            "join() returned: no task was lost"
        );
    }
}

/// Q-25 in Rust form, part 3: a producer thread that panics mid-stream (its own code, between
/// puts) leaves the queue usable: what it put is there and counted, consumers get it, and
/// `join()` returns once each is done. Native only (a browser build aborts on panic).
pub fn q_25_producer_panics_mid_stream() {
    if !cfg!(panic = "unwind") {
        return;
    }
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
