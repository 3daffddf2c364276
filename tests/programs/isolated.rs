//! Cases that switch process-wide modes (deadlock detection), each in a test binary of its
//! own (`tests/isolated.rs` natively, `tests/web_isolated.rs` in a browser), one at a time.

use super::{on_thread, MS, SHORT};
use concurrency::book::deadlock::{two_locks, Outcome};
use concurrency::inspect;
use concurrency::{Event, Lock, Thread, ThreadState};
use std::sync::Arc;

#[macro_export]
macro_rules! isolated_cases {
    ($harness:ident) => {
        $harness!(
            snapshot_shows_holder_and_waiter,
            programs::isolated::snapshot_shows_holder_and_waiter
        );
        $harness!(
            deadlock_is_seen_in_the_graph,
            programs::isolated::deadlock_is_seen_in_the_graph
        );
        $harness!(
            deadlock_detection_refuses_the_closing_wait,
            programs::isolated::deadlock_detection_refuses_the_closing_wait
        );
        $harness!(
            detection_refuses_relocking_a_held_lock,
            programs::isolated::detection_refuses_relocking_a_held_lock
        );
    };
}

/// A thread holding a Lock and another blocked on it: the snapshot names both. The holder
/// keeps the lock until the test has seen the waiter Blocked on it (not for a fixed time the
/// waiter may need more than to get there).
pub fn snapshot_shows_holder_and_waiter() {
    inspect::enable();
    let lock = Arc::new(Lock::new());
    concurrency::trace::set_label(lock.trace_id(), "the lock");
    let release = Arc::new(Event::new());
    let (l, r) = (lock.clone(), release.clone());
    let holder = Thread::builder()
        .name("holder")
        .target(move || {
            let _held = l.guard().unwrap();
            assert_eq!(r.wait(SHORT), Ok(true), "the test let the holder go");
        })
        .build();
    holder.start().unwrap();
    while !lock.locked() {
        concurrency::sleep(MS).unwrap();
    }
    let l = lock.clone();
    let waiter = Thread::builder()
        .name("waiter")
        .target(move || drop(l.guard().unwrap()))
        .build();
    waiter.start().unwrap();
    let start = concurrency::monotonic();
    let view = loop {
        let snap = inspect::snapshot();
        let view = snap
            .objects
            .into_iter()
            .find(|o| o.id == lock.trace_id())
            .unwrap();
        if !view.waiters.is_empty() {
            break view;
        }
        assert!(
            concurrency::monotonic() - start < SHORT,
            "the waiter never showed as blocked on the lock"
        );
        concurrency::sleep(MS).unwrap();
    };
    assert_eq!(view.name, "the lock");
    assert_eq!(view.holders, vec![holder.trace_id()]);
    assert_eq!(view.waiters, vec![waiter.trace_id()]);
    assert_eq!(view.value, 1);
    assert_eq!(
        waiter.state(),
        ThreadState::Blocked {
            on: lock.trace_id()
        }
    );
    release.set();
    assert_eq!(holder.join(SHORT), Ok(true));
    assert_eq!(waiter.join(SHORT), Ok(true));
    assert!(!holder.panicked() && !waiter.panicked());
}

/// Opposite lock order: while both wait, `deadlocks()` reports the cycle by names. The first to
/// run out of patience gives up and lets go of its first lock, which may let the other finish.
pub fn deadlock_is_seen_in_the_graph() {
    inspect::enable();
    let program = Thread::new(|| {
        let outcomes = two_locks(false, 50 * MS, std::time::Duration::from_secs(2)).unwrap();
        assert!(outcomes.contains(&Outcome::GaveUp), "{outcomes:?}");
        assert!(outcomes
            .iter()
            .all(|o| matches!(o, Outcome::GaveUp | Outcome::Done)));
    });
    program.start().unwrap();
    let start = concurrency::monotonic();
    let cycle = loop {
        if let Some(c) = inspect::deadlocks().into_iter().next() {
            break c;
        }
        assert!(concurrency::monotonic() - start < SHORT, "no cycle seen");
        concurrency::sleep(MS).unwrap();
    };
    assert_eq!(cycle.len(), 4, "{cycle:?}");
    let mut names = cycle.clone();
    names.sort();
    assert_eq!(
        names,
        ["lock A", "lock B", "transfer-0", "transfer-1"],
        "{cycle:?}"
    );
    assert_eq!(program.join(SHORT), Ok(true));
    assert!(!program.panicked());
    assert!(inspect::deadlocks().is_empty());
}

/// With detection on, the wait that would close the cycle fails with Error::Deadlock; that
/// thread lets go of its first lock, so the other one finishes.
pub fn deadlock_detection_refuses_the_closing_wait() {
    inspect::set_deadlock_detection(true);
    let outcomes = on_thread("program", || two_locks(false, 50 * MS, SHORT)).unwrap();
    inspect::set_deadlock_detection(false);
    let refused: Vec<_> = outcomes
        .iter()
        .filter_map(|o| match o {
            Outcome::Refused(cycle) => Some(cycle.clone()),
            _ => None,
        })
        .collect();
    // Both threads may close the cycle at the same moment; then both are refused (each sees
    // the other's mark). Otherwise the one refused lets go and the other finishes.
    assert!(!refused.is_empty(), "{outcomes:?}");
    assert!(refused.iter().all(|c| c.len() == 4), "{refused:?}");
    if refused.len() == 1 {
        assert!(outcomes.contains(&Outcome::Done), "{outcomes:?}");
    }
}

/// LK-15's situation (the holder acquires its own Lock again) is a one-thread cycle: with
/// detection on it is refused instead of hanging.
pub fn detection_refuses_relocking_a_held_lock() {
    inspect::set_deadlock_detection(true);
    let result = on_thread("relocker", || {
        let lock = Lock::new();
        let _held = lock.guard().unwrap();
        lock.acquire(true, None)
    });
    inspect::set_deadlock_detection(false);
    assert!(
        matches!(result, Err(concurrency::Error::Deadlock(ref c)) if c.len() == 2),
        "{result:?}"
    );
}
