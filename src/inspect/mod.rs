//! What is going on right now: every live thread (its state and what it waits on) and every
//! live primitive (its holder, value, waiters), the wait-for graph between them, and the
//! deadlocks in it. CPython has none of this; it is what the book draws.
//!
//! * [`snapshot`] reads the current state; it never blocks anyone.
//! * [`deadlocks`] finds each cycle "thread waits for an object held by a thread that waits
//!   for ... the first thread", each marked [certain or suspected](Cycle::certain).
//! * [`set_deadlock_detection`] makes a blocking call that would close a *certain* cycle
//!   return [`Error::Deadlock`] instead of hanging.
//!
//! Certain versus suspected (the table is in `graph.rs`): a cycle whose objects only their
//! holder can let go of (RLocks, threads being joined) and whose waits have no timeout never
//! resolves. A cycle through a plain Lock may: a Lock has no owner, and a thread off the
//! cycle may release it (LK-16). A cycle with a timed wait resolves when the wait times out.
//! Only the certain kind is an error; the suspected kind is shown, for a person to judge.
//!
//! A plain [`crate::Lock`] has no owner, so its holder is recorded only while someone
//! observes ([`enable`], tracing or detection) and is unknown for a lock taken before that;
//! RLock owners and thread states are always known.

mod graph;

use crate::error::Error;
use crate::internal::Mutex;
use crate::observe;
use crate::primitive::{AtomicU64, Ordering::*};
use crate::thread::{Thread, ThreadState};
use crate::trace::{self, ObjectKind};
use core::sync::atomic::fence;
use std::sync::{Arc, Weak};

pub use graph::{Cycle, WaitForGraph};

/// One live thread.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ThreadView {
    /// Its ident (= trace id).
    pub ident: u64,
    /// Its name.
    pub name: String,
    /// Where it is.
    pub state: ThreadState,
    /// Blocked with a timeout: the wait ends by itself (false when not Blocked).
    pub timed: bool,
}

/// One live primitive.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObjectView {
    /// Its trace id.
    pub id: u64,
    /// What it is.
    pub kind: ObjectKind,
    /// Its label ([`trace::set_label`]), or a default like `"Lock 7"`.
    pub name: String,
    /// The threads holding it: a Lock's recorded holder, an RLock's owner.
    pub holders: Vec<u64>,
    /// Its count: 1/0 for locked/unlocked, the recursion count, the permits, the flag,
    /// the arrivals at a barrier.
    pub value: u64,
    /// The threads blocked on it (from their states).
    pub waiters: Vec<u64>,
}

/// Everything at one moment (each part read atomically, the whole not: threads move on).
#[derive(Clone, Debug, Default)]
pub struct Snapshot {
    /// Live threads.
    pub threads: Vec<ThreadView>,
    /// Live primitives.
    pub objects: Vec<ObjectView>,
    /// The cycles in the wait-for graph of `threads` and `objects`, each certain or suspected.
    pub deadlocks: Vec<Cycle>,
}

impl Snapshot {
    /// Every live thread is Blocked without a timeout: nothing this crate can see will wake
    /// any of them. Still only a suspicion, never an [`Error::Deadlock`]: a thread the crate
    /// has not seen (a plain `std::thread`, the browser's page) may yet set the Event or
    /// release the Lock they wait for.
    pub fn stalled(&self) -> bool {
        !self.threads.is_empty()
            && self
                .threads
                .iter()
                .all(|t| matches!(t.state, ThreadState::Blocked { .. }) && !t.timed)
    }
}

/// What a primitive reports about itself.
pub(crate) trait Observed: Send + Sync {
    fn id(&self) -> u64;
    fn kind(&self) -> ObjectKind;
    fn holders(&self) -> Vec<u64>;
    fn value(&self) -> u64;
    /// Forgets a holder recorded only while observed (see [`Holder`]).
    fn forget_holder(&self) {}
}

/// The last acquirer of a primitive without an owner (a plain Lock), recorded only while
/// someone observes: the fast path stays one flag load when nobody does. Forgotten each time
/// observing starts again ([`forget_holders`]), so it is never a thread that let go unseen.
///
/// | word | meaning                                                            |
/// |------|--------------------------------------------------------------------|
/// | 0    | unknown (never recorded, or forgotten since)                       |
/// | T    | thread T acquired it last while observed; it holds it if locked    |
pub(crate) struct Holder(AtomicU64);

impl Holder {
    pub(crate) const fn new() -> Holder {
        Holder(AtomicU64::new(0))
    }

    /// Records the caller as the holder (called right after it acquired, when observed).
    #[inline]
    pub(crate) fn record(&self) {
        self.0.store(crate::thread::current_id(), Relaxed);
    }

    /// The holder as a list (empty if unknown), given whether the primitive is held now.
    pub(crate) fn holders(&self, locked: bool) -> Vec<u64> {
        match self.0.load(Relaxed) {
            0 => vec![],
            h if locked => vec![h],
            _ => vec![],
        }
    }

    pub(crate) fn forget(&self) {
        self.0.store(0, Relaxed);
    }
}

static OBJECTS: Mutex<Vec<Weak<dyn Observed>>> = Mutex::new(Vec::new());

/// Registers a new primitive (and reports its creation to the trace).
pub(crate) fn register(object: &Arc<impl Observed + 'static>) {
    let weak: Weak<dyn Observed> = Arc::downgrade(object) as Weak<dyn Observed>;
    let mut objects = OBJECTS.lock();
    // Drop the records of dead primitives now and then, so the list stays near the live count.
    if objects.len() >= 64 && objects.len().is_power_of_two() {
        objects.retain(|w| w.strong_count() > 0);
    }
    objects.push(weak);
    drop(objects);
    trace::emit(trace::Kind::ObjectNew, object.id(), object.kind() as u32);
}

/// Forgets every recorded holder (observing starts again after a time nobody watched).
pub(crate) fn forget_holders() {
    for o in OBJECTS.lock().iter().filter_map(Weak::upgrade) {
        o.forget_holder();
    }
}

/// Starts recording who holds each plain Lock (RLock owners are always known).
pub fn enable() {
    observe::set(observe::INSPECT, true);
}

/// Stops recording holders (unless tracing or deadlock detection still observes). Holders
/// recorded so far are forgotten when observing starts again.
pub fn disable() {
    observe::set(observe::INSPECT, false);
}

/// Whether holders are being recorded.
pub fn is_enabled() -> bool {
    observe::on(observe::INSPECT)
}

/// Turns deadlock detection on or off. While on, a blocking call without a timeout that would
/// close a *certain* cycle in the wait-for graph (RLocks and joins only: see [`Cycle`])
/// returns [`Error::Deadlock`] naming the cycle, instead of waiting for ever. A wait with a
/// timeout, or one whose cycle passes through a Lock another thread could still release, is
/// never refused: it waits, and the cycle shows in [`deadlocks`] as suspected. Turning
/// detection on also turns on [`enable`].
pub fn set_deadlock_detection(on: bool) {
    if on {
        enable();
    }
    observe::set(observe::DETECT, on);
}

/// Every live thread and primitive, now, with the cycles between them.
pub fn snapshot() -> Snapshot {
    let (mut snapshot, _, _) = read();
    snapshot.deadlocks = WaitForGraph::from_snapshot(&snapshot).cycles();
    snapshot
}

/// The snapshot without its cycles, and the threads and primitives it was read from.
fn read() -> (Snapshot, Vec<Thread>, Vec<Arc<dyn Observed>>) {
    let handles = crate::thread::enumerate();
    let threads: Vec<ThreadView> = handles
        .iter()
        .map(|t| {
            let (state, timed) = t.wait_state();
            ThreadView {
                ident: t.trace_id(),
                name: t.name(),
                state,
                timed,
            }
        })
        .collect();
    let live: Vec<Arc<dyn Observed>> = OBJECTS.lock().iter().filter_map(Weak::upgrade).collect();
    let objects = live
        .iter()
        .map(|o| {
            let id = o.id();
            ObjectView {
                id,
                kind: o.kind(),
                name: trace::label(id).unwrap_or_else(|| format!("{:?} {id}", o.kind())),
                holders: o.holders(),
                value: o.value(),
                waiters: threads
                    .iter()
                    .filter(|t| t.state == ThreadState::Blocked { on: id })
                    .map(|t| t.ident)
                    .collect(),
            }
        })
        .collect();
    let snapshot = Snapshot {
        threads,
        objects,
        deadlocks: Vec::new(),
    };
    (snapshot, handles, live)
}

/// Each cycle in the wait-for graph now, certain or suspected.
pub fn deadlocks() -> Vec<Cycle> {
    snapshot().deadlocks
}

/// Called with detection on by a thread that has just marked itself Blocked, without a
/// timeout, on `object`: [`Error::Deadlock`] if that wait closes a certain cycle.
pub(crate) fn check_wait(me: u64, object: u64) -> Result<(), Error> {
    let (snapshot, threads, objects) = read();
    let graph = WaitForGraph::from_snapshot(&snapshot);
    if graph.waits_on(me) != Some(object) {
        return Ok(());
    }
    match graph.cycle_through(me) {
        Some(cycle) if graph.is_certain(&cycle) && confirm(&cycle, &threads, &objects) => {
            Err(Error::Deadlock(graph.names(&cycle)))
        }
        _ => Ok(()),
    }
}

/// Re-reads a certain cycle through the caller, `[me, o0, t1, o1, ..., tk, ok]` (`ti` waits
/// for `oi`, held by the next thread), so that the verdict does not rest on one snapshot,
/// which may pair a thread's old wait with a newer holder.
///
/// The reads go backwards, each after a fence: `me` holds `ok` and will not let go while it
/// waits. So `tk`, seen waiting for `ok` without a timeout, is stuck; what a stuck thread is
/// then seen to hold it holds for ever, so `tk-1`, seen after that waiting for it, is stuck
/// too; and so on back to `t1`, who holds `o0`, which `me` waits for.
fn confirm(cycle: &[u64], threads: &[Thread], objects: &[Arc<dyn Observed>]) -> bool {
    let held_by = |object: u64, thread: u64| {
        fence(SeqCst);
        object == thread && threads.iter().any(|t| t.trace_id() == thread)
            || objects
                .iter()
                .find(|o| o.id() == object)
                .is_some_and(|o| o.holders() == [thread])
    };
    let waits_untimed = |thread: u64, object: u64| {
        fence(SeqCst);
        threads
            .iter()
            .find(|t| t.trace_id() == thread)
            .is_some_and(|t| t.wait_state() == (ThreadState::Blocked { on: object }, false))
    };
    let (Some(&me), Some(&last)) = (cycle.first(), cycle.last()) else {
        return false;
    };
    if !held_by(last, me) {
        return false;
    }
    // (the object the thread before waits for, thread, the object it waits for), from the
    // last thread back to the second.
    cycle
        .windows(3)
        .skip(1)
        .step_by(2)
        .rev()
        .all(|step| match *step {
            [held, thread, waits_for] => waits_untimed(thread, waits_for) && held_by(held, thread),
            _ => false,
        })
}
