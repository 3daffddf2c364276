//! CPython's own test cases for `threading`, ported by their ids in
//! `shared/reference/cpython-semantics.md` (LK-… from `lock_tests.py`, TH-… from
//! `test_threading.py`). One body per case; `tests/native.rs` runs each natively and
//! `tests/web.rs` runs the same bodies in a browser's dedicated worker. Cases that cannot apply
//! are listed with the reason in `tests/WAIVERS.md`.
#![allow(dead_code)]

pub mod lock;
pub mod thread;

use concurrency::{monotonic, Thread, ThreadState};
use std::time::Duration;

/// CPython's `support.SHORT_TIMEOUT`: the bound on every wait for something that must happen.
pub const SHORT: Duration = Duration::from_secs(30);

/// Every case that runs on both backends: `harness!(test_name, body_path)`.
#[macro_export]
macro_rules! spec_cases {
    ($harness:ident) => {
        $harness!(lk_01_constructor, spec::lock::lk_01_constructor);
        $harness!(lk_03_repr, spec::lock::lk_03_repr);
        $harness!(lk_04_locked_repr, spec::lock::lk_04_locked_repr);
        $harness!(lk_05_acquire_destroy, spec::lock::lk_05_acquire_destroy);
        $harness!(lk_06_acquire_release, spec::lock::lk_06_acquire_release);
        $harness!(lk_07_try_acquire, spec::lock::lk_07_try_acquire);
        $harness!(lk_08_try_acquire_contended, spec::lock::lk_08_try_acquire_contended);
        $harness!(lk_09_acquire_contended, spec::lock::lk_09_acquire_contended);
        $harness!(lk_10_with, spec::lock::lk_10_with);
        $harness!(lk_12_timeout, spec::lock::lk_12_timeout);
        $harness!(lk_15_reacquire, spec::lock::lk_15_reacquire);
        $harness!(lk_16_different_thread, spec::lock::lk_16_different_thread);
        $harness!(lk_17_state_after_timeout, spec::lock::lk_17_state_after_timeout);
        $harness!(lk_19_releasing_unacquired_lock, spec::lock::lk_19_releasing_unacquired_lock);
        $harness!(th_01_name, spec::thread::th_01_name);
        $harness!(th_02_args_argument, spec::thread::th_02_args_argument);
        $harness!(th_06_main_thread_in_worker, spec::thread::th_06_main_thread_in_worker);
        $harness!(th_08_start_thread_again, spec::thread::th_08_start_thread_again);
        $harness!(th_09_joining_inactive_thread, spec::thread::th_09_joining_inactive_thread);
        $harness!(th_10_joining_current_thread, spec::thread::th_10_joining_current_thread);
        $harness!(th_11_daemonize_active_thread, spec::thread::th_11_daemonize_active_thread);
        $harness!(th_15_join_with_timeout, spec::thread::th_15_join_with_timeout);
        $harness!(th_16_join_from_multiple_threads, spec::thread::th_16_join_from_multiple_threads);
        $harness!(th_17_enumerate_after_join, spec::thread::th_17_enumerate_after_join);
        $harness!(th_18_repr_stopped, spec::thread::th_18_repr_stopped);
        $harness!(th_19_target_always_called, spec::thread::th_19_target_always_called);
        $harness!(th_20_leak_without_join, spec::thread::th_20_leak_without_join);
        $harness!(th_21_no_refcycle_through_target, spec::thread::th_21_no_refcycle_through_target);
        $harness!(th_22_daemon_param, spec::thread::th_22_daemon_param);
        $harness!(th_23_repr_daemon, spec::thread::th_23_repr_daemon);
        $harness!(th_29_print_exception, spec::thread::th_29_print_exception);
        $harness!(th_33_custom_excepthook, spec::thread::th_33_custom_excepthook);
        $harness!(th_35_original_excepthook, spec::thread::th_35_original_excepthook);
        $harness!(state_lifecycle, spec::thread::state_lifecycle);
        $harness!(state_blocked_on_lock, spec::thread::state_blocked_on_lock);
        $harness!(more_threads_than_workers, spec::thread::more_threads_than_workers);
        $harness!(counter_demo_with_lock_is_exact, spec::thread::counter_demo_with_lock_is_exact);
        $harness!(trace_records_lock_and_threads, spec::thread::trace_records_lock_and_threads);
    };
}

/// Cases that need OS threads this crate did not start (natively only).
#[macro_export]
macro_rules! native_only_cases {
    ($harness:ident) => {
        $harness!(lk_11_thread_leak, spec::lock::lk_11_thread_leak);
        $harness!(th_04_ident_of_no_threading_threads, spec::thread::th_04_ident_of_no_threading_threads);
        $harness!(th_05_foreign_thread, spec::thread::th_05_foreign_thread);
        $harness!(th_34_custom_excepthook_fail, spec::thread::th_34_custom_excepthook_fail);
    };
}

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
        assert!(monotonic() - start < SHORT, "timed out waiting until {what}");
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
