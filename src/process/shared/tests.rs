//! The shared primitives within one process: two mappings of one arena stand for two
//! processes (a waiter and a waker meet only through the shared futex kind, as across
//! processes), each used by its own threads. A holder that died is a real process that ended
//! (`true`), whose id is written into the lock. `tests/shared_sync.rs` runs the same across
//! real processes. Every blocking step is bounded by a timeout or a watchdog thread.

use super::holder::{self, me, process_gone};
use super::*;
use crate::Error;
use std::sync::atomic::{AtomicU32, Ordering::*};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

/// An arena and a second mapping of it (another "process").
fn two_mappings() -> (Arena, Arena) {
    let a = Arena::create(64 * 1024).unwrap();
    let b = a.map_again().unwrap();
    (a, b)
}

/// Runs `f` on a thread; its result, or a failure after `within`.
fn bounded<T: Send + 'static>(within: Duration, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(within)
        .unwrap_or_else(|_| panic!("a blocking call did not return within {within:?}"))
}

/// The pid of a process that has ended (and been reaped).
fn dead_pid() -> u32 {
    let mut child = std::process::Command::new("true").spawn().unwrap();
    let pid = child.id();
    child.wait().unwrap();
    pid
}

/// Polls `cond` every millisecond for up to 10 s.
fn eventually(what: &str, mut cond: impl FnMut() -> bool) {
    let start = Instant::now();
    while !cond() {
        assert!(start.elapsed() < Duration::from_secs(10), "never: {what}");
        thread::sleep(Duration::from_millis(1));
    }
}

#[test]
fn lock_excludes_threads_of_two_mappings() {
    let (a, b) = two_mappings();
    let lock = Lock::new_in(&a).unwrap();
    let counter = Value::new_in(&a, 0u64).unwrap();
    let (lock_off, counter_off) = (lock.handle().offset, counter.handle().offset);
    const N: u64 = 10_000;
    let threads: Vec<_> = [a, b]
        .into_iter()
        .map(|arena| {
            thread::spawn(move || {
                let lock = Lock::open(&arena, lock_off).unwrap();
                let counter = Value::<u64>::open(&arena, counter_off).unwrap();
                let raw = counter.get_obj();
                for _ in 0..N {
                    let _held = lock.guard().unwrap();
                    raw.set(raw.get() + 1);
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(counter.get(), Ok(2 * N));
    assert!(!lock.locked());
}

/// ML-01: acquire, locked, a second acquire(false) fails, release, release again refused.
#[test]
fn ml01_lock_acquire_release_and_one_release_too_many() {
    let lock = Lock::new().unwrap();
    assert_eq!(lock.acquire(true, None), Ok(true));
    assert!(lock.locked());
    assert!(lock.is_mine());
    assert_eq!(lock.acquire(false, None), Ok(false));
    assert_eq!(lock.release(), Ok(()));
    assert!(!lock.locked());
    assert_eq!(lock.release(), Err(Error::ReleaseUnlocked));
    assert_eq!(format!("{lock:?}"), "<Lock(owner=None)>");
}

/// ML-04: `with Lock() as v:` — the guard holds the lock for its scope (v is True).
#[test]
fn ml04_guard_holds_the_lock_for_its_scope() {
    let lock = Lock::new().unwrap();
    {
        let _held = lock.guard().unwrap();
        assert!(lock.locked());
    }
    assert!(!lock.locked());
    let rlock = RLock::new().unwrap();
    {
        let _held = rlock.guard().unwrap();
        let _again = rlock.guard().unwrap();
        assert_eq!(rlock.recursion_count(), 2);
    }
    assert!(!rlock.locked());
}

/// Section 11.7: a negative timeout (also -1) does not wait on a held lock; a non-blocking
/// acquire ignores its timeout (SM-16's multiprocessing half); NaN is refused.
#[test]
fn ml07_negative_timeouts_do_not_wait_and_nonblocking_ignores_the_timeout() {
    let lock = Lock::new().unwrap();
    assert_eq!(lock.acquire(true, None), Ok(true));
    // Waiting would take 5 s (or for ever): each call must return well before.
    let start = Instant::now();
    assert_eq!(lock.acquire(true, -1.0), Ok(false));
    assert_eq!(lock.acquire(true, -100.0), Ok(false));
    assert_eq!(lock.acquire(false, 5.0), Ok(false));
    assert!(
        start.elapsed() < Duration::from_secs(1),
        "{:?}",
        start.elapsed()
    );
    assert!(matches!(
        lock.acquire(true, f64::NAN),
        Err(Error::InvalidArgument(_))
    ));
    let sem = Semaphore::new(0).unwrap();
    let start = Instant::now();
    assert_eq!(sem.acquire(true, -5.0), Ok(false));
    assert_eq!(sem.acquire(false, 5.0), Ok(false));
    assert!(start.elapsed() < Duration::from_secs(1));
    let rlock = RLock::new().unwrap();
    let r = rlock.clone();
    let held = bounded(Duration::from_secs(10), move || r.acquire(true, None));
    assert_eq!(held, Ok(true));
    assert_eq!(rlock.acquire(true, -1.0), Ok(false));
}

/// A timed acquire on a held lock waits about its timeout (CPython's tolerances).
#[test]
fn lock_timeout_elapses() {
    let lock = Lock::new().unwrap();
    lock.acquire(true, None).unwrap();
    let start = Instant::now();
    assert_eq!(lock.acquire(true, 0.2), Ok(false));
    let took = start.elapsed();
    assert!(
        took >= Duration::from_millis(120) && took < Duration::from_secs(2),
        "{took:?}"
    );
}

/// ML-02: three levels; locked until the third release; one more is refused.
#[test]
fn ml02_rlock_counts_levels_and_refuses_one_release_too_many() {
    let lock = RLock::new().unwrap();
    for _ in 0..3 {
        assert_eq!(lock.acquire(true, None), Ok(true));
    }
    assert_eq!(lock.recursion_count(), 3);
    assert_eq!(lock.release(), Ok(()));
    assert!(lock.locked());
    assert_eq!(lock.release(), Ok(()));
    assert_eq!(lock.release(), Ok(()));
    assert!(!lock.locked());
    assert_eq!(lock.release(), Err(Error::NotOwner));
    assert_eq!(format!("{lock:?}"), "<RLock(None, 0)>");
}

/// RLock has an owner across mappings: a thread using the other mapping may neither release
/// nor enter it, and waits until the owner lets go.
#[test]
fn rlock_refuses_release_by_a_thread_of_the_other_mapping() {
    let (a, b) = two_mappings();
    let lock = RLock::new_in(&a).unwrap();
    let off = lock.handle().offset;
    assert_eq!(lock.acquire(true, None), Ok(true));
    let other = RLock::open(&b, off).unwrap();
    let o = other.clone();
    let (release, try_acquire, owned) = bounded(Duration::from_secs(10), move || {
        (o.release(), o.acquire(false, None), o.is_owned())
    });
    assert_eq!(release, Err(Error::NotOwner));
    assert_eq!(try_acquire, Ok(false));
    assert!(!owned);
    assert!(
        other.locked(),
        "ML-03: locked() is true seen through either mapping"
    );
    let waiter = thread::spawn(move || {
        let took = other.acquire(true, 10.0);
        let count = other.recursion_count();
        other.release().unwrap();
        (took, count)
    });
    thread::sleep(Duration::from_millis(50));
    lock.release().unwrap();
    assert_eq!(waiter.join().unwrap(), (Ok(true), 1));
}

#[test]
fn ids_name_the_process_and_a_process_that_ended_is_gone() {
    let id = me();
    assert_eq!(holder::pid_of(id), std::process::id());
    assert_ne!(id, 0);
    let other = thread::spawn(me).join().unwrap();
    assert_ne!(other, id, "two threads, two ids");
    assert!(!process_gone(std::process::id()));
    assert!(process_gone(dead_pid()));
    let mut live = std::process::Command::new("sleep")
        .arg("10")
        .spawn()
        .unwrap();
    assert!(!process_gone(live.id()));
    live.kill().unwrap();
    live.wait().unwrap();
}

/// A child that has exited but was not reaped yet (a zombie) has ended: `kill(pid, 0)` would
/// still call it alive, the pidfd does not.
#[test]
fn a_zombie_counts_as_gone() {
    let mut child = std::process::Command::new("true").spawn().unwrap();
    let pid = child.id();
    // SAFETY: `siginfo_t` is plain data for which zeros are valid; waitid fills it. WNOWAIT
    // leaves the child a zombie (`child.wait()` below reaps it).
    let mut info: libc::siginfo_t = unsafe { core::mem::zeroed() };
    // SAFETY: waits for our own child to exit, writing only into `info`.
    let r = unsafe {
        libc::waitid(
            libc::P_PID,
            pid as libc::id_t,
            &mut info,
            libc::WEXITED | libc::WNOWAIT,
        )
    };
    assert_eq!(r, 0);
    assert!(process_gone(pid), "an exited, unreaped child is gone");
    child.wait().unwrap();
}

/// A holder whose process ended: the next acquirer takes the lock with OwnerDied (and holds
/// it), within about a slice; later acquires are normal again.
#[test]
fn lock_whose_holder_died_is_taken_over_with_owner_died() {
    let (a, b) = two_mappings();
    let lock = Lock::new_in(&a).unwrap();
    let dead = dead_pid();
    assert_eq!(lock.acquire(true, None), Ok(true));
    lock.set_holder_for_test((u64::from(dead) << 32) | 1);
    let other = Lock::open(&b, lock.handle().offset).unwrap();
    let o = other.clone();
    let start = Instant::now();
    let (got, mine) = bounded(Duration::from_secs(10), move || {
        let got = o.acquire(true, None);
        (got, o.is_mine())
    });
    assert_eq!(got, Err(Error::OwnerDied { pid: dead }));
    assert!(mine, "the caller holds the lock after OwnerDied");
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "{:?}",
        start.elapsed()
    );
    assert!(lock.locked());
    // A non-blocking try sees a dead holder too.
    lock.set_holder_for_test((u64::from(dead) << 32) | 1);
    assert_eq!(
        other.acquire(false, None),
        Err(Error::OwnerDied { pid: dead })
    );
    assert_eq!(other.release(), Ok(()));
    assert_eq!(lock.acquire(false, None), Ok(true));
    assert_eq!(lock.release(), Ok(()));
}

/// A live holder in another "process" (here: another thread) is never taken over: the waiter
/// times out.
#[test]
fn lock_whose_holder_lives_is_not_taken_over() {
    let lock = Lock::new().unwrap();
    let mut live = std::process::Command::new("sleep")
        .arg("10")
        .spawn()
        .unwrap();
    lock.acquire(true, None).unwrap();
    lock.set_holder_for_test((u64::from(live.id()) << 32) | 1);
    assert_eq!(lock.acquire(true, 0.2), Ok(false));
    live.kill().unwrap();
    live.wait().unwrap();
    let start = Instant::now();
    assert_eq!(
        lock.acquire(true, 5.0),
        Err(Error::OwnerDied { pid: live.id() })
    );
    assert!(start.elapsed() < Duration::from_secs(1));
}

#[test]
fn rlock_whose_owner_died_is_taken_over_at_one_level() {
    let (a, b) = two_mappings();
    let lock = RLock::new_in(&a).unwrap();
    let dead = dead_pid();
    lock.acquire(true, None).unwrap();
    lock.acquire(true, None).unwrap();
    lock.set_owner_for_test((u64::from(dead) << 32) | 7);
    assert_eq!(format!("{lock:?}"), format!("<RLock({dead}|7, 1)>"));
    let other = RLock::open(&b, lock.handle().offset).unwrap();
    let (got, count, release, again) = bounded(Duration::from_secs(10), move || {
        let got = other.acquire(true, 5.0);
        let count = other.recursion_count();
        (got, count, other.release(), other.release())
    });
    assert_eq!(got, Err(Error::OwnerDied { pid: dead }));
    assert_eq!(count, 1);
    assert_eq!(release, Ok(()));
    assert_eq!(again, Err(Error::NotOwner));
    assert!(!lock.locked());
}

#[test]
fn semaphore_never_admits_more_than_its_value_across_mappings() {
    let (a, b) = two_mappings();
    let sem = Semaphore::new_in(&a, 2).unwrap();
    let off = sem.handle().offset;
    let inside = std::sync::Arc::new(AtomicU32::new(0));
    let most = std::sync::Arc::new(AtomicU32::new(0));
    let threads: Vec<_> = (0..4)
        .map(|i| {
            let arena = if i % 2 == 0 { a.clone() } else { b.clone() };
            let (inside, most) = (inside.clone(), most.clone());
            thread::spawn(move || {
                let sem = Semaphore::open(&arena, off).unwrap();
                for _ in 0..200 {
                    assert_eq!(sem.acquire(true, 10.0), Ok(true));
                    let now = inside.fetch_add(1, SeqCst) + 1;
                    most.fetch_max(now, SeqCst);
                    thread::yield_now();
                    inside.fetch_sub(1, SeqCst);
                    sem.release(1).unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert!(
        most.load(SeqCst) <= 2,
        "{} inside at once",
        most.load(SeqCst)
    );
    assert_eq!(sem.value(), 2);
}

#[test]
fn bounded_semaphore_refuses_over_release_and_kinds_are_checked() {
    let (a, b) = two_mappings();
    let sem = BoundedSemaphore::new_in(&a, 1).unwrap();
    let off = sem.handle().offset;
    let other = BoundedSemaphore::open(&b, off).unwrap();
    assert_eq!(other.limit(), 1);
    assert_eq!(other.release(1), Err(Error::TooManyReleases));
    assert_eq!(sem.acquire(false, None), Ok(true));
    assert_eq!(other.acquire(false, None), Ok(false));
    assert_eq!(other.release(2), Err(Error::TooManyReleases));
    assert_eq!(other.release(1), Ok(()));
    assert_eq!(sem.value(), 1);
    assert!(matches!(
        Semaphore::open(&b, off),
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(
        Lock::open(&b, off),
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(Semaphore::new(-1), Err(Error::InvalidArgument(_))));
    let plain = Semaphore::new(0).unwrap();
    assert_eq!(
        plain.release(0),
        Err(Error::InvalidArgument("n must be one or more"))
    );
}

/// A waiter of one mapping is woken by a release through the other.
#[test]
fn semaphore_release_wakes_a_waiter_of_the_other_mapping() {
    let (a, b) = two_mappings();
    let sem = Semaphore::new_in(&a, 0).unwrap();
    let other = Semaphore::open(&b, sem.handle().offset).unwrap();
    let waiter = thread::spawn(move || other.acquire(true, 10.0));
    thread::sleep(Duration::from_millis(50));
    sem.release(1).unwrap();
    assert_eq!(waiter.join().unwrap(), Ok(true));
    assert_eq!(sem.value(), 0);
}

/// ML-06: timeouts while unset; set wakes; after clear, a set from the other mapping 0.1 s
/// later wakes the waiter.
#[test]
fn ml06_event_set_through_the_other_mapping_wakes_the_waiter() {
    let (a, b) = two_mappings();
    let event = Event::new_in(&a).unwrap();
    assert!(!event.is_set());
    assert_eq!(event.wait(0.0), Ok(false));
    let start = Instant::now();
    assert_eq!(event.wait(0.1), Ok(false));
    let took = start.elapsed();
    assert!(
        took >= Duration::from_millis(60) && took < Duration::from_secs(1),
        "{took:?}"
    );
    event.set();
    assert_eq!(event.wait(None), Ok(true));
    assert_eq!(event.wait(0.1), Ok(true));
    event.clear();
    let other = Event::open(&b, event.handle().offset).unwrap();
    let setter = thread::spawn(move || {
        thread::sleep(Duration::from_millis(100));
        other.set();
    });
    let e = event.clone();
    assert_eq!(
        bounded(Duration::from_secs(10), move || e.wait(None)),
        Ok(true)
    );
    setter.join().unwrap();
}

#[test]
fn condition_needs_its_lock_to_wait_or_notify() {
    let cond = Condition::new().unwrap();
    assert_eq!(cond.wait(0.1), Err(Error::WaitNotOwned));
    assert_eq!(cond.notify(1), Err(Error::NotifyNotOwned));
    let _held = cond.guard().unwrap();
    assert_eq!(cond.notify(1), Ok(0));
    let start = Instant::now();
    assert_eq!(cond.wait(0.1), Ok(false));
    assert!(start.elapsed() >= Duration::from_millis(60));
    match cond.lock() {
        ConditionLock::RLock(l) => assert_eq!(l.recursion_count(), 1),
        ConditionLock::Lock(_) => panic!("the default lock is an RLock"),
    }
    assert!(format!("{cond:?}").starts_with("<Condition(<RLock("));
}

/// A waiter using the other mapping (and its threads) is woken by a notify; `notify(1)` with
/// two waiters wakes exactly one, the oldest.
#[test]
fn condition_notify_wakes_waiters_of_the_other_mapping_one_at_a_time() {
    let (a, b) = two_mappings();
    let cond = Condition::new_in(&a).unwrap();
    let off = cond.handle().offset;
    let woken = std::sync::Arc::new(AtomicU32::new(0));
    let mut waiters = Vec::new();
    for i in 0..2 {
        let arena = b.clone();
        let woken = woken.clone();
        waiters.push(thread::spawn(move || {
            let cond = Condition::open(&arena, off).unwrap();
            let held = cond.guard().unwrap();
            let notified = held.wait(10.0);
            woken.fetch_add(1, SeqCst);
            (i, notified)
        }));
        eventually("a waiter registered", || cond.waiters() == i + 1);
    }
    {
        let _held = cond.guard().unwrap();
        assert_eq!(cond.notify(1), Ok(1));
    }
    let first = waiters.remove(0).join().unwrap();
    assert_eq!(
        first,
        (0, Ok(true)),
        "the oldest waiter is the one notified"
    );
    thread::sleep(Duration::from_millis(100));
    assert_eq!(woken.load(SeqCst), 1, "notify(1) woke one waiter");
    {
        let _held = cond.guard().unwrap();
        assert_eq!(cond.notify_all(), Ok(1));
    }
    assert_eq!(waiters.remove(0).join().unwrap(), (1, Ok(true)));
}

/// Over a shared Lock, a wait releases it for the notifier and takes it back.
#[test]
fn condition_over_a_shared_lock_releases_it_while_waiting() {
    let (a, b) = two_mappings();
    let lock = Lock::new_in(&a).unwrap();
    let cond = Condition::with_lock(&a, ConditionLock::Lock(lock.clone())).unwrap();
    let other = Condition::open(&b, cond.handle().offset).unwrap();
    let waiter = thread::spawn(move || {
        other.acquire(true, None).unwrap();
        let r = other.wait(10.0);
        let still_mine = match other.lock() {
            ConditionLock::Lock(l) => l.is_mine(),
            ConditionLock::RLock(_) => false,
        };
        other.release().unwrap();
        (r, still_mine)
    });
    eventually("the waiter registered", || cond.waiters() == 1);
    assert_eq!(
        lock.acquire(true, 5.0),
        Ok(true),
        "the wait released the lock"
    );
    assert_eq!(cond.notify(1), Ok(1));
    lock.release().unwrap();
    assert_eq!(waiter.join().unwrap(), (Ok(true), true));
    let elsewhere = Lock::new().unwrap();
    assert!(matches!(
        Condition::with_lock(&a, ConditionLock::Lock(elsewhere)),
        Err(Error::InvalidArgument(_))
    ));
}

/// Waits that keep timing out while another waiter waits for ever do not fill the tickets
/// (their places are reused), and the long waiter is still the one a notify wakes.
#[test]
fn condition_timeouts_churning_beside_a_long_waiter_do_not_run_out_of_places() {
    let cond = Condition::new().unwrap();
    let long = {
        let cond = cond.clone();
        thread::spawn(move || {
            let held = cond.guard().unwrap();
            held.wait(30.0)
        })
    };
    eventually("the long waiter registered", || cond.waiters() == 1);
    let pollers: Vec<_> = (0..2)
        .map(|_| {
            let cond = cond.clone();
            thread::spawn(move || {
                for _ in 0..400 {
                    let held = cond.guard().unwrap();
                    assert_eq!(held.wait(0.0005), Ok(false));
                }
            })
        })
        .collect();
    for p in pollers {
        p.join().unwrap();
    }
    assert_eq!(cond.waiters(), 1);
    {
        let _held = cond.guard().unwrap();
        assert_eq!(cond.notify(1), Ok(1));
    }
    assert_eq!(long.join().unwrap(), Ok(true));
}

#[test]
fn value_and_array_get_set_and_their_locks() {
    let (a, b) = two_mappings();
    let v = Value::new_in(&a, 1.5f64).unwrap();
    assert_eq!(v.get(), Ok(1.5));
    v.set(-2.25).unwrap();
    let w = Value::<f64>::open(&b, v.handle().offset).unwrap();
    assert_eq!(w.get(), Ok(-2.25));
    assert!(matches!(
        Value::<i64>::open(&b, v.handle().offset),
        Err(Error::InvalidArgument(_))
    ));
    {
        let _held = v.get_lock().guard().unwrap();
        assert!(v.get_lock().is_owned());
        assert!(!bounded(Duration::from_secs(10), move || w
            .get_lock()
            .acquire(false, None)
            .unwrap()));
        // Reentrant: get/set under the held lock.
        v.set(v.get().unwrap() + 1.0).unwrap();
    }
    assert_eq!(v.get_obj().get(), -1.25);

    let arr = Array::new_in(&a, &[1i32, -2, 3]).unwrap();
    assert_eq!(arr.len(), 3);
    arr.set(1, 20).unwrap();
    let other = Array::<i32>::open(&b, arr.handle().offset).unwrap();
    assert_eq!(other.to_vec(), Ok(vec![1, 20, 3]));
    assert_eq!(
        other.get(3),
        Err(Error::InvalidArgument("array index out of range"))
    );
    assert!(other.get_obj().set(5, 1).is_err());
    other.get_obj().set(2, i32::MIN).unwrap();
    assert_eq!(arr.get(2), Ok(i32::MIN));
    assert!(matches!(
        Array::<u32>::open(&b, arr.handle().offset),
        Err(Error::InvalidArgument(_))
    ));
    let zeros = Array::<u64>::zeroed_in(&a, 4).unwrap();
    assert_eq!(zeros.to_vec(), Ok(vec![0; 4]));
    let own = Array::new(&[0.5f32; 1000]).unwrap();
    assert_eq!(own.get(999), Ok(0.5));
    assert_eq!(
        format!("{:?}", Value::new(7u32).unwrap()),
        "<Synchronized wrapper for c_I(7)>"
    );
}

#[test]
fn handles_encode_and_serialize_and_bad_offsets_are_typed_errors() {
    let arena = Arena::create(256).unwrap();
    let lock = Lock::new_in(&arena).unwrap();
    let h = lock.handle();
    assert_eq!(SharedHandle::decode(&h.encode()), Ok(h));
    let bytes = postcard::to_allocvec(&h).unwrap();
    assert_eq!(postcard::from_bytes::<SharedHandle>(&bytes).unwrap(), h);
    assert!(SharedHandle::decode("3:4096").is_err());
    assert!(SharedHandle::decode("x:1@2").is_err());
    for bad in [0, 4, h.offset + 1, 250, usize::MAX - 3] {
        assert!(
            matches!(Lock::open(&arena, bad), Err(Error::InvalidArgument(_))),
            "offset {bad}"
        );
    }
    assert!(matches!(
        Event::open(&arena, h.offset),
        Err(Error::InvalidArgument(_))
    ));
    // Full: 256 bytes hold the header and a few small blocks.
    let full = (0..64).map(|_| Event::new_in(&arena)).find_map(Result::err);
    assert!(
        matches!(
            full,
            Some(Error::Os {
                errno: libc::ENOMEM,
                ..
            })
        ),
        "{full:?}"
    );
    let plain = std::sync::Arc::new(crate::sys::region::SharedRegion::create(4096).unwrap());
    assert!(matches!(
        Arena::from_region(plain),
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(Arena::create(64), Err(Error::InvalidArgument(_))));
}
