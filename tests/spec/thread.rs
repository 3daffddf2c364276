//! `test_threading.py` (spec §1), plus the lifecycle the book draws. The excepthook cases
//! (§1.5: TH-29, TH-33, TH-34, TH-35) are in `excepthook.rs`.

use super::{blocked_on, join, spawn, wait_blocked, wait_until, SHORT};
use concurrency::{
    current_thread, main_thread, BoundedSemaphore, Error, Lock, RLock, Thread, ThreadState, Timer,
};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::time::Duration;

fn noop() {}

/// TH-01 `test_name`: explicit names win; no name or "" gives `Thread-N`; a function target
/// adds its name in parentheses.
pub fn th_01_name() {
    assert_eq!(Thread::builder().name("myname1").build().name(), "myname1");
    assert_eq!(
        Thread::builder()
            .name(123.to_string())
            .target(noop)
            .build()
            .name(),
        "123"
    );
    let unnamed = |t: Thread| {
        let n = t.name();
        let rest = n.strip_prefix("Thread-").unwrap_or_else(|| panic!("{n}"));
        rest.split(' ')
            .next()
            .unwrap()
            .parse::<u64>()
            .expect("a counter");
        n
    };
    let n = unnamed(Thread::builder().name("").build());
    assert!(!n.contains('('), "{n}");
    unnamed(Thread::builder().build());
    let n = unnamed(Thread::new(noop));
    assert!(n.ends_with(" (noop)"), "{n}");
    let n = unnamed(Thread::new(|| ()));
    assert!(!n.contains('('), "a closure has no name to show: {n}");
}

/// TH-02 `test_args_argument`: arguments reach the target (captured by the closure).
pub fn th_02_args_argument() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    for arg in [vec![1], vec![1, 2]] {
        let s = seen.clone();
        let t = spawn("args", move || s.lock().unwrap().push(arg));
        join(&t);
    }
    assert_eq!(*seen.lock().unwrap(), vec![vec![1], vec![1, 2]]);
}

/// TH-03 `test_various_ops`: 10 threads share a BoundedSemaphore(3) and an RLock-protected
/// count of those running, which never exceeds 3. Before start a thread has no ident and says
/// "initial"; while all 10 are alive their native ids and the caller's are 11 distinct values;
/// after join each is stopped, with an ident.
///
/// CPython checks the native ids right after starting, when the threads are probably alive.
/// Here the caller holds the RLock while it looks, so they are: 3 threads wait for the RLock
/// (inside the semaphore) and 7 for the semaphore. (A browser reuses a pooled worker, and its
/// number, once a thread ends.)
pub fn th_03_various_ops() {
    const NUMTASKS: usize = 10;
    let sema = Arc::new(BoundedSemaphore::new(3).unwrap());
    let mutex = Arc::new(RLock::new());
    let running = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    mutex.acquire(true, None).unwrap();
    let threads: Vec<Thread> = (0..NUMTASKS)
        .map(|i| {
            let (sema, mutex, running, most) =
                (sema.clone(), mutex.clone(), running.clone(), most.clone());
            let t = Thread::builder()
                .name(format!("<thread {i}>"))
                .target(move || {
                    let _slot = sema.guard().unwrap();
                    {
                        let _held = mutex.guard().unwrap();
                        let now = running.fetch_add(1, SeqCst) + 1;
                        assert!(now <= 3, "{now} running at once");
                        most.fetch_max(now, SeqCst);
                    }
                    concurrency::sleep(Duration::from_micros(10 * i as u64)).unwrap();
                    let _held = mutex.guard().unwrap();
                    let before = running.fetch_sub(1, SeqCst);
                    assert!(before >= 1, "the count went below 0");
                })
                .build();
            assert_eq!(t.ident(), None);
            let repr = format!("{t:?}");
            assert!(
                repr.starts_with("<Thread(") && repr.ends_with(", initial)>"),
                "{repr}"
            );
            t.start().unwrap();
            t
        })
        .collect();
    wait_blocked(&threads);
    assert_eq!(blocked_on(&threads, mutex.trace_id()), 3);
    assert_eq!(blocked_on(&threads, sema.trace_id()), 7);
    let mut native_ids: Vec<u64> = threads.iter().map(|t| t.native_id().unwrap()).collect();
    native_ids.push(concurrency::get_native_id());
    native_ids.sort();
    native_ids.dedup();
    assert_eq!(native_ids.len(), NUMTASKS + 1, "{native_ids:?}");
    mutex.release().unwrap();
    for t in &threads {
        join(t);
        assert!(!t.is_alive());
        assert!(t.ident().is_some_and(|id| id != 0));
        let repr = format!("{t:?}");
        let stopped = repr
            .strip_suffix(")>")
            .and_then(|r| r.rsplit_once(", stopped "))
            .map(|(_, id)| id.parse::<i64>().is_ok());
        assert_eq!(stopped, Some(true), "{repr}");
    }
    assert_eq!(running.load(SeqCst), 0);
    assert!((1..=3).contains(&most.load(SeqCst)));
    assert_eq!(sema.value(), 3);
}

/// TH-04 `test_ident_of_no_threading_threads`: `current_thread().ident` is set in the main
/// (here: harness) thread and in a raw OS thread.
pub fn th_04_ident_of_no_threading_threads() {
    assert!(current_thread().ident().is_some_and(|id| id != 0));
    let h = std::thread::spawn(|| current_thread().ident());
    assert!(h.join().unwrap().is_some_and(|id| id != 0));
}

/// TH-05 `test_foreign_thread`: a raw OS thread gets a registered placeholder, alive, that
/// cannot be joined, and that disappears when the OS thread exits.
pub fn th_05_foreign_thread() {
    let (tx, rx) = std::sync::mpsc::channel();
    let h = std::thread::spawn(move || {
        let me = current_thread();
        let registered = concurrency::enumerate().contains(&me);
        tx.send((me.clone(), registered, me.is_alive())).unwrap();
    });
    let (dummy, registered, alive) = rx.recv_timeout(SHORT).unwrap();
    h.join().unwrap();
    assert!(registered && alive);
    assert!(dummy.name().starts_with("Dummy-"), "{}", dummy.name());
    assert_eq!(dummy.join(None), Err(Error::JoinForeign));
    wait_until("the placeholder is unregistered", || {
        !concurrency::enumerate().contains(&dummy)
    });
}

/// TH-06 `test_main_thread` (the part that runs in a worker thread; the part that runs on the
/// main thread itself is `tests/main_thread.rs`).
pub fn th_06_main_thread_in_worker() {
    assert_eq!(main_thread().name(), "MainThread");
    let ok = Arc::new(AtomicBool::new(false));
    let o = ok.clone();
    let t = spawn("worker", move || {
        o.store(main_thread().ident() != current_thread().ident(), SeqCst)
    });
    join(&t);
    assert!(ok.load(SeqCst));
}

/// TH-08 `test_start_thread_again`: a second start fails, also after the thread finished.
pub fn th_08_start_thread_again() {
    let t = Thread::new(noop);
    t.start().unwrap();
    assert_eq!(t.start(), Err(Error::AlreadyStarted));
    join(&t);
    assert_eq!(t.start(), Err(Error::AlreadyStarted));
    assert_eq!(
        Error::AlreadyStarted.to_string(),
        "threads can only be started once"
    );
}

/// TH-09 `test_joining_inactive_thread`.
pub fn th_09_joining_inactive_thread() {
    let t = Thread::new(noop);
    assert_eq!(t.join(None), Err(Error::NotStarted));
}

/// TH-10 `test_joining_current_thread`.
pub fn th_10_joining_current_thread() {
    assert_eq!(current_thread().join(None), Err(Error::JoinSelf));
    let result = Arc::new(Mutex::new(None));
    let r = result.clone();
    let t = spawn("joins-itself", move || {
        *r.lock().unwrap() = Some(current_thread().join(None));
    });
    join(&t);
    assert_eq!(*result.lock().unwrap(), Some(Err(Error::JoinSelf)));
}

/// TH-11 `test_daemonize_active_thread`.
pub fn th_11_daemonize_active_thread() {
    let lock = Arc::new(Lock::new());
    lock.acquire(true, None).unwrap();
    let l = lock.clone();
    let t = spawn("active", move || drop(l.guard().unwrap()));
    assert_eq!(t.set_daemon(true), Err(Error::DaemonAfterStart));
    lock.release().unwrap();
    join(&t);
}

/// TH-15 `test_join_with_timeout`: join(timeout) returns while the thread still lives.
pub fn th_15_join_with_timeout() {
    let lock = Arc::new(Lock::new());
    lock.acquire(true, None).unwrap();
    let l = lock.clone();
    let t = spawn("blocked", move || drop(l.guard().unwrap()));
    assert_eq!(t.join(Duration::from_millis(10)), Ok(false));
    assert!(t.is_alive());
    lock.release().unwrap();
    join(&t);
    assert!(!t.is_alive());
}

/// TH-16 `test_join_from_multiple_threads`: for N = 2..19, N threads join the same worker.
pub fn th_16_join_from_multiple_threads() {
    for n in 2..20 {
        let target = spawn("sleeper", || {
            concurrency::sleep(Duration::from_millis(5)).unwrap();
        });
        let joiners: Vec<_> = (0..n)
            .map(|_| {
                let t = target.clone();
                spawn("joiner", move || assert_eq!(t.join(SHORT), Ok(true)))
            })
            .collect();
        joiners.iter().for_each(join);
        join(&target);
    }
}

/// TH-17 `test_enumerate_after_join`: a joined thread is not in `enumerate()`.
pub fn th_17_enumerate_after_join() {
    for _ in 0..99 {
        let t = Thread::new(noop);
        t.start().unwrap();
        join(&t);
        assert!(!concurrency::enumerate().contains(&t));
    }
}

/// TH-18 `test_repr_stopped`: "stopped" shows without join once the target has returned.
pub fn th_18_repr_stopped() {
    let t = Thread::new(noop);
    assert!(format!("{t:?}").contains("initial"));
    t.start().unwrap();
    wait_until("the repr says stopped", || {
        format!("{t:?}").contains("stopped")
    });
    join(&t);
}

/// TH-19 `test_boolean_target`: Rust closures have no truthiness, so the rule that remains is
/// the one the test protects: a given target is always called, no target does nothing.
pub fn th_19_target_always_called() {
    let called = Arc::new(AtomicBool::new(false));
    let c = called.clone();
    let t = spawn("called", move || c.store(true, SeqCst));
    join(&t);
    assert!(called.load(SeqCst));
    let nothing = Thread::builder().name("no target").build();
    nothing.start().unwrap();
    join(&nothing);
}

/// TH-20 `test_leak_without_join`: a thread never joined still ends and leaves the registry.
pub fn th_20_leak_without_join() {
    let t = Thread::new(noop);
    t.start().unwrap();
    wait_until("the unjoined thread ends", || {
        !t.is_alive() && !concurrency::enumerate().contains(&t)
    });
}

/// TH-21 `test_no_refcycle_through_target`: after the thread ends, what its target captured
/// has been dropped.
pub fn th_21_no_refcycle_through_target() {
    let captured = Arc::new(());
    let c = captured.clone();
    let t = spawn("captures", move || assert_eq!(*c, ()));
    join(&t);
    assert_eq!(Arc::strong_count(&captured), 1);
}

/// TH-22 `test_daemon_param`: default False from a non-daemon thread, explicit values kept,
/// and inherited from the creating thread.
pub fn th_22_daemon_param() {
    assert!(!Thread::new(noop).daemon());
    assert!(!Thread::builder().daemon(false).build().daemon());
    assert!(Thread::builder().daemon(true).build().daemon());
    let inherited = Arc::new(AtomicBool::new(false));
    let i = inherited.clone();
    let t = Thread::builder()
        .daemon(true)
        .target(move || i.store(Thread::new(noop).daemon(), SeqCst))
        .build();
    t.start().unwrap();
    join(&t);
    assert!(
        inherited.load(SeqCst),
        "a thread made in a daemon thread is a daemon"
    );
}

/// TH-23 `test_repr_daemon`: "daemon" appears in the repr iff daemon.
pub fn th_23_repr_daemon() {
    assert!(format!("{:?}", Thread::builder().daemon(true).build()).contains("daemon"));
    assert!(!format!("{:?}", Thread::builder().daemon(false).build()).contains("daemon"));
}

/// TH-38 `TimerTests.test_init_immutable_default_args`: two timers each run their own
/// function with their own arguments (a closure owns what it captured, so nothing is shared
/// by accident). And `cancel()` before the interval is over, or before `start()`, means the
/// function never runs.
pub fn th_38_timer() {
    let calls = Arc::new(Mutex::new(Vec::new()));
    let timer = |args: Vec<i32>| {
        let c = calls.clone();
        Timer::new(Duration::from_millis(10), move || {
            c.lock().unwrap().push(args)
        })
    };
    let (timer1, timer2) = (timer(vec![]), timer(vec![]));
    timer1.start().unwrap();
    timer2.start().unwrap();
    assert_eq!(timer1.join(SHORT), Ok(true));
    join(timer2.thread());
    assert!(!timer1.thread().is_alive());
    assert_eq!(*calls.lock().unwrap(), [Vec::<i32>::new(), vec![]]);

    let fired = Arc::new(AtomicBool::new(false));
    let f = fired.clone();
    let cancelled = Timer::new(SHORT, move || f.store(true, SeqCst));
    cancelled.start().unwrap();
    cancelled.cancel();
    join(cancelled.thread());
    let f = fired.clone();
    let never_started = Timer::new(Duration::from_millis(1), move || f.store(true, SeqCst));
    never_started.cancel();
    never_started.start().unwrap();
    join(never_started.thread());
    assert!(
        !fired.load(SeqCst),
        "a cancelled timer never runs its function"
    );
}

/// The lifecycle the book draws: New → Runnable → Blocked(on the lock) → Runnable → Terminated.
pub fn state_lifecycle() {
    let lock = Arc::new(Lock::new());
    lock.acquire(true, None).unwrap();
    let l = lock.clone();
    let t = Thread::builder()
        .name("lifecycle")
        .target(move || drop(l.guard().unwrap()))
        .build();
    assert_eq!(t.state(), ThreadState::New);
    t.start().unwrap();
    wait_blocked(std::slice::from_ref(&t));
    assert_eq!(
        t.state(),
        ThreadState::Blocked {
            on: lock.trace_id()
        }
    );
    lock.release().unwrap();
    join(&t);
    assert_eq!(t.state(), ThreadState::Terminated);
}

/// A thread joining another shows as Blocked on that thread.
pub fn state_blocked_on_lock() {
    let lock = Arc::new(Lock::new());
    lock.acquire(true, None).unwrap();
    let l = lock.clone();
    let holder = spawn("waits-for-lock", move || drop(l.guard().unwrap()));
    let h = holder.clone();
    let joiner = spawn("joins", move || assert_eq!(h.join(SHORT), Ok(true)));
    wait_blocked(&[holder.clone(), joiner.clone()]);
    assert_eq!(
        joiner.state(),
        ThreadState::Blocked {
            on: holder.trace_id()
        }
    );
    lock.release().unwrap();
    join(&joiner);
    join(&holder);
}

/// More threads than pooled workers (in a browser) all run at once: the pool grows instead of
/// deadlocking. 12 threads wait on one barrier-like counter until all have arrived.
pub fn more_threads_than_workers() {
    const N: usize = 12;
    let arrived = Arc::new(AtomicUsize::new(0));
    let threads: Vec<_> = (0..N)
        .map(|i| {
            let a = arrived.clone();
            spawn(&format!("t{i}"), move || {
                a.fetch_add(1, SeqCst);
                let start = concurrency::monotonic();
                while a.load(SeqCst) < N {
                    assert!(
                        concurrency::monotonic() - start < SHORT,
                        "not all threads ran"
                    );
                    concurrency::sleep(Duration::from_millis(1)).unwrap();
                }
            })
        })
        .collect();
    threads.iter().for_each(join);
    let ids: std::collections::BTreeSet<_> =
        threads.iter().map(|t| t.native_id().unwrap()).collect();
    assert_eq!(
        ids.len(),
        N,
        "every thread ran on its own OS thread or worker"
    );
}

/// Tracing records thread starts and ends with native ids, and lock acquire/release pairs.
pub fn trace_records_lock_and_threads() {
    use concurrency::trace::{self, Kind};
    trace::enable(1 << 16);
    let lock = Arc::new(Lock::new());
    let l = lock.clone();
    let t = spawn("traced", move || {
        drop(l.guard().unwrap());
    });
    join(&t);
    let mut events = Vec::new();
    wait_until("the thread's end is recorded", || {
        trace::drain(&mut events);
        events
            .iter()
            .any(|e| e.kind == Kind::ThreadEnd && e.object == t.trace_id())
    });
    let mine: Vec<_> = events.iter().filter(|e| e.thread == t.trace_id()).collect();
    let kinds: Vec<_> = mine.iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        [
            Kind::ThreadStart,
            Kind::Acquire,
            Kind::Release,
            Kind::ThreadEnd
        ],
        "{mine:?}"
    );
    assert!(mine.iter().all(|e| e.kind == Kind::ThreadStart
        || e.kind == Kind::ThreadEnd
        || e.object == lock.trace_id()));
    assert_eq!(mine[0].arg as u64, t.native_id().unwrap() & 0xffff_ffff);
    assert!(mine.windows(2).all(|w| w[0].time_ns <= w[1].time_ns));
    assert_eq!(trace::label(t.trace_id()).as_deref(), Some("traced"));
}
