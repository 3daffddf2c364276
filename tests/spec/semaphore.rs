//! `lock_tests.BaseSemaphoreTests`, `SemaphoreTests`, `BoundedSemaphoreTests`,
//! `test_threading.test_BoundedSemaphore_limit` and the threading half of
//! `_test_multiprocessing._TestSemaphore` (spec §6). CPython runs the base cases for both
//! types; so does each case here.

use super::{
    assert_timeout, join, spawn, spawn_n, timed, wait_blocked_on, wait_settled, wait_until,
};
use concurrency::{BoundedSemaphore, Error, IntoTimeout, Semaphore, SemaphoreGuard, Timeout};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What the base cases need of a semaphore type.
pub trait Sem: Send + Sync + Sized + 'static {
    /// `semtype(value)`.
    fn make(value: i64) -> Result<Self, Error>;
    /// `acquire(blocking, timeout)`.
    fn acquire(&self, blocking: bool, timeout: impl IntoTimeout) -> Result<bool, Error>;
    /// `release(n)`.
    fn release(&self, n: u32) -> Result<(), Error>;
    /// `with sem:`.
    fn guard(&self) -> Result<SemaphoreGuard<'_>, Error>;
    /// The free permits.
    fn value(&self) -> u32;
    /// The trace id (what blocked threads wait on).
    fn trace_id(&self) -> u64;
}

macro_rules! impl_sem {
    ($t:ty) => {
        impl Sem for $t {
            fn make(value: i64) -> Result<Self, Error> {
                <$t>::new(value)
            }
            fn acquire(&self, blocking: bool, timeout: impl IntoTimeout) -> Result<bool, Error> {
                <$t>::acquire(self, blocking, timeout)
            }
            fn release(&self, n: u32) -> Result<(), Error> {
                <$t>::release(self, n)
            }
            fn guard(&self) -> Result<SemaphoreGuard<'_>, Error> {
                <$t>::guard(self)
            }
            fn value(&self) -> u32 {
                <$t>::value(self)
            }
            fn trace_id(&self) -> u64 {
                <$t>::trace_id(self)
            }
        }
    };
}
impl_sem!(Semaphore);
impl_sem!(BoundedSemaphore);

fn constructor<S: Sem>() {
    for value in [-1, -i64::MAX, i64::MIN] {
        match S::make(value) {
            Err(e @ Error::InvalidArgument(_)) => {
                assert_eq!(e.to_string(), "semaphore initial value must be >= 0")
            }
            Err(e) => panic!("{value}: {e:?}"),
            Ok(_) => panic!("{value} was accepted"),
        }
    }
    assert_eq!(S::make(0).unwrap().value(), 0);
}

/// SM-01 `test_constructor`: a negative initial value is ValueError.
pub fn sm_01_constructor() {
    constructor::<Semaphore>();
    constructor::<BoundedSemaphore>();
}

fn acquire<S: Sem>() {
    let sem = S::make(1).unwrap();
    assert_eq!(sem.acquire(true, None), Ok(true));
    sem.release(1).unwrap();
    let sem = S::make(2).unwrap();
    assert_eq!(sem.acquire(true, None), Ok(true));
    assert_eq!(sem.acquire(true, None), Ok(true));
    sem.release(1).unwrap();
    sem.release(1).unwrap();
    assert_eq!(sem.value(), 2);
}

/// SM-02 `test_acquire`.
pub fn sm_02_acquire() {
    acquire::<Semaphore>();
    acquire::<BoundedSemaphore>();
}

/// SM-03 `test_acquire_destroy`: drop a semaphore while a permit is out.
pub fn sm_03_acquire_destroy() {
    let sem = Semaphore::new(1).unwrap();
    assert_eq!(sem.acquire(true, None), Ok(true));
    drop(sem);
    let sem = BoundedSemaphore::new(1).unwrap();
    assert_eq!(sem.acquire(true, None), Ok(true));
    drop(sem);
}

/// SM-04/SM-05: `sem(7)`, main takes one; 10 threads acquire twice, tagging each success with
/// the phase. The permits are handed out 6, then 7 (released one by one, or by one
/// `release(7)` with `multi`), then 6, then the last 1: exactly that many complete each time.
fn contended<S: Sem>(multi: bool) {
    const N: usize = 10;
    let sem = Arc::new(S::make(7).unwrap());
    assert_eq!(sem.acquire(true, None), Ok(true));
    let phase = Arc::new(AtomicUsize::new(0));
    let tags = Arc::new(Mutex::new(Vec::new()));
    let oks = Arc::new(Mutex::new(Vec::new()));
    let (s, p, t, o) = (sem.clone(), phase.clone(), tags.clone(), oks.clone());
    let threads = spawn_n("acquirer", N, move |_| {
        for _ in 0..2 {
            let ok = s.acquire(true, None).unwrap();
            o.lock().unwrap().push(ok);
            t.lock().unwrap().push(p.load(SeqCst));
        }
    });
    let release = |n: u32| {
        if multi {
            sem.release(n).unwrap();
        } else {
            (0..n).for_each(|_| sem.release(1).unwrap());
        }
    };
    // CPython polls until the count is reached; we then also wait until every thread has
    // ended or is blocked on the semaphore, so the count is final, not a lower bound.
    let settle = |count: usize| {
        wait_until("the acquisitions", || tags.lock().unwrap().len() >= count);
        wait_settled(&threads, sem.trace_id());
        let mut sorted = tags.lock().unwrap().clone();
        sorted.sort();
        sorted
    };
    let expect = |counts: &[usize]| -> Vec<usize> {
        counts
            .iter()
            .enumerate()
            .flat_map(|(phase, &n)| std::iter::repeat_n(phase, n))
            .collect()
    };
    assert_eq!(settle(6), expect(&[6]));
    phase.store(1, SeqCst);
    release(7);
    assert_eq!(settle(13), expect(&[6, 7]));
    phase.store(2, SeqCst);
    release(6);
    assert_eq!(settle(19), expect(&[6, 7, 6]));
    assert_eq!(
        sem.acquire(false, None),
        Ok(false),
        "the semaphore is still at 0"
    );
    assert_eq!(sem.value(), 0);
    release(1);
    threads.iter().for_each(join);
    assert_eq!(*oks.lock().unwrap(), [true; 20]);
}

/// SM-04 `test_acquire_contended`: one `release()` at a time.
pub fn sm_04_acquire_contended() {
    contended::<Semaphore>(false);
    contended::<BoundedSemaphore>(false);
}

/// SM-05 `test_multirelease`: one `release(n)` wakes n waiters. `release(0)` is ValueError.
pub fn sm_05_multirelease() {
    contended::<Semaphore>(true);
    contended::<BoundedSemaphore>(true);
    for e in [
        Semaphore::new(1).unwrap().release(0),
        BoundedSemaphore::new(1).unwrap().release(0),
    ] {
        assert_eq!(e, Err(Error::InvalidArgument("n must be one or more")));
        assert_eq!(e.unwrap_err().to_string(), "n must be one or more");
    }
}

fn try_acquire<S: Sem>() {
    let sem = S::make(2).unwrap();
    assert_eq!(sem.acquire(false, None), Ok(true));
    assert_eq!(sem.acquire(false, None), Ok(true));
    assert_eq!(sem.acquire(false, None), Ok(false));
    sem.release(1).unwrap();
    assert_eq!(sem.acquire(false, None), Ok(true));
}

/// SM-06 `test_try_acquire`.
pub fn sm_06_try_acquire() {
    try_acquire::<Semaphore>();
    try_acquire::<BoundedSemaphore>();
    // The shorthand.
    let sem = Semaphore::new(1).unwrap();
    assert!(sem.try_acquire());
    assert!(!sem.try_acquire());
}

fn try_acquire_contended<S: Sem>() {
    let sem = Arc::new(S::make(4).unwrap());
    sem.acquire(true, None).unwrap();
    let results = Arc::new(Mutex::new(Vec::new()));
    let (s, r) = (sem.clone(), results.clone());
    let threads = spawn_n("try", 5, move |_| {
        for _ in 0..2 {
            let got = s.acquire(false, None).unwrap();
            r.lock().unwrap().push(got);
        }
    });
    threads.iter().for_each(join);
    let mut results = results.lock().unwrap().clone();
    results.sort();
    assert_eq!(results, [[false; 7].as_slice(), &[true; 3]].concat());
}

/// SM-07 `test_try_acquire_contended`: 3 free permits, 10 tries: exactly 3 succeed.
pub fn sm_07_try_acquire_contended() {
    try_acquire_contended::<Semaphore>();
    try_acquire_contended::<BoundedSemaphore>();
}

fn acquire_timeout<S: Sem>() {
    let sem = S::make(2).unwrap();
    let e = sem.acquire(false, 1.0);
    assert_eq!(
        e,
        Err(Error::InvalidArgument(
            "can't specify timeout for non-blocking acquire"
        ))
    );
    assert_eq!(
        e.unwrap_err().to_string(),
        "can't specify timeout for non-blocking acquire"
    );
    assert_eq!(sem.acquire(true, 0.005), Ok(true));
    assert_eq!(sem.acquire(true, 0.005), Ok(true));
    assert_eq!(sem.acquire(true, 0.005), Ok(false));
    sem.release(1).unwrap();
    assert_eq!(sem.acquire(true, 0.005), Ok(true));
    let (r, dt) = timed(|| sem.acquire(true, 0.5));
    assert_eq!(r, Ok(false));
    assert_timeout(dt, Duration::from_millis(500));
}

/// SM-08 `test_acquire_timeout`: non-blocking with a timeout is ValueError; timed acquires
/// take what is free and otherwise fail after about the timeout. (The two types run in
/// parallel threads: 0.5 s in all.)
pub fn sm_08_acquire_timeout() {
    let threads = [
        spawn("Semaphore", acquire_timeout::<Semaphore>),
        spawn("BoundedSemaphore", acquire_timeout::<BoundedSemaphore>),
    ];
    threads.iter().for_each(join);
}

fn default_value<S: Sem>() {
    let sem = Arc::new(S::make(1).unwrap());
    sem.acquire(true, None).unwrap();
    let finished = Arc::new(AtomicBool::new(false));
    let (s, f) = (sem.clone(), finished.clone());
    let t = spawn("acquirer", move || {
        s.acquire(true, None).unwrap();
        s.release(1).unwrap();
        f.store(true, SeqCst);
    });
    wait_blocked_on(std::slice::from_ref(&t), sem.trace_id());
    assert!(!finished.load(SeqCst));
    sem.release(1).unwrap();
    join(&t);
    assert!(finished.load(SeqCst));
    assert_eq!(sem.value(), 1);
}

/// SM-09 `test_default_value`: Rust has no default arguments, so the value CPython defaults
/// to (1) is given; with it taken, another thread's `acquire()` blocks until `release()`.
pub fn sm_09_default_value() {
    default_value::<Semaphore>();
    default_value::<BoundedSemaphore>();
}

fn with_<S: Sem>(sem: &S, fail: bool) {
    let _outer = sem.guard().unwrap();
    assert_eq!(sem.acquire(false, None), Ok(true));
    sem.release(1).unwrap();
    let _inner = sem.guard().unwrap();
    assert_eq!(sem.acquire(false, None), Ok(false));
    if fail {
        panic!("TypeError");
    }
}

fn with<S: Sem>() {
    let sem = S::make(2).unwrap();
    with_(&sem, false);
    assert_eq!(sem.value(), 2);
    assert_eq!(sem.acquire(false, None), Ok(true));
    sem.release(1).unwrap();
}

fn with_panic<S: Sem>() {
    let sem = S::make(2).unwrap();
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| with_(&sem, true)));
    assert!(r.is_err(), "the panic propagated");
    assert_eq!(
        sem.value(),
        2,
        "both guards gave their permit back during the unwind"
    );
    assert_eq!(sem.acquire(false, None), Ok(true));
    sem.release(1).unwrap();
}

/// SM-10 `test_with`: guards nest and give their permits back.
pub fn sm_10_with() {
    with::<Semaphore>();
    with::<BoundedSemaphore>();
}

/// SM-10 `test_with`, the exception half: a panic (CPython: an exception) in the nested
/// block propagates, and both guards give their permits back while it unwinds. Needs
/// unwinding panics (`unwind_cases!`).
pub fn sm_10_with_panic_releases() {
    with_panic::<Semaphore>();
    with_panic::<BoundedSemaphore>();
}

/// SM-11 `SemaphoreTests.test_release_unacquired`: an unbounded semaphore may be released
/// above its initial value.
pub fn sm_11_release_unacquired() {
    let sem = Semaphore::new(1).unwrap();
    sem.release(1).unwrap();
    assert_eq!(sem.value(), 2);
    assert_eq!(sem.acquire(true, None), Ok(true));
    assert_eq!(sem.acquire(true, None), Ok(true));
    assert_eq!(sem.acquire(false, None), Ok(false));
}

/// SM-12 `SemaphoreTests.test_repr`: the repr shows the value.
pub fn sm_12_repr() {
    let sem = Semaphore::new(3).unwrap();
    assert!(format!("{sem:?}").contains("value=3"), "{sem:?}");
    sem.acquire(true, None).unwrap();
    assert!(format!("{sem:?}").contains("value=2"), "{sem:?}");
    sem.release(2).unwrap();
    assert!(format!("{sem:?}").contains("value=4"), "{sem:?}");
}

/// SM-13 `BoundedSemaphoreTests.test_release_unacquired`: releasing past the initial value is
/// ValueError "Semaphore released too many times", and (spec §13) changes nothing, even for a
/// `release(n)` of which part would fit.
pub fn sm_13_bounded_release_unacquired() {
    let sem = BoundedSemaphore::new(1).unwrap();
    assert_eq!(sem.release(1), Err(Error::TooManyReleases));
    assert_eq!(
        Error::TooManyReleases.to_string(),
        "Semaphore released too many times"
    );
    sem.acquire(true, None).unwrap();
    sem.release(1).unwrap();
    assert_eq!(sem.release(1), Err(Error::TooManyReleases));
    assert_eq!(sem.value(), 1);

    let sem = BoundedSemaphore::new(3).unwrap();
    sem.acquire(true, None).unwrap();
    sem.acquire(true, None).unwrap();
    assert_eq!(sem.release(3), Err(Error::TooManyReleases));
    assert_eq!(sem.value(), 1, "the failed release(3) changed nothing");
    assert_eq!(sem.release(2), Ok(()));
    assert_eq!(sem.value(), 3);
}

/// SM-14 `BoundedSemaphoreTests.test_repr`: the repr shows value/limit.
pub fn sm_14_bounded_repr() {
    let sem = BoundedSemaphore::new(3).unwrap();
    assert!(format!("{sem:?}").contains("value=3/3"), "{sem:?}");
    sem.acquire(true, None).unwrap();
    assert!(format!("{sem:?}").contains("value=2/3"), "{sem:?}");
    assert_eq!(sem.limit(), 3);
}

/// SM-15 `test_BoundedSemaphore_limit`: for limit 1..9, `limit` threads acquire and `limit`
/// other threads release (a semaphore has no owner); one more release is ValueError.
pub fn sm_15_bounded_semaphore_limit() {
    for limit in 1..10 {
        let bs = Arc::new(BoundedSemaphore::new(limit as i64).unwrap());
        let b = bs.clone();
        let acquirers = spawn_n("acquirer", limit, move |_| {
            assert_eq!(b.acquire(true, None), Ok(true));
        });
        acquirers.iter().for_each(join);
        assert_eq!(bs.value(), 0);
        let b = bs.clone();
        let releasers = spawn_n("releaser", limit, move |_| b.release(1).unwrap());
        releasers.iter().for_each(join);
        assert_eq!(bs.value(), limit as u32);
        assert_eq!(bs.release(1), Err(Error::TooManyReleases));
    }
}

/// SM-16 `_TestSemaphore` (threading parts): the value goes down with each acquire and up with
/// each release (an unbounded one past its start, a bounded one not); timed acquires on 0
/// fail. (`acquire(False, 0.1)` is ValueError here as in `threading`: SM-08; it is only the
/// multiprocessing semaphore that accepts it.)
pub fn sm_16_mp_semaphore() {
    fn down_and_up<S: Sem>(sem: &S) {
        assert_eq!(sem.value(), 2);
        assert_eq!(sem.acquire(true, None), Ok(true));
        assert_eq!(sem.value(), 1);
        assert_eq!(sem.acquire(true, None), Ok(true));
        assert_eq!(sem.value(), 0);
        assert_eq!(sem.acquire(false, None), Ok(false));
        assert_eq!(sem.value(), 0);
        assert_eq!(sem.release(1), Ok(()));
        assert_eq!(sem.value(), 1);
        assert_eq!(sem.release(1), Ok(()));
        assert_eq!(sem.value(), 2);
    }
    let sem = Semaphore::new(2).unwrap();
    down_and_up(&sem);
    assert_eq!(sem.release(1), Ok(()));
    assert_eq!(sem.value(), 3);
    assert_eq!(sem.release(1), Ok(()));
    assert_eq!(sem.value(), 4);
    let bounded = BoundedSemaphore::new(2).unwrap();
    down_and_up(&bounded);
    assert_eq!(bounded.release(1), Err(Error::TooManyReleases));
    assert_eq!(bounded.value(), 2);

    let sem = Semaphore::new(0).unwrap();
    assert_eq!(sem.acquire(false, None), Ok(false));
    assert_eq!(sem.acquire(true, 0.0), Ok(false));
    let (r, dt) = timed(|| sem.acquire(true, 0.1));
    assert_eq!(r, Ok(false));
    assert_timeout(dt, Duration::from_millis(100));
}

fn nonblocking_rejects_every_timeout<S: Sem>() {
    let sem = S::make(1).unwrap();
    let refused = Err(Error::InvalidArgument(
        "can't specify timeout for non-blocking acquire",
    ));
    // CPython tests `timeout is not None` before anything else: every float is a timeout
    // given, even -1 (which Lock.acquire reads as "none"), NaN and one too large.
    for seconds in [-1.0, 0.0, 1.0, -100.0, f64::NAN, 1e100] {
        assert_eq!(sem.acquire(false, seconds), refused, "timeout {seconds}");
    }
    assert_eq!(sem.acquire(false, Duration::ZERO), refused);
    assert_eq!(sem.acquire(false, Some(Duration::from_secs(1))), refused);
    assert_eq!(sem.acquire(false, Timeout::after(Duration::ZERO)), refused);
    assert_eq!(sem.value(), 1, "a refused call takes nothing");
    // No timeout at all is CPython's `timeout=None`.
    assert_eq!(sem.acquire(false, None), Ok(true));
    assert_eq!(sem.acquire(false, Timeout::FOREVER), Ok(false));
    sem.release(1).unwrap();
}

/// SM-08's rule for every form of timeout: `acquire(blocking=False)` with any timeout given,
/// `-1.0` included, is ValueError (it used to return `Ok(true)` for `-1.0`); only "none"
/// (`None`, `Timeout::FOREVER`) is accepted.
pub fn sm_08_nonblocking_rejects_every_timeout() {
    nonblocking_rejects_every_timeout::<Semaphore>();
    nonblocking_rejects_every_timeout::<BoundedSemaphore>();
}
