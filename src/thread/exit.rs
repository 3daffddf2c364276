//! What runs when a thread ends: the hooks that drop its [`crate::Local`] values.
//!
//! Every thread record has one list of hooks, keyed (one per `Local` the thread used). It is
//! run once, on the thread itself, when the thread ends, whoever started it:
//!
//! | thread            | runs its hooks                                                     |
//! |-------------------|--------------------------------------------------------------------|
//! | started here      | after its target returned (or panicked), before joiners are let go |
//! | main, foreign     | in a std thread-local destructor (`registry::ExitGuard`)           |
//! | seen in teardown  | never: it is closed from the start (see `registry`)                |
//!
//! ```text
//!  Open ──run()──▶ Running ──list empty──▶ Closed
//!   │ on_exit adds   │ on_exit adds (a Drop that uses another Local): run in the next round
//!   │ cancel removes │ cancel removes
//!                              Closed: on_exit is Error::ThreadExiting; cancel does nothing
//! ```
//!
//! A hook that panics does not stop the others, nor the thread's end: where panics unwind the
//! panic is caught and reported to the excepthook (CPython reports an exception in a
//! thread-local value's `__del__` and carries on); where they abort (wasm) the panic hook
//! reports it and finishes the thread (`on_fatal_panic`).

use super::{Inner, Target, Thread};
use crate::error::Error;
use std::collections::BTreeMap;
use std::sync::Weak;

/// A thread's exit hooks.
#[derive(Default)]
pub(crate) struct ExitHooks {
    closed: bool,
    hooks: BTreeMap<u64, Target>,
}

/// Where a registered hook is, so that its owner (a `Local` being dropped) can take it back.
pub(crate) struct ExitHandle {
    thread: Weak<Inner>,
    key: u64,
}

impl ExitHandle {
    /// Removes the hook if it has not run yet (a `Local` dropped before the thread ends).
    pub(crate) fn cancel(&self) {
        if let Some(inner) = self.thread.upgrade() {
            let hook = inner.exit.lock().hooks.remove(&self.key);
            drop(hook);
        }
    }
}

impl Thread {
    /// Registers `hook` under `key` (replacing an earlier one with that key) to run on this
    /// thread when it ends. [`Error::ThreadExiting`] once its hooks have run.
    pub(crate) fn on_exit(&self, key: u64, hook: Target) -> Result<ExitHandle, Error> {
        let mut exit = self.inner.exit.lock();
        if exit.closed {
            return Err(Error::ThreadExiting);
        }
        let old = exit.hooks.insert(key, hook);
        drop(exit);
        drop(old);
        Ok(ExitHandle {
            thread: std::sync::Arc::downgrade(&self.inner),
            key,
        })
    }
}

/// Refuses hooks from now on without running any (a record made during TLS teardown).
pub(super) fn close(t: &Thread) {
    t.inner.exit.lock().closed = true;
}

/// Runs `t`'s hooks on the calling thread (which is `t`), round after round until a round
/// registers no new ones, then closes the list. No lock is held while a hook runs.
pub(super) fn run_hooks(t: &Thread) {
    loop {
        let hooks = {
            let mut exit = t.inner.exit.lock();
            if exit.hooks.is_empty() {
                exit.closed = true;
                return;
            }
            std::mem::take(&mut exit.hooks)
        };
        for (_, hook) in hooks {
            run_one(t, hook);
        }
    }
}

fn run_one(t: &Thread, hook: Target) {
    #[cfg(panic = "unwind")]
    if let Err(payload) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(hook)) {
        super::excepthook::report(t, &super::excepthook::payload_text(&*payload));
    }
    #[cfg(not(panic = "unwind"))]
    {
        let _ = t;
        hook();
    }
}
