//! Who is who: this process (`current_process`), its parent (`parent_process`), the children
//! still running (`active_children`, CPython's `_children`), and what happens to them at
//! `shutdown()` (CPython's `util._exit_function`, run by `atexit`).

use super::life::{Inner, Origin};
use super::Process;
use crate::error::Error;
use crate::internal::Mutex;
use std::sync::atomic::{AtomicU32, Ordering::Relaxed};
use std::sync::Arc;

/// This process, once set by the child's dispatch; `MainProcess` until then.
static CURRENT: Mutex<Option<Arc<Inner>>> = Mutex::new(None);
static PARENT: Mutex<Option<Arc<Inner>>> = Mutex::new(None);
/// Started children not yet known to have ended.
static CHILDREN: Mutex<Vec<Arc<Inner>>> = Mutex::new(Vec::new());
/// CPython's `_process_counter`: the last number of this process's children's identities.
static COUNTER: AtomicU32 = AtomicU32::new(0);

pub(crate) fn current_inner() -> Arc<Inner> {
    let mut cur = CURRENT.lock();
    cur.get_or_insert_with(|| {
        let mut me = Inner::new(Origin::Current, "MainProcess".into(), false, Vec::new());
        me.fixed_pid = std::process::id();
        Arc::new(me)
    })
    .clone()
}

/// Called by the child's dispatch before the target runs.
pub(crate) fn set_identity(current: Inner, parent: Inner) {
    *CURRENT.lock() = Some(Arc::new(current));
    *PARENT.lock() = Some(Arc::new(parent));
}

/// The next child identity: the current process's, plus the next number.
pub(crate) fn next_identity() -> Vec<u32> {
    let mut id = current_inner().identity.clone();
    id.push(COUNTER.fetch_add(1, Relaxed) + 1);
    id
}

pub(crate) fn add_child(inner: &Arc<Inner>) {
    CHILDREN.lock().push(inner.clone());
}

pub(crate) fn remove_child(inner: &Arc<Inner>) {
    CHILDREN.lock().retain(|c| !Arc::ptr_eq(c, inner));
}

/// The process running this code: `MainProcess` in the program that was started from a shell,
/// the child's own handle in a child (its name, daemon flag and pid). `is_alive()` is always
/// true; it cannot be joined, started or signalled (MP-01).
pub fn current_process() -> Process {
    Process::from_inner(current_inner())
}

/// The process that started this one, or `None` in the main process (MP-07). Its `pid` and
/// `name` are the parent's; `is_alive()` and `join(timeout)` follow the parent's life: they
/// watch the socket to it, which the kernel closes when the parent ends (MP-08).
pub fn parent_process() -> Option<Process> {
    PARENT.lock().clone().map(Process::from_inner)
}

/// The children of this process that are still running, reaping those that ended (CPython
/// calls this `_cleanup()`). Each is a handle without its result type (see
/// [`Process::result`]). Children of other processes are not included (MP-05).
pub fn active_children() -> Vec<Process> {
    let children: Vec<Arc<Inner>> = CHILDREN.lock().clone();
    let mut alive = Vec::with_capacity(children.len());
    for c in children {
        let ended = c.life.lock().poll_exit().is_some();
        if ended {
            remove_child(&c);
        } else {
            alive.push(Process::from_inner(c));
        }
    }
    alive
}

/// What CPython does at the end of the main program: joins every non-daemon thread this crate
/// started ([`crate::thread::shutdown`]), then terminates every daemon child process and joins
/// every child process (multiprocessing's `atexit` handler).
///
/// Rust runs nothing after `main` returns: call this at the end of `main` to get Python's
/// behaviour. Without it, non-daemon children keep running after the parent has exited, and
/// daemon children end with it (they watch their parent, see [`crate::process`]).
pub fn shutdown() -> Result<(), Error> {
    crate::thread::shutdown()?;
    shutdown_children()
}

/// The process half of [`shutdown`]: terminate daemon children, then join all children.
pub(crate) fn shutdown_children() -> Result<(), Error> {
    for p in active_children() {
        if p.daemon() {
            // It may end on its own meanwhile: then there is nothing to signal.
            let _ = p.terminate();
        }
    }
    loop {
        let pending = active_children();
        if pending.is_empty() {
            return Ok(());
        }
        for p in pending {
            p.join(None)?;
        }
    }
}
