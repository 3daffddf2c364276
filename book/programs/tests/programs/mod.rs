//! The book's programs as tests, on both backends: what the reader sees live is what these
//! check. `program_cases!` lists the bodies; each harness (`native.rs`, `web.rs`) expands it.
#![allow(dead_code)]

pub mod demo;
pub mod snapshot;

use book::barrier::{BROKEN, PASSED, TIMED_OUT};
use book::common::Stop;
use concurrency::inspect;
use concurrency::{Event, Thread, ThreadState};
use concurrency_book as book;
use std::sync::Arc;
use std::time::Duration;

pub const SHORT: Duration = Duration::from_secs(30);
pub const MS: Duration = Duration::from_millis(1);

/// Every program case: `harness!(name, body)`.
#[macro_export]
macro_rules! program_cases {
    ($harness:ident) => {
        $harness!(
            counter_with_lock_is_exact,
            programs::counter_with_lock_is_exact
        );
        $harness!(rlock_clerks, programs::rlock_clerks);
        $harness!(
            rlock_level_two_lasts_the_work_time,
            programs::rlock_level_two_lasts_the_work_time
        );
        $harness!(
            rlock_release_by_non_owner_is_refused,
            programs::rlock_release_by_non_owner_is_refused
        );
        $harness!(semaphore_downloads, programs::semaphore_downloads);
        $harness!(bounded_over_release, programs::bounded_over_release);
        $harness!(event_starting_line, programs::event_starting_line);
        $harness!(condition_shelf, programs::condition_shelf);
        $harness!(barrier_rounds, programs::barrier_rounds);
        $harness!(
            barrier_rounds_end_when_stopped,
            programs::barrier_rounds_end_when_stopped
        );
        $harness!(
            barrier_timeout_breaks_it_for_everyone,
            programs::barrier_timeout_breaks_it_for_everyone
        );
        $harness!(
            barrier_abort_breaks_it_for_everyone,
            programs::barrier_abort_breaks_it_for_everyone
        );
        $harness!(
            barrier_late_worker_in_time_passes,
            programs::barrier_late_worker_in_time_passes
        );

        $harness!(deadlock_fixed_by_order, programs::deadlock_fixed_by_order);
        $harness!(queue_pipeline, programs::queue_pipeline);
        $harness!(
            queue_pipeline_shut_down_early,
            programs::queue_pipeline_shut_down_early
        );
        $harness!(queue_orders, programs::queue_orders);
        $harness!(
            a_failing_thread_fails_the_run,
            programs::a_failing_thread_fails_the_run
        );
        $harness!(
            demo_parse_clamps_hostile_numbers,
            programs::demo::parse_clamps_hostile_numbers
        );
        $harness!(
            demo_unknown_program_is_an_error,
            programs::demo::unknown_program_is_an_error
        );
        $harness!(demo_run_reports_json, programs::demo::run_reports_json);
        $harness!(
            demo_every_program_ends_on_hostile_numbers_or_stop,
            programs::demo::every_program_ends_on_hostile_numbers_or_stop
        );
        $harness!(
            demo_buttons_reach_their_run,
            programs::demo::buttons_reach_their_run
        );
        $harness!(
            demo_new_programs_report_json,
            programs::demo::new_programs_report_json
        );
        $harness!(
            demo_abort_button_breaks_a_barrier_run,
            programs::demo::abort_button_breaks_a_barrier_run
        );
        $harness!(
            demo_stop_ends_every_looping_program,
            programs::demo::stop_ends_every_looping_program
        );
        $harness!(
            demo_stop_cannot_interrupt_a_deadlock,
            programs::demo::stop_cannot_interrupt_a_deadlock
        );
        $harness!(
            demo_stop_of_an_ended_or_unknown_run_is_false,
            programs::demo::stop_of_an_ended_or_unknown_run_is_false
        );
        $harness!(
            snapshot_shows_owner_count_and_waiter,
            programs::snapshot::shows_owner_count_and_waiter
        );
        $harness!(
            snapshot_json_has_the_page_fields,
            programs::snapshot::json_has_the_page_fields
        );
    };
}

/// Cases only the native harness runs.
#[macro_export]
macro_rules! native_program_cases {
    ($harness:ident) => {};
}

/// With the Lock the total is exact; without it, never too high.
pub fn counter_with_lock_is_exact() {
    use book::counter::{count_with_lock, count_without_lock};
    let stop = Stop::new();
    assert_eq!(count_with_lock(4, 20_000, &stop), Ok(80_000));
    let unlocked = count_without_lock(4, 20_000, &stop).unwrap();
    assert!(unlocked <= 80_000 && unlocked > 0, "{unlocked}");
}

pub fn rlock_clerks() {
    assert_eq!(book::rlock::clerks(3, 5, MS, &Stop::new()), Ok(30));
}

/// The nested deposit holds the lock at level 2 for the work time: a snapshot taken while a
/// run is under way sees the account lock at count 2, owned by a clerk.
pub fn rlock_level_two_lasts_the_work_time() {
    let stop = Stop::new();
    let s = stop.clone();
    let program = Thread::new(move || {
        let balance = book::rlock::clerks(2, 1000, 20 * MS, &s).unwrap();
        assert!(balance.is_multiple_of(2) && balance < 4000, "{balance}");
    });
    program.start().unwrap();
    wait_for("the account lock at level 2", || {
        inspect::snapshot()
            .objects
            .iter()
            .any(|o| o.name == "account lock" && o.value == 2 && o.holders.len() == 1)
    });
    stop.request();
    assert_eq!(program.join(SHORT), Ok(true));
    assert!(!program.panicked());
}

/// Another thread's `release()` of an owned RLock is `Error::NotOwner`; the owner keeps both
/// levels, then frees it.
pub fn rlock_release_by_non_owner_is_refused() {
    let seen = book::rlock::release_by_non_owner(MS).unwrap();
    assert_eq!(
        seen,
        book::rlock::NotOwner {
            refused: concurrency::Error::NotOwner.to_string(),
            count: 2,
            still_locked: true,
            free_after: true,
        }
    );
}

pub fn semaphore_downloads() {
    let most = book::semaphore::downloads(6, 2, 10 * MS, &Stop::new()).unwrap();
    assert!((1..=2).contains(&most), "at most 2 at once, saw {most}");
}

pub fn bounded_over_release() {
    let (err, value) = book::semaphore::over_release().unwrap();
    assert_eq!(err, concurrency::Error::TooManyReleases);
    assert_eq!(value, 2);
}

pub fn event_starting_line() {
    let start = Arc::new(Event::new());
    let s = start.clone();
    let program = Thread::new(move || {
        assert_eq!(book::event::starting_line(s, 4, SHORT), Ok(4));
    });
    program.start().unwrap();
    let id = start.trace_id();
    wait_for("4 runners blocked on the event", || {
        inspect::snapshot()
            .threads
            .iter()
            .filter(|t| t.state == ThreadState::Blocked { on: id })
            .count()
            == 4
    });
    start.set();
    assert_eq!(program.join(SHORT), Ok(true));
    assert!(!program.panicked());
}

pub fn condition_shelf() {
    assert_eq!(book::condition::shelf(2, 3, 6, 2, MS, &Stop::new()), Ok(12));
}

pub fn barrier_rounds() {
    assert_eq!(
        book::barrier::rounds(3, 4, MS, &Stop::new()),
        Ok(book::barrier::Rounds {
            trips: 4,
            broken: false
        })
    );
}

/// A stop in the middle of the rounds aborts the barrier: every worker leaves (none hangs in
/// `wait`), and the run ends broken with fewer trips.
pub fn barrier_rounds_end_when_stopped() {
    let stop = Stop::new();
    let s = stop.clone();
    let program = Thread::new(move || {
        let ended = book::barrier::rounds(3, 100_000, MS, &s).unwrap();
        assert!(ended.broken && ended.trips < 100_000, "{ended:?}");
    });
    program.start().unwrap();
    wait_for("a first trip", || {
        stop.barrier().is_some_and(|b| b.n_waiting() > 0)
    });
    stop.request();
    assert_eq!(program.join(SHORT), Ok(true));
    assert!(!program.panicked());
}

/// The first worker to arrive times out and breaks the barrier; the other on-time worker,
/// waiting, gets BrokenBarrierError; so does the late one, arriving after the break.
pub fn barrier_timeout_breaks_it_for_everyone() {
    let timeout = 600 * MS;
    let started = concurrency::monotonic();
    let outcomes = book::barrier::late_worker(3, Some(timeout), None, &Stop::new()).unwrap();
    assert_eq!(outcomes, [TIMED_OUT, BROKEN, BROKEN]);
    let took = concurrency::monotonic() - started;
    assert!(
        took >= timeout * 2 * 6 / 10,
        "the late worker came after 2 x timeout: {took:?}"
    );
}

/// With no timeout, only an `abort()` ends the waiting: everyone waiting gets
/// BrokenBarrierError, and so does the late worker when it comes.
pub fn barrier_abort_breaks_it_for_everyone() {
    let stop = Stop::new();
    let s = stop.clone();
    let program = Thread::new(move || {
        let outcomes = book::barrier::late_worker(4, None, None, &s).unwrap();
        assert_eq!(outcomes, [BROKEN; 4]);
    });
    program.start().unwrap();
    wait_for("the three on-time workers at the barrier", || {
        stop.barrier().is_some_and(|b| b.n_waiting() == 3)
    });
    let barrier = stop.barrier().unwrap();
    assert!(!barrier.broken());
    barrier.abort();
    assert_eq!(program.join(SHORT), Ok(true));
    assert!(!program.panicked());
    assert!(barrier.broken());
}

/// A late worker that comes before the others' timeout runs out is just late: the barrier
/// trips, and everyone passes, without the barrier ever breaking.
pub fn barrier_late_worker_in_time_passes() {
    let stop = Stop::new();
    let outcomes = book::barrier::late_worker(3, Some(SHORT), Some(50 * MS), &stop).unwrap();
    assert_eq!(outcomes, [PASSED; 3]);
    assert!(stop.barrier().is_some_and(|b| !b.broken()));
}

pub fn deadlock_fixed_by_order() {
    use book::deadlock::Outcome::Done;
    assert_eq!(
        book::deadlock::two_locks(true, 20 * MS, SHORT),
        Ok(vec![Done, Done])
    );
}

pub fn queue_pipeline() {
    let q = Arc::new(concurrency::Queue::new(2));
    let counts = book::queue::pipeline(q.clone(), 2, 3, 10, MS, MS, &Stop::new()).unwrap();
    assert_eq!(counts, book::queue::Counts { made: 20, used: 20 });
    assert!(q.is_shutdown() && q.empty() && q.unfinished_tasks() == 0);
}

/// The page's Shutdown button in the middle of a run: producers stop, consumers finish what is
/// queued, and the program ends.
pub fn queue_pipeline_shut_down_early() {
    let q = Arc::new(concurrency::Queue::new(2));
    let qq = q.clone();
    let program = Thread::new(move || {
        let counts = book::queue::pipeline(qq, 2, 1, 1000, MS, 5 * MS, &Stop::new()).unwrap();
        assert!(counts.made < 2000, "{counts:?}");
        assert_eq!(
            counts.made, counts.used,
            "everything put was used: {counts:?}"
        );
    });
    program.start().unwrap();
    wait_for("two items queued", || q.unfinished_tasks() >= 2);
    q.shutdown(false);
    assert_eq!(program.join(SHORT), Ok(true));
    assert!(!program.panicked());
}

pub fn queue_orders() {
    let [fifo, lifo, priority] = book::queue::orders(&[5, 1, 4, 2, 3]).unwrap();
    assert_eq!(fifo, [5, 1, 4, 2, 3]);
    assert_eq!(lifo, [3, 2, 4, 1, 5]);
    assert_eq!(priority, [1, 2, 3, 4, 5]);
}

/// An error in one of a program's threads is the program's error (not only a console line).
pub fn a_failing_thread_fails_the_run() {
    use book::common::{join_all, start_threads};
    let crew = start_threads("failing", 3, |i| match i {
        1 => Err(concurrency::Error::InvalidArgument("thread 1 fails")),
        _ => Ok(()),
    })
    .unwrap();
    assert_eq!(
        join_all(&crew),
        Err(concurrency::Error::InvalidArgument("thread 1 fails"))
    );
}

/// Polls `done` every millisecond; fails after [`SHORT`].
pub fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let start = concurrency::monotonic();
    while !done() {
        assert!(concurrency::monotonic() - start < SHORT, "never: {what}");
        concurrency::sleep(MS).unwrap();
    }
}
