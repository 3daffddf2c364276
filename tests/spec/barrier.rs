//! `lock_tests.BarrierTests` (N = 5) and the threading half of
//! `_test_multiprocessing._TestBarrier` (spec §7).
//!
//! CPython gives each case's barrier a default timeout of 2 s so that a broken case cannot
//! hang; the joins here are bounded anyway, so the default is generous (10 s) and only a
//! failing case ever reaches it. A party whose assertion fails aborts the barrier on its way
//! out (CPython aborts it in `tearDown`), so the others fail at once instead of waiting.

use super::{assert_timeout, join, spawn_n, timed, wait_until, SHORT};
use concurrency::{Barrier, Error, Lock};
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const N: usize = 5;
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

fn barrier(parties: u32) -> Arc<Barrier> {
    Arc::new(Barrier::with(parties, None, DEFAULT_TIMEOUT).unwrap())
}

/// Aborts the barrier if dropped during a panic.
struct AbortOnPanic(Arc<Barrier>);

impl Drop for AbortOnPanic {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.abort();
        }
    }
}

/// CPython's `run_threads(f)`: `f` on N threads at once; all joined.
fn run_threads(barrier: &Arc<Barrier>, f: impl Fn() + Send + Sync + 'static) {
    let b = barrier.clone();
    let threads = spawn_n("party", N, move |_| {
        let _abort = AbortOnPanic(b.clone());
        f()
    });
    threads.iter().for_each(join);
}

/// CPython's `multipass`: in each pass every party appends to A, waits, checks A is full,
/// appends to B, waits: the parties go in lockstep.
fn multipass(b: &Barrier, a: &AtomicUsize, bb: &AtomicUsize, passes: usize) {
    let m = b.parties() as usize;
    assert_eq!(m, N);
    for i in 0..passes {
        a.fetch_add(1, SeqCst);
        assert_eq!(bb.load(SeqCst), i * m);
        b.wait(None).unwrap();
        bb.fetch_add(1, SeqCst);
        assert_eq!(a.load(SeqCst), (i + 1) * m);
        b.wait(None).unwrap();
    }
    assert_eq!(b.n_waiting(), 0);
    assert!(!b.broken());
}

fn lockstep(passes: usize) {
    let barrier = barrier(N as u32);
    let (a, bb) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let (b, a2, bb2) = (barrier.clone(), a.clone(), bb.clone());
    run_threads(&barrier, move || multipass(&b, &a2, &bb2, passes));
    assert_eq!(a.load(SeqCst), N * passes);
    assert_eq!(bb.load(SeqCst), N * passes);
}

/// BA-01 `test_constructor`: `parties == 0` is ValueError "parties must be > 0" (a negative
/// count does not type-check: `parties` is a `u32`).
pub fn ba_01_constructor() {
    for e in [
        Barrier::new(0).err(),
        Barrier::with(0, None, DEFAULT_TIMEOUT).err(),
    ] {
        assert_eq!(e, Some(Error::InvalidArgument("parties must be > 0")));
        assert_eq!(e.unwrap().to_string(), "parties must be > 0");
    }
    assert_eq!(Barrier::new(3).unwrap().parties(), 3);
}

/// BA-02 `test_barrier`: one pass in lockstep.
pub fn ba_02_barrier() {
    lockstep(1);
}

/// BA-03 `test_barrier_10`: ten passes: the barrier is cyclic.
pub fn ba_03_barrier_10() {
    lockstep(10);
}

/// BA-04 `test_wait_return`: each party gets a distinct index in 0..N.
pub fn ba_04_wait_return() {
    let barrier = barrier(N as u32);
    let results = Arc::new(Mutex::new(Vec::new()));
    let (b, r) = (barrier.clone(), results.clone());
    run_threads(&barrier, move || {
        let i = b.wait(None).unwrap();
        r.lock().unwrap().push(i);
    });
    let mut results = results.lock().unwrap().clone();
    assert_eq!(results.iter().sum::<u32>(), (0..N as u32).sum::<u32>());
    results.sort();
    assert_eq!(results, (0..N as u32).collect::<Vec<_>>());
}

/// BA-05 `test_action`: the action runs exactly once, before any party is released.
pub fn ba_05_action() {
    let runs = Arc::new(AtomicUsize::new(0));
    let r = runs.clone();
    let action = Box::new(move || {
        r.fetch_add(1, SeqCst);
    });
    let barrier = Arc::new(Barrier::with(N as u32, Some(action), DEFAULT_TIMEOUT).unwrap());
    let (b, r) = (barrier.clone(), runs.clone());
    run_threads(&barrier, move || {
        b.wait(None).unwrap();
        assert_eq!(r.load(SeqCst), 1);
    });
    assert_eq!(runs.load(SeqCst), 1);
}

/// A barrier action that panics breaks the barrier: every party gets BrokenBarrierError
/// (spec §14.19; CPython: an action that raises). Needs unwinding panics (`unwind_cases!`):
/// in a browser the panic ends the worker that runs the action.
pub fn ba_05_action_panic_breaks() {
    let action = Box::new(|| panic!("the action failed"));
    let barrier = Arc::new(Barrier::with(N as u32, Some(action), DEFAULT_TIMEOUT).unwrap());
    let b = barrier.clone();
    run_threads(&barrier, move || {
        assert_eq!(b.wait(None), Err(Error::BrokenBarrier));
    });
    assert!(barrier.broken());
    barrier.reset();
    assert!(!barrier.broken());
}

/// BA-06 `test_abort`: the party with index N/2 aborts; the others' second wait is
/// BrokenBarrierError, nobody completes it, and the barrier stays broken.
pub fn ba_06_abort() {
    let barrier = barrier(N as u32);
    let (passed, broken) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let (b, p, k) = (barrier.clone(), passed.clone(), broken.clone());
    run_threads(&barrier, move || {
        // As in CPython, a BrokenBarrierError from either wait counts: the abort may come
        // before a party released by the first trip has seen that trip.
        let r = b.wait(None).and_then(|i| {
            if i == N as u32 / 2 {
                b.abort();
                return Ok(None);
            }
            b.wait(None).map(Some)
        });
        match r {
            Ok(None) => 0,
            Ok(Some(_)) => p.fetch_add(1, SeqCst),
            Err(Error::BrokenBarrier) => k.fetch_add(1, SeqCst),
            Err(e) => panic!("{e:?}"),
        };
    });
    assert_eq!(passed.load(SeqCst), 0);
    assert_eq!(broken.load(SeqCst), N - 1);
    assert!(barrier.broken());
    assert_eq!(
        barrier.wait(None),
        Err(Error::BrokenBarrier),
        "late arrivals too"
    );
}

/// BA-07 `test_reset`: the party with index N/2 waits until the other N-1 are waiting and
/// resets: they get BrokenBarrierError, and then all N pass the barrier again.
pub fn ba_07_reset() {
    let barrier = barrier(N as u32);
    let counts: Arc<[AtomicUsize; 3]> = Arc::new(Default::default());
    let (b, c) = (barrier.clone(), counts.clone());
    run_threads(&barrier, move || {
        let i = b.wait(None).unwrap();
        if i == N as u32 / 2 {
            wait_until("the others wait", || b.n_waiting() as usize >= N - 1);
            b.reset();
        } else {
            match b.wait(None) {
                Ok(_) => c[0].fetch_add(1, SeqCst),
                Err(Error::BrokenBarrier) => c[1].fetch_add(1, SeqCst),
                Err(e) => panic!("{e:?}"),
            };
        }
        b.wait(None).unwrap();
        c[2].fetch_add(1, SeqCst);
    });
    let [results1, results2, results3] = counts.as_ref();
    assert_eq!(results1.load(SeqCst), 0);
    assert_eq!(results2.load(SeqCst), N - 1);
    assert_eq!(results3.load(SeqCst), N);
}

/// BA-08 `test_abort_and_reset`: after an abort, the parties meet on a second barrier, one
/// resets the first, they meet again, and all N pass the first barrier again.
pub fn ba_08_abort_and_reset() {
    let barrier = barrier(N as u32);
    let barrier2 = self::barrier(N as u32);
    let counts: Arc<[AtomicUsize; 3]> = Arc::new(Default::default());
    let (b, b2, c) = (barrier.clone(), barrier2.clone(), counts.clone());
    run_threads(&barrier, move || {
        let r = b.wait(None).and_then(|i| {
            if i == N as u32 / 2 {
                b.abort();
                return Ok(None);
            }
            b.wait(None).map(Some)
        });
        match r {
            Ok(None) => 0,
            Ok(Some(_)) => c[0].fetch_add(1, SeqCst),
            Err(Error::BrokenBarrier) => c[1].fetch_add(1, SeqCst),
            Err(e) => panic!("{e:?}"),
        };
        // Meet first so that everyone has left `b` when it is reset, and after so that
        // nobody enters it before the reset.
        if b2.wait(None).unwrap() == N as u32 / 2 {
            b.reset();
        }
        b2.wait(None).unwrap();
        b.wait(None).unwrap();
        c[2].fetch_add(1, SeqCst);
    });
    let [results1, results2, results3] = counts.as_ref();
    assert_eq!(results1.load(SeqCst), 0);
    assert_eq!(results2.load(SeqCst), N - 1);
    assert_eq!(results3.load(SeqCst), N);
}

/// BA-09 `test_timeout`: one party is late (CPython: sleeps 1 s; here: it waits until the
/// barrier is broken); the others' `wait(0.5)` times out and breaks the barrier, so the late
/// party's `wait(0.5)` fails too, at once.
pub fn ba_09_timeout() {
    let barrier = barrier(N as u32);
    let longest = Arc::new(Mutex::new(Duration::ZERO));
    let (b, l) = (barrier.clone(), longest.clone());
    run_threads(&barrier, move || {
        let i = b.wait(None).unwrap();
        let late = i == N as u32 / 2;
        if late {
            wait_until("the barrier breaks", || b.broken());
        }
        let (r, dt) = timed(|| b.wait(0.5));
        assert_eq!(r, Err(Error::BrokenBarrier));
        if late {
            assert!(
                dt < Duration::from_millis(500),
                "a broken barrier fails at once"
            );
        } else {
            let mut l = l.lock().unwrap();
            *l = (*l).max(dt);
        }
    });
    // The first party to time out waited the whole 0.5 s; the others were released by it.
    assert_timeout(*longest.lock().unwrap(), Duration::from_millis(500));
    assert!(barrier.broken());
}

/// BA-10 `test_default_timeout`: `Barrier(2, timeout=0.1)`: a lone `wait()` fails with
/// BrokenBarrierError after at least 0.1 s, and breaks the barrier for the next arrival.
pub fn ba_10_default_timeout() {
    let barrier = Barrier::with(2, None, Duration::from_millis(100)).unwrap();
    let (r, dt) = timed(|| barrier.wait(None));
    assert_eq!(r, Err(Error::BrokenBarrier));
    assert!(dt >= Duration::from_millis(100), "{dt:?}");
    assert_timeout(dt, Duration::from_millis(100));
    assert!(barrier.broken());
    // A late arrival fails at once, without waiting for its (long) timeout.
    let (r, dt) = timed(|| barrier.wait(SHORT));
    assert_eq!(r, Err(Error::BrokenBarrier));
    assert!(dt < SHORT / 10, "a broken barrier fails at once: {dt:?}");
}

/// BA-11 `test_single_thread`: `Barrier(1).wait()` returns at once, every time.
pub fn ba_11_single_thread() {
    let barrier = Barrier::new(1).unwrap();
    assert_eq!(barrier.wait(None), Ok(0));
    assert_eq!(barrier.wait(None), Ok(0));
    assert!(!barrier.broken());
}

/// BA-12 `test_repr`: the repr shows waiters/parties, and "broken" after `abort()`.
pub fn ba_12_repr() {
    let barrier = barrier(3);
    assert!(
        format!("{barrier:?}").contains("waiters=0/3"),
        "{barrier:?}"
    );
    let b = barrier.clone();
    let threads = spawn_n("party", 2, move |_| {
        b.wait(SHORT).unwrap();
    });
    wait_until("2 are waiting", || barrier.n_waiting() >= 2);
    assert!(
        format!("{barrier:?}").contains("waiters=2/3"),
        "{barrier:?}"
    );
    barrier.wait(SHORT).unwrap();
    threads.iter().for_each(join);
    assert!(
        format!("{barrier:?}").contains("waiters=0/3"),
        "{barrier:?}"
    );
    assert!(!format!("{barrier:?}").contains("broken"), "{barrier:?}");
    barrier.abort();
    assert!(format!("{barrier:?}").contains("broken"), "{barrier:?}");
}

/// BA-13 `_TestBarrier.test_thousand` (threads instead of processes): 5 parties × 1000 passes;
/// after each pass each party records the pass number under a lock; the record is every
/// number five times, in order.
pub fn ba_13_thousand() {
    const PASSES: u32 = 1000;
    let barrier = Arc::new(Barrier::with(N as u32, None, SHORT).unwrap());
    let lock = Arc::new(Lock::new());
    let record = Arc::new(Mutex::new(Vec::with_capacity(N * PASSES as usize)));
    let passes = Arc::new(AtomicU32::new(0));
    let (b, l, r, p) = (
        barrier.clone(),
        lock.clone(),
        record.clone(),
        passes.clone(),
    );
    run_threads(&barrier, move || {
        for i in 0..PASSES {
            b.wait(None).unwrap();
            let _held = l.guard().unwrap();
            r.lock().unwrap().push(i);
        }
        p.fetch_add(1, SeqCst);
    });
    assert_eq!(passes.load(SeqCst), N as u32);
    let record = record.lock().unwrap();
    let expected: Vec<u32> = (0..PASSES).flat_map(|i| [i; N]).collect();
    assert!(*record == expected, "out of order or missing");
}
