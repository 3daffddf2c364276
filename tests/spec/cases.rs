//! The list of ported cases, by id: `spec_cases!` runs on both backends (natively and in a
//! browser worker); `unwind_cases!` needs panics that unwind (a body that catches one), which
//! a browser build does not have (it aborts), and `native_only_cases!` needs OS threads the
//! crate did not start: both run natively and show as ignored in a browser. Each harness
//! passes its own macro, which turns `(test_name, body_path)` into a test.

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
        $harness!(
            lk_12_nonblocking_accepts_only_no_timeout,
            spec::lock::lk_12_nonblocking_accepts_only_no_timeout
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
        $harness!(
            local_drop_panic_at_exit_is_reported,
            spec::excepthook::local_drop_panic_at_exit_is_reported
        );
        $harness!(
            local_value_dropped_when_its_thread_ends,
            spec::local::local_value_dropped_when_its_thread_ends
        );
        $harness!(
            local_nested_with_is_an_error,
            spec::local::local_nested_with_is_an_error
        );
        $harness!(
            local_values_are_dropped_per_thread_and_with_the_local,
            spec::local::local_values_are_dropped_per_thread_and_with_the_local
        );
        $harness!(th_12_limbo_cleanup, spec::thread_edges::th_12_limbo_cleanup);
        $harness!(
            th_13_start_new_thread_failed,
            spec::thread_edges::th_13_start_new_thread_failed
        );
        $harness!(th_38_timer, spec::thread::th_38_timer);
        $harness!(state_lifecycle, spec::thread::state_lifecycle);
        $harness!(state_blocked_on_lock, spec::thread::state_blocked_on_lock);
        $harness!(
            more_threads_than_workers,
            spec::thread::more_threads_than_workers
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
        $harness!(
            sm_08_nonblocking_rejects_every_timeout,
            spec::semaphore::sm_08_nonblocking_rejects_every_timeout
        );
        $harness!(ba_01_constructor, spec::barrier::ba_01_constructor);
        $harness!(ba_02_barrier, spec::barrier::ba_02_barrier);
        $harness!(ba_03_barrier_10, spec::barrier::ba_03_barrier_10);
        $harness!(ba_04_wait_return, spec::barrier::ba_04_wait_return);
        $harness!(ba_05_action, spec::barrier::ba_05_action);
        $harness!(ba_06_abort, spec::barrier::ba_06_abort);
        $harness!(ba_07_reset, spec::barrier::ba_07_reset);
        $harness!(ba_08_abort_and_reset, spec::barrier::ba_08_abort_and_reset);
        $harness!(ba_09_timeout, spec::barrier::ba_09_timeout);
        $harness!(ba_10_default_timeout, spec::barrier::ba_10_default_timeout);
        $harness!(ba_11_single_thread, spec::barrier::ba_11_single_thread);
        $harness!(ba_12_repr, spec::barrier::ba_12_repr);
        $harness!(ba_13_thousand, spec::barrier::ba_13_thousand);
    };
}

/// Cases whose bodies need panics to unwind (they catch one, or check what a guard did while
/// one unwound): natively they run, in a browser they show as ignored
/// (`web_harness::web_needs_unwind!`).
#[macro_export]
macro_rules! unwind_cases {
    ($harness:ident) => {
        $harness!(
            ba_05_action_panic_breaks,
            spec::barrier::ba_05_action_panic_breaks
        );
        $harness!(
            sm_10_with_panic_releases,
            spec::semaphore::sm_10_with_panic_releases
        );
        $harness!(
            local_value_kept_across_a_panic,
            spec::local::local_value_kept_across_a_panic
        );
    };
}

/// Cases that need OS threads this crate did not start, or the OS itself (natively only;
/// ignored in a browser).
#[macro_export]
macro_rules! native_only_cases {
    ($harness:ident) => {
        #[cfg(target_os = "linux")]
        $harness!(
            th_39_os_thread_name,
            spec::thread_edges::th_39_os_thread_name
        );
        $harness!(
            local_value_of_a_std_thread_dropped_when_it_ends,
            spec::local::local_value_of_a_std_thread_dropped_when_it_ends
        );

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
    };
}

/// Natively only, each in a process of its own (`tests/isolated.rs`): a regression there
/// aborts the process.
#[macro_export]
macro_rules! own_process_cases {
    ($harness:ident) => {
        $harness!(
            tls_destructor_may_call_the_crate,
            spec::thread_edges::tls_destructor_may_call_the_crate
        );
        $harness!(
            local_drop_panic_in_a_std_thread_is_reported,
            spec::excepthook::local_drop_panic_in_a_std_thread_is_reported
        );
    };
}
