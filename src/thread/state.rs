//! A thread's observable lifecycle, and the guard every blocking call holds while it waits.
//!
//! ```text
//!  New ──start()──▶ Runnable ◀──────────────┐
//!                     │  a blocking call     │ woken, timed out
//!                     ▼  has to wait         │ or got what it waited for
//!                   Blocked { on: object } ──┘
//!                     │
//!  target returned ───┴─▶ Terminated (also after a panic, reported to the excepthook)
//! ```

use crate::error::Error;
use crate::observe;
use crate::primitive::{AtomicU32, Ordering::*};
use crate::trace::{self, Kind};

/// Where a thread is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ThreadState {
    /// Created, not started.
    New,
    /// Started and running (or ready to run: the OS decides).
    Runnable,
    /// Waiting in a blocking call for the object with this trace id (a lock, a thread being
    /// joined...).
    Blocked {
        /// The trace id of the object waited for.
        on: u32,
    },
    /// Its target returned (or panicked).
    Terminated,
}

const NEW: u32 = 0;
const RUNNABLE: u32 = 1;
const TERMINATED: u32 = 2;
const BLOCKED: u32 = 3;

/// The state packed in one word, so that readers (`inspect`, the page) never see a torn pair:
/// the low 2 bits are the phase, the rest the object id when Blocked.
pub(crate) struct StateCell(AtomicU32);

impl StateCell {
    pub(crate) const fn new() -> StateCell {
        StateCell(AtomicU32::new(NEW))
    }

    pub(crate) fn get(&self) -> ThreadState {
        let v = self.0.load(Relaxed);
        match v & 3 {
            NEW => ThreadState::New,
            RUNNABLE => ThreadState::Runnable,
            TERMINATED => ThreadState::Terminated,
            _ => ThreadState::Blocked { on: v >> 2 },
        }
    }

    pub(crate) fn set(&self, s: ThreadState) {
        let v = match s {
            ThreadState::New => NEW,
            ThreadState::Runnable => RUNNABLE,
            ThreadState::Terminated => TERMINATED,
            ThreadState::Blocked { on } => (on << 2) | BLOCKED,
        };
        self.0.store(v, Relaxed);
    }
}

/// Held by a blocking call while it waits: the current thread shows as `Blocked { on }` and
/// the trace gets WaitBegin/WaitEnd. Only ever created on the slow path.
pub(crate) struct Blocked {
    object: u32,
    got_it: bool,
}

impl Blocked {
    /// Marks the caller Blocked on `object`. With deadlock detection on, fails (and leaves
    /// the caller Runnable) if this wait closes a cycle in the wait-for graph. The caller is
    /// marked first and the graph read after a SeqCst fence, so of two threads closing a
    /// cycle at the same moment at least one sees the other's mark.
    pub(crate) fn on(object: u32) -> Result<Blocked, Error> {
        Blocked::on_because(object, 0)
    }

    /// As [`Blocked::on`], with a reason for the trace (`WaitBegin`'s `arg`), e.g. a queue's
    /// "waiting for an item" versus "waiting for room".
    pub(crate) fn on_because(object: u32, reason: u32) -> Result<Blocked, Error> {
        let me = crate::thread::current_thread();
        me.inner.state.set(ThreadState::Blocked { on: object });
        if observe::on(observe::DETECT) {
            core::sync::atomic::fence(SeqCst);
            if let Err(e) = crate::inspect::check_wait(me.trace_id(), object) {
                me.inner.state.set(ThreadState::Runnable);
                return Err(e);
            }
        }
        trace::emit(Kind::WaitBegin, object, reason);
        Ok(Blocked {
            object,
            got_it: false,
        })
    }

    /// Records that the wait ended with what it waited for (not a timeout).
    pub(crate) fn succeeded(mut self) {
        self.got_it = true;
    }
}

impl Drop for Blocked {
    fn drop(&mut self) {
        crate::thread::with_current(|t| t.state.set(ThreadState::Runnable));
        trace::emit(Kind::WaitEnd, self.object, self.got_it as u32);
    }
}
