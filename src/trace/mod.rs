//! The event buffer: every thread and primitive reports what it does here, and the book (or a
//! test, or a native tool) drains it without blocking.
//!
//! * **Off by default, and then free**: every report starts with one relaxed load of a global
//!   flag and returns at once when nobody listens (see `benches/lock.rs`).
//! * **Bounded, never blocking**: reports go into a fixed-size ring in memory that all threads
//!   share (on wasm, the shared linear memory the page can read). A full ring drops new events
//!   and counts them ([`dropped`]); producers never wait for the reader.
//! * **Fixed-size records**: an [`Event`] is a time, a [`Kind`], the reporting thread's ident,
//!   the object it concerns and one argument. Names live in a side table ([`label`]).
//! * **Ids that do not wrap**: threads and primitives share one 64-bit counter, so an id is
//!   never reused and never 0 (RLock ownership relies on both). Ids stay below [`MAX_ID`]
//!   (2^62): at a billion new threads and primitives a second that takes 146 years. The page
//!   reads ids as JavaScript numbers, exact below 2^53 (`src/web/mod.rs`).
//!   Every record will also carry the process it came from once processes exist: the reader
//!   tags each drained batch with the process whose buffer it drained.

mod ring;

use crate::internal::Mutex;
use crate::observe;
use crate::primitive::{AtomicU64, Ordering::*};
use ring::Ring;
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// What happened. The numbers are part of the page's protocol (`www/live/events.js`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum Kind {
    /// A thread started running; `arg` is its native id (OS thread id or worker number).
    ThreadStart = 1,
    /// A thread finished; `arg` is 1 if its target panicked.
    ThreadEnd = 2,
    /// A primitive was created; `arg` is its [`ObjectKind`].
    ObjectNew = 3,
    /// `thread` acquired `object`.
    Acquire = 4,
    /// `thread` released `object`.
    Release = 5,
    /// `thread` starts waiting for `object` (it is Blocked).
    WaitBegin = 6,
    /// `thread` stopped waiting for `object`; `arg` is 1 if it got what it waited for.
    WaitEnd = 7,
    /// `object`'s count changed to `arg`: permits, a flag, a recursion count, arrivals.
    Value = 8,
    /// `thread` notified `arg` waiters of `object` (Condition, Event, Barrier).
    Notify = 9,
    /// A queue's unfinished-task count changed to `arg`.
    Tasks = 10,
    /// A record whose kind this version does not know.
    Unknown = 0,
}

impl Kind {
    fn from_u32(v: u32) -> Kind {
        match v {
            1 => Kind::ThreadStart,
            2 => Kind::ThreadEnd,
            3 => Kind::ObjectNew,
            4 => Kind::Acquire,
            5 => Kind::Release,
            6 => Kind::WaitBegin,
            7 => Kind::WaitEnd,
            8 => Kind::Value,
            9 => Kind::Notify,
            10 => Kind::Tasks,
            _ => Kind::Unknown,
        }
    }
}

/// The kind of a traced object (`arg` of [`Kind::ObjectNew`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum ObjectKind {
    /// A [`crate::Thread`] (objects and threads share one id space).
    Thread = 1,
    /// A [`crate::Lock`].
    Lock = 2,
    /// A [`crate::RLock`].
    RLock = 3,
    /// A [`crate::Semaphore`].
    Semaphore = 4,
    /// A [`crate::BoundedSemaphore`].
    BoundedSemaphore = 5,
    /// An [`crate::Event`].
    Event = 6,
    /// A [`crate::Condition`].
    Condition = 7,
    /// A [`crate::Barrier`].
    Barrier = 8,
    /// A queue ([`crate::queue::Queue`], Lifo, Priority or Simple).
    Queue = 9,
}

/// One report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Event {
    /// When, in nanoseconds on the crate's clock (comparable across threads and workers).
    pub time_ns: u64,
    /// What.
    pub kind: Kind,
    /// The reporting thread's ident.
    pub thread: u64,
    /// The object concerned (a primitive's [`trace_id`](crate::Lock::trace_id) or a thread's
    /// ident).
    pub object: u64,
    /// Kind-specific.
    pub arg: u32,
}

static RING: OnceLock<Ring> = OnceLock::new();
static NEXT_ID: AtomicU64 = AtomicU64::new(1);
static LABELS: Mutex<BTreeMap<u64, String>> = Mutex::new(BTreeMap::new());

/// Ids of threads and primitives are below this (2^62): a blocked thread's state packs the id
/// it waits on with two flag bits into one 64-bit word (`thread/state.rs`).
pub const MAX_ID: u64 = (1 << 62) - 1;

/// The most records the ring holds: 2^20, about 40 MB (a record is 40 bytes). A larger
/// capacity given to [`enable`] is clamped to this, so a huge number never panics or aborts.
pub const MAX_CAPACITY: usize = 1 << 20;

/// Starts recording. The first call fixes the ring's capacity: `capacity` rounded up to a
/// power of two, at least 2 and at most [`MAX_CAPACITY`] (read it back with [`capacity`]).
/// Later calls only switch recording on.
pub fn enable(capacity: usize) {
    RING.get_or_init(|| Ring::new(capacity.min(MAX_CAPACITY)));
    observe::set(observe::TRACE, true);
}

/// Stops recording (events already in the ring stay there).
pub fn disable() {
    observe::set(observe::TRACE, false);
}

/// Whether events are being recorded.
#[inline]
pub fn is_enabled() -> bool {
    observe::on(observe::TRACE)
}

/// The ring's capacity, once enabled.
pub fn capacity() -> Option<usize> {
    RING.get().map(Ring::capacity)
}

/// Moves every recorded event into `out`, oldest first, without blocking. Returns how many.
pub fn drain(out: &mut Vec<Event>) -> usize {
    let Some(ring) = RING.get() else { return 0 };
    let before = out.len();
    while let Some(e) = ring.pop() {
        out.push(e);
    }
    out.len() - before
}

/// Events lost because the ring was full when they happened.
pub fn dropped() -> u64 {
    RING.get().map_or(0, Ring::dropped)
}

/// A fresh id for a thread or primitive: never 0, never reused, below [`MAX_ID`].
pub(crate) fn next_id() -> u64 {
    NEXT_ID.fetch_add(1, Relaxed)
}

/// Testing only: makes the next id `next` (clamped to [`MAX_ID`]), so that tests can check
/// what happens near a boundary (2^32, 2^62) without creating billions of objects. It never
/// lowers the counter, so ids stay unique.
#[doc(hidden)]
pub fn skip_ids_to(next: u64) {
    NEXT_ID.fetch_max(next.min(MAX_ID), Relaxed);
}

/// Gives an object (by id) a name for the page to show, e.g. `"counter lock"`.
///
/// The table keeps the newest [`MAX_LABELS`] names: ids only grow, so when it is full the
/// smallest id (the oldest object) is forgotten. A program that starts threads for ever while
/// tracing (every started thread is labelled) then uses bounded memory.
pub fn set_label(object: u64, name: &str) {
    let mut labels = LABELS.lock();
    labels.insert(object, name.to_owned());
    while labels.len() > MAX_LABELS {
        labels.pop_first();
    }
}

/// How many names [`set_label`] keeps.
pub const MAX_LABELS: usize = 1 << 16;

/// The name given with [`set_label`] (threads are labelled with their name when they start).
pub fn label(object: u64) -> Option<String> {
    LABELS.lock().get(&object).cloned()
}

/// Records an event if recording is on. The inline part is one relaxed load.
#[inline]
pub(crate) fn emit(kind: Kind, object: u64, arg: u32) {
    if is_enabled() {
        emit_slow(kind, object, arg);
    }
}

#[cold]
fn emit_slow(kind: Kind, object: u64, arg: u32) {
    if let Some(ring) = RING.get() {
        let thread = crate::thread::current_id();
        ring.push(&Event {
            time_ns: crate::sys::now().as_nanos() as u64,
            kind,
            thread,
            object,
            arg,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `enable(usize::MAX)` overflowed rounding up to a power of two (a panic) and
    /// `enable(1 << 40)` asked for 40 TB (an abort); `usize::MAX >> 1` is as huge on 64-bit targets and also compiles on wasm32. The only `enable` in the unit tests.
    #[test]
    fn enable_clamps_a_huge_capacity_to_the_documented_maximum() {
        enable(usize::MAX);
        enable(usize::MAX >> 1);
        disable();
        assert_eq!(capacity(), Some(MAX_CAPACITY));
    }
}
