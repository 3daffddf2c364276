//! `lock_tests.BaseLockTests` and `LockTests` (spec §2) on a [`Lock`]: the BaseLockTests bodies
//! shared with RLock and Condition are in `base_lock.rs`; the Lock-only ones are here.

use super::base_lock;
use super::{join, spawn, wait_blocked, wait_until};
use concurrency::{Condition, Error, Lock, RLock, Timeout};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::time::Duration;

/// LK-01 `test_constructor`: create and drop.
pub fn lk_01_constructor() {
    base_lock::constructor::<Lock>()
}

/// LK-03 `test_repr`: an unlocked lock says so.
pub fn lk_03_repr() {
    let repr = format!("{:?}", Lock::new());
    assert!(repr.starts_with("<unlocked Lock object"), "{repr}");
}

/// LK-04 `test_locked_repr`: a held lock says so.
pub fn lk_04_locked_repr() {
    let lock = Lock::new();
    assert_eq!(lock.acquire(true, None), Ok(true));
    let repr = format!("{lock:?}");
    assert!(repr.starts_with("<locked Lock object"), "{repr}");
}

/// LK-05 `test_acquire_destroy`: drop a held lock: no error, leak or hang.
pub fn lk_05_acquire_destroy() {
    base_lock::acquire_destroy::<Lock>()
}

/// LK-06 `test_acquire_release`.
pub fn lk_06_acquire_release() {
    base_lock::acquire_release::<Lock>()
}

/// LK-07 `test_try_acquire`: `acquire(False)` on a free lock is True.
pub fn lk_07_try_acquire() {
    base_lock::try_acquire::<Lock>();
    let lock = Lock::new();
    assert!(lock.try_acquire(), "the Rust shorthand for acquire(false)");
    lock.release().unwrap();
}

/// LK-08 `test_try_acquire_contended`: another thread's `acquire(False)` fails while held.
pub fn lk_08_try_acquire_contended() {
    base_lock::try_acquire_contended::<Lock>()
}

/// LK-09 `test_acquire_contended`: 5 threads block on a held lock; none finishes until it is
/// released, then all do.
pub fn lk_09_acquire_contended() {
    base_lock::acquire_contended::<Lock>()
}

/// LK-10 `test_with`: the guard releases on normal exit, and on a panic (CPython: an exception)
/// which still propagates.
pub fn lk_10_with() {
    base_lock::with::<Lock>()
}

/// LK-11 `test_thread_leak`: 15 raw OS threads contend for the lock; the records the crate
/// makes for them (foreign "Dummy" threads, registered when one has to wait) go away with them.
pub fn lk_11_thread_leak() {
    base_lock::thread_leak::<Lock>(1)
}

/// LK-12 `test_timeout`: CPython's argument rules and a timed-out acquire.
pub fn lk_12_timeout() {
    base_lock::timeout::<Lock>()
}

/// LK-15 `test_reacquire`: a Lock is not reentrant: the holder's second acquire blocks until
/// another thread releases.
pub fn lk_15_reacquire() {
    let lock = Arc::new(Lock::new());
    let phase = Arc::new(AtomicUsize::new(0));
    let (l, p) = (lock.clone(), phase.clone());
    let t = spawn("reacquirer", move || {
        l.acquire(true, None).unwrap();
        p.store(1, SeqCst);
        l.acquire(true, None).unwrap();
        p.store(2, SeqCst);
    });
    wait_until("the first acquire", || phase.load(SeqCst) == 1);
    wait_blocked(std::slice::from_ref(&t));
    assert_eq!(phase.load(SeqCst), 1, "the second acquire blocks");
    lock.release().unwrap();
    join(&t);
    assert_eq!(phase.load(SeqCst), 2);
}

/// LK-16 `test_different_thread`: a Lock has no owner: another thread may release it.
pub fn lk_16_different_thread() {
    let lock = Arc::new(Lock::new());
    lock.acquire(true, None).unwrap();
    let l = lock.clone();
    let t = spawn("releaser", move || l.release().unwrap());
    join(&t);
    assert_eq!(lock.acquire(false, None), Ok(true));
    lock.release().unwrap();
}

/// LK-17 `test_state_after_timeout`: a timed-out acquire leaves a consistent lock.
pub fn lk_17_state_after_timeout() {
    let lock = Arc::new(Lock::new());
    lock.acquire(true, None).unwrap();
    let l = lock.clone();
    let t = spawn("times-out", move || {
        assert_eq!(l.acquire(true, Duration::from_millis(10)), Ok(false));
    });
    join(&t);
    lock.release().unwrap();
    assert!(!lock.locked());
    assert_eq!(lock.acquire(false, Timeout::FOREVER), Ok(true));
    lock.release().unwrap();
}

/// LK-19 `test_releasing_unacquired_lock`: RuntimeError "release unlocked lock".
pub fn lk_19_releasing_unacquired_lock() {
    let lock = Lock::new();
    assert_eq!(lock.release(), Err(Error::ReleaseUnlocked));
    assert_eq!(Error::ReleaseUnlocked.to_string(), "release unlocked lock");
    assert!(!lock.locked());
}

/// LK-12's non-blocking rule on Lock, RLock and Condition (all take CPython's
/// `lock_acquire_parse_args`): `acquire(False, t)` is ValueError for every timeout but the
/// "none" value, which for these is `-1` (as well as `None`/`Timeout::FOREVER` here).
pub fn lk_12_nonblocking_accepts_only_no_timeout() {
    fn check(what: &str, acquire: &dyn Fn(bool, Timeout) -> Result<bool, Error>) {
        for given in [Timeout::after(Duration::ZERO), Timeout::after(SECOND)] {
            assert_eq!(
                acquire(false, given),
                Err(Error::InvalidArgument(
                    "can't specify a timeout for a non-blocking call"
                )),
                "{what} {given:?}"
            );
        }
    }
    const SECOND: Duration = Duration::from_secs(1);
    let lock = Lock::new();
    check("Lock", &|b, t| lock.acquire(b, t));
    assert_eq!(lock.acquire(false, -1.0), Ok(true));
    assert_eq!(lock.acquire(false, -1.0), Ok(false), "held: tried once");
    lock.release().unwrap();
    assert_eq!(lock.acquire(false, None), Ok(true));
    lock.release().unwrap();
    assert_eq!(lock.acquire(false, Timeout::FOREVER), Ok(true));
    lock.release().unwrap();
    for seconds in [0.0, 1.0] {
        assert!(matches!(
            lock.acquire(false, seconds),
            Err(Error::InvalidArgument(_))
        ));
    }
    let rlock = RLock::new();
    check("RLock", &|b, t| rlock.acquire(b, t));
    assert_eq!(rlock.acquire(false, -1.0), Ok(true));
    assert_eq!(rlock.acquire(false, None), Ok(true));
    assert_eq!(rlock.acquire(false, 1.0).map_err(|_| ()), Err(()));
    rlock.release().unwrap();
    rlock.release().unwrap();
    let cond = Condition::new();
    check("Condition", &|b, t| cond.acquire(b, t));
    assert_eq!(cond.acquire(false, -1.0), Ok(true));
    assert_eq!(cond.acquire(false, 0.5).map_err(|_| ()), Err(()));
    cond.release().unwrap();
}
