//! Whole programs over the library, run as tests on both backends (the book's own programs are
//! tested in `book/programs/tests`). `isolated.rs` holds the cases that switch process-wide
//! modes (deadlock detection) and so run in their own test binaries.
#![allow(dead_code)]

pub mod isolated;
pub mod opposite_locks;

use concurrency::Thread;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const SHORT: Duration = Duration::from_secs(30);
const MS: Duration = Duration::from_millis(1);

/// Programs that run in parallel with anything: `harness!(name, body)`.
#[macro_export]
macro_rules! program_cases {
    ($harness:ident) => {
        $harness!(
            local_values_are_per_thread,
            programs::local_values_are_per_thread
        );
    };
}

/// Runs `f` on a library thread and returns its result (bounded by SHORT).
pub fn on_thread<T: Send + 'static>(name: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    on_thread_start(name, f)()
}

/// `threading.local`: each thread sees its own value, starting from `init`; a thread's value
/// is dropped when the thread ends; threads that reuse a browser worker start afresh.
pub fn local_values_are_per_thread() {
    use concurrency::Local;
    let alive = Arc::new(());
    let a = alive.clone();
    let local = Arc::new(Local::new(move || (0u32, a.clone())));
    local.with(|v| v.0 = 99).unwrap();
    for round in 0..3 {
        let threads: Vec<Thread> = (0..4)
            .map(|i| {
                let l = local.clone();
                let t = Thread::new(move || {
                    assert_eq!(l.with(|v| v.0), Ok(0), "round {round}: a fresh value");
                    l.with(|v| v.0 = i + 1).unwrap();
                    assert_eq!(l.with(|v| v.0), Ok(i + 1));
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
        Ok(99),
        "the caller's own value is untouched"
    );
    // Only the caller's value is still alive (plus `alive` itself and the init closure's copy).
    assert_eq!(Arc::strong_count(&alive), 3);
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
