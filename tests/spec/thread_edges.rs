//! Threads at the edges of their life (spec §1.2, §1.6): a start the OS refuses (TH-12, TH-13),
//! the OS-level name a started thread gets (TH-39), and the crate called from a thread-local
//! destructor, when the thread is already being torn down.

use super::{assert_timeout, join, spawn, SHORT};
use concurrency::{current_thread, Error, Lock, RLock, Thread, ThreadState};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::time::Duration;

fn noop() {}

/// TH-12 `test_limbo_cleanup`: when the OS refuses the thread (here: on purpose, see
/// `sys::fail_next_spawns`), `start()` is an error, and the thread is left as before start:
/// not alive, not in `enumerate()`, no ident, not joinable. As in CPython, `start()` may be
/// tried again, and then runs the target once.
pub fn th_12_limbo_cleanup() {
    let runs = Arc::new(AtomicUsize::new(0));
    let r = runs.clone();
    let t = Thread::builder()
        .name("refused")
        .target(move || {
            r.fetch_add(1, SeqCst);
        })
        .build();
    concurrency::sys::fail_next_spawns(1);
    match t.start() {
        Err(e @ Error::SpawnFailed(_)) => {
            assert!(e.to_string().starts_with("can't start new thread: "), "{e}")
        }
        other => panic!("expected SpawnFailed, got {other:?}"),
    }
    assert!(!t.is_alive());
    assert!(!concurrency::enumerate().contains(&t));
    assert_eq!(t.ident(), None);
    assert_eq!(t.state(), ThreadState::New);
    assert_eq!(t.join(None), Err(Error::NotStarted));
    assert!(format!("{t:?}").contains("initial"), "{t:?}");
    assert_eq!(runs.load(SeqCst), 0);
    t.start().expect("the OS accepts it now");
    join(&t);
    assert_eq!(runs.load(SeqCst), 1);
    assert_eq!(t.start(), Err(Error::AlreadyStarted));
}

/// TH-13 `test_start_new_thread_failed`: while the OS refuses every thread, each start is an
/// error and nothing leaks: no registry entry, and each target (with what it captured) is
/// dropped with its thread.
pub fn th_13_start_new_thread_failed() {
    const TRIES: u32 = 20;
    let captured = Arc::new(());
    concurrency::sys::fail_next_spawns(TRIES);
    for _ in 0..TRIES {
        let c = captured.clone();
        let t = Thread::new(move || drop(c));
        assert!(matches!(t.start(), Err(Error::SpawnFailed(_))));
        assert!(
            !concurrency::enumerate().contains(&t),
            "no entry is left behind"
        );
    }
    assert_eq!(Arc::strong_count(&captured), 1, "every target was dropped");
    concurrency::sys::fail_next_spawns(0);
    let t = spawn("accepted", noop);
    join(&t);
}

/// TH-39 `test_set_name` / `test_change_name` (Linux, natively): the OS-level name of a
/// thread is its `name`, up to the first NUL and cut to 15 bytes on a character boundary; a
/// thread that renames itself renames its OS thread. (CPython's own cases.)
#[cfg(target_os = "linux")]
pub fn th_39_os_thread_name() {
    fn os_name() -> String {
        let path = format!("/proc/self/task/{}/comm", concurrency::get_native_id());
        let comm = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        comm.trim_end_matches('\n').to_owned()
    }
    let snake = "\u{1f40d}"; // 4 bytes in UTF-8
    let cases: Vec<(String, String)> = vec![
        ("CustomName".into(), "CustomName".into()),
        ("namé€".into(), "namé€".into()),
        ("embed\0null".into(), "embed".into()),
        ("x".repeat(15), "x".repeat(15)),
        ("x".repeat(25), "x".repeat(15)),
        ("x".repeat(14) + "é€", "x".repeat(14)),
        ("x".repeat(14) + "\u{10FFFF}", "x".repeat(14)),
        ("x".repeat(13) + &"\u{10FFFF}".repeat(2), "x".repeat(13)),
        (
            "x".to_owned() + &snake.repeat(15),
            "x".to_owned() + &snake.repeat(3),
        ),
        (
            "xx".to_owned() + &snake.repeat(15),
            "xx".to_owned() + &snake.repeat(3),
        ),
        (
            "xxx".to_owned() + &snake.repeat(15),
            "xxx".to_owned() + &snake.repeat(3),
        ),
        (
            "xxxx".to_owned() + &snake.repeat(15),
            "xxxx".to_owned() + &snake.repeat(2),
        ),
    ];
    for (name, expected) in cases {
        let seen = Arc::new(std::sync::Mutex::new(String::new()));
        let s = seen.clone();
        let t = spawn(&name, move || *s.lock().unwrap() = os_name());
        join(&t);
        assert_eq!(*seen.lock().unwrap(), expected, "{name:?}");
    }
    let seen = Arc::new(std::sync::Mutex::new((String::new(), String::new())));
    let s = seen.clone();
    let t = spawn("name", move || {
        let before = os_name();
        current_thread().set_name("new name");
        *s.lock().unwrap() = (before, os_name());
    });
    join(&t);
    assert_eq!(*seen.lock().unwrap(), ("name".into(), "new name".into()));
    assert_eq!(t.name(), "new name");
}

/// What a std thread's thread-local destructor saw when it called the crate (below).
#[derive(Debug)]
struct AtExitReport {
    /// `current_thread()` twice, and the record the thread had while it ran.
    same_ident: bool,
    registered: bool,
    earlier_still_registered: bool,
    /// A contended `Lock::acquire(true, 0.05)` and `Event::wait(0.05)`, with their durations.
    lock: (Result<bool, Error>, Duration),
    event: (Result<bool, Error>, Duration),
    /// An RLock acquired and released there (ownership needs a stable identity).
    rlock: (Result<bool, Error>, Result<(), Error>),
    /// `Local::with` there: the thread's values are gone.
    local: Result<u32, Error>,
}

/// Calls the crate from a thread-local destructor that runs after the crate's own ones.
struct CallsAtExit {
    tx: std::sync::mpsc::Sender<AtExitReport>,
    lock: Arc<Lock>,
    event: Arc<concurrency::Event>,
    local: Arc<concurrency::Local<u32>>,
    earlier: Thread,
}

impl Drop for CallsAtExit {
    fn drop(&mut self) {
        let (first, second) = (current_thread(), current_thread());
        let timed = |f: &dyn Fn() -> Result<bool, Error>| {
            let start = concurrency::monotonic();
            let r = f();
            (r, concurrency::monotonic() - start)
        };
        let rlock = RLock::new();
        let report = AtExitReport {
            same_ident: first.ident().is_some()
                && first.ident() == second.ident()
                && first.ident() == self.earlier.ident(),
            registered: concurrency::enumerate()
                .iter()
                .any(|t| t.ident() == first.ident()),
            earlier_still_registered: concurrency::enumerate().contains(&self.earlier),
            lock: timed(&|| self.lock.acquire(true, 0.05)),
            event: timed(&|| self.event.wait(0.05)),
            rlock: (rlock.acquire(true, None), rlock.release()),
            local: self.local.with(|v| *v),
        };
        let _ = self.tx.send(report);
    }
}

thread_local! {
    static CALLS_AT_EXIT: std::cell::RefCell<Option<CallsAtExit>> =
        const { std::cell::RefCell::new(None) };
}

/// Issue 9 item 4: a std thread's thread-local destructor that runs after the crate's own
/// thread-locals are gone calls `current_thread()`, a contended `Lock::acquire` and
/// `Event::wait` with a timeout, an RLock and a `Local`. Each returns (the process used to
/// abort: "cannot access a Thread Local Storage value during or after destruction"), the way
/// CPython treats a thread it has no record of: an unregistered dummy record, here with the
/// identity the thread had; the thread's `Local` values are already dropped
/// (`Error::ThreadExiting`). Runs in a process of its own (`tests/isolated.rs`).
pub fn tls_destructor_may_call_the_crate() {
    let lock = Arc::new(Lock::new());
    assert_eq!(
        lock.acquire(true, None),
        Ok(true),
        "held: the acquire contends"
    );
    let event = Arc::new(concurrency::Event::new());
    let local = Arc::new(concurrency::Local::new(|| 0u32));
    let (tx, rx) = std::sync::mpsc::channel();
    let (l, e, loc) = (lock.clone(), event.clone(), local.clone());
    let h = std::thread::spawn(move || {
        // Registered first, so destroyed after the crate's thread-locals (last in, first out).
        CALLS_AT_EXIT.with(|_| ());
        let earlier = current_thread();
        loc.with(|v| *v = 7).unwrap();
        let calls = CallsAtExit {
            tx,
            lock: l,
            event: e,
            local: loc,
            earlier,
        };
        CALLS_AT_EXIT.with(|c| *c.borrow_mut() = Some(calls));
    });
    let report = rx.recv_timeout(SHORT).expect("the destructor reported");
    h.join().expect("the std thread ended normally");
    assert!(report.same_ident, "{report:?}");
    assert!(!report.registered, "{report:?}");
    assert!(
        !report.earlier_still_registered,
        "the crate's exit guard ran first: {report:?}"
    );
    assert_eq!(report.lock.0, Ok(false), "{report:?}");
    assert_timeout(report.lock.1, Duration::from_millis(50));
    assert_eq!(report.event.0, Ok(false), "{report:?}");
    assert_timeout(report.event.1, Duration::from_millis(50));
    assert_eq!(report.rlock, (Ok(true), Ok(())), "{report:?}");
    assert_eq!(report.local, Err(Error::ThreadExiting), "{report:?}");
    assert_eq!(
        local.with(|v| *v),
        Ok(0),
        "this thread's own value is separate"
    );
    lock.release().unwrap();
}
