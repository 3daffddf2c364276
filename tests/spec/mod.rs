//! CPython's own test cases for `threading`, ported by their ids in
//! `shared/reference/cpython-semantics.md` (LK-, RL-, EV-, CV-, SM-, BA-… from `lock_tests.py`
//! and the threading parts of `_test_multiprocessing.py`, TH-… from `test_threading.py`). One body per case; `tests/native.rs` runs each natively and
//! `tests/web.rs` runs the same bodies in a browser's dedicated worker. Cases that cannot apply
//! are listed with the reason in `tests/WAIVERS.md`.
#![allow(dead_code)]

pub mod barrier;
pub mod condition;
pub mod condition_as_rlock;
pub mod event;
pub mod excepthook;
pub mod lock;
pub mod queue_basic;
pub mod queue_common;
pub mod queue_failures;
pub mod queue_shutdown;
pub mod rlock;
pub mod semaphore;
pub mod simple_queue;
pub mod thread;

use concurrency::{monotonic, Thread, ThreadState};
use std::sync::Arc;
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
        $harness!(
            lk_08_try_acquire_contended,
            spec::lock::lk_08_try_acquire_contended
        );
        $harness!(lk_09_acquire_contended, spec::lock::lk_09_acquire_contended);
        $harness!(lk_10_with, spec::lock::lk_10_with);
        $harness!(lk_12_timeout, spec::lock::lk_12_timeout);
        $harness!(lk_15_reacquire, spec::lock::lk_15_reacquire);
        $harness!(lk_16_different_thread, spec::lock::lk_16_different_thread);
        $harness!(
            lk_17_state_after_timeout,
            spec::lock::lk_17_state_after_timeout
        );
        $harness!(
            lk_19_releasing_unacquired_lock,
            spec::lock::lk_19_releasing_unacquired_lock
        );
        $harness!(th_01_name, spec::thread::th_01_name);
        $harness!(th_02_args_argument, spec::thread::th_02_args_argument);
        $harness!(th_03_various_ops, spec::thread::th_03_various_ops);
        $harness!(
            th_06_main_thread_in_worker,
            spec::thread::th_06_main_thread_in_worker
        );
        $harness!(
            th_08_start_thread_again,
            spec::thread::th_08_start_thread_again
        );
        $harness!(
            th_09_joining_inactive_thread,
            spec::thread::th_09_joining_inactive_thread
        );
        $harness!(
            th_10_joining_current_thread,
            spec::thread::th_10_joining_current_thread
        );
        $harness!(
            th_11_daemonize_active_thread,
            spec::thread::th_11_daemonize_active_thread
        );
        $harness!(
            th_15_join_with_timeout,
            spec::thread::th_15_join_with_timeout
        );
        $harness!(
            th_16_join_from_multiple_threads,
            spec::thread::th_16_join_from_multiple_threads
        );
        $harness!(
            th_17_enumerate_after_join,
            spec::thread::th_17_enumerate_after_join
        );
        $harness!(th_18_repr_stopped, spec::thread::th_18_repr_stopped);
        $harness!(
            th_19_target_always_called,
            spec::thread::th_19_target_always_called
        );
        $harness!(
            th_20_leak_without_join,
            spec::thread::th_20_leak_without_join
        );
        $harness!(
            th_21_no_refcycle_through_target,
            spec::thread::th_21_no_refcycle_through_target
        );
        $harness!(th_22_daemon_param, spec::thread::th_22_daemon_param);
        $harness!(th_23_repr_daemon, spec::thread::th_23_repr_daemon);
        $harness!(
            th_29_print_exception,
            spec::excepthook::th_29_print_exception
        );
        $harness!(
            th_33_custom_excepthook,
            spec::excepthook::th_33_custom_excepthook
        );
        $harness!(
            th_35_original_excepthook,
            spec::excepthook::th_35_original_excepthook
        );
        $harness!(th_38_timer, spec::thread::th_38_timer);
        $harness!(state_lifecycle, spec::thread::state_lifecycle);
        $harness!(state_blocked_on_lock, spec::thread::state_blocked_on_lock);
        $harness!(
            more_threads_than_workers,
            spec::thread::more_threads_than_workers
        );
        $harness!(
            counter_demo_with_lock_is_exact,
            spec::thread::counter_demo_with_lock_is_exact
        );
        $harness!(
            trace_records_lock_and_threads,
            spec::thread::trace_records_lock_and_threads
        );
        $harness!(rl_lk_01_constructor, spec::rlock::rl_lk_01_constructor);
        $harness!(
            rl_lk_05_acquire_destroy,
            spec::rlock::rl_lk_05_acquire_destroy
        );
        $harness!(
            rl_lk_06_acquire_release,
            spec::rlock::rl_lk_06_acquire_release
        );
        $harness!(rl_lk_07_try_acquire, spec::rlock::rl_lk_07_try_acquire);
        $harness!(
            rl_lk_08_try_acquire_contended,
            spec::rlock::rl_lk_08_try_acquire_contended
        );
        $harness!(
            rl_lk_09_acquire_contended,
            spec::rlock::rl_lk_09_acquire_contended
        );
        $harness!(rl_lk_10_with, spec::rlock::rl_lk_10_with);
        $harness!(rl_lk_12_timeout, spec::rlock::rl_lk_12_timeout);
        $harness!(rl_01_repr_count, spec::rlock::rl_01_repr_count);
        $harness!(rl_02_reacquire, spec::rlock::rl_02_reacquire);
        $harness!(
            rl_03_release_unacquired,
            spec::rlock::rl_03_release_unacquired
        );
        $harness!(rl_04_locked, spec::rlock::rl_04_locked);
        $harness!(
            rl_05_locked_with_2threads,
            spec::rlock::rl_05_locked_with_2threads
        );
        $harness!(
            rl_06_release_save_unacquired,
            spec::rlock::rl_06_release_save_unacquired
        );
        $harness!(rl_07_recursion_count, spec::rlock::rl_07_recursion_count);
        $harness!(rl_08_different_thread, spec::rlock::rl_08_different_thread);
        $harness!(rl_09_is_owned, spec::rlock::rl_09_is_owned);
        $harness!(
            cv_as_rl_lk_01_constructor,
            spec::condition_as_rlock::cv_as_rl_lk_01_constructor
        );
        $harness!(
            cv_as_rl_lk_05_acquire_destroy,
            spec::condition_as_rlock::cv_as_rl_lk_05_acquire_destroy
        );
        $harness!(
            cv_as_rl_lk_06_acquire_release,
            spec::condition_as_rlock::cv_as_rl_lk_06_acquire_release
        );
        $harness!(
            cv_as_rl_lk_07_try_acquire,
            spec::condition_as_rlock::cv_as_rl_lk_07_try_acquire
        );
        $harness!(
            cv_as_rl_lk_08_try_acquire_contended,
            spec::condition_as_rlock::cv_as_rl_lk_08_try_acquire_contended
        );
        $harness!(
            cv_as_rl_lk_09_acquire_contended,
            spec::condition_as_rlock::cv_as_rl_lk_09_acquire_contended
        );
        $harness!(
            cv_as_rl_lk_10_with,
            spec::condition_as_rlock::cv_as_rl_lk_10_with
        );
        $harness!(
            cv_as_rl_lk_12_timeout,
            spec::condition_as_rlock::cv_as_rl_lk_12_timeout
        );
        $harness!(
            cv_as_rl_02_reacquire,
            spec::condition_as_rlock::cv_as_rl_02_reacquire
        );
        $harness!(
            cv_as_rl_03_release_unacquired,
            spec::condition_as_rlock::cv_as_rl_03_release_unacquired
        );
        $harness!(
            cv_as_rl_04_locked,
            spec::condition_as_rlock::cv_as_rl_04_locked
        );
        $harness!(
            cv_as_rl_05_locked_with_2threads,
            spec::condition_as_rlock::cv_as_rl_05_locked_with_2threads
        );
        $harness!(
            cv_as_rl_08_different_thread,
            spec::condition_as_rlock::cv_as_rl_08_different_thread
        );
        $harness!(
            cv_as_rl_09_is_owned,
            spec::condition_as_rlock::cv_as_rl_09_is_owned
        );
        $harness!(ev_01_is_set, spec::event::ev_01_is_set);
        $harness!(ev_02_notify, spec::event::ev_02_notify);
        $harness!(ev_03_timeout, spec::event::ev_03_timeout);
        $harness!(ev_04_set_and_clear, spec::event::ev_04_set_and_clear);
        $harness!(ev_06_repr, spec::event::ev_06_repr);
        $harness!(cv_01_acquire, spec::condition::cv_01_acquire);
        $harness!(
            cv_02_unacquired_wait,
            spec::condition::cv_02_unacquired_wait
        );
        $harness!(
            cv_03_unacquired_notify,
            spec::condition::cv_03_unacquired_notify
        );
        $harness!(cv_04_notify, spec::condition::cv_04_notify);
        $harness!(cv_05_timeout, spec::condition::cv_05_timeout);
        $harness!(cv_06_waitfor, spec::condition::cv_06_waitfor);
        $harness!(
            cv_07_waitfor_timeout,
            spec::condition::cv_07_waitfor_timeout
        );
        $harness!(cv_08_notify_n, spec::condition::cv_08_notify_n);
        $harness!(cv_09_notify_all, spec::condition::cv_09_notify_all);
        $harness!(cv_10_wait_result, spec::condition::cv_10_wait_result);
        $harness!(sm_01_constructor, spec::semaphore::sm_01_constructor);
        $harness!(sm_02_acquire, spec::semaphore::sm_02_acquire);
        $harness!(
            sm_03_acquire_destroy,
            spec::semaphore::sm_03_acquire_destroy
        );
        $harness!(
            sm_04_acquire_contended,
            spec::semaphore::sm_04_acquire_contended
        );
        $harness!(sm_05_multirelease, spec::semaphore::sm_05_multirelease);
        $harness!(sm_06_try_acquire, spec::semaphore::sm_06_try_acquire);
        $harness!(
            sm_07_try_acquire_contended,
            spec::semaphore::sm_07_try_acquire_contended
        );
        $harness!(
            sm_08_acquire_timeout,
            spec::semaphore::sm_08_acquire_timeout
        );
        $harness!(sm_09_default_value, spec::semaphore::sm_09_default_value);
        $harness!(sm_10_with, spec::semaphore::sm_10_with);
        $harness!(
            sm_11_release_unacquired,
            spec::semaphore::sm_11_release_unacquired
        );
        $harness!(sm_12_repr, spec::semaphore::sm_12_repr);
        $harness!(
            sm_13_bounded_release_unacquired,
            spec::semaphore::sm_13_bounded_release_unacquired
        );
        $harness!(sm_14_bounded_repr, spec::semaphore::sm_14_bounded_repr);
        $harness!(
            sm_15_bounded_semaphore_limit,
            spec::semaphore::sm_15_bounded_semaphore_limit
        );
        $harness!(sm_16_mp_semaphore, spec::semaphore::sm_16_mp_semaphore);
        $harness!(ba_01_constructor, spec::barrier::ba_01_constructor);
        $harness!(ba_02_barrier, spec::barrier::ba_02_barrier);
        $harness!(ba_03_barrier_10, spec::barrier::ba_03_barrier_10);
        $harness!(ba_04_wait_return, spec::barrier::ba_04_wait_return);
        $harness!(ba_05_action, spec::barrier::ba_05_action);
        $harness!(
            ba_05_action_panic_breaks,
            spec::barrier::ba_05_action_panic_breaks
        );
        $harness!(ba_06_abort, spec::barrier::ba_06_abort);
        $harness!(ba_07_reset, spec::barrier::ba_07_reset);
        $harness!(ba_08_abort_and_reset, spec::barrier::ba_08_abort_and_reset);
        $harness!(ba_09_timeout, spec::barrier::ba_09_timeout);
        $harness!(ba_10_default_timeout, spec::barrier::ba_10_default_timeout);
        $harness!(ba_11_single_thread, spec::barrier::ba_11_single_thread);
        $harness!(ba_12_repr, spec::barrier::ba_12_repr);
        $harness!(ba_13_thousand, spec::barrier::ba_13_thousand);
        $harness!(q_01_basic_fifo, spec::queue_basic::q_01_basic_fifo);
        $harness!(q_01_basic_lifo, spec::queue_basic::q_01_basic_lifo);
        $harness!(q_01_basic_priority, spec::queue_basic::q_01_basic_priority);
        $harness!(
            q_02_queue_task_done_fifo,
            spec::queue_basic::q_02_queue_task_done_fifo
        );
        $harness!(
            q_02_queue_task_done_lifo,
            spec::queue_basic::q_02_queue_task_done_lifo
        );
        $harness!(
            q_02_queue_task_done_priority,
            spec::queue_basic::q_02_queue_task_done_priority
        );
        $harness!(
            q_03_queue_join_fifo,
            spec::queue_basic::q_03_queue_join_fifo
        );
        $harness!(
            q_03_queue_join_lifo,
            spec::queue_basic::q_03_queue_join_lifo
        );
        $harness!(
            q_03_queue_join_priority,
            spec::queue_basic::q_03_queue_join_priority
        );
        $harness!(
            q_04_negative_timeout_raises_exception_fifo,
            spec::queue_basic::q_04_negative_timeout_raises_exception_fifo
        );
        $harness!(
            q_04_negative_timeout_raises_exception_lifo,
            spec::queue_basic::q_04_negative_timeout_raises_exception_lifo
        );
        $harness!(
            q_04_negative_timeout_raises_exception_priority,
            spec::queue_basic::q_04_negative_timeout_raises_exception_priority
        );
        $harness!(
            q_04_negative_timeout_lazy_fifo,
            spec::queue_basic::q_04_negative_timeout_lazy_fifo
        );
        $harness!(
            q_04_negative_timeout_lazy_lifo,
            spec::queue_basic::q_04_negative_timeout_lazy_lifo
        );
        $harness!(
            q_04_negative_timeout_lazy_priority,
            spec::queue_basic::q_04_negative_timeout_lazy_priority
        );
        $harness!(q_05_nowait_fifo, spec::queue_basic::q_05_nowait_fifo);
        $harness!(q_05_nowait_lifo, spec::queue_basic::q_05_nowait_lifo);
        $harness!(
            q_05_nowait_priority,
            spec::queue_basic::q_05_nowait_priority
        );
        $harness!(
            q_06_shrinking_queue_fifo,
            spec::queue_basic::q_06_shrinking_queue_fifo
        );
        $harness!(
            q_06_shrinking_queue_lifo,
            spec::queue_basic::q_06_shrinking_queue_lifo
        );
        $harness!(
            q_06_shrinking_queue_priority,
            spec::queue_basic::q_06_shrinking_queue_priority
        );
        $harness!(
            q_07_shutdown_empty_fifo,
            spec::queue_shutdown::q_07_shutdown_empty_fifo
        );
        $harness!(
            q_07_shutdown_empty_lifo,
            spec::queue_shutdown::q_07_shutdown_empty_lifo
        );
        $harness!(
            q_07_shutdown_empty_priority,
            spec::queue_shutdown::q_07_shutdown_empty_priority
        );
        $harness!(
            q_08_shutdown_nonempty_fifo,
            spec::queue_shutdown::q_08_shutdown_nonempty_fifo
        );
        $harness!(
            q_08_shutdown_nonempty_lifo,
            spec::queue_shutdown::q_08_shutdown_nonempty_lifo
        );
        $harness!(
            q_08_shutdown_nonempty_priority,
            spec::queue_shutdown::q_08_shutdown_nonempty_priority
        );
        $harness!(
            q_09_shutdown_immediate_fifo,
            spec::queue_shutdown::q_09_shutdown_immediate_fifo
        );
        $harness!(
            q_09_shutdown_immediate_lifo,
            spec::queue_shutdown::q_09_shutdown_immediate_lifo
        );
        $harness!(
            q_09_shutdown_immediate_priority,
            spec::queue_shutdown::q_09_shutdown_immediate_priority
        );
        $harness!(
            q_10_shutdown_allowed_transitions_fifo,
            spec::queue_shutdown::q_10_shutdown_allowed_transitions_fifo
        );
        $harness!(
            q_10_shutdown_allowed_transitions_lifo,
            spec::queue_shutdown::q_10_shutdown_allowed_transitions_lifo
        );
        $harness!(
            q_10_shutdown_allowed_transitions_priority,
            spec::queue_shutdown::q_10_shutdown_allowed_transitions_priority
        );
        $harness!(
            q_11_shutdown_all_methods_in_one_thread_fifo,
            spec::queue_shutdown::q_11_shutdown_all_methods_in_one_thread_fifo
        );
        $harness!(
            q_11_shutdown_all_methods_in_one_thread_lifo,
            spec::queue_shutdown::q_11_shutdown_all_methods_in_one_thread_lifo
        );
        $harness!(
            q_11_shutdown_all_methods_in_one_thread_priority,
            spec::queue_shutdown::q_11_shutdown_all_methods_in_one_thread_priority
        );
        $harness!(
            q_12_shutdown_immediate_all_methods_in_one_thread_fifo,
            spec::queue_shutdown::q_12_shutdown_immediate_all_methods_in_one_thread_fifo
        );
        $harness!(
            q_12_shutdown_immediate_all_methods_in_one_thread_lifo,
            spec::queue_shutdown::q_12_shutdown_immediate_all_methods_in_one_thread_lifo
        );
        $harness!(
            q_12_shutdown_immediate_all_methods_in_one_thread_priority,
            spec::queue_shutdown::q_12_shutdown_immediate_all_methods_in_one_thread_priority
        );
        $harness!(
            q_13_shutdown_all_methods_in_many_threads_fifo,
            spec::queue_shutdown::q_13_shutdown_all_methods_in_many_threads_fifo
        );
        $harness!(
            q_13_shutdown_all_methods_in_many_threads_lifo,
            spec::queue_shutdown::q_13_shutdown_all_methods_in_many_threads_lifo
        );
        $harness!(
            q_13_shutdown_all_methods_in_many_threads_priority,
            spec::queue_shutdown::q_13_shutdown_all_methods_in_many_threads_priority
        );
        $harness!(
            q_14_shutdown_immediate_all_methods_in_many_threads_fifo,
            spec::queue_shutdown::q_14_shutdown_immediate_all_methods_in_many_threads_fifo
        );
        $harness!(
            q_14_shutdown_immediate_all_methods_in_many_threads_lifo,
            spec::queue_shutdown::q_14_shutdown_immediate_all_methods_in_many_threads_lifo
        );
        $harness!(
            q_14_shutdown_immediate_all_methods_in_many_threads_priority,
            spec::queue_shutdown::q_14_shutdown_immediate_all_methods_in_many_threads_priority
        );
        $harness!(
            q_15_shutdown_get_fifo,
            spec::queue_shutdown::q_15_shutdown_get_fifo
        );
        $harness!(
            q_15_shutdown_get_lifo,
            spec::queue_shutdown::q_15_shutdown_get_lifo
        );
        $harness!(
            q_15_shutdown_get_priority,
            spec::queue_shutdown::q_15_shutdown_get_priority
        );
        $harness!(
            q_16_shutdown_immediate_get_fifo,
            spec::queue_shutdown::q_16_shutdown_immediate_get_fifo
        );
        $harness!(
            q_16_shutdown_immediate_get_lifo,
            spec::queue_shutdown::q_16_shutdown_immediate_get_lifo
        );
        $harness!(
            q_16_shutdown_immediate_get_priority,
            spec::queue_shutdown::q_16_shutdown_immediate_get_priority
        );
        $harness!(
            q_17_shutdown_put_fifo,
            spec::queue_shutdown::q_17_shutdown_put_fifo
        );
        $harness!(
            q_17_shutdown_put_lifo,
            spec::queue_shutdown::q_17_shutdown_put_lifo
        );
        $harness!(
            q_17_shutdown_put_priority,
            spec::queue_shutdown::q_17_shutdown_put_priority
        );
        $harness!(
            q_18_shutdown_immediate_put_fifo,
            spec::queue_shutdown::q_18_shutdown_immediate_put_fifo
        );
        $harness!(
            q_18_shutdown_immediate_put_lifo,
            spec::queue_shutdown::q_18_shutdown_immediate_put_lifo
        );
        $harness!(
            q_18_shutdown_immediate_put_priority,
            spec::queue_shutdown::q_18_shutdown_immediate_put_priority
        );
        $harness!(
            q_19_shutdown_join_fifo,
            spec::queue_shutdown::q_19_shutdown_join_fifo
        );
        $harness!(
            q_19_shutdown_join_lifo,
            spec::queue_shutdown::q_19_shutdown_join_lifo
        );
        $harness!(
            q_19_shutdown_join_priority,
            spec::queue_shutdown::q_19_shutdown_join_priority
        );
        $harness!(
            q_20_shutdown_immediate_join_fifo,
            spec::queue_shutdown::q_20_shutdown_immediate_join_fifo
        );
        $harness!(
            q_20_shutdown_immediate_join_lifo,
            spec::queue_shutdown::q_20_shutdown_immediate_join_lifo
        );
        $harness!(
            q_20_shutdown_immediate_join_priority,
            spec::queue_shutdown::q_20_shutdown_immediate_join_priority
        );
        $harness!(
            q_21_shutdown_put_join_fifo,
            spec::queue_shutdown::q_21_shutdown_put_join_fifo
        );
        $harness!(
            q_21_shutdown_put_join_lifo,
            spec::queue_shutdown::q_21_shutdown_put_join_lifo
        );
        $harness!(
            q_21_shutdown_put_join_priority,
            spec::queue_shutdown::q_21_shutdown_put_join_priority
        );
        $harness!(
            q_22_shutdown_immediate_put_join_fifo,
            spec::queue_shutdown::q_22_shutdown_immediate_put_join_fifo
        );
        $harness!(
            q_22_shutdown_immediate_put_join_lifo,
            spec::queue_shutdown::q_22_shutdown_immediate_put_join_lifo
        );
        $harness!(
            q_22_shutdown_immediate_put_join_priority,
            spec::queue_shutdown::q_22_shutdown_immediate_put_join_priority
        );
        $harness!(
            q_23_shutdown_get_task_done_join_fifo,
            spec::queue_shutdown::q_23_shutdown_get_task_done_join_fifo
        );
        $harness!(
            q_23_shutdown_get_task_done_join_lifo,
            spec::queue_shutdown::q_23_shutdown_get_task_done_join_lifo
        );
        $harness!(
            q_23_shutdown_get_task_done_join_priority,
            spec::queue_shutdown::q_23_shutdown_get_task_done_join_priority
        );
        $harness!(
            q_24_shutdown_pending_get_fifo,
            spec::queue_shutdown::q_24_shutdown_pending_get_fifo
        );
        $harness!(
            q_24_shutdown_pending_get_lifo,
            spec::queue_shutdown::q_24_shutdown_pending_get_lifo
        );
        $harness!(
            q_24_shutdown_pending_get_priority,
            spec::queue_shutdown::q_24_shutdown_pending_get_priority
        );
        $harness!(sq_01_basic, spec::simple_queue::sq_01_basic);
        $harness!(
            sq_02_negative_timeout_raises_exception,
            spec::simple_queue::sq_02_negative_timeout_raises_exception
        );
        $harness!(sq_03_order, spec::simple_queue::sq_03_order);
        $harness!(sq_04_many_threads, spec::simple_queue::sq_04_many_threads);
        $harness!(
            sq_05_many_threads_nonblock,
            spec::simple_queue::sq_05_many_threads_nonblock
        );
        $harness!(
            sq_06_many_threads_timeout,
            spec::simple_queue::sq_06_many_threads_timeout
        );
        $harness!(sq_07_references, spec::simple_queue::sq_07_references);
        $harness!(sq_09_reentrancy, spec::simple_queue::sq_09_reentrancy);
        $harness!(
            sq_09_reentrancy_across_threads,
            spec::simple_queue::sq_09_reentrancy_across_threads
        );
        $harness!(
            sq_09_queue_shutdown_drop_puts,
            spec::simple_queue::sq_09_queue_shutdown_drop_puts
        );
    };
}

/// Cases that need OS threads this crate did not start (natively only).
#[macro_export]
macro_rules! native_only_cases {
    ($harness:ident) => {
        $harness!(lk_11_thread_leak, spec::lock::lk_11_thread_leak);
        $harness!(rl_lk_11_thread_leak, spec::rlock::rl_lk_11_thread_leak);
        $harness!(
            th_04_ident_of_no_threading_threads,
            spec::thread::th_04_ident_of_no_threading_threads
        );
        $harness!(th_05_foreign_thread, spec::thread::th_05_foreign_thread);
        $harness!(
            th_34_custom_excepthook_fail,
            spec::excepthook::th_34_custom_excepthook_fail
        );
        // Q-25 panics on purpose: a browser build aborts on panic, so natively only.
        $harness!(
            q_25_failing_queue_fifo,
            spec::queue_failures::q_25_failing_queue_fifo
        );
        $harness!(
            q_25_failing_queue_lifo,
            spec::queue_failures::q_25_failing_queue_lifo
        );
        $harness!(
            q_25_failing_queue_priority,
            spec::queue_failures::q_25_failing_queue_priority
        );
        $harness!(
            q_25_panicking_ord_keeps_queue_usable,
            spec::queue_failures::q_25_panicking_ord_keeps_queue_usable
        );
        $harness!(
            q_25_panicking_ord_keeps_counts,
            spec::queue_failures::q_25_panicking_ord_keeps_counts
        );
        $harness!(
            q_25_producer_panics_mid_stream,
            spec::queue_failures::q_25_producer_panics_mid_stream
        );
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
pub fn blocked_on(threads: &[Thread], on: u32) -> usize {
    threads
        .iter()
        .filter(|t| t.state() == ThreadState::Blocked { on })
        .count()
}

/// Waits until every thread shows as Blocked on the object with trace id `on`.
pub fn wait_blocked_on(threads: &[Thread], on: u32) {
    wait_until("the threads are blocked on the object", || {
        blocked_on(threads, on) == threads.len()
    });
}

/// Waits until every thread has either ended or is Blocked on `on`: nothing more can happen
/// until someone else acts (where CPython sleeps and hopes).
pub fn wait_settled(threads: &[Thread], on: u32) {
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
