//! The queue's state machine, as in CPython's `queue.Queue`: one mutex over the store and the
//! counters, and three wait queues (CPython's three Conditions on that mutex) for getters
//! waiting for an item, putters waiting for room, and joiners waiting for all tasks done.
//!
//! | counter      | meaning                                                              |
//! |--------------|----------------------------------------------------------------------|
//! | `unfinished` | items put and not yet `task_done()`: `join` waits for 0              |
//! | `getters`    | threads in the item wait queue; a put wakes one only if non-zero      |
//! | `putters`    | threads in the room wait queue; a get wakes one only if non-zero      |
//! | `joiners`    | threads parked in `join`                                              |
//! | `shutdown`   | one-way: puts fail, gets drain what is left and then fail             |
//!
//! A waiter counts itself and joins its wait queue *before* it lets go of the mutex, and a
//! waker reads the counters under the same mutex, so no wake-up is lost. The waker that pops a
//! waiter uncounts it (a waiter that times out uncounts itself), so the count drops at once and
//! the next put or get does not touch the wait queue for a thread already woken; the futex wake
//! itself happens after the state mutex is released. In the common case (nobody waiting) a put
//! or get is one lock, one push or pop, one unlock.
//!
//! Dropping items never happens under the mutex (an item's `Drop` may use the queue again).

use crate::algo::wait_queue::{wake, Taken, WaitQueue};
use crate::internal::Mutex;
use crate::time::Deadline;

/// Where a queue's items live, which decides their order: FIFO, LIFO or priority.
pub trait Store {
    /// What the queue holds.
    type Item;
    /// How many items.
    fn len(&self) -> usize;
    /// Whether there are none.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Adds an item.
    fn push(&mut self, item: Self::Item);
    /// Takes the next item in this store's order.
    fn pop(&mut self) -> Option<Self::Item>;
}

struct State<S> {
    store: S,
    maxsize: usize,
    /// 64-bit on every target: a 32-bit `usize` would wrap after 2^32 puts never marked done
    /// (CPython's count is unbounded).
    unfinished: u64,
    shutdown: bool,
    getters: u32,
    putters: u32,
    joiners: u32,
}

pub struct QueueCore<S> {
    state: Mutex<State<S>>,
    not_empty: WaitQueue,
    not_full: WaitQueue,
    all_done: WaitQueue,
}

/// A 64-bit count as a `usize`, saturating on 32-bit targets.
pub(crate) fn saturate(count: u64) -> usize {
    usize::try_from(count).unwrap_or(usize::MAX)
}

/// Why a put failed (the item comes back with it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PutFail {
    Full,
    ShutDown,
}

/// Why a get failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GetFail {
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
        let (size, woken) = self.push(&mut s, item);
        drop(s);
        wake(woken);
        Ok(size)
    }

    /// Stores the item; returns the new size and the getter to wake (once unlocked).
    fn push(&self, s: &mut State<S>, item: S::Item) -> (usize, Option<Taken>) {
        // If `push` panics (a user's `Ord`), the guard unlocks during the unwind and no counter
        // has moved: the queue stays consistent, the item is lost with the panic.
        s.store.push(item);
        s.unfinished += 1;
        let woken = if s.getters > 0 {
            self.not_empty.take_one()
        } else {
            None
        };
        if woken.is_some() {
            s.getters -= 1;
        }
        (s.store.len(), woken)
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
                let (size, woken) = self.push(&mut s, item);
                drop(s);
                wake(woken);
                return Ok(size);
            }
            let me = self.not_full.enqueue();
            s.putters += 1;
            drop(s);
            let notified = self.not_full.wait(&me, deadline, false);
            s = self.state.lock();
            if !notified {
                // Timed out: it took itself out of the wait queue, so it uncounts itself
                // (a notifier uncounts the waiters it pops).
                s.putters -= 1;
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
            Some((item, size, woken)) => {
                drop(s);
                wake(woken);
                Ok((item, size))
            }
            None if s.shutdown => Err(GetFail::ShutDown),
            None => Err(GetFail::Empty),
        }
    }

    /// Takes the next item; returns it, the new size and the putter to wake (once unlocked).
    fn pop(&self, s: &mut State<S>) -> Option<(S::Item, usize, Option<Taken>)> {
        let item = s.store.pop()?;
        let woken = if s.putters > 0 {
            self.not_full.take_one()
        } else {
            None
        };
        if woken.is_some() {
            s.putters -= 1;
        }
        Some((item, s.store.len(), woken))
    }

    /// Gets, waiting for an item until `deadline`. The caller may block.
    pub(crate) fn get_waiting(
        &self,
        deadline: Option<Deadline>,
    ) -> Result<(S::Item, usize), GetFail> {
        let mut s = self.state.lock();
        loop {
            if let Some((item, size, woken)) = self.pop(&mut s) {
                drop(s);
                wake(woken);
                return Ok((item, size));
            }
            if s.shutdown {
                return Err(GetFail::ShutDown);
            }
            let me = self.not_empty.enqueue();
            s.getters += 1;
            drop(s);
            let notified = self.not_empty.wait(&me, deadline, false);
            s = self.state.lock();
            if !notified {
                s.getters -= 1;
            }
            if !notified && s.store.len() == 0 {
                return Err(if s.shutdown {
                    GetFail::ShutDown
                } else {
                    GetFail::Empty
                });
            }
        }
    }

    /// One task finished. `None` (and nothing changed) if none was unfinished.
    pub(crate) fn task_done(&self) -> Option<usize> {
        let mut s = self.state.lock();
        if s.unfinished == 0 {
            return None;
        }
        s.unfinished -= 1;
        if s.unfinished == 0 && s.joiners > 0 {
            let woken = self.all_done.notify(usize::MAX);
            s.joiners -= woken as u32;
        }
        Some(saturate(s.unfinished))
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
            self.all_done.wait(&me, None, false);
            s = self.state.lock();
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
            let woken = self.all_done.notify(usize::MAX);
            s.joiners -= woken as u32;
        }
        let woken = self.not_empty.notify(usize::MAX);
        s.getters -= woken as u32;
        let woken = self.not_full.notify(usize::MAX);
        s.putters -= woken as u32;
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
        let woken = self.not_full.notify(usize::MAX);
        s.putters -= woken as u32;
    }

    pub(crate) fn unfinished(&self) -> usize {
        saturate(self.state.lock().unfinished)
    }
}
