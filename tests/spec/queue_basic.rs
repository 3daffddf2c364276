//! `test_queue.BaseQueueTestMixin`, Q-01…Q-06 (spec §8.1): order, Full/Empty, blocking put and
//! get, `task_done()`/`join()`, timeouts, `*_nowait`, shrinking. The shutdown cases, Q-07…Q-24,
//! are in `queue_shutdown.rs`; the shared kinds and helpers in `queue_common.rs`.

use super::queue_common::{
    blocking_test, new, per_kind, FifoKind, Kind, LifoKind, PriorityKind, Q, QUEUE_SIZE,
};
use super::{join, spawn_n};
use concurrency::Error;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// CPython's ValueError for a negative queue timeout.
const NEGATIVE: Error = Error::InvalidArgument("'timeout' must be a non-negative number");

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
    // Beyond CPython's case: below the new bound puts work again, and it can grow back.
    q.get(true, None).unwrap();
    assert_eq!(q.put_nowait(4).unwrap_err().error, Error::Full, "2 of 2");
    q.get(true, None).unwrap();
    q.put_nowait(4).unwrap();
    assert!(q.full());
    q.set_maxsize(3);
    q.put_nowait(5).unwrap();
    assert_eq!(q.qsize(), 3);
    assert_eq!(q.put_nowait(6).unwrap_err().error, Error::Full);
}

per_kind! {
    /// Q-06 `test_shrinking_queue` (issue 10110): a queue shrunk below its size stays full.
    shrinking_queue() => q_06_shrinking_queue_fifo, q_06_shrinking_queue_lifo, q_06_shrinking_queue_priority
}
