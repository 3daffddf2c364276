//! Which threads exist: the current thread of each OS thread or worker, the main thread, and
//! the list of live ones (`enumerate`, `active_count`).

use super::{Inner, Origin, Thread, ThreadState};
use crate::internal::Mutex;
use crate::trace::{self, Kind};
use std::cell::{Cell, RefCell};

static ACTIVE: Mutex<Vec<Thread>> = Mutex::new(Vec::new());
static MAIN: Mutex<Option<Thread>> = Mutex::new(None);

thread_local! {
    static CURRENT: RefCell<Option<Thread>> = const { RefCell::new(None) };
    /// The current thread's trace id, cached for hot paths (RLock ownership); 0 = unknown.
    static CURRENT_ID: Cell<u64> = const { Cell::new(0) };
    static FOREIGN_EXIT: RefCell<Option<ForeignExit>> = const { RefCell::new(None) };
}

/// Unregisters a foreign ("dummy") thread when its OS thread exits (CPython's TH-05).
struct ForeignExit(Thread);

impl Drop for ForeignExit {
    fn drop(&mut self) {
        remove_active(&self.0);
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
    CURRENT_ID.with(|id| id.set(t.as_ref().map_or(0, Thread::trace_id)));
    CURRENT.with(|c| *c.borrow_mut() = t);
}

/// The caller's trace id: one TLS read once known (registers the caller on first use).
#[inline]
pub(crate) fn current_id() -> u64 {
    match CURRENT_ID.try_with(Cell::get) {
        Ok(0) => current_thread().trace_id(),
        Ok(id) => id,
        Err(_) => 0,
    }
}

/// The thread object of the caller, registering the main or a foreign thread on first use.
pub fn current_thread() -> Thread {
    if let Some(t) = CURRENT.with(|c| c.borrow().clone()) {
        return t;
    }
    let t = if crate::sys::is_main_thread() {
        let t = main_thread();
        t.inner.set_native_id(crate::sys::native_id());
        t
    } else {
        let t = Thread::registered(Origin::Foreign, super::next_name("Dummy"));
        t.inner.set_native_id(crate::sys::native_id());
        add_active(&t);
        let _ = FOREIGN_EXIT.try_with(|g| *g.borrow_mut() = Some(ForeignExit(t.clone())));
        t
    };
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

/// The thread the process (or, in a browser, the page or test runner's worker) started with.
pub fn main_thread() -> Thread {
    let mut main = MAIN.lock();
    if let Some(t) = main.as_ref() {
        return t.clone();
    }
    let t = Thread::registered(Origin::Main, "MainThread".to_owned());
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
    fn registered(origin: Origin, name: String) -> Thread {
        let t = Thread::from_inner(Inner::new(origin, name, false, None));
        t.inner
            .started
            .store(true, crate::primitive::Ordering::Relaxed);
        t.inner
            .ident
            .store(trace::next_id(), crate::primitive::Ordering::Relaxed);
        t.inner.state.set(ThreadState::Runnable);
        t
    }
}

/// The library thread set on this OS thread or worker, if any (no registration).
pub(crate) fn current_if_set() -> Result<Option<Thread>, std::thread::AccessError> {
    CURRENT.try_with(|c| c.borrow().clone())
}
