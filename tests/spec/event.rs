//! `lock_tests.EventTests` (spec §4).

use super::{assert_timeout, join, spawn_n, timed, wait_blocked_on, SHORT};
use concurrency::Event;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// EV-01 `test_is_set`: `set` and `clear` are idempotent.
pub fn ev_01_is_set() {
    let evt = Event::new();
    assert!(!evt.is_set());
    evt.set();
    assert!(evt.is_set());
    evt.set();
    assert!(evt.is_set());
    evt.clear();
    assert!(!evt.is_set());
    evt.clear();
    assert!(!evt.is_set());
}

/// EV-02's `_check_notify`: 5 threads each wait twice; none returns before `set()`, all
/// return true after it.
fn check_notify(evt: &Arc<Event>) {
    const N: usize = 5;
    let results1 = Arc::new(Mutex::new(Vec::new()));
    let results2 = Arc::new(Mutex::new(Vec::new()));
    let (e, r1, r2) = (evt.clone(), results1.clone(), results2.clone());
    let threads = spawn_n("waiter", N, move |_| {
        let r = e.wait(None).unwrap();
        r1.lock().unwrap().push(r);
        let r = e.wait(None).unwrap();
        r2.lock().unwrap().push(r);
    });
    // CPython sleeps 50 ms; here: every thread is really blocked on the event.
    wait_blocked_on(&threads, evt.trace_id());
    assert!(results1.lock().unwrap().is_empty());
    evt.set();
    threads.iter().for_each(join);
    assert_eq!(*results1.lock().unwrap(), [true; N]);
    assert_eq!(*results2.lock().unwrap(), [true; N]);
}

/// EV-02 `test_notify`: `set()` releases every waiter; the event can be armed again with
/// `clear()`.
pub fn ev_02_notify() {
    let evt = Arc::new(Event::new());
    check_notify(&evt);
    evt.set();
    evt.clear();
    check_notify(&evt);
}

/// EV-03 `test_timeout`: unset, `wait(0.0)` and `wait(0.5)` are false (the latter after about
/// 0.5 s); set, both are true at once.
pub fn ev_03_timeout() {
    const N: usize = 5;
    let evt = Arc::new(Event::new());
    let run = |expect: bool| {
        let results1 = Arc::new(Mutex::new(Vec::new()));
        let results2 = Arc::new(Mutex::new(Vec::new()));
        let (e, r1, r2) = (evt.clone(), results1.clone(), results2.clone());
        let threads = spawn_n("waiter", N, move |_| {
            let r = e.wait(0.0).unwrap();
            r1.lock().unwrap().push(r);
            let (r, dt) = timed(|| e.wait(0.5).unwrap());
            r2.lock().unwrap().push((r, dt));
        });
        threads.iter().for_each(join);
        assert_eq!(*results1.lock().unwrap(), [expect; N]);
        let results2 = results2.lock().unwrap();
        assert_eq!(results2.len(), N);
        for &(r, dt) in results2.iter() {
            assert_eq!(r, expect);
            if expect {
                assert!(dt < Duration::from_millis(500), "a set event waits: {dt:?}");
            } else {
                assert_timeout(dt, Duration::from_millis(500));
            }
        }
    };
    run(false);
    evt.set();
    run(true);
}

/// EV-04 `test_set_and_clear`: `set()` immediately followed by `clear()` still releases every
/// waiter with true (gh-57711): `wait` reports "was signalled", not the current flag.
pub fn ev_04_set_and_clear() {
    const N: usize = 5;
    let evt = Arc::new(Event::new());
    let results = Arc::new(Mutex::new(Vec::new()));
    let (e, r) = (evt.clone(), results.clone());
    let threads = spawn_n("waiter", N, move |_| {
        let signalled = e.wait(SHORT).unwrap();
        r.lock().unwrap().push(signalled);
    });
    wait_blocked_on(&threads, evt.trace_id());
    evt.set();
    evt.clear();
    threads.iter().for_each(join);
    assert_eq!(*results.lock().unwrap(), [true; N]);
    assert!(!evt.is_set());
}

/// EV-06 `test_repr`: the repr ends in `: unset>`, and `: set>` after `set()`.
pub fn ev_06_repr() {
    let evt = Event::new();
    let repr = format!("{evt:?}");
    assert!(
        repr.starts_with("<Event") && repr.ends_with(": unset>"),
        "{repr}"
    );
    evt.set();
    let repr = format!("{evt:?}");
    assert!(
        repr.starts_with("<Event") && repr.ends_with(": set>"),
        "{repr}"
    );
}
