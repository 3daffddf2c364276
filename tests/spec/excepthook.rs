//! `test_threading.py`'s excepthook cases (spec §1.5): TH-29, TH-33, TH-34, TH-35. They
//! replace the process-wide hook, so they run one at a time ([`HOOK_TESTS`]). The other
//! `Thread` cases are in `thread.rs`.

use super::SHORT;
use concurrency::thread::{format_exception, reset_excepthook, set_excepthook};
use concurrency::Thread;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};

/// Serialises the cases that replace the process-wide excepthook.
static HOOK_TESTS: Mutex<()> = Mutex::new(());

/// TH-29 `test_print_exception`: a panic in the target reaches the hook, `join` returns
/// normally, the process lives on; the default text names the thread.
pub fn th_29_print_exception() {
    let _serial = HOOK_TESTS.lock().unwrap_or_else(|p| p.into_inner());
    let seen = Arc::new(Mutex::new(String::new()));
    let s = seen.clone();
    set_excepthook(move |args| *s.lock().unwrap() = format_exception(args));
    let t = Thread::builder()
        .name("doomed")
        .target(|| panic!("ZeroDivisionError"))
        .build();
    t.start().unwrap();
    assert_eq!(t.join(SHORT), Ok(true));
    reset_excepthook();
    assert!(t.panicked() && !t.is_alive());
    let text = seen.lock().unwrap().clone();
    assert!(text.starts_with("Exception in thread doomed:\n"), "{text}");
    assert!(text.contains("ZeroDivisionError"), "{text}");
}

/// TH-33 `test_custom_excepthook`: the hook gets the thread and the message.
pub fn th_33_custom_excepthook() {
    let _serial = HOOK_TESTS.lock().unwrap_or_else(|p| p.into_inner());
    let seen = Arc::new(Mutex::new(None));
    let s = seen.clone();
    set_excepthook(move |args| {
        *s.lock().unwrap() = Some((args.thread.clone(), args.message.to_owned()))
    });
    let t = Thread::new(|| panic!("run failed"));
    t.start().unwrap();
    assert_eq!(t.join(SHORT), Ok(true));
    reset_excepthook();
    let (thread, message) = seen.lock().unwrap().clone().expect("the hook ran");
    assert_eq!(thread, t);
    assert_eq!(message, "run failed");
}

/// TH-34 `test_custom_excepthook_fail`: a hook that panics itself is reported, and the thread
/// still ends and can be joined.
pub fn th_34_custom_excepthook_fail() {
    let _serial = HOOK_TESTS.lock().unwrap_or_else(|p| p.into_inner());
    let calls = Arc::new(AtomicUsize::new(0));
    let c = calls.clone();
    set_excepthook(move |_| {
        c.fetch_add(1, SeqCst);
        panic!("threading_hook failed")
    });
    let t = Thread::new(|| panic!("run failed"));
    t.start().unwrap();
    assert_eq!(t.join(SHORT), Ok(true));
    reset_excepthook();
    assert_eq!(calls.load(SeqCst), 1);
    assert!(!t.is_alive());
}

/// TH-35 `test_original_excepthook`: a custom hook replaces the default; resetting restores it.
pub fn th_35_original_excepthook() {
    let _serial = HOOK_TESTS.lock().unwrap_or_else(|p| p.into_inner());
    let custom = Arc::new(AtomicUsize::new(0));
    let c = custom.clone();
    set_excepthook(move |_| {
        c.fetch_add(1, SeqCst);
    });
    let t = Thread::new(|| panic!("Running a thread failed"));
    t.start().unwrap();
    join_panicked(&t);
    reset_excepthook();
    let t = Thread::new(|| panic!("to the default hook"));
    t.start().unwrap();
    join_panicked(&t);
    assert_eq!(
        custom.load(SeqCst),
        1,
        "after reset the custom hook is not called"
    );
}

fn join_panicked(t: &Thread) {
    assert_eq!(t.join(SHORT), Ok(true));
    assert!(t.panicked());
}

/// A thread-local value whose `Drop` panics (issue 9 item 5).
struct PanicsOnDrop;

impl Drop for PanicsOnDrop {
    fn drop(&mut self) {
        panic!("drop failed");
    }
}

/// Sets a hook that keeps, per thread name, what was reported.
fn record_reports() -> Arc<Mutex<Vec<(String, String)>>> {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s = seen.clone();
    set_excepthook(move |args| {
        s.lock()
            .unwrap()
            .push((args.thread.name(), args.message.to_owned()))
    });
    seen
}

/// A `Local` value whose `Drop` panics when its thread ends: the panic goes to the excepthook
/// (naming the thread) and the thread still finishes, so `join` returns (it used to hang, the
/// thread never marked finished). Where panics unwind, the thread's other values are still
/// dropped. (`tests/shutdown.rs` checks that `shutdown()` does not hang on it either.)
pub fn local_drop_panic_at_exit_is_reported() {
    let _serial = HOOK_TESTS.lock().unwrap_or_else(|p| p.into_inner());
    let seen = record_reports();
    let doomed = Arc::new(concurrency::Local::new(|| None::<PanicsOnDrop>));
    let kept = Arc::new(());
    let k = kept.clone();
    let other = Arc::new(concurrency::Local::new(move || k.clone()));
    let (d, o) = (doomed.clone(), other.clone());
    let t = Thread::builder()
        .name("local-drop-panics")
        .target(move || {
            o.with(|_| ()).unwrap();
            d.with(|v| *v = Some(PanicsOnDrop)).unwrap();
        })
        .build();
    t.start().unwrap();
    assert_eq!(t.join(SHORT), Ok(true), "the thread finished");
    reset_excepthook();
    assert!(!t.is_alive());
    let reports = seen.lock().unwrap().clone();
    assert!(
        reports.contains(&("local-drop-panics".to_owned(), "drop failed".to_owned())),
        "{reports:?}"
    );
    if cfg!(panic = "unwind") {
        assert_eq!(Arc::strong_count(&kept), 2, "the other value was dropped");
    }
}

/// The same in a `std::thread`, whose values are dropped by a thread-local destructor: the
/// panic is reported, not an abort ("thread local panicked on drop"). Runs in a process of
/// its own (`tests/isolated.rs`).
pub fn local_drop_panic_in_a_std_thread_is_reported() {
    let _serial = HOOK_TESTS.lock().unwrap_or_else(|p| p.into_inner());
    let seen = record_reports();
    let doomed = Arc::new(concurrency::Local::new(|| None::<PanicsOnDrop>));
    let d = doomed.clone();
    let name = std::thread::spawn(move || {
        d.with(|v| *v = Some(PanicsOnDrop)).unwrap();
        concurrency::current_thread().name()
    })
    .join()
    .expect("the std thread ended normally");
    reset_excepthook();
    let reports = seen.lock().unwrap().clone();
    assert!(
        reports.contains(&(name, "drop failed".to_owned())),
        "{reports:?}"
    );
}
