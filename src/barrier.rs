//! `threading.Barrier`: `parties` threads wait until all have arrived, then all go on. It is
//! cyclic (usable again after each trip) and breakable (one timeout or `abort()` breaks it for
//! everyone until `reset()`), with CPython's state machine:
//!
//! ```text
//!            last party arrives (runs the action)          all have left
//!  Filling ──▶ (Tripping) ────────────────────────▶ Draining ─────────────▶ Filling
//!     │ timeout, abort, action panics                                    ▲
//!     ▼                                          reset(), all have left  │
//!  Broken ──────────────────── reset() ──▶ Resetting ────────────────────┘
//! ```
//!
//! The state lives under the crate's internal mutex; waiting is on `seq`, a word bumped (and
//! woken) on every change, so a waiter parks only if nothing changed since it looked.

use crate::error::Error;
use crate::inspect::{self, Observed};
use crate::internal::Mutex;
use crate::primitive::{AtomicU32, Ordering::*};
use crate::sys::futex;
use crate::thread::Blocked;
use crate::time::{Deadline, IntoTimeout, Timeout};
use crate::trace::{self, Kind, ObjectKind};
use core::fmt;
use std::sync::Arc;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Filling,
    /// The last party runs the action (without the mutex); nobody enters or leaves.
    Tripping,
    Draining,
    Resetting,
    Broken,
}

struct Inner {
    phase: Phase,
    /// Parties inside `wait` (arrived and not yet left).
    count: u32,
}

type Action = Box<dyn Fn() + Send + Sync>;
type Guard<'a> = crate::internal::mutex::MutexGuard<'a, Inner>;

struct BarrierState {
    parties: u32,
    action: Option<Action>,
    timeout: Timeout,
    inner: Mutex<Inner>,
    seq: AtomicU32,
    id: u64,
}

impl Observed for BarrierState {
    fn id(&self) -> u64 {
        self.id
    }
    fn kind(&self) -> ObjectKind {
        ObjectKind::Barrier
    }
    fn holders(&self) -> Vec<u64> {
        Vec::new()
    }
    fn value(&self) -> u64 {
        u64::from(self.inner.lock().count)
    }
}

/// A cyclic barrier (CPython's `threading.Barrier`).
pub struct Barrier {
    s: Arc<BarrierState>,
}

impl Barrier {
    /// A barrier for `parties` threads. `parties == 0`: [`Error::InvalidArgument`].
    pub fn new(parties: u32) -> Result<Barrier, Error> {
        Barrier::build(parties, None, Timeout::FOREVER)
    }

    /// With an action run by one party (the last to arrive) before any is released, and a
    /// default timeout for [`Barrier::wait`].
    pub fn with(
        parties: u32,
        action: Option<Box<dyn Fn() + Send + Sync>>,
        timeout: impl IntoTimeout,
    ) -> Result<Barrier, Error> {
        Barrier::build(parties, action, timeout.into_timeout()?)
    }

    fn build(parties: u32, action: Option<Action>, timeout: Timeout) -> Result<Barrier, Error> {
        if parties == 0 {
            return Err(Error::InvalidArgument("parties must be > 0"));
        }
        let s = Arc::new(BarrierState {
            parties,
            action,
            timeout,
            inner: Mutex::new(Inner {
                phase: Phase::Filling,
                count: 0,
            }),
            seq: AtomicU32::new(0),
            id: trace::next_id(),
        });
        inspect::register(&s);
        Ok(Barrier { s })
    }

    /// Waits for the other parties, up to `timeout` (`None`: the barrier's default). Returns
    /// this party's arrival index, 0..parties, distinct within a trip.
    ///
    /// [`Error::BrokenBarrier`] if the barrier is or becomes broken (abort, reset, a timeout
    /// of any party, a panicking action) while waiting.
    pub fn wait(&self, timeout: impl IntoTimeout) -> Result<u32, Error> {
        let timeout = match timeout.into_timeout()? {
            Timeout::FOREVER => self.s.timeout,
            t => t,
        };
        let deadline = timeout.deadline();
        let mut inner = self.s.inner.lock();
        // Wait while the previous trip drains or a reset is under way.
        while matches!(
            inner.phase,
            Phase::Tripping | Phase::Draining | Phase::Resetting
        ) {
            inner = self.park(inner, deadline, false)?;
        }
        if inner.phase == Phase::Broken {
            return Err(Error::BrokenBarrier);
        }
        let index = inner.count;
        inner.count += 1;
        trace::emit(Kind::Value, self.s.id, inner.count);
        let result = if index + 1 == self.s.parties {
            self.trip(inner)
        } else {
            self.wait_for_trip(inner, deadline)
        };
        let mut inner = self.s.inner.lock();
        inner.count -= 1;
        // Leaving counts too: once everyone has left, a reader sees 0 arrived again.
        trace::emit(Kind::Value, self.s.id, inner.count);
        if inner.count == 0 && matches!(inner.phase, Phase::Resetting | Phase::Draining) {
            inner.phase = Phase::Filling;
            self.changed();
        }
        result.map(|()| index)
    }

    /// The last party: run the action, then release everyone.
    fn trip<'a>(&'a self, mut inner: Guard<'a>) -> Result<(), Error> {
        if let Some(action) = &self.s.action {
            inner.phase = Phase::Tripping;
            drop(inner);
            let ok = run_action(action);
            inner = self.s.inner.lock();
            if !ok {
                inner.phase = Phase::Broken;
                self.changed();
                return Err(Error::BrokenBarrier);
            }
        }
        inner.phase = Phase::Draining;
        self.changed();
        trace::emit(Kind::Notify, self.s.id, self.s.parties - 1);
        Ok(())
    }

    fn wait_for_trip<'a>(
        &'a self,
        mut inner: Guard<'a>,
        deadline: Option<Deadline>,
    ) -> Result<(), Error> {
        loop {
            match inner.phase {
                Phase::Draining => return Ok(()),
                Phase::Broken | Phase::Resetting => return Err(Error::BrokenBarrier),
                Phase::Filling | Phase::Tripping => {}
            }
            inner = match self.park(inner, deadline, true) {
                Ok(inner) => inner,
                Err(e) => {
                    // A timeout breaks the barrier for everyone.
                    let mut inner = self.s.inner.lock();
                    if inner.phase == Phase::Filling {
                        inner.phase = Phase::Broken;
                        self.changed();
                    }
                    return Err(e);
                }
            };
        }
    }

    /// Releases the mutex, parks until `seq` changes (or the deadline), re-takes the mutex.
    fn park<'a>(
        &'a self,
        inner: Guard<'a>,
        deadline: Option<Deadline>,
        arrived: bool,
    ) -> Result<Guard<'a>, Error> {
        let seen = self.s.seq.load(Acquire);
        drop(inner);
        let left = match deadline {
            None => None,
            Some(d) => Some(d.remaining().ok_or(Error::BrokenBarrier)?),
        };
        if !futex::can_block() {
            return Err(Error::WouldBlockOnMainThread("Barrier::wait"));
        }
        let blocked = if arrived {
            Some(Blocked::on(self.s.id, deadline.is_some())?)
        } else {
            None
        };
        futex::wait(&self.s.seq, seen, left);
        drop(blocked);
        Ok(self.s.inner.lock())
    }

    fn changed(&self) {
        self.s.seq.fetch_add(1, Release);
        futex::wake_all(&self.s.seq);
    }

    /// Breaks the barrier: current and future waiters get [`Error::BrokenBarrier`] until
    /// [`Barrier::reset`].
    pub fn abort(&self) {
        let mut inner = self.s.inner.lock();
        inner.phase = Phase::Broken;
        self.changed();
    }

    /// Returns the barrier to its initial state; threads waiting now get
    /// [`Error::BrokenBarrier`].
    pub fn reset(&self) {
        let mut inner = self.s.inner.lock();
        if inner.count > 0 {
            if inner.phase == Phase::Filling || inner.phase == Phase::Broken {
                inner.phase = Phase::Resetting;
            }
        } else {
            inner.phase = Phase::Filling;
        }
        self.changed();
    }

    /// How many parties it waits for.
    pub fn parties(&self) -> u32 {
        self.s.parties
    }

    /// How many are waiting now (in the filling phase).
    pub fn n_waiting(&self) -> u32 {
        let inner = self.s.inner.lock();
        if inner.phase == Phase::Filling {
            inner.count
        } else {
            0
        }
    }

    /// Whether it is broken.
    pub fn broken(&self) -> bool {
        self.s.inner.lock().phase == Phase::Broken
    }

    /// This barrier's id in trace events and snapshots.
    pub fn trace_id(&self) -> u64 {
        self.s.id
    }
}

/// Runs the action; false if it panicked (natively; on wasm a panic ends the worker).
fn run_action(action: &Action) -> bool {
    #[cfg(panic = "unwind")]
    {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(action)).is_ok()
    }
    #[cfg(not(panic = "unwind"))]
    {
        action();
        true
    }
}

impl fmt::Debug for Barrier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let broken = if self.broken() { " broken" } else { "" };
        write!(
            f,
            "<Barrier object waiters={}/{}{broken}>",
            self.n_waiting(),
            self.parties()
        )
    }
}
