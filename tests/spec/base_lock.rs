//! `lock_tests.BaseLockTests` (spec §2, LK-…): the cases CPython runs on every lock type. Each
//! body here is generic over [`BaseLock`]; `lock.rs` runs it on a [`Lock`], `rlock.rs` on an
//! [`RLock`] and `condition_as_rlock.rs` on a default [`Condition`] (whose lock is an RLock).

use super::{assert_timeout, join, spawn, spawn_n, timed, wait_blocked_on, wait_until, SHORT};
use concurrency::{
    inspect, Condition, ConditionLock, Error, IntoTimeout, Lock, RLock, ThreadState, TIMEOUT_MAX,
};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What the BaseLockTests need of a lock type.
pub trait BaseLock: Send + Sync + Sized + 'static {
    /// A new lock.
    fn make() -> Self;
    /// `acquire(blocking, timeout)`.
    fn acquire(&self, blocking: bool, timeout: impl IntoTimeout) -> Result<bool, Error>;
    /// `release()`.
    fn release(&self) -> Result<(), Error>;
    /// `with lock: f()`.
    fn with<R>(&self, f: impl FnOnce() -> R) -> Result<R, Error>;
    /// `locked()`.
    fn locked(&self) -> bool;
    /// The id a thread blocked on it reports.
    fn trace_id(&self) -> u64;
}

impl BaseLock for Lock {
    fn make() -> Self {
        Lock::new()
    }
    fn acquire(&self, blocking: bool, timeout: impl IntoTimeout) -> Result<bool, Error> {
        Lock::acquire(self, blocking, timeout)
    }
    fn release(&self) -> Result<(), Error> {
        Lock::release(self)
    }
    fn with<R>(&self, f: impl FnOnce() -> R) -> Result<R, Error> {
        let _held = self.guard()?;
        Ok(f())
    }
    fn locked(&self) -> bool {
        Lock::locked(self)
    }
    fn trace_id(&self) -> u64 {
        Lock::trace_id(self)
    }
}

impl BaseLock for RLock {
    fn make() -> Self {
        RLock::new()
    }
    fn acquire(&self, blocking: bool, timeout: impl IntoTimeout) -> Result<bool, Error> {
        RLock::acquire(self, blocking, timeout)
    }
    fn release(&self) -> Result<(), Error> {
        RLock::release(self)
    }
    fn with<R>(&self, f: impl FnOnce() -> R) -> Result<R, Error> {
        let _held = self.guard()?;
        Ok(f())
    }
    fn locked(&self) -> bool {
        RLock::locked(self)
    }
    fn trace_id(&self) -> u64 {
        RLock::trace_id(self)
    }
}

impl BaseLock for Condition {
    fn make() -> Self {
        Condition::new()
    }
    fn acquire(&self, blocking: bool, timeout: impl IntoTimeout) -> Result<bool, Error> {
        Condition::acquire(self, blocking, timeout)
    }
    fn release(&self) -> Result<(), Error> {
        Condition::release(self)
    }
    fn with<R>(&self, f: impl FnOnce() -> R) -> Result<R, Error> {
        let _held = self.guard()?;
        Ok(f())
    }
    fn locked(&self) -> bool {
        match Condition::lock(self) {
            ConditionLock::Lock(l) => l.locked(),
            ConditionLock::RLock(l) => l.locked(),
        }
    }
    fn trace_id(&self) -> u64 {
        Condition::lock(self).trace_id()
    }
}

/// LK-01 `test_constructor`: create and drop.
pub fn constructor<L: BaseLock>() {
    let lock = L::make();
    assert!(!lock.locked());
    drop(lock);
}

/// Whether the crate's registry of live primitives lists the object `id`. It holds them
/// weakly: an object is listed exactly as long as something keeps it alive.
fn listed(id: u64) -> bool {
    inspect::snapshot().objects.iter().any(|o| o.id == id)
}

/// LK-05 `test_acquire_destroy`: drop a held lock: no error, hang or leak. The leak CPython's
/// reference-leak runs look for here is something keeping the dropped lock alive: the lock is
/// listed while it lives and gone once dropped, also when other threads held theirs at the
/// moment they dropped them, and nobody is left blocked on any of them. (Polled, not asserted
/// at once: another test's snapshot may hold a lock alive for an instant.)
pub fn acquire_destroy<L: BaseLock>() {
    let lock = L::make();
    let id = lock.trace_id();
    assert_eq!(lock.acquire(true, None), Ok(true));
    assert!(listed(id), "a live lock is listed");
    drop(lock);
    wait_until("the dropped held lock is freed", || !listed(id));

    let ids = Arc::new(Mutex::new(Vec::new()));
    let i = ids.clone();
    let threads = spawn_n("destroyer", 4, move |_| {
        for _ in 0..25 {
            let lock = L::make();
            i.lock().unwrap().push(lock.trace_id());
            assert_eq!(lock.acquire(false, None), Ok(true));
            drop(lock);
        }
    });
    threads.iter().for_each(join);
    let ids = ids.lock().unwrap().clone();
    assert_eq!(ids.len(), 100);
    wait_until("every dropped held lock is freed", || {
        let snapshot = inspect::snapshot();
        !snapshot.objects.iter().any(|o| ids.contains(&o.id))
            && !snapshot
                .threads
                .iter()
                .any(|t| matches!(t.state, ThreadState::Blocked { on } if ids.contains(&on)))
    });
}

/// LK-06 `test_acquire_release`.
pub fn acquire_release<L: BaseLock>() {
    let lock = L::make();
    assert_eq!(lock.acquire(true, -1.0), Ok(true));
    assert!(lock.locked());
    assert_eq!(lock.release(), Ok(()));
    assert!(!lock.locked());
}

/// LK-07 `test_try_acquire`: `acquire(False)` on a free lock is True.
pub fn try_acquire<L: BaseLock>() {
    let lock = L::make();
    assert_eq!(lock.acquire(false, None), Ok(true));
    lock.release().unwrap();
}

/// LK-08 `test_try_acquire_contended`: another thread's `acquire(False)` fails while held.
pub fn try_acquire_contended<L: BaseLock>() {
    let lock = Arc::new(L::make());
    lock.acquire(true, None).unwrap();
    let l = lock.clone();
    let t = spawn("try", move || assert_eq!(l.acquire(false, None), Ok(false)));
    join(&t);
    lock.release().unwrap();
}

/// LK-09 `test_acquire_contended`: 5 threads block on the held lock; none finishes before the
/// release, all do after it.
pub fn acquire_contended<L: BaseLock>() {
    let lock = Arc::new(L::make());
    lock.acquire(true, None).unwrap();
    let finished = Arc::new(AtomicUsize::new(0));
    let (l, f) = (lock.clone(), finished.clone());
    let threads = spawn_n("contender", 5, move |_| {
        l.acquire(true, None).unwrap();
        l.release().unwrap();
        f.fetch_add(1, SeqCst);
    });
    wait_blocked_on(&threads, lock.trace_id());
    assert_eq!(finished.load(SeqCst), 0);
    lock.release().unwrap();
    threads.iter().for_each(join);
    assert_eq!(finished.load(SeqCst), 5);
}

/// LK-10 `test_with`: `with lock:` releases on normal exit, and on a panic (CPython: an
/// exception), which still reaches the thread's end (the excepthook).
pub fn with<L: BaseLock>() {
    let lock = Arc::new(L::make());
    lock.with(|| assert!(lock.locked())).unwrap();
    assert!(!lock.locked());
    let l = lock.clone();
    let t = spawn("other", move || {
        assert_eq!(l.acquire(false, None), Ok(true));
        l.release().unwrap();
    });
    join(&t);
    let l = lock.clone();
    let t = spawn("panics-inside-with", move || {
        let _: Result<(), Error> = l.with(|| panic!("TypeError"));
    });
    assert_eq!(t.join(SHORT), Ok(true));
    assert!(t.panicked(), "the panic was reported");
    if cfg!(panic = "unwind") {
        assert!(
            !lock.locked(),
            "the guard released the lock during the unwind"
        );
    } else {
        // A browser build aborts the thread on panic, without unwinding: what it held stays
        // held, as when a CPython thread dies holding a plain Lock (www/bridge/README.md).
        assert!(lock.locked(), "nothing unwound, so nothing released it");
    }
}

/// LK-12 `test_timeout`: CPython's argument rules, and a timed-out acquire.
pub fn timeout<L: BaseLock>() {
    let lock = Arc::new(L::make());
    let e = lock.acquire(false, 1.0);
    assert!(matches!(e, Err(Error::InvalidArgument(_))), "{e:?}");
    assert_eq!(
        e.unwrap_err().to_string(),
        "can't specify a timeout for a non-blocking call"
    );
    for bad in [-100.0, f64::NAN] {
        assert!(matches!(
            lock.acquire(true, bad),
            Err(Error::InvalidArgument(_))
        ));
    }
    assert!(matches!(lock.acquire(true, 1e100), Err(Error::Overflow(_))));
    assert!(matches!(
        lock.acquire(true, TIMEOUT_MAX + Duration::from_secs(1)),
        Err(Error::Overflow(_))
    ));
    assert!(!lock.locked(), "rejected calls changed nothing");
    assert_eq!(lock.acquire(true, TIMEOUT_MAX), Ok(true));
    lock.release().unwrap();
    let (taken, took) = timed(|| lock.acquire(true, 5.0));
    assert_eq!(taken, Ok(true));
    assert!(took < Duration::from_secs(5));
    let l = lock.clone();
    let t = spawn("times-out", move || {
        let (taken, took) = timed(|| l.acquire(true, Duration::from_millis(500)));
        assert_eq!(taken, Ok(false));
        assert_timeout(took, Duration::from_millis(500));
    });
    join(&t);
    lock.release().unwrap();
    assert!(!lock.locked());
}

/// LK-11 `test_thread_leak`: 15 raw OS threads (not the crate's) take and release the lock
/// `levels` times while the main thread holds it; the records the crate makes for them
/// ("Dummy" threads, registered when one has to wait or needs an owner id) go away with them.
pub fn thread_leak<L: BaseLock>(levels: u32) {
    let lock = Arc::new(L::make());
    let ids = Arc::new(std::sync::Mutex::new(Vec::new()));
    lock.acquire(true, None).unwrap();
    let raw: Vec<_> = (0..15)
        .map(|_| {
            let (l, ids) = (lock.clone(), ids.clone());
            std::thread::spawn(move || {
                ids.lock().unwrap().push(concurrency::get_native_id());
                for _ in 0..levels {
                    l.acquire(true, None).unwrap();
                }
                for _ in 0..levels {
                    l.release().unwrap();
                }
            })
        })
        .collect();
    // Each raw thread shows up, as a Dummy record, Blocked on the lock (where CPython sleeps).
    wait_until("all raw threads are blocked on the lock", || {
        let ids = ids.lock().unwrap();
        let blocked = concurrency::enumerate()
            .iter()
            .filter(|t| {
                t.native_id().is_some_and(|id| ids.contains(&id))
                    && t.state()
                        == ThreadState::Blocked {
                            on: lock.trace_id(),
                        }
            })
            .count();
        ids.len() == 15 && blocked == 15
    });
    lock.release().unwrap();
    raw.into_iter().for_each(|h| h.join().unwrap());
    assert!(!lock.locked());
    let ids = ids.lock().unwrap().clone();
    wait_until("no record of the raw threads remains", || {
        !concurrency::enumerate().iter().any(|t| {
            t.name().starts_with("Dummy-") && t.native_id().is_some_and(|id| ids.contains(&id))
        })
    });
}
