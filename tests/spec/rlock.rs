//! `lock_tests.RLockTests` (spec §3). CPython runs the whole suite (BaseLockTests plus the
//! RLock cases) for `RLock` and, as `ConditionAsRLockTests`, for a default `Condition()`,
//! whose lock is an RLock. So do we: the BaseLockTests bodies are in `base_lock.rs`, the RLock
//! ones here, generic over [`Reentrant`]; `rl_…` here runs them on an [`RLock`], `cv_as_rl_…`
//! (in `condition_as_rlock.rs`) on a [`Condition`].

use super::base_lock::{
    acquire_contended, acquire_destroy, acquire_release, constructor, timeout, try_acquire,
    try_acquire_contended, with, BaseLock,
};
use super::{join, spawn, SHORT};
use concurrency::{Condition, ConditionLock, Error, Event, RLock};
use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
use std::sync::{Arc, Mutex};

/// What the RLock cases need beyond [`BaseLock`]: the RLock underneath, for `_is_owned()` and
/// `_recursion_count()`.
pub trait Reentrant: BaseLock {
    /// The RLock underneath.
    fn rlock(&self) -> &RLock;
}

impl Reentrant for RLock {
    fn rlock(&self) -> &RLock {
        self
    }
}

impl Reentrant for Condition {
    fn rlock(&self) -> &RLock {
        match self.lock() {
            ConditionLock::RLock(l) => l,
            ConditionLock::Lock(_) => panic!("Condition::new() is over an RLock"),
        }
    }
}

// ---- RLockTests (RL-…) ----

/// RL-02 `test_reacquire`: reentrant: acquire, acquire, release, acquire, release, release.
pub(super) fn reacquire<L: Reentrant>() {
    let lock = L::make();
    assert_eq!(lock.acquire(true, None), Ok(true));
    assert_eq!(lock.acquire(true, None), Ok(true));
    assert_eq!(lock.release(), Ok(()));
    assert_eq!(lock.acquire(true, None), Ok(true));
    assert_eq!(lock.release(), Ok(()));
    assert_eq!(lock.release(), Ok(()));
    assert!(!lock.rlock().locked());
}

/// RL-03 `test_release_unacquired`: RuntimeError "cannot release un-acquired lock", on a fresh
/// lock and after a balanced sequence.
pub(super) fn release_unacquired<L: Reentrant>() {
    let lock = L::make();
    assert_eq!(lock.release(), Err(Error::NotOwner));
    assert_eq!(
        Error::NotOwner.to_string(),
        "cannot release un-acquired lock"
    );
    lock.acquire(true, None).unwrap();
    lock.acquire(true, None).unwrap();
    lock.release().unwrap();
    lock.acquire(true, None).unwrap();
    lock.release().unwrap();
    lock.release().unwrap();
    assert_eq!(lock.release(), Err(Error::NotOwner));
    assert!(!lock.rlock().locked(), "the failed release changed nothing");
}

/// RL-04 `test_locked`: locked while any level is held.
pub(super) fn locked<L: Reentrant>() {
    let lock = L::make();
    assert!(!lock.rlock().locked());
    lock.acquire(true, None).unwrap();
    assert!(lock.rlock().locked());
    lock.acquire(true, None).unwrap();
    assert!(lock.rlock().locked());
    lock.release().unwrap();
    assert!(lock.rlock().locked());
    lock.release().unwrap();
    assert!(!lock.rlock().locked());
}

/// RL-05 `test_locked_with_2threads`: an RLock acquired by a thread that then exits stays
/// locked (gh-134323); nobody else can take or release it.
pub(super) fn locked_with_2threads<L: Reentrant>() {
    let lock = Arc::new(L::make());
    assert!(!lock.rlock().locked());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let (l, s) = (lock.clone(), seen.clone());
    let t = spawn("acquires-and-exits", move || {
        s.lock().unwrap().push(l.rlock().locked());
        assert_eq!(l.acquire(true, None), Ok(true));
        s.lock().unwrap().push(l.rlock().locked());
    });
    join(&t);
    assert_eq!(*seen.lock().unwrap(), [false, true]);
    assert!(lock.rlock().locked());
    assert!(!lock.rlock().is_owned());
    assert_eq!(lock.acquire(false, None), Ok(false));
    assert_eq!(lock.release(), Err(Error::NotOwner));
    assert!(lock.rlock().locked());
}

/// RL-07 `test_recursion_count`: counted per owner; another thread's hold reads 0 here.
fn recursion_count<L: Reentrant>() {
    let lock = Arc::new(L::make());
    let count = || lock.rlock().recursion_count();
    assert_eq!(count(), 0);
    lock.acquire(true, None).unwrap();
    assert_eq!(count(), 1);
    lock.acquire(true, None).unwrap();
    lock.acquire(true, None).unwrap();
    assert_eq!(count(), 3);
    lock.release().unwrap();
    assert_eq!(count(), 2);
    lock.release().unwrap();
    lock.release().unwrap();
    assert_eq!(count(), 0);

    let (held, done) = (Arc::new(Event::new()), Arc::new(Event::new()));
    let (l, h, d) = (lock.clone(), held.clone(), done.clone());
    let t = spawn("holder", move || {
        l.acquire(true, None).unwrap();
        assert_eq!(l.rlock().recursion_count(), 1);
        h.set();
        assert_eq!(d.wait(SHORT), Ok(true));
        l.release().unwrap();
    });
    assert_eq!(held.wait(SHORT), Ok(true));
    assert_eq!(count(), 0, "another thread holds it");
    done.set();
    join(&t);
    assert_eq!(count(), 0);
}

/// RL-08 `test_different_thread`: releasing an RLock another thread holds is RuntimeError.
pub(super) fn different_thread<L: Reentrant>() {
    let lock = Arc::new(L::make());
    let (held, done) = (Arc::new(Event::new()), Arc::new(Event::new()));
    let (l, h, d) = (lock.clone(), held.clone(), done.clone());
    let t = spawn("holder", move || {
        l.acquire(true, None).unwrap();
        h.set();
        assert_eq!(d.wait(SHORT), Ok(true));
        l.release().unwrap();
    });
    assert_eq!(held.wait(SHORT), Ok(true));
    assert_eq!(lock.release(), Err(Error::NotOwner));
    assert!(lock.rlock().locked(), "the failed release changed nothing");
    done.set();
    join(&t);
    assert!(!lock.rlock().locked());
}

/// RL-09 `test__is_owned`: owned by the acquiring thread only, until the last release.
pub(super) fn is_owned<L: Reentrant>() {
    let lock = Arc::new(L::make());
    assert!(!lock.rlock().is_owned());
    lock.acquire(true, None).unwrap();
    assert!(lock.rlock().is_owned());
    lock.acquire(true, None).unwrap();
    assert!(lock.rlock().is_owned());
    let other = Arc::new(AtomicBool::new(true));
    let (l, o) = (lock.clone(), other.clone());
    let t = spawn("looks", move || o.store(l.rlock().is_owned(), SeqCst));
    join(&t);
    assert!(!other.load(SeqCst), "not owned from another thread");
    lock.release().unwrap();
    assert!(lock.rlock().is_owned());
    lock.release().unwrap();
    assert!(!lock.rlock().is_owned());
}

// ---- the cases, on an RLock ----

/// LK-01 on an RLock.
pub fn rl_lk_01_constructor() {
    constructor::<RLock>()
}
/// LK-05 on an RLock.
pub fn rl_lk_05_acquire_destroy() {
    acquire_destroy::<RLock>()
}
/// LK-06 on an RLock.
pub fn rl_lk_06_acquire_release() {
    acquire_release::<RLock>()
}
/// LK-07 on an RLock.
pub fn rl_lk_07_try_acquire() {
    try_acquire::<RLock>()
}
/// LK-08 on an RLock.
pub fn rl_lk_08_try_acquire_contended() {
    try_acquire_contended::<RLock>()
}
/// LK-09 on an RLock.
pub fn rl_lk_09_acquire_contended() {
    acquire_contended::<RLock>()
}
/// LK-10 on an RLock.
pub fn rl_lk_10_with() {
    with::<RLock>()
}
/// LK-12 on an RLock.
pub fn rl_lk_12_timeout() {
    timeout::<RLock>()
}

/// LK-11 `test_thread_leak` on an RLock, each raw thread taking two levels (an RLock needs
/// the caller's id, so each is registered as a "Dummy" thread).
pub fn rl_lk_11_thread_leak() {
    super::base_lock::thread_leak::<RLock>(2)
}

/// RL-01 `test_repr_count`: the repr shows locked/unlocked and the count, also when taken
/// from another thread (gh-134322).
pub fn rl_01_repr_count() {
    let lock = Arc::new(RLock::new());
    let repr = format!("{lock:?}");
    assert!(
        repr.starts_with("<unlocked") && repr.contains("count=0"),
        "{repr}"
    );
    lock.acquire(true, None).unwrap();
    lock.acquire(true, None).unwrap();
    let repr = format!("{lock:?}");
    assert!(
        repr.starts_with("<locked") && repr.contains("count=2"),
        "{repr}"
    );
    let l = lock.clone();
    let seen = Arc::new(Mutex::new(String::new()));
    let s = seen.clone();
    let t = spawn("reprs", move || *s.lock().unwrap() = format!("{l:?}"));
    join(&t);
    let repr = seen.lock().unwrap().clone();
    assert!(
        repr.starts_with("<locked") && repr.contains("count=2"),
        "{repr}"
    );
    lock.release().unwrap();
    lock.release().unwrap();
}
/// RL-02 on an RLock.
pub fn rl_02_reacquire() {
    reacquire::<RLock>()
}
/// RL-03 on an RLock.
pub fn rl_03_release_unacquired() {
    release_unacquired::<RLock>()
}
/// RL-04 on an RLock.
pub fn rl_04_locked() {
    locked::<RLock>()
}
/// RL-05 on an RLock.
pub fn rl_05_locked_with_2threads() {
    locked_with_2threads::<RLock>()
}

/// RL-06 `test_release_save_unacquired`: `_release_save` is crate-private; its public caller
/// is `Condition::wait`, which must refuse (RuntimeError) when the RLock is not owned (fresh,
/// and after a balanced sequence), and which releases all levels and restores them.
pub fn rl_06_release_save_unacquired() {
    let cond = Arc::new(Condition::new());
    assert_eq!(cond.wait(None), Err(Error::WaitNotOwned));
    cond.acquire(true, None).unwrap();
    cond.acquire(true, None).unwrap();
    cond.release().unwrap();
    cond.acquire(true, None).unwrap();
    cond.release().unwrap();
    cond.release().unwrap();
    assert_eq!(cond.wait(None), Err(Error::WaitNotOwned));
    // Owned twice: wait releases both levels (another thread can take the lock) and restores
    // both.
    cond.acquire(true, None).unwrap();
    cond.acquire(true, None).unwrap();
    let c = cond.clone();
    let t = spawn("notifier", move || {
        let held = c.guard().unwrap();
        assert_eq!(c.rlock().recursion_count(), 1);
        held.notify(1).unwrap();
    });
    assert_eq!(cond.wait(SHORT), Ok(true));
    assert_eq!(cond.rlock().recursion_count(), 2);
    cond.release().unwrap();
    cond.release().unwrap();
    assert!(!cond.rlock().locked());
    join(&t);
}
/// RL-07 on an RLock.
pub fn rl_07_recursion_count() {
    recursion_count::<RLock>()
}
/// RL-08 on an RLock.
pub fn rl_08_different_thread() {
    different_thread::<RLock>()
}
/// RL-09 on an RLock.
pub fn rl_09_is_owned() {
    is_owned::<RLock>()
}
