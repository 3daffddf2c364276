//! The queue's state machine, as in CPython's `queue.Queue`: one mutex over the store and the
//! counters, and three wait queues (CPython's three Conditions on that mutex) for getters
//! waiting for an item, putters waiting for room, and joiners waiting for all tasks done.
//!
//! | counter      | meaning                                                              |
//! |--------------|----------------------------------------------------------------------|
//! | `unfinished` | items put and not yet `task_done()`: `join` waits for 0              |
//! | `getters`    | threads parked for an item; a put wakes one only if non-zero          |
//! | `putters`    | threads parked for room; a get wakes one only if non-zero             |
//! | `joiners`    | threads parked in `join`                                              |
//! | `shutdown`   | one-way: puts fail, gets drain what is left and then fail             |
//!
//! A waiter counts itself and joins its wait queue *before* it lets go of the mutex, and a
//! waker reads the counters under the same mutex, so no wake-up is lost; counting lets the
//! common case (nobody waiting) skip the wait queues entirely.
//!
//! Dropping items never happens under the mutex (an item's `Drop` may use the queue again).

use crate::algo::wait_queue::WaitQueue;
use crate::internal::Mutex;
use crate::time::Deadline;

/// Where a queue's items live, which decides their order: FIFO, LIFO or priority.
pub trait Store {
    /// What the queue holds.
    type Item;
    /// How many items.
    fn len(&self) -> usize;
    /// Adds an item.
    fn push(&mut self, item: Self::Item);
    /// Takes the next item in this store's order.
    fn pop(&mut self) -> Option<Self::Item>;
}

struct State<S> {
    store: S,
    maxsize: usize,
    unfinished: usize,
    shutdown: bool,
    getters: u32,
    putters: u32,
    joiners: u32,
}

pub(crate) struct QueueCore<S> {
    state: Mutex<State<S>>,
    not_empty: WaitQueue,
    not_full: WaitQueue,
    all_done: WaitQueue,
}

/// Why a put failed (the item comes back with it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PutFail {
    Full,
    ShutDown,
}

/// Why a get failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum GetFail {
    Empty,
    ShutDown,
}

impl<S: Store> QueueCore<S> {
    pub(crate) fn new(store: S, maxsize: usize) -> QueueCore<S> {
        QueueCore {
            state: Mutex::new(State {
                store,
                maxsize,
                unfinished: 0,
                shutdown: false,
                getters: 0,
                putters: 0,
                joiners: 0,
            }),
            not_empty: WaitQueue::new(),
            not_full: WaitQueue::new(),
            all_done: WaitQueue::new(),
        }
    }

    /// Puts without waiting. On success returns the new size.
    pub(crate) fn try_put(&self, item: S::Item) -> Result<usize, (PutFail, S::Item)> {
        let mut s = self.state.lock();
        if s.shutdown {
            return Err((PutFail::ShutDown, item));
        }
        if s.maxsize > 0 && s.store.len() >= s.maxsize {
            return Err((PutFail::Full, item));
        }
        Ok(self.push(&mut s, item))
    }

    fn push(&self, s: &mut State<S>, item: S::Item) -> usize {
        // If `push` panics (a user's `Ord`), the guard unlocks during the unwind and no counter
        // has moved: the queue stays consistent, the item is lost with the panic.
        s.store.push(item);
        s.unfinished += 1;
        if s.getters > 0 {
            self.not_empty.notify(1);
        }
        s.store.len()
    }

    /// Puts, waiting for room until `deadline` (`None`: forever). The caller may block.
    pub(crate) fn put_waiting(
        &self,
        item: S::Item,
        deadline: Option<Deadline>,
    ) -> Result<usize, (PutFail, S::Item)> {
        let mut s = self.state.lock();
        loop {
            if s.shutdown {
                return Err((PutFail::ShutDown, item));
            }
            if s.maxsize == 0 || s.store.len() < s.maxsize {
                return Ok(self.push(&mut s, item));
            }
            let me = self.not_full.enqueue();
            s.putters += 1;
            drop(s);
            let notified = self.not_full.wait(&me, deadline);
            s = self.state.lock();
            s.putters -= 1;
            if !notified {
                if s.shutdown {
                    return Err((PutFail::ShutDown, item));
                }
                if s.maxsize > 0 && s.store.len() >= s.maxsize {
                    return Err((PutFail::Full, item));
                }
            }
        }
    }

    /// Gets without waiting: ShutDown wins over Empty once the queue is shut down and empty.
    pub(crate) fn try_get(&self) -> Result<(S::Item, usize), GetFail> {
        let mut s = self.state.lock();
        match self.pop(&mut s) {
            Some(got) => Ok(got),
            None if s.shutdown => Err(GetFail::ShutDown),
            None => Err(GetFail::Empty),
        }
    }

    fn pop(&self, s: &mut State<S>) -> Option<(S::Item, usize)> {
        let item = s.store.pop()?;
        if s.putters > 0 {
            self.not_full.notify(1);
        }
        Some((item, s.store.len()))
    }

    /// Gets, waiting for an item until `deadline`. The caller may block.
    pub(crate) fn get_waiting(&self, deadline: Option<Deadline>) -> Result<(S::Item, usize), GetFail> {
        let mut s = self.state.lock();
        loop {
            if let Some(got) = self.pop(&mut s) {
                return Ok(got);
            }
            if s.shutdown {
                return Err(GetFail::ShutDown);
            }
            let me = self.not_empty.enqueue();
            s.getters += 1;
            drop(s);
            let notified = self.not_empty.wait(&me, deadline);
            s = self.state.lock();
            s.getters -= 1;
            if !notified && s.store.len() == 0 {
                return Err(if s.shutdown { GetFail::ShutDown } else { GetFail::Empty });
            }
        }
    }

    /// One task finished. `false` (and nothing changed) if none was unfinished.
    pub(crate) fn task_done(&self) -> Option<usize> {
        let mut s = self.state.lock();
        if s.unfinished == 0 {
            return None;
        }
        s.unfinished -= 1;
        if s.unfinished == 0 && s.joiners > 0 {
            self.all_done.notify(usize::MAX);
        }
        Some(s.unfinished)
    }

    /// Whether every task is done now.
    pub(crate) fn all_done(&self) -> bool {
        self.state.lock().unfinished == 0
    }

    /// Waits until every task is done. The caller may block.
    pub(crate) fn join_waiting(&self) {
        let mut s = self.state.lock();
        while s.unfinished > 0 {
            let me = self.all_done.enqueue();
            s.joiners += 1;
            drop(s);
            self.all_done.wait(&me, None);
            s = self.state.lock();
            s.joiners -= 1;
        }
    }

    /// Shuts down: puts fail from now on; gets drain what is left, then fail. `immediate`
    /// also drains the queue now (counting each drained item as done); the items are returned
    /// so the caller drops them outside the mutex. Wakes every waiter to re-check.
    pub(crate) fn shutdown(&self, immediate: bool) -> Vec<S::Item> {
        let mut drained = Vec::new();
        let mut s = self.state.lock();
        s.shutdown = true;
        if immediate {
            while let Some(item) = s.store.pop() {
                drained.push(item);
                s.unfinished = s.unfinished.saturating_sub(1);
            }
            self.all_done.notify(usize::MAX);
        }
        self.not_empty.notify(usize::MAX);
        self.not_full.notify(usize::MAX);
        drop(s);
        drained
    }

    pub(crate) fn is_shutdown(&self) -> bool {
        self.state.lock().shutdown
    }

    pub(crate) fn len(&self) -> usize {
        self.state.lock().store.len()
    }

    pub(crate) fn maxsize(&self) -> usize {
        self.state.lock().maxsize
    }

    /// Changes the bound (CPython lets `maxsize` be assigned). Putters re-check.
    pub(crate) fn set_maxsize(&self, maxsize: usize) {
        let mut s = self.state.lock();
        s.maxsize = maxsize;
        self.not_full.notify(usize::MAX);
    }

    pub(crate) fn unfinished(&self) -> usize {
        self.state.lock().unfinished
    }
}
