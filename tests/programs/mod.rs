//! The book's programs (`src/book/`), run as tests on both backends: what the reader sees live
//! is what these check. `isolated.rs` holds the cases that switch process-wide modes
//! (deadlock detection) and so run in their own test binaries.
#![allow(dead_code)]

pub mod isolated;

use concurrency::book;
use concurrency::inspect;
use concurrency::{Event, Thread, ThreadState};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const SHORT: Duration = Duration::from_secs(30);
const MS: Duration = Duration::from_millis(1);

/// Book programs that run in parallel with anything: `harness!(name, body)`.
#[macro_export]
macro_rules! program_cases {
    ($harness:ident) => {
        $harness!(book_rlock_clerks, programs::rlock_clerks);
        $harness!(book_semaphore_downloads, programs::semaphore_downloads);
        $harness!(book_bounded_over_release, programs::bounded_over_release);
        $harness!(book_event_starting_line, programs::event_starting_line);
        $harness!(book_condition_shelf, programs::condition_shelf);
        $harness!(book_barrier_rounds, programs::barrier_rounds);
        $harness!(
            book_deadlock_fixed_by_order,
            programs::deadlock_fixed_by_order
        );
        $harness!(
            local_values_are_per_thread,
            programs::local_values_are_per_thread
        );
        $harness!(book_queue_pipeline, programs::queue_pipeline);
        $harness!(
            book_queue_pipeline_shut_down_early,
            programs::queue_pipeline_shut_down_early
        );
        $harness!(book_queue_orders, programs::queue_orders);
    };
}

/// Runs `f` on a library thread and returns its result (bounded by SHORT).
pub fn on_thread<T: Send + 'static>(name: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    on_thread_start(name, f)()
}

pub fn rlock_clerks() {
    assert_eq!(book::rlock::clerks(3, 5, MS), Ok(30));
}

pub fn semaphore_downloads() {
    let most = book::semaphore::downloads(6, 2, 10 * MS).unwrap();
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
    let start_time = concurrency::monotonic();
    while inspect::snapshot()
        .threads
        .iter()
        .filter(|t| t.state == ThreadState::Blocked { on: id })
        .count()
        < 4
    {
        assert!(
            concurrency::monotonic() - start_time < SHORT,
            "runners never waited"
        );
        concurrency::sleep(MS).unwrap();
    }
    start.set();
    assert_eq!(program.join(SHORT), Ok(true));
    assert!(!program.panicked());
}

pub fn condition_shelf() {
    assert_eq!(book::condition::shelf(2, 3, 6, 2, MS), Ok(12));
}

pub fn barrier_rounds() {
    assert_eq!(book::barrier::rounds(3, 4, MS), Ok(4));
}

pub fn deadlock_fixed_by_order() {
    use book::deadlock::Outcome::Done;
    assert_eq!(
        book::deadlock::two_locks(true, 20 * MS, SHORT),
        Ok(vec![Done, Done])
    );
}

/// `threading.local`: each thread sees its own value, starting from `init`; a thread's value
/// is dropped when the thread ends; threads that reuse a browser worker start afresh.
pub fn local_values_are_per_thread() {
    use concurrency::Local;
    let alive = Arc::new(());
    let a = alive.clone();
    let local = Arc::new(Local::new(move || (0u32, a.clone())));
    local.with(|v| v.0 = 99);
    for round in 0..3 {
        let threads: Vec<Thread> = (0..4)
            .map(|i| {
                let l = local.clone();
                let t = Thread::new(move || {
                    assert_eq!(l.with(|v| v.0), 0, "round {round}: a fresh value");
                    l.with(|v| v.0 = i + 1);
                    assert_eq!(l.with(|v| v.0), i + 1);
                });
                t.start().unwrap();
                t
            })
            .collect();
        for t in &threads {
            assert_eq!(t.join(SHORT), Ok(true));
            assert!(!t.panicked());
        }
    }
    assert_eq!(
        local.with(|v| v.0),
        99,
        "the caller's own value is untouched"
    );
    // Only the caller's value is still alive (plus `alive` itself and the init closure's copy).
    assert_eq!(Arc::strong_count(&alive), 3);
}

pub fn queue_pipeline() {
    let q = Arc::new(concurrency::Queue::new(2));
    let counts = book::queue::pipeline(q.clone(), 2, 3, 10, MS, MS).unwrap();
    assert_eq!(counts, book::queue::Counts { made: 20, used: 20 });
    assert!(q.is_shutdown() && q.empty() && q.unfinished_tasks() == 0);
}

/// The page's Shutdown button in the middle of a run: producers stop, consumers finish what is
/// queued, and the program ends.
pub fn queue_pipeline_shut_down_early() {
    let q = Arc::new(concurrency::Queue::new(2));
    let qq = q.clone();
    let program = on_thread_start("pipeline", move || {
        book::queue::pipeline(qq, 2, 1, 1000, MS, 5 * MS)
    });
    let start = concurrency::monotonic();
    while q.unfinished_tasks() < 2 {
        assert!(concurrency::monotonic() - start < SHORT);
        concurrency::sleep(MS).unwrap();
    }
    q.shutdown(false);
    let counts = program().unwrap();
    assert!(counts.made < 2000, "{counts:?}");
    assert_eq!(
        counts.made, counts.used,
        "everything put was used: {counts:?}"
    );
}

pub fn queue_orders() {
    let [fifo, lifo, priority] = book::queue::orders(&[5, 1, 4, 2, 3]).unwrap();
    assert_eq!(fifo, [5, 1, 4, 2, 3]);
    assert_eq!(lifo, [3, 2, 4, 1, 5]);
    assert_eq!(priority, [1, 2, 3, 4, 5]);
}

/// Starts `f` on a library thread; the returned closure joins it (bounded) and gives the result.
pub fn on_thread_start<T: Send + 'static>(
    name: &str,
    f: impl FnOnce() -> T + Send + 'static,
) -> impl FnOnce() -> T {
    let slot = Arc::new(Mutex::new(None));
    let s = slot.clone();
    let t = Thread::builder()
        .name(name)
        .target(move || *s.lock().unwrap() = Some(f()))
        .build();
    t.start().unwrap();
    let name = name.to_owned();
    move || {
        assert_eq!(t.join(SHORT), Ok(true), "{name} did not finish");
        let value = slot.lock().unwrap().take();
        value.unwrap_or_else(|| panic!("{name} panicked"))
    }
}
