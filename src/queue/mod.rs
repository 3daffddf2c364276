//! The `queue` module: [`Queue`] (FIFO), [`LifoQueue`], [`PriorityQueue`] with `maxsize`,
//! `task_done`/`join` and `shutdown`, and the unbounded [`SimpleQueue`].
//!
//! Python's semantics (CPython 3.13, section 8 of the spec), Rust's idioms:
//! * a failed put gives the item back inside the error ([`PutError`]): nothing is lost;
//! * `Full`, `Empty`, `ShutDown` and "task_done() called too many times" are [`Error`]s;
//! * a timeout is validated only on a path that would wait, as in CPython: a negative one is
//!   an error there (here `-1.0` is *not* "forever", unlike `Lock.acquire`);
//! * `for item in &queue` takes items until the queue is shut down and drained.
//!
//! The state machines: FIFO (`Queue`, `SimpleQueue`) runs lock-free (`algo/fifo_core.rs`)
//! on a list of blocks (`algo/fifo_list.rs`), bounded or not; LIFO and priority order on one
//! mutex and three wait queues (`algo/queue_core.rs`), as CPython does. `order.rs` picks. No
//! store allocates for `maxsize`: each grows with the items it holds.

mod order;
mod simple;
mod store;

pub use order::{Fifo, Order};
pub use simple::SimpleQueue;
pub use store::{Lifo, Priority};

pub use crate::algo::queue_core::Store;

use crate::algo::queue_core::{GetFail, PutFail};
use crate::error::Error;
use crate::inspect::{self, Observed};
use crate::sys::futex;
use crate::thread::Blocked;
use crate::time::{IntoTimeout, Timeout};
use crate::trace::{self, Kind, ObjectKind};
use core::fmt;
use order::sealed::Core;
use std::sync::Arc;

/// A FIFO queue (CPython's `queue.Queue`).
pub type Queue<T> = BaseQueue<Fifo<T>>;
/// A LIFO queue (CPython's `queue.LifoQueue`).
pub type LifoQueue<T> = BaseQueue<Lifo<T>>;
/// A queue that hands out the smallest item first (CPython's `queue.PriorityQueue`).
pub type PriorityQueue<T> = BaseQueue<Priority<T>>;

/// Why a blocked thread waits on a queue: the `arg` of its `WaitBegin` trace event.
pub mod wait_reason {
    /// A `get` waiting for an item.
    pub const ITEM: u32 = 1;
    /// A `put` waiting for room.
    pub const ROOM: u32 = 2;
    /// A `join` waiting for every task to be done.
    pub const TASKS: u32 = 3;
}

/// A put that failed, with the item it could not put.
pub struct PutError<T> {
    /// Why: [`Error::Full`], [`Error::ShutDown`], a bad timeout, or an impossible wait.
    pub error: Error,
    /// The item, given back.
    pub item: T,
}

impl<T> PutError<T> {
    /// The item, given back.
    pub fn into_item(self) -> T {
        self.item
    }
}

impl<T> fmt::Debug for PutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PutError({:?})", self.error)
    }
}

impl<T> fmt::Display for PutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.error.fmt(f)
    }
}

impl<T> std::error::Error for PutError<T> {}

/// The queue types' shared implementation, generic over the order ([`Fifo`], [`Lifo`],
/// [`Priority`]). Use it through [`Queue`], [`LifoQueue`] and [`PriorityQueue`].
pub struct BaseQueue<S: Order> {
    s: Arc<QueueState<S::Core>>,
}

struct QueueState<C> {
    core: C,
    id: u64,
}

impl<C: Core> Observed for QueueState<C> {
    fn id(&self) -> u64 {
        self.id
    }
    fn kind(&self) -> ObjectKind {
        ObjectKind::Queue
    }
    fn holders(&self) -> Vec<u64> {
        Vec::new()
    }
    fn value(&self) -> u64 {
        self.core.len() as u64
    }
}

impl<S: Order> BaseQueue<S> {
    /// A queue holding at most `maxsize` items; 0 means unbounded. Nothing is allocated for
    /// `maxsize`: storage grows with the items held, so a huge bound (`usize::MAX`, as Python
    /// code says "practically unbounded") costs nothing. See [`BaseQueue::set_maxsize`].
    pub fn new(maxsize: usize) -> BaseQueue<S> {
        let s = Arc::new(QueueState {
            core: S::Core::new(maxsize),
            id: trace::next_id(),
        });
        inspect::register(&s);
        BaseQueue { s }
    }

    /// CPython's `put(item, block=True, timeout=None)`. Waits for room in a full bounded queue
    /// (up to `timeout` when blocking). On failure the item comes back in the error:
    /// [`Error::Full`] (non-blocking, or after the timeout), [`Error::ShutDown`], a negative
    /// timeout (checked only for a blocking put on a bounded queue), or
    /// [`Error::WouldBlockOnMainThread`].
    pub fn put(
        &self,
        item: S::Item,
        block: bool,
        timeout: impl IntoTimeout,
    ) -> Result<(), PutError<S::Item>> {
        let failed = |error, item| PutError { error, item };
        // CPython checks the timeout of a blocking put on a bounded queue even when there is
        // room; an unbounded queue ignores it. Only the error path costs a lock.
        let timeout = if block {
            timeout.into_queue_timeout()
        } else {
            Ok(Timeout::FOREVER)
        };
        if let Err(e) = &timeout {
            if self.s.core.maxsize() > 0 {
                return Err(failed(e.clone(), item));
            }
        }
        let item = match self.s.core.try_put(item) {
            Ok(()) => {
                self.report_size();
                return Ok(());
            }
            Err((PutFail::Full, item)) if block => item,
            Err((why, item)) => return Err(failed(put_error(why), item)),
        };
        let timeout = match timeout {
            Ok(t) => t,
            Err(e) => return Err(failed(e, item)),
        };
        if timeout.duration() == Some(core::time::Duration::ZERO) {
            return Err(failed(Error::Full, item));
        }
        if !futex::can_block() {
            return Err(failed(Error::WouldBlockOnMainThread("Queue::put"), item));
        }
        let blocked =
            match Blocked::on_because(self.s.id, wait_reason::ROOM, timeout.duration().is_some()) {
                Ok(b) => b,
                Err(e) => return Err(failed(e, item)),
            };
        match self.s.core.put_waiting(item, timeout.deadline()) {
            Ok(()) => {
                blocked.succeeded(); // WaitEnd before the size event
                self.report_size();
                Ok(())
            }
            Err((why, item)) => Err(failed(put_error(why), item)),
        }
    }

    /// The size after a put or get, for the page. Reading it costs a look at both ends of the
    /// queue, so only when tracing is on.
    #[inline]
    fn report_size(&self) {
        if trace::is_enabled() {
            trace::emit(Kind::Value, self.s.id, trace_value(self.s.core.len()));
        }
    }

    /// `put(item, block=False)`.
    pub fn put_nowait(&self, item: S::Item) -> Result<(), PutError<S::Item>> {
        self.put(item, false, None)
    }

    /// CPython's `get(block=True, timeout=None)`. [`Error::Empty`] (non-blocking, or after
    /// the timeout), [`Error::ShutDown`] once shut down and drained (it wins over Empty), a
    /// negative timeout (checked for every blocking get, even with an item there), or
    /// [`Error::WouldBlockOnMainThread`].
    pub fn get(&self, block: bool, timeout: impl IntoTimeout) -> Result<S::Item, Error> {
        let timeout = if block {
            timeout.into_queue_timeout()?
        } else {
            Timeout::FOREVER
        };
        match self.s.core.try_get() {
            Ok(item) => {
                self.report_size();
                return Ok(item);
            }
            Err(GetFail::Empty) if block => {}
            Err(why) => return Err(get_error(why)),
        }
        if timeout.duration() == Some(core::time::Duration::ZERO) {
            return Err(Error::Empty);
        }
        if !futex::can_block() {
            return Err(Error::WouldBlockOnMainThread("Queue::get"));
        }
        let blocked =
            Blocked::on_because(self.s.id, wait_reason::ITEM, timeout.duration().is_some())?;
        let item = self
            .s
            .core
            .get_waiting(timeout.deadline())
            .map_err(get_error)?;
        blocked.succeeded();
        self.report_size();
        Ok(item)
    }

    /// `get(block=False)`.
    pub fn get_nowait(&self) -> Result<S::Item, Error> {
        self.get(false, None)
    }

    /// Marks one item as processed. [`Error::TaskDoneTooManyTimes`] if every item put was
    /// already marked (nothing changes then).
    pub fn task_done(&self) -> Result<(), Error> {
        let left = self.s.core.task_done().ok_or(Error::TaskDoneTooManyTimes)?;
        trace::emit(Kind::Tasks, self.s.id, trace_value(left));
        Ok(())
    }

    /// Waits until every item put has been marked done with [`BaseQueue::task_done`] (or was
    /// drained by `shutdown(true)`). May be called any number of times.
    pub fn join(&self) -> Result<(), Error> {
        if self.s.core.all_done() {
            return Ok(());
        }
        if !futex::can_block() {
            return Err(Error::WouldBlockOnMainThread("Queue::join"));
        }
        let blocked = Blocked::on_because(self.s.id, wait_reason::TASKS, false)?;
        self.s.core.join_waiting();
        blocked.succeeded();
        Ok(())
    }

    /// Shuts the queue down (CPython 3.13): every later put fails with [`Error::ShutDown`];
    /// gets return what is left, then fail with it. `immediate` drops what is left now and
    /// counts it as done. Blocked putters and getters wake to re-check. Never blocks.
    pub fn shutdown(&self, immediate: bool) {
        let drained = self.s.core.shutdown(immediate);
        trace::emit(Kind::Value, self.s.id, trace_value(self.s.core.len()));
        trace::emit(Kind::Notify, self.s.id, u32::MAX);
        drop(drained); // outside the queue's mutex: an item's Drop may use the queue
    }

    /// Whether [`BaseQueue::shutdown`] was called.
    pub fn is_shutdown(&self) -> bool {
        self.s.core.is_shutdown()
    }

    /// How many items are in the queue (a snapshot).
    pub fn qsize(&self) -> usize {
        self.s.core.len()
    }

    /// Whether it is empty (a snapshot).
    pub fn empty(&self) -> bool {
        self.qsize() == 0
    }

    /// Whether it is full (a snapshot; never for an unbounded queue).
    pub fn full(&self) -> bool {
        let max = self.s.core.maxsize();
        max > 0 && self.qsize() >= max
    }

    /// The bound (0: unbounded).
    pub fn maxsize(&self) -> usize {
        self.s.core.maxsize()
    }

    /// Changes the bound, as assigning `maxsize` does in CPython: to any value, at any time,
    /// also below the number of items held (the queue then stays full until gets bring it
    /// under). 0 is unbounded (CPython's `maxsize <= 0`). Blocked putters re-check.
    pub fn set_maxsize(&self, maxsize: usize) {
        self.s.core.set_maxsize(maxsize)
    }

    /// Items put and not yet marked done (CPython's `unfinished_tasks`).
    pub fn unfinished_tasks(&self) -> usize {
        self.s.core.unfinished()
    }

    /// This queue's id in trace events and snapshots.
    pub fn trace_id(&self) -> u64 {
        self.s.id
    }
}

/// A size or count as a trace event's `u32` argument, saturating (not wrapping) above it.
fn trace_value(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn put_error(why: PutFail) -> Error {
    match why {
        PutFail::Full => Error::Full,
        PutFail::ShutDown => Error::ShutDown,
    }
}

fn get_error(why: GetFail) -> Error {
    match why {
        GetFail::Empty => Error::Empty,
        GetFail::ShutDown => Error::ShutDown,
    }
}

/// Takes items until the queue is shut down and drained (or a get fails otherwise).
pub struct Iter<'a, S: Order> {
    queue: &'a BaseQueue<S>,
}

impl<S: Order> Iterator for Iter<'_, S> {
    type Item = S::Item;
    fn next(&mut self) -> Option<S::Item> {
        self.queue.get(true, None).ok()
    }
}

impl<'a, S: Order> IntoIterator for &'a BaseQueue<S> {
    type Item = S::Item;
    type IntoIter = Iter<'a, S>;
    fn into_iter(self) -> Iter<'a, S> {
        Iter { queue: self }
    }
}

impl<S: Order> fmt::Debug for BaseQueue<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "<queue {} size={}/{} unfinished={}{}>",
            self.s.id,
            self.qsize(),
            self.maxsize(),
            self.unfinished_tasks(),
            if self.is_shutdown() { " shut down" } else { "" }
        )
    }
}
