//! Which threads exist: the current thread of each OS thread or worker, the main thread, and
//! the list of live ones (`enumerate`, `active_count`).

use super::{exit, Inner, Origin, Thread, ThreadState, FINISHED};
use crate::internal::Mutex;
use crate::primitive::Ordering::{Relaxed, Release};
use crate::sys::futex;
use crate::trace::{self, Kind};
use std::cell::Cell;

static ACTIVE: Mutex<Vec<Thread>> = Mutex::new(Vec::new());
static MAIN: Mutex<Option<Thread>> = Mutex::new(None);

// Every access goes through `try_with`: the crate may be called from another thread-local's
// destructor, after these are gone (then `current_thread` degrades, see `teardown_thread`).
// `Cell`, not `RefCell`: no access can fail on a borrow either.
thread_local! {
    static CURRENT: Cell<Option<Thread>> = const { Cell::new(None) };
    /// The current thread's trace id, cached for hot paths (RLock ownership); 0 = unknown.
    /// Plain data, so never destroyed: it outlives `CURRENT` and keeps the caller's identity
    /// through thread-local teardown.
    static CURRENT_ID: Cell<u64> = const { Cell::new(0) };
    static EXIT_GUARD: Cell<Option<ExitGuard>> = const { Cell::new(None) };
}

/// Ends the main or a foreign ("dummy") thread when its OS thread exits: runs its exit hooks
/// (drops its `Local` values) and, for a foreign thread, unregisters it (CPython's TH-05).
struct ExitGuard(Thread);

impl Drop for ExitGuard {
    fn drop(&mut self) {
        let t = &self.0;
        exit::run_hooks(t);
        if t.inner.origin == Origin::Foreign {
            remove_active(t);
            t.inner.state.set(ThreadState::Terminated);
            t.inner.finished.store(FINISHED, Release);
            futex::wake_all(&t.inner.finished);
        }
    }
}

pub(crate) fn add_active(t: &Thread) {
    ACTIVE.lock().push(t.clone());
}

pub(crate) fn remove_active(t: &Thread) {
    ACTIVE.lock().retain(|x| x != t);
}

/// Sets (or clears) the library thread that runs on this OS thread or worker.
pub(crate) fn set_current(t: Option<Thread>) {
    let _ = CURRENT_ID.try_with(|id| id.set(t.as_ref().map_or(0, Thread::trace_id)));
    // The old record is dropped after the swap, outside any access to `CURRENT`.
    let old = CURRENT.try_with(|c| c.replace(t));
    drop(old);
}

/// The caller's trace id: one TLS read once known (registers the caller on first use).
#[inline]
pub(crate) fn current_id() -> u64 {
    match CURRENT_ID.try_with(Cell::get) {
        Ok(0) | Err(_) => current_thread().trace_id(),
        Ok(id) => id,
    }
}

/// The thread object of the caller, registering the main or a foreign thread on first use.
///
/// Called from a thread-local destructor after the crate's own thread-locals are gone, it
/// still returns (CPython's answer for a thread it has no record of: a dummy thread object):
/// the main thread's record on the main thread; elsewhere a record that is not registered (not
/// in [`enumerate`]), with the identity the thread had, whose `Local` values are already
/// dropped (using one is [`crate::Error::ThreadExiting`]).
pub fn current_thread() -> Thread {
    match CURRENT.try_with(take_clone) {
        Ok(Some(t)) => t,
        Ok(None) => register_current(),
        Err(_) => teardown_thread(),
    }
}

fn take_clone(c: &Cell<Option<Thread>>) -> Option<Thread> {
    let t = c.take();
    let copy = t.clone();
    c.set(t);
    copy
}

/// First call on the main or a foreign thread: a record, registered with an exit guard.
fn register_current() -> Thread {
    let t = if crate::sys::is_main_thread() {
        main_thread()
    } else {
        Thread::registered(Origin::Foreign, super::next_name("Dummy"), trace::next_id())
    };
    t.inner.set_native_id(crate::sys::native_id());
    // Only a thread whose guard is in place is registered: the guard is what unregisters it.
    let old = EXIT_GUARD.try_with(|g| g.replace(Some(ExitGuard(t.clone()))));
    match old {
        Ok(old) => {
            if t.inner.origin == Origin::Foreign {
                add_active(&t);
            }
            drop(old);
        }
        Err(_) => exit::close(&t),
    }
    set_current(Some(t.clone()));
    if trace::is_enabled() {
        t.label_for_trace();
        trace::emit(
            Kind::ThreadStart,
            t.trace_id(),
            t.native_id().unwrap_or(0) as u32,
        );
    }
    t
}

/// The caller's record once its thread-locals are torn down: the main thread's, or a fresh
/// unregistered dummy with the trace id the thread had (kept in `CURRENT_ID`, which outlives
/// teardown, so RLock ownership holds across calls), closed to exit hooks.
fn teardown_thread() -> Thread {
    if crate::sys::is_main_thread() {
        return main_thread();
    }
    let id = match CURRENT_ID.try_with(Cell::get) {
        Ok(0) | Err(_) => {
            let id = trace::next_id();
            let _ = CURRENT_ID.try_with(|c| c.set(id));
            id
        }
        Ok(id) => id,
    };
    let t = Thread::registered(Origin::Foreign, super::next_name("Dummy"), id);
    t.inner.set_native_id(crate::sys::native_id());
    exit::close(&t);
    t
}

/// The thread the process (or, in a browser, the page or test runner's worker) started with.
pub fn main_thread() -> Thread {
    let mut main = MAIN.lock();
    if let Some(t) = main.as_ref() {
        return t.clone();
    }
    let t = Thread::registered(Origin::Main, "MainThread".to_owned(), trace::next_id());
    *main = Some(t.clone());
    drop(main);
    add_active(&t);
    t
}

/// Runs `f` on the caller's thread record (registering it if needed).
pub(crate) fn with_current(f: impl FnOnce(&Inner)) {
    f(&current_thread().inner)
}

/// Every live thread: started and not yet finished, plus the main and foreign threads seen.
pub fn enumerate() -> Vec<Thread> {
    ACTIVE.lock().clone()
}

/// How many threads [`enumerate`] would return.
pub fn active_count() -> usize {
    ACTIVE.lock().len()
}

/// The caller's ident (never 0).
pub fn get_ident() -> u64 {
    current_thread().ident().unwrap_or(0)
}

/// The caller's native id: the OS thread id natively, the worker's number in a browser.
pub fn get_native_id() -> u64 {
    crate::sys::native_id()
}

impl Thread {
    /// A record for a thread this crate did not start: already started, with trace id `id`.
    fn registered(origin: Origin, name: String, id: u64) -> Thread {
        let t = Thread::from_inner(Inner::new(origin, name, false, None));
        t.inner.started.store(true, Relaxed);
        t.inner.ident.store(id, Relaxed);
        t.inner.state.set(ThreadState::Runnable);
        t
    }
}

/// The library thread set on this OS thread or worker, if any (no registration).
pub(crate) fn current_if_set() -> Result<Option<Thread>, std::thread::AccessError> {
    CURRENT.try_with(take_clone)
}
