//! A FIFO queue of waiters, each parked on its own word: the heart of Condition.
//!
//! | waiter word | meaning                                                       |
//! |-------------|---------------------------------------------------------------|
//! | `WAITING`   | in the queue, not parked (it may be spinning on its word)     |
//! | `PARKED`    | in the queue, parked (or about to park) on the word            |
//! | `NOTIFIED`  | popped by `notify`; its wait returns true                      |
//!
//! `notify(n)` pops at most `n` waiters and flips their words, so a wait returns true only when
//! really notified (no spurious wake-up reaches the caller), at most `n` wake, and a notify with
//! nobody waiting is not remembered. A waiter that times out removes itself under the queue's
//! mutex; if it is gone already, a notifier popped it first and the wait counts as notified.
//!
//! A notifier makes the futex wake call only for a waiter that had `PARKED`: the waiter moves
//! WAITING → PARKED with a compare-exchange just before it parks, and the notifier's swap to
//! NOTIFIED returns the old state, so exactly one of them sees the other (a waiter still
//! spinning on its word sees NOTIFIED and never parks; no system call on either side).

use crate::internal::Mutex;
use crate::primitive::{AtomicU32, Ordering::*};
use crate::sys::futex;
use crate::time::Deadline;
use std::collections::VecDeque;
use std::sync::Arc;

const WAITING: u32 = 0;
const NOTIFIED: u32 = 1;
const PARKED: u32 = 2;

pub(crate) struct Waiter {
    word: AtomicU32,
}

pub(crate) struct WaitQueue {
    waiters: Mutex<VecDeque<Arc<Waiter>>>,
}

impl WaitQueue {
    pub(crate) fn new() -> WaitQueue {
        WaitQueue {
            waiters: Mutex::new(VecDeque::new()),
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.waiters.lock().len()
    }

    /// Joins the queue. Call before releasing the lock the notifier must hold, so that a
    /// notify right after the release finds this waiter.
    pub(crate) fn enqueue(&self) -> Arc<Waiter> {
        let me = Arc::new(Waiter {
            word: AtomicU32::new(WAITING),
        });
        self.waiters.lock().push_back(me.clone());
        me
    }

    /// Leaves the queue without waiting (the wait could not start).
    /// Returns false if it was gone already (a notifier took it: the notification is its).
    pub(crate) fn cancel(&self, me: &Arc<Waiter>) -> bool {
        let mut queue = self.waiters.lock();
        let before = queue.len();
        queue.retain(|w| !Arc::ptr_eq(w, me));
        queue.len() != before
    }

    /// Parks until notified or `deadline`; returns whether it was notified. With `spin`, it
    /// first re-reads its word for a while (`algo/spin.rs`): right for a Condition's
    /// ping-pong; the queue, whose notifier wakes a counted waiter anyway, parks at once.
    pub(crate) fn wait(&self, me: &Arc<Waiter>, deadline: Option<Deadline>, spin: bool) -> bool {
        if spin && super::spin::spin_until(|| me.word.load(Acquire) == NOTIFIED) {
            return true;
        }
        loop {
            // Acquire: pairs with notify's Release swap.
            let word = me.word.load(Acquire);
            if word == NOTIFIED {
                return true;
            }
            let timeout = match deadline {
                None => None,
                Some(d) => match d.remaining() {
                    Some(t) => Some(t),
                    None => {
                        let mut queue = self.waiters.lock();
                        let before = queue.len();
                        queue.retain(|w| !Arc::ptr_eq(w, me));
                        return queue.len() == before; // gone already: a notifier took it
                    }
                },
            };
            // Announce the park; if a notifier got in first, the exchange fails (NOTIFIED).
            if word == WAITING
                && me
                    .word
                    .compare_exchange(WAITING, PARKED, Acquire, Acquire)
                    .is_err()
            {
                continue;
            }
            futex::wait(&me.word, PARKED, timeout);
        }
    }

    /// Pops the oldest waiter and marks it notified, without waking it yet: the caller wakes it
    /// with [`wake`] after letting go of its own locks (so the woken thread does not at once
    /// run into a lock the waker still holds). `None` if nobody was waiting.
    pub(crate) fn take_one(&self) -> Option<Taken> {
        let w = self.waiters.lock().pop_front()?;
        let parked = w.word.swap(NOTIFIED, Release) == PARKED;
        Some(Taken(parked.then_some(w)))
    }

    /// Wakes at most `n` waiters, oldest first; returns how many. Never blocks for long (the
    /// queue's mutex guards a few instructions; waking never waits).
    pub(crate) fn notify(&self, n: usize) -> usize {
        let mut queue = self.waiters.lock();
        let woken = n.min(queue.len());
        for w in queue.drain(..woken) {
            if w.word.swap(NOTIFIED, Release) == PARKED {
                futex::wake_one(&w.word);
            }
        }
        woken
    }
}

/// A waiter taken off a queue by [`WaitQueue::take_one`], already marked notified; it still
/// needs a futex wake only if it had parked.
pub(crate) struct Taken(Option<Arc<Waiter>>);

/// Wakes a waiter taken with [`WaitQueue::take_one`] (a system call only if it parked). Never
/// blocks.
pub(crate) fn wake(taken: Option<Taken>) {
    if let Some(Taken(Some(w))) = taken {
        futex::wake_one(&w.word);
    }
}
