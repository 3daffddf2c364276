//! `lock_tests.ConditionTests` and the threading half of `_test_multiprocessing._TestCondition`
//! (spec §5). `ConditionAsRLockTests` is in `rlock.rs`.
//!
//! Where CPython sleeps "to let the threads block", these cases look at the real states: a
//! waiter shows as Blocked on the condition while queued, and as Blocked on the condition's
//! lock once notified but not yet back in possession of the lock.

use super::{assert_timeout, blocked_on, join, spawn, spawn_n, timed, wait_blocked_on, wait_until};
use concurrency::{Condition, ConditionLock, Error, Lock, Thread};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The trace id of the lock under `cond`.
fn lock_id(cond: &Condition) -> u64 {
    match cond.lock() {
        ConditionLock::Lock(l) => l.trace_id(),
        ConditionLock::RLock(l) => l.trace_id(),
    }
}

/// How many threads are queued on `cond` (from `inspect`: a Condition's value is its queue).
fn queued(cond: &Condition) -> u64 {
    concurrency::inspect::snapshot()
        .objects
        .iter()
        .find(|o| o.id == cond.trace_id())
        .expect("the condition is registered")
        .value
}

/// CV-01 `test_acquire`: the default lock is an RLock (re-entrant); with an explicit Lock the
/// condition's acquire and release are the lock's.
pub fn cv_01_acquire() {
    let cond = Condition::new();
    assert_eq!(cond.acquire(true, None), Ok(true));
    assert_eq!(
        cond.acquire(true, None),
        Ok(true),
        "the default lock is re-entrant"
    );
    cond.release().unwrap();
    cond.release().unwrap();

    let lock = Arc::new(Lock::new());
    let cond = Condition::with_lock(ConditionLock::Lock(lock.clone()));
    assert_eq!(cond.acquire(true, None), Ok(true));
    assert_eq!(lock.acquire(false, None), Ok(false));
    cond.release().unwrap();
    assert_eq!(lock.acquire(false, None), Ok(true));
    assert_eq!(cond.acquire(false, None), Ok(false));
    lock.release().unwrap();
    {
        let _held = cond.guard().unwrap();
        assert_eq!(lock.acquire(false, None), Ok(false));
    }
    assert!(!lock.locked());
}

/// CV-02 `test_unacquired_wait`: RuntimeError "cannot wait on un-acquired lock" (also with a
/// zero timeout, through `wait_for`, over a plain Lock, and while another thread holds it).
pub fn cv_02_unacquired_wait() {
    let cond = Arc::new(Condition::new());
    assert_eq!(cond.wait(None), Err(Error::WaitNotOwned));
    assert_eq!(cond.wait(0.0), Err(Error::WaitNotOwned));
    assert_eq!(cond.wait_for(|| false, None), Err(Error::WaitNotOwned));
    assert_eq!(
        Error::WaitNotOwned.to_string(),
        "cannot wait on un-acquired lock"
    );
    let over_lock = Condition::with_lock(ConditionLock::Lock(Arc::new(Lock::new())));
    assert_eq!(over_lock.wait(None), Err(Error::WaitNotOwned));
    let _held = cond.guard().unwrap();
    let c = cond.clone();
    let t = spawn("not-the-owner", move || {
        assert_eq!(c.wait(None), Err(Error::WaitNotOwned));
    });
    join(&t);
}

/// CV-03 `test_unacquired_notify`: RuntimeError "cannot notify on un-acquired lock".
pub fn cv_03_unacquired_notify() {
    let cond = Condition::new();
    assert_eq!(cond.notify(1), Err(Error::NotifyNotOwned));
    assert_eq!(cond.notify_all(), Err(Error::NotifyNotOwned));
    assert_eq!(
        Error::NotifyNotOwned.to_string(),
        "cannot notify on un-acquired lock"
    );
    let over_lock = Condition::with_lock(ConditionLock::Lock(Arc::new(Lock::new())));
    assert_eq!(over_lock.notify(1), Err(Error::NotifyNotOwned));
}

/// CV-04's `_check_notify`: 5 threads each wait twice; `notify(3)`, `notify(5)` and
/// `notify_all()` wake exactly that many, oldest first, and the woken see the phase set while
/// the notifier still held the lock.
fn check_notify(cond: &Arc<Condition>) {
    const N: usize = 5;
    let ready = Arc::new(AtomicUsize::new(0));
    let phase = Arc::new(AtomicUsize::new(0));
    let results1 = Arc::new(Mutex::new(Vec::new()));
    let results2 = Arc::new(Mutex::new(Vec::new()));
    let (c, rd, ph, r1, r2) = (
        cond.clone(),
        ready.clone(),
        phase.clone(),
        results1.clone(),
        results2.clone(),
    );
    let threads = spawn_n("waiter", N, move |_| {
        for results in [&r1, &r2] {
            c.acquire(true, None).unwrap();
            rd.fetch_add(1, SeqCst);
            let r = c.wait(None).unwrap();
            // Read under the re-acquired lock: the phase set after notify, before release.
            let p = ph.load(SeqCst);
            c.release().unwrap();
            results.lock().unwrap().push((r, p));
        }
    });
    let (cond_id, lock_id) = (cond.trace_id(), lock_id(cond));
    let len = |r: &Arc<Mutex<Vec<(bool, usize)>>>| r.lock().unwrap().len();

    // Each waiter counted itself under the lock and released it only inside wait(), after
    // joining the queue: once all have counted and we hold the lock, all 5 are queued.
    wait_until("all 5 are in their first wait", || ready.load(SeqCst) == N);
    ready.store(0, SeqCst);
    assert_eq!(len(&results1), 0);

    // Phase 1: notify(3) wakes exactly 3; they wait for the lock we hold.
    cond.acquire(true, None).unwrap();
    assert_eq!(queued(cond), N as u64);
    cond.notify(3).unwrap();
    wait_until("3 woken threads wait for the lock", || {
        blocked_on(&threads, lock_id) == 3
    });
    assert_eq!(blocked_on(&threads, cond_id), 2, "only 3 were woken");
    phase.store(1, SeqCst);
    cond.release().unwrap();
    wait_until("3 first waits return", || len(&results1) >= 3);
    assert_eq!(*results1.lock().unwrap(), [(true, 1); 3]);
    assert_eq!(len(&results2), 0);

    // Phase 2: the 3 woken are back in (their second) wait: notify(5) wakes all 5.
    wait_until("the 3 woken wait again", || ready.load(SeqCst) >= 3);
    cond.acquire(true, None).unwrap();
    assert_eq!(queued(cond), N as u64);
    cond.notify(5).unwrap();
    wait_until("5 woken threads wait for the lock", || {
        blocked_on(&threads, lock_id) == 5
    });
    phase.store(2, SeqCst);
    cond.release().unwrap();
    wait_until("8 waits in all return", || {
        len(&results1) + len(&results2) >= 8
    });
    assert_eq!(
        *results1.lock().unwrap(),
        [(true, 1), (true, 1), (true, 1), (true, 2), (true, 2)]
    );
    assert_eq!(*results2.lock().unwrap(), [(true, 2); 3]);

    // Phase 3: the last 2 are in their second wait: notify_all.
    wait_until("the last 2 wait again", || ready.load(SeqCst) >= N);
    cond.acquire(true, None).unwrap();
    assert_eq!(queued(cond), 2);
    cond.notify_all().unwrap();
    wait_until("2 woken threads wait for the lock", || {
        blocked_on(&threads, lock_id) == 2
    });
    phase.store(3, SeqCst);
    cond.release().unwrap();
    threads.iter().for_each(join);
    assert_eq!(
        *results1.lock().unwrap(),
        [(true, 1), (true, 1), (true, 1), (true, 2), (true, 2)]
    );
    assert_eq!(
        *results2.lock().unwrap(),
        [(true, 2), (true, 2), (true, 2), (true, 3), (true, 3)]
    );
    assert_eq!(queued(cond), 0);
}

/// CV-04 `test_notify`: twice on the same default condition (its state stays sound), and once
/// more over a plain Lock.
pub fn cv_04_notify() {
    let cond = Arc::new(Condition::new());
    check_notify(&cond);
    check_notify(&cond);
    let over_lock = Arc::new(Condition::with_lock(ConditionLock::Lock(Arc::new(
        Lock::new(),
    ))));
    check_notify(&over_lock);
}

/// CV-05 `test_timeout`: 5 un-notified `wait(0.5)` return false after about 0.5 s.
pub fn cv_05_timeout() {
    let cond = Arc::new(Condition::new());
    let results = Arc::new(Mutex::new(Vec::new()));
    let (c, r) = (cond.clone(), results.clone());
    let threads = spawn_n("waiter", 5, move |_| {
        let held = c.guard().unwrap();
        let (notified, dt) = timed(|| held.wait(0.5).unwrap());
        drop(held);
        r.lock().unwrap().push((notified, dt));
    });
    threads.iter().for_each(join);
    let results = results.lock().unwrap();
    assert_eq!(results.len(), 5);
    for &(notified, dt) in results.iter() {
        assert!(!notified);
        assert_timeout(dt, Duration::from_millis(500));
    }
    assert_eq!(queued(&cond), 0, "timed-out waiters left the queue");
}

/// A thread doing `with cond: wait_for(state == 4, timeout)`, counting the predicate's calls.
fn waiter_for_4(
    cond: &Arc<Condition>,
    state: &Arc<AtomicUsize>,
    checks: &Arc<AtomicUsize>,
    timeout: Option<Duration>,
) -> Thread {
    let (c, s, k) = (cond.clone(), state.clone(), checks.clone());
    spawn("waits-for", move || {
        let held = c.guard().unwrap();
        let pred = || {
            k.fetch_add(1, SeqCst);
            s.load(SeqCst) == 4
        };
        let (result, dt) = timed(|| held.wait_for(pred, timeout));
        match timeout {
            None => {
                assert_eq!(result, Ok(true));
                assert_eq!(s.load(SeqCst), 4);
            }
            Some(t) => {
                assert_eq!(result, Ok(false));
                assert_timeout(dt, t);
            }
        }
    })
}

/// CV-06 `test_waitfor`: `wait_for(state == 4)` returns true with state 4 after four
/// increments, each notified under the lock. The predicate is checked once at the start and
/// once per notify: no wake-up is lost or invented.
pub fn cv_06_waitfor() {
    let cond = Arc::new(Condition::new());
    let state = Arc::new(AtomicUsize::new(0));
    let checks = Arc::new(AtomicUsize::new(0));
    let t = waiter_for_4(&cond, &state, &checks, None);
    for i in 0..4 {
        // The waiter checked the predicate (under the lock) since the last increment; holding
        // the lock now means it is back in wait().
        wait_until("the waiter checked again", || checks.load(SeqCst) > i);
        let held = cond.guard().unwrap();
        state.fetch_add(1, SeqCst);
        held.notify(1).unwrap();
    }
    join(&t);
    assert_eq!(checks.load(SeqCst), 5);
}

/// CV-07 `test_waitfor_timeout`: only 3 increments: `wait_for(state == 4, 0.1)` returns false
/// after about 0.1 s. And a predicate that already holds returns at once, even with timeout 0.
pub fn cv_07_waitfor_timeout() {
    let cond = Arc::new(Condition::new());
    let state = Arc::new(AtomicUsize::new(0));
    let checks = Arc::new(AtomicUsize::new(0));
    let timeout = Duration::from_millis(100);
    let t = waiter_for_4(&cond, &state, &checks, Some(timeout));
    for i in 0..3 {
        wait_until("the waiter checked again or timed out", || {
            checks.load(SeqCst) > i || !t.is_alive()
        });
        let held = cond.guard().unwrap();
        state.fetch_add(1, SeqCst);
        held.notify(1).unwrap();
    }
    join(&t);
    let held = cond.guard().unwrap();
    assert_eq!(held.wait_for(|| true, 0.0), Ok(true));
    assert_eq!(held.wait_for(|| false, 0.0), Ok(false));
}

/// Waiters for CV-08/CV-09: each counts itself asleep under the lock, waits, and counts itself
/// woken, recording what `wait` returned.
fn sleepers(
    cond: &Arc<Condition>,
    n: usize,
    timeout: Option<Duration>,
    sleeping: &Arc<AtomicUsize>,
    woken: &Arc<AtomicUsize>,
    results: &Arc<Mutex<Vec<bool>>>,
) -> Vec<Thread> {
    let (c, s, w, r) = (
        cond.clone(),
        sleeping.clone(),
        woken.clone(),
        results.clone(),
    );
    spawn_n("sleeper", n, move |_| {
        let held = c.guard().unwrap();
        s.fetch_add(1, SeqCst);
        let notified = held.wait(timeout).unwrap();
        w.fetch_add(1, SeqCst);
        drop(held);
        r.lock().unwrap().push(notified);
    })
}

/// CV-08 `_TestCondition.test_notify_n` (6 threads instead of 3 processes and 3 threads):
/// `notify(2)` wakes exactly 2, `notify(4)` the other 4, and a `notify(3)` with nobody waiting
/// is not remembered.
pub fn cv_08_notify_n() {
    let cond = Arc::new(Condition::new());
    let (sleeping, woken) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let results = Arc::new(Mutex::new(Vec::new()));
    let threads = sleepers(&cond, 6, None, &sleeping, &woken, &results);
    let lock_id = lock_id(&cond);
    wait_until("6 asleep", || sleeping.load(SeqCst) == 6);

    let held = cond.guard().unwrap();
    assert_eq!(queued(&cond), 6);
    held.notify(2).unwrap();
    wait_until("2 woken wait for the lock", || {
        blocked_on(&threads, lock_id) == 2
    });
    assert_eq!(blocked_on(&threads, cond.trace_id()), 4);
    drop(held);
    wait_until("2 woken", || woken.load(SeqCst) == 2);

    let held = cond.guard().unwrap();
    assert_eq!(woken.load(SeqCst), 2, "exactly 2");
    assert_eq!(queued(&cond), 4);
    held.notify(4).unwrap();
    drop(held);
    threads.iter().for_each(join);
    assert_eq!(woken.load(SeqCst), 6);
    assert_eq!(*results.lock().unwrap(), [true; 6]);

    let held = cond.guard().unwrap();
    held.notify(3).unwrap();
    drop(held);
    let late = sleepers(
        &cond,
        1,
        Some(Duration::from_millis(50)),
        &sleeping,
        &woken,
        &results,
    );
    late.iter().for_each(join);
    assert_eq!(
        results.lock().unwrap().last(),
        Some(&false),
        "no notification was saved"
    );
}

/// CV-09 `_TestCondition.test_notify_all`: 6 waiters with timeout 0.1 all time out; the queue
/// is empty again; 6 waiters without timeout are all woken by one `notify_all()`.
pub fn cv_09_notify_all() {
    let cond = Arc::new(Condition::new());
    let (sleeping, woken) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let results = Arc::new(Mutex::new(Vec::new()));
    let threads = sleepers(
        &cond,
        6,
        Some(Duration::from_millis(100)),
        &sleeping,
        &woken,
        &results,
    );
    threads.iter().for_each(join);
    assert_eq!(woken.load(SeqCst), 6);
    assert_eq!(*results.lock().unwrap(), [false; 6]);
    assert_eq!(queued(&cond), 0, "the invariant: nobody left in the queue");

    results.lock().unwrap().clear();
    let threads = sleepers(&cond, 6, None, &sleeping, &woken, &results);
    wait_until("6 more asleep", || sleeping.load(SeqCst) == 12);
    let held = cond.guard().unwrap();
    assert_eq!(queued(&cond), 6);
    wait_blocked_on(&threads, cond.trace_id());
    assert_eq!(woken.load(SeqCst), 6, "none of the new ones has woken");
    held.notify_all().unwrap();
    drop(held);
    threads.iter().for_each(join);
    assert_eq!(woken.load(SeqCst), 12);
    assert_eq!(*results.lock().unwrap(), [true; 6]);
    assert_eq!(queued(&cond), 0);
}

/// CV-10 `_TestCondition.test_wait_result`: `wait(0)` and `wait(0.1)` are false; a wait
/// notified by another thread is true.
pub fn cv_10_wait_result() {
    let cond = Arc::new(Condition::new());
    let held = cond.guard().unwrap();
    assert_eq!(held.wait(0.0), Ok(false));
    assert_eq!(held.wait(Duration::ZERO), Ok(false));
    let (r, dt) = timed(|| held.wait(0.1));
    assert_eq!(r, Ok(false));
    assert_timeout(dt, Duration::from_millis(100));
    // The notifier gets the lock only once we wait (and so are queued).
    let c = cond.clone();
    let t = spawn("notifier", move || c.guard().unwrap().notify(1).unwrap());
    assert_eq!(held.wait(60.0), Ok(true));
    drop(held);
    join(&t);
}
