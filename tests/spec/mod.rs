//! CPython's own test cases for `threading`, ported by their ids in
//! `shared/reference/cpython-semantics.md` (LK-, RL-, EV-, CV-, SM-, BA-… from `lock_tests.py`
//! and the threading parts of `_test_multiprocessing.py`, TH-… from `test_threading.py`). One body per case; `tests/native.rs` runs each natively and
//! `tests/web.rs` runs the same bodies in a browser's dedicated worker. Cases that cannot apply
//! are listed with the reason in `tests/WAIVERS.md`.
#![allow(dead_code)]

pub mod barrier;
pub mod base_lock;
pub mod cases;
pub mod condition;
pub mod condition_as_rlock;
pub mod event;
pub mod excepthook;
pub mod local;
pub mod lock;
pub mod queue_basic;
pub mod queue_cases;
pub mod queue_common;
pub mod queue_failures;
pub mod queue_limits;
pub mod queue_shutdown;
pub mod rlock;
pub mod semaphore;
pub mod simple_queue;
pub mod thread;
pub mod thread_edges;

use concurrency::{monotonic, Thread, ThreadState};
use std::sync::Arc;
use std::time::Duration;

/// CPython's `support.SHORT_TIMEOUT`: the bound on every wait for something that must happen.
pub const SHORT: Duration = Duration::from_secs(30);

/// Starts a named thread running `f`.
pub fn spawn(name: &str, f: impl FnOnce() + Send + 'static) -> Thread {
    let t = Thread::builder().name(name).target(f).build();
    t.start().expect("start");
    t
}

/// Joins, failing the test (not hanging it) if the thread does not end within [`SHORT`], and
/// failing it if the thread's target panicked (an assertion inside the thread failed).
pub fn join(t: &Thread) {
    assert!(
        t.join(SHORT).expect("join"),
        "{} did not finish within {SHORT:?}",
        t.name()
    );
    assert!(!t.panicked(), "{} panicked", t.name());
}

/// Polls `cond` until it holds; fails after [`SHORT`] naming `what`.
pub fn wait_until(what: &str, mut cond: impl FnMut() -> bool) {
    let start = monotonic();
    while !cond() {
        assert!(
            monotonic() - start < SHORT,
            "timed out waiting until {what}"
        );
        concurrency::sleep(Duration::from_millis(1)).expect("sleep");
    }
}

/// Waits until every thread shows as Blocked (the real state, where CPython sleeps 10 ms·n).
pub fn wait_blocked(threads: &[Thread]) {
    wait_until("the threads are blocked", || {
        threads
            .iter()
            .all(|t| matches!(t.state(), ThreadState::Blocked { .. }))
    });
}

/// CPython's `assertTimeout`: 0.6·expected ≤ actual < 10·expected.
pub fn assert_timeout(actual: Duration, expected: Duration) {
    assert!(
        actual >= expected.mul_f64(0.6) && actual < expected * 10,
        "took {actual:?}, expected about {expected:?}"
    );
}

/// Time a call.
pub fn timed<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let start = monotonic();
    let r = f();
    (r, monotonic() - start)
}

/// CPython's `Bunch(f, n)`: starts `n` threads named `name-i`, each running `f(i)`. Join them
/// with [`join`] (which also fails the test if one of them panicked).
pub fn spawn_n(name: &str, n: usize, f: impl Fn(usize) + Send + Sync + 'static) -> Vec<Thread> {
    let f = Arc::new(f);
    (0..n)
        .map(|i| {
            let f = f.clone();
            spawn(&format!("{name}-{i}"), move || f(i))
        })
        .collect()
}

/// How many of `threads` are Blocked on the object with trace id `on` right now.
pub fn blocked_on(threads: &[Thread], on: u64) -> usize {
    threads
        .iter()
        .filter(|t| t.state() == ThreadState::Blocked { on })
        .count()
}

/// Waits until every thread shows as Blocked on the object with trace id `on`.
pub fn wait_blocked_on(threads: &[Thread], on: u64) {
    wait_until("the threads are blocked on the object", || {
        blocked_on(threads, on) == threads.len()
    });
}

/// Waits until every thread has either ended or is Blocked on `on`: nothing more can happen
/// until someone else acts (where CPython sleeps and hopes).
pub fn wait_settled(threads: &[Thread], on: u64) {
    wait_until(
        "the threads have ended or are blocked on the object",
        || {
            threads.iter().all(|t| {
                matches!(t.state(), ThreadState::Terminated)
                    || t.state() == ThreadState::Blocked { on }
            })
        },
    );
}
