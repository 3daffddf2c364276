//! What is going on right now: every live thread (its state and what it waits on) and every
//! live primitive (its holder, value, waiters), the wait-for graph between them, and the
//! deadlocks in it. CPython has none of this; it is what the book draws.
//!
//! * [`snapshot`] reads the current state; it never blocks anyone.
//! * [`deadlocks`] finds each cycle "thread waits for an object held by a thread that waits
//!   for ... the first thread", by names.
//! * [`set_deadlock_detection`] makes a blocking call that would close such a cycle return
//!   [`Error::Deadlock`] instead of hanging.
//!
//! A plain [`crate::Lock`] has no owner, so its holder is recorded only while inspection is
//! on ([`enable`]); RLock owners and thread states are always known.

mod graph;

use crate::error::Error;
use crate::internal::Mutex;
use crate::observe;
use crate::thread::ThreadState;
use crate::trace::{self, ObjectKind};
use std::sync::{Arc, Weak};

pub use graph::WaitForGraph;

/// One live thread.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ThreadView {
    /// Its ident (= trace id).
    pub ident: u32,
    /// Its name.
    pub name: String,
    /// Where it is.
    pub state: ThreadState,
}

/// One live primitive.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObjectView {
    /// Its trace id.
    pub id: u32,
    /// What it is.
    pub kind: ObjectKind,
    /// Its label ([`trace::set_label`]), or a default like `"Lock 7"`.
    pub name: String,
    /// The threads holding it: a Lock's holder, an RLock's owner.
    pub holders: Vec<u32>,
    /// Its count: 1/0 for locked/unlocked, the recursion count, the permits, the flag,
    /// the arrivals at a barrier.
    pub value: u64,
    /// The threads blocked on it (from their states).
    pub waiters: Vec<u32>,
}

/// Everything at one moment (each part read atomically, the whole not: threads move on).
#[derive(Clone, Debug, Default)]
pub struct Snapshot {
    /// Live threads.
    pub threads: Vec<ThreadView>,
    /// Live primitives.
    pub objects: Vec<ObjectView>,
}

/// What a primitive reports about itself.
pub(crate) trait Observed: Send + Sync {
    fn id(&self) -> u32;
    fn kind(&self) -> ObjectKind;
    fn holders(&self) -> Vec<u32>;
    fn value(&self) -> u64;
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

/// Starts recording who holds each plain Lock (RLock owners are always known).
pub fn enable() {
    observe::set(observe::INSPECT, true);
}

/// Whether holders are being recorded.
pub fn is_enabled() -> bool {
    observe::on(observe::INSPECT)
}

/// Turns deadlock detection on or off. While on, a blocking call that would close a cycle in
/// the wait-for graph returns [`Error::Deadlock`] naming the cycle. Turning it on also turns
/// on [`enable`] (holders must be known).
pub fn set_deadlock_detection(on: bool) {
    if on {
        enable();
    }
    observe::set(observe::DETECT, on);
}

/// Every live thread and primitive, now.
pub fn snapshot() -> Snapshot {
    let threads: Vec<ThreadView> = crate::thread::enumerate()
        .iter()
        .map(|t| ThreadView {
            ident: t.trace_id(),
            name: t.name(),
            state: t.state(),
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
    Snapshot { threads, objects }
}

/// Each deadlock now: a cycle of names, `[thread, object it waits for, thread holding it, ...]`.
pub fn deadlocks() -> Vec<Vec<String>> {
    WaitForGraph::from_snapshot(&snapshot()).cycles()
}

/// Called by a thread that has just marked itself Blocked on `object`, when detection is on.
pub(crate) fn check_wait(me: u32, object: u32) -> Result<(), Error> {
    let graph = WaitForGraph::from_snapshot(&snapshot());
    match graph.cycle_through(me) {
        Some(cycle) if cycle.len() > 1 && graph.waits_on(me) == Some(object) => {
            Err(Error::Deadlock(graph.names(&cycle)))
        }
        _ => Ok(()),
    }
}
