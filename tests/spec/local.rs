//! `threading.local` (no case of its own in the spec's sections; CPython's `test_threading_local`
//! checks what these do): one value per thread, dropped when that thread ends whoever started
//! it, kept across a panic; a nested `with` on the same `Local` is an error, never a lost write.

use super::{join, spawn, SHORT};
use concurrency::{Error, Local, Thread};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};

/// Counts its drops.
struct Counted(Arc<AtomicUsize>);

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_add(1, SeqCst);
    }
}

fn counted_local() -> (Arc<Local<(u32, Counted)>>, Arc<AtomicUsize>) {
    let drops = Arc::new(AtomicUsize::new(0));
    let d = drops.clone();
    (Arc::new(Local::new(move || (0, Counted(d.clone())))), drops)
}

/// A thread started here: its value is dropped when it ends, before `join` returns, while the
/// `Local` lives on.
pub fn local_value_dropped_when_its_thread_ends() {
    let (local, drops) = counted_local();
    let l = local.clone();
    let t = spawn("user", move || l.with(|v| v.0 = 1).unwrap());
    join(&t);
    assert_eq!(drops.load(SeqCst), 1, "dropped by the time join returned");
    assert_eq!(
        local.with(|v| v.0),
        Ok(0),
        "the caller's own value is fresh"
    );
}

/// A `std::thread` (not started here): its value is dropped when it ends, too (it used to be
/// kept until the `Local` was dropped).
pub fn local_value_of_a_std_thread_dropped_when_it_ends() {
    let (local, drops) = counted_local();
    let l = local.clone();
    std::thread::spawn(move || {
        l.with(|v| v.0 = 1).unwrap();
        assert_eq!(l.with(|v| v.0), Ok(1));
    })
    .join()
    .expect("the std thread ends normally");
    assert_eq!(drops.load(SeqCst), 1, "dropped at the std thread's exit");
    drop(local);
    assert_eq!(drops.load(SeqCst), 1, "and only once");
}

/// A `with` inside a `with` on the same `Local` is `Error::LocalInUse` (it used to get a fresh
/// value whose write was then lost); the outer call keeps its value and its write. Other
/// `Local`s are free to use inside, and so is the same `Local` on another thread.
pub fn local_nested_with_is_an_error() {
    let local = Arc::new(Local::new(|| 0u32));
    let other = Local::new(|| 0u32);
    let l = local.clone();
    let nested = local.with(|v| {
        *v = 1;
        let inner = local.with(|w| *w = 2);
        let elsewhere = on_another_thread(move || l.with(|w| *w));
        other.with(|w| *w = 3).unwrap();
        *v += 10;
        (inner, elsewhere)
    });
    assert_eq!(nested, Ok((Err(Error::LocalInUse), Ok(0))));
    assert_eq!(local.get(), Ok(11), "the outer write is kept");
    assert_eq!(other.get(), Ok(3));
    let in_init = Arc::new(Mutex::new(None));
    let seen = in_init.clone();
    let again = Arc::new(Local::new(|| 5u32));
    let a = again.clone();
    let reentrant = Arc::new(Local::new(move || {
        *seen.lock().unwrap() = Some(a.with(|v| *v));
        1u32
    }));
    assert_eq!(reentrant.get(), Ok(1));
    assert_eq!(
        *in_init.lock().unwrap(),
        Some(Ok(5)),
        "init may use other Locals"
    );
}

fn on_another_thread<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    let out = Arc::new(Mutex::new(None));
    let o = out.clone();
    join(&spawn("other", move || *o.lock().unwrap() = Some(f())));
    let value = out.lock().unwrap().take();
    value.expect("the thread ran")
}

/// A panic inside `with` keeps the value as `f` left it (it used to reset it to `init()`),
/// and a panic inside `init` leaves no value behind (the next `with` initialises again).
/// Natively only: the panics are caught, and a browser build aborts on panic.
pub fn local_value_kept_across_a_panic() {
    let local = Local::new(|| 0u32);
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        local
            .with(|v| {
                *v = 42;
                panic!("after the write");
            })
            .unwrap();
    }));
    assert!(r.is_err());
    assert_eq!(local.get(), Ok(42));

    let tries = Arc::new(AtomicUsize::new(0));
    let tr = tries.clone();
    let flaky = Local::new(move || {
        if tr.fetch_add(1, SeqCst) == 0 {
            panic!("init fails once");
        }
        7u32
    });
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| flaky.get()));
    assert!(r.is_err());
    assert_eq!(flaky.get(), Ok(7));
    assert_eq!(tries.load(SeqCst), 2);
}

/// Each thread's value is its own, through many threads; values of threads that ended are
/// gone, and dropping the `Local` drops the values still held (the caller's).
pub fn local_values_are_dropped_per_thread_and_with_the_local() {
    let (local, drops) = counted_local();
    local.with(|v| v.0 = 99).unwrap();
    let threads: Vec<Thread> = (0..8)
        .map(|i| {
            let l = local.clone();
            spawn(&format!("user-{i}"), move || {
                assert_eq!(l.with(|v| v.0), Ok(0));
                l.with(|v| v.0 = i).unwrap();
                assert_eq!(l.with(|v| v.0), Ok(i));
            })
        })
        .collect();
    for t in &threads {
        assert_eq!(t.join(SHORT), Ok(true));
        assert!(!t.panicked());
    }
    assert_eq!(drops.load(SeqCst), 8);
    assert_eq!(local.with(|v| v.0), Ok(99));
    drop(Arc::try_unwrap(local).ok().expect("the only handle left"));
    assert_eq!(
        drops.load(SeqCst),
        9,
        "the caller's value went with the Local"
    );
}
