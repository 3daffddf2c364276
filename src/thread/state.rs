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
use crate::primitive::{AtomicU64, Ordering::*};
use crate::trace::{self, Kind};

/// Where a thread is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ThreadState {
    /// Created, not started.
    New,
    /// Started and running (or ready to run: the OS decides).
    Runnable,
    /// Waiting in a blocking call for the object with this trace id (a lock, a thread being
    /// joined...). Whether the wait has a timeout: [`crate::inspect::ThreadView::timed`].
    Blocked {
        /// The trace id of the object waited for.
        on: u64,
    },
    /// Its target returned (or panicked).
    Terminated,
}

/// The state packed in one 64-bit word, so that readers (`inspect`, the page) never see a
/// torn pair:
///
/// | word                       | state                                        |
/// |----------------------------|----------------------------------------------|
/// | 0                          | New                                          |
/// | 1                          | Runnable                                     |
/// | 2                          | Terminated                                   |
/// | `on << 2 \| timed` (≥ 4)   | Blocked on object `on` (ids are ≥ 1), `timed` if the wait has a deadline |
///
/// Ids are below 2^62 ([`trace::MAX_ID`]), so `on << 2` loses no bit.
pub(crate) struct StateCell(AtomicU64);

const NEW: u64 = 0;
const RUNNABLE: u64 = 1;
const TERMINATED: u64 = 2;
const TIMED: u64 = 1;

impl StateCell {
    pub(crate) const fn new() -> StateCell {
        StateCell(AtomicU64::new(NEW))
    }

    pub(crate) fn get(&self) -> ThreadState {
        self.wait().0
    }

    /// The state, and whether a Blocked thread's wait has a timeout.
    pub(crate) fn wait(&self) -> (ThreadState, bool) {
        match self.0.load(Relaxed) {
            NEW => (ThreadState::New, false),
            RUNNABLE => (ThreadState::Runnable, false),
            v if v >= 4 => (ThreadState::Blocked { on: v >> 2 }, v & TIMED != 0),
            _ => (ThreadState::Terminated, false),
        }
    }

    pub(crate) fn set(&self, s: ThreadState) {
        self.set_wait(s, false);
    }

    /// As [`StateCell::set`], recording for a Blocked state whether the wait is `timed`.
    pub(crate) fn set_wait(&self, s: ThreadState, timed: bool) {
        let v = match s {
            ThreadState::New => NEW,
            ThreadState::Runnable => RUNNABLE,
            ThreadState::Terminated => TERMINATED,
            ThreadState::Blocked { on } => {
                debug_assert!((1..=trace::MAX_ID).contains(&on), "object id {on}");
                (on << 2) | u64::from(timed)
            }
        };
        self.0.store(v, Relaxed);
    }
}

impl super::Thread {
    /// The state, and whether a Blocked thread's wait has a timeout (for `inspect`).
    pub(crate) fn wait_state(&self) -> (ThreadState, bool) {
        self.inner.state.wait()
    }
}

/// Held by a blocking call while it waits: the current thread shows as `Blocked { on }` and
/// the trace gets WaitBegin/WaitEnd. Only ever created on the slow path.
pub(crate) struct Blocked {
    object: u64,
    got_it: bool,
}

impl Blocked {
    /// Marks the caller Blocked on `object`; `timed`: the wait has a deadline (it will end
    /// even if nobody acts). With deadlock detection on, fails (and leaves the caller
    /// Runnable) if this wait is certain never to end (`inspect::check_wait`). The caller is
    /// marked first and the graph read after a SeqCst fence, so of two threads closing a
    /// cycle at the same moment at least one sees the other's mark.
    pub(crate) fn on(object: u64, timed: bool) -> Result<Blocked, Error> {
        Blocked::on_because(object, 0, timed)
    }

    /// As [`Blocked::on`], with a reason for the trace (`WaitBegin`'s `arg`), e.g. a queue's
    /// "waiting for an item" versus "waiting for room".
    pub(crate) fn on_because(object: u64, reason: u32, timed: bool) -> Result<Blocked, Error> {
        let me = crate::thread::current_thread();
        me.inner
            .state
            .set_wait(ThreadState::Blocked { on: object }, timed);
        if observe::on(observe::DETECT) && !timed {
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
