//! Cases that switch process-wide modes (deadlock detection, tracing, the id counter), each
//! in a test binary of its own (`tests/isolated.rs` natively, `tests/web_isolated.rs` in a
//! browser), one at a time.

use super::opposite_locks::{two_locks, Outcome};
use super::{on_thread, on_thread_start, MS, SHORT};
use concurrency::inspect::{self, Cycle};
use concurrency::trace::{self, Kind};
use concurrency::{Error, Event, Lock, RLock, Thread, ThreadState, Timeout};
use std::sync::{Arc, Mutex};
use std::time::Duration;

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
            detection_refuses_a_join_that_closes_a_cycle,
            programs::isolated::detection_refuses_a_join_that_closes_a_cycle
        );
        $harness!(
            detection_lets_a_thread_relock_a_lock_another_releases,
            programs::isolated::detection_lets_a_thread_relock_a_lock_another_releases
        );
        $harness!(
            detection_never_refuses_a_timed_wait,
            programs::isolated::detection_never_refuses_a_timed_wait
        );
        $harness!(
            a_stale_lock_holder_from_tracing_is_forgotten,
            programs::isolated::a_stale_lock_holder_from_tracing_is_forgotten
        );
        $harness!(
            ids_stay_right_past_2_to_the_32,
            programs::isolated::ids_stay_right_past_2_to_the_32
        );
        $harness!(
            ids_stay_right_near_2_to_the_62,
            programs::isolated::ids_stay_right_near_2_to_the_62
        );
        $harness!(
            trace_enable_clamps_a_huge_capacity,
            programs::isolated::trace_enable_clamps_a_huge_capacity
        );
        $harness!(
            trace_labels_are_bounded,
            programs::isolated::trace_labels_are_bounded
        );
    };
}

/// Polls `f` every millisecond until it gives a value (at most SHORT).
fn eventually<T>(what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let start = concurrency::monotonic();
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(concurrency::monotonic() - start < SHORT, "never: {what}");
        concurrency::sleep(MS).unwrap();
    }
}

/// Waits until `t` is Blocked on `object`.
fn wait_blocked(t: &Thread, object: u64) {
    eventually("blocked", || {
        (t.state() == ThreadState::Blocked { on: object }).then_some(())
    });
}

/// The first cycle through `thread` in the wait-for graph, once one shows.
fn cycle_through(thread: u64) -> Cycle {
    eventually("a cycle", || {
        inspect::deadlocks()
            .into_iter()
            .find(|c| c.ids.contains(&thread))
    })
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

/// Opposite lock order, waits with a timeout: while both wait, `deadlocks()` reports the
/// cycle by names, as suspected (the waits will time out). The first to run out of patience
/// gives up and lets go of its first lock, which may let the other finish.
pub fn deadlock_is_seen_in_the_graph() {
    inspect::enable();
    let program = Thread::new(|| {
        let outcomes = two_locks(false, 50 * MS, Duration::from_secs(2)).unwrap();
        assert!(outcomes.contains(&Outcome::GaveUp), "{outcomes:?}");
        assert!(outcomes
            .iter()
            .all(|o| matches!(o, Outcome::GaveUp | Outcome::Done)));
    });
    program.start().unwrap();
    let cycle = eventually("a cycle", || inspect::deadlocks().into_iter().next());
    assert_eq!(cycle.names.len(), 4, "{cycle:?}");
    assert!(!cycle.certain, "timed waits end: {cycle:?}");
    let mut names = cycle.names.clone();
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

/// A real deadlock is still caught: two RLocks in opposite order, waited for without a
/// timeout. With detection on, the wait that would close the cycle fails with
/// Error::Deadlock; that thread lets go of its first lock, so the other one finishes.
pub fn deadlock_detection_refuses_the_closing_wait() {
    inspect::set_deadlock_detection(true);
    let outcomes = on_thread("program", || two_locks(false, 50 * MS, None)).unwrap();
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

/// A thread owning an RLock joins a thread that waits for that RLock: a certain cycle
/// through a join, refused with the cycle's names; after the owner lets go, the join works.
pub fn detection_refuses_a_join_that_closes_a_cycle() {
    inspect::set_deadlock_detection(true);
    let rlock = Arc::new(RLock::new());
    trace::set_label(rlock.trace_id(), "the rlock");
    let r = rlock.clone();
    let waiter = Thread::builder()
        .name("waiter")
        .target(move || drop(r.guard().unwrap()))
        .build();
    let (r, w) = (rlock.clone(), waiter.clone());
    let refused = on_thread("owner", move || {
        let held = r.guard().unwrap();
        w.start().unwrap();
        wait_blocked(&w, r.trace_id());
        let refused = w.join(None);
        drop(held);
        (refused, w.join(SHORT))
    });
    inspect::set_deadlock_detection(false);
    assert_eq!(
        refused,
        (
            Err(Error::Deadlock(vec![
                "owner".into(),
                "waiter".into(),
                "waiter".into(),
                "the rlock".into()
            ])),
            Ok(true)
        )
    );
}

/// LK-15/LK-16: a Lock has no owner, so a thread may block on a Lock it acquired itself and
/// be let in when another thread releases it. With detection on, that wait (untimed or with
/// a 2 s timeout) is not refused; the graph shows it as a suspected cycle of one.
pub fn detection_lets_a_thread_relock_a_lock_another_releases() {
    inspect::set_deadlock_detection(true);
    for patience in [Timeout::FOREVER, Timeout::after(Duration::from_secs(2))] {
        let lock = Arc::new(Lock::new());
        let result = Arc::new(Mutex::new(None));
        let (l, out) = (lock.clone(), result.clone());
        let relocker = Thread::builder()
            .name("relocker")
            .target(move || {
                let _held = l.guard().unwrap();
                *out.lock().unwrap() = Some(l.acquire(true, patience));
            })
            .build();
        relocker.start().unwrap();
        wait_blocked(&relocker, lock.trace_id());
        let cycle = cycle_through(relocker.trace_id());
        assert_eq!(cycle.ids, [relocker.trace_id(), lock.trace_id()]);
        assert!(!cycle.certain, "{cycle:?}");
        lock.release().unwrap(); // from another thread: legal for a Lock
        assert_eq!(relocker.join(SHORT), Ok(true));
        assert_eq!(*result.lock().unwrap(), Some(Ok(true)), "{patience:?}");
    }
    inspect::set_deadlock_detection(false);
}

/// Two RLocks in opposite order, each waited for with a timeout: a wait that will end is not
/// a deadlock, so detection refuses neither; the cycle shows as suspected meanwhile.
pub fn detection_never_refuses_a_timed_wait() {
    inspect::set_deadlock_detection(true);
    let program = on_thread_start("program", || two_locks(false, 50 * MS, 300 * MS));
    let cycle = eventually("a cycle", || inspect::deadlocks().into_iter().next());
    assert!(!cycle.certain, "{cycle:?}");
    let outcomes = program().unwrap();
    inspect::set_deadlock_detection(false);
    assert!(
        outcomes
            .iter()
            .all(|o| matches!(o, Outcome::GaveUp | Outcome::Done)),
        "{outcomes:?}"
    );
    assert!(outcomes.contains(&Outcome::GaveUp), "{outcomes:?}");
}

/// A Lock's holder is recorded only while someone watches. Thread T takes and releases a lock
/// while traced; unwatched, another thread takes it; then detection goes on and T asks for it
/// again. T holds nothing: it must wait (not get Error::Deadlock), and the graph must not name
/// T as the holder.
pub fn a_stale_lock_holder_from_tracing_is_forgotten() {
    inspect::set_deadlock_detection(false);
    inspect::disable();
    let lock = Arc::new(Lock::new());
    let go = Arc::new(Event::new());
    let result = Arc::new(Mutex::new(None));
    trace::enable(1 << 10);
    let (l, g, out) = (lock.clone(), go.clone(), result.clone());
    let t = Thread::builder()
        .name("t")
        .target(move || {
            l.acquire(true, None).unwrap(); // recorded: tracing is on
            l.release().unwrap();
            g.wait(None).unwrap();
            *out.lock().unwrap() = Some(l.acquire(true, None));
            l.release().unwrap();
        })
        .build();
    t.start().unwrap();
    wait_blocked(&t, go.trace_id());
    trace::disable(); // nobody watches now
    assert!(lock.acquire(false, None).unwrap()); // taken unseen
    inspect::set_deadlock_detection(true);
    go.set();
    wait_blocked(&t, lock.trace_id());
    let snapshot = inspect::snapshot();
    let view = snapshot
        .objects
        .iter()
        .find(|o| o.id == lock.trace_id())
        .unwrap();
    assert!(view.holders.is_empty(), "holder unknown, not T: {view:?}");
    assert_eq!(view.waiters, [t.trace_id()]);
    assert!(snapshot.deadlocks.is_empty(), "{:?}", snapshot.deadlocks);
    lock.release().unwrap();
    assert_eq!(t.join(SHORT), Ok(true));
    inspect::set_deadlock_detection(false);
    assert_eq!(*result.lock().unwrap(), Some(Ok(true)));
}

/// Starts the id counter at `start`, then checks ids, states, RLock ownership, the snapshot,
/// the trace and a refused deadlock, with every thread and primitive numbered from there.
fn ids_stay_right_from(start: u64) {
    trace::skip_ids_to(start);
    trace::enable(1 << 12);
    trace::drain(&mut Vec::new()); // what earlier cases left
    inspect::set_deadlock_detection(true);
    let rlock = Arc::new(RLock::new());
    let go = Arc::new(Event::new());
    assert!(rlock.trace_id() >= start && go.trace_id() > rlock.trace_id());
    trace::set_label(rlock.trace_id(), "the rlock");
    let r = rlock.clone();
    let waiter = Thread::builder()
        .name("waiter")
        .target(move || {
            let _g = r.guard().unwrap();
            assert!(r.is_owned());
        })
        .build();
    let (r, g, w) = (rlock.clone(), go.clone(), waiter.clone());
    let owner = Thread::builder()
        .name("owner")
        .target(move || {
            let held = r.guard().unwrap();
            g.wait(None).unwrap();
            let refused = w.join(None);
            assert_eq!(
                refused,
                Err(Error::Deadlock(vec![
                    "owner".into(),
                    "waiter".into(),
                    "waiter".into(),
                    "the rlock".into()
                ]))
            );
            drop(held);
            assert_eq!(w.join(SHORT), Ok(true));
        })
        .build();
    owner.start().unwrap();
    wait_blocked(&owner, go.trace_id());
    waiter.start().unwrap();
    let (o, w) = (owner.trace_id(), waiter.trace_id());
    assert!(o > go.trace_id() && w > o, "{o} {w}");
    wait_blocked(&waiter, rlock.trace_id());

    // Ownership: the owner's id, not 0 (nobody) nor a truncated one.
    assert!(rlock.locked() && !rlock.is_owned());
    assert_eq!(rlock.release(), Err(Error::NotOwner));
    assert_eq!(rlock.recursion_count(), 0);
    let snapshot = inspect::snapshot();
    let view = snapshot
        .objects
        .iter()
        .find(|v| v.id == rlock.trace_id())
        .unwrap();
    assert_eq!(
        (view.holders.as_slice(), view.waiters.as_slice()),
        (&[o][..], &[w][..])
    );
    let waiting = snapshot.threads.iter().find(|t| t.ident == w).unwrap();
    assert_eq!(
        (waiting.state, waiting.timed),
        (
            ThreadState::Blocked {
                on: rlock.trace_id()
            },
            false
        )
    );

    go.set();
    assert_eq!(owner.join(SHORT), Ok(true));
    assert!(!owner.panicked() && !waiter.panicked());
    inspect::set_deadlock_detection(false);
    trace::disable();

    let mut events = Vec::new();
    trace::drain(&mut events);
    let seen = |kind: Kind, thread: u64| {
        events
            .iter()
            .any(|e| e.kind == kind && e.thread == thread && e.object == rlock.trace_id())
    };
    assert!(seen(Kind::Acquire, o) && seen(Kind::Release, o));
    assert!(seen(Kind::WaitBegin, w) && seen(Kind::Acquire, w));
}

/// Item 9: an id of 2^32 was 0 ("nobody") as a u32.
pub fn ids_stay_right_past_2_to_the_32() {
    ids_stay_right_from((1 << 32) - 2);
}

/// Item 9: ids from 2^30 on were mangled in a blocked thread's state; near the top of the
/// 64-bit range (ids stay below 2^62) they must not be.
pub fn ids_stay_right_near_2_to_the_62() {
    ids_stay_right_from((1 << 62) - (1 << 20));
}

/// `trace::enable(usize::MAX)` panicked and `1 << 40` aborted; both are clamped.
pub fn trace_enable_clamps_a_huge_capacity() {
    trace::enable(usize::MAX);
    trace::enable(usize::MAX >> 1);
    trace::disable();
    let capacity = trace::capacity().unwrap();
    assert!(capacity <= trace::MAX_CAPACITY && capacity.is_power_of_two());
}

/// The label table is bounded (every thread started while tracing is labelled): past
/// `trace::MAX_LABELS` names the oldest (smallest ids: ids only grow) are forgotten. The ids
/// used here are above every id made so far, and the counter is moved past them afterwards,
/// so the cases after this one still label the newest ids.
pub fn trace_labels_are_bounded() {
    let base = Lock::new().trace_id() + 1;
    let n = trace::MAX_LABELS as u64 + 10;
    for i in 0..n {
        trace::set_label(base + i, "x");
    }
    trace::skip_ids_to(base + n);
    assert_eq!(trace::label(base), None, "the oldest name is forgotten");
    assert_eq!(trace::label(base + 9), None);
    assert_eq!(trace::label(base + 10).as_deref(), Some("x"));
    assert_eq!(trace::label(base + n - 1).as_deref(), Some("x"));
    let newer = Lock::new();
    trace::set_label(newer.trace_id(), "newer");
    assert_eq!(trace::label(newer.trace_id()).as_deref(), Some("newer"));
}
