//! A condition variable kept in a few words and no pointers, so it can live in memory several
//! processes map: the process-shared Condition's algorithm. (The threading Condition queues
//! waiter nodes on the heap, `wait_queue.rs`; nothing with a pointer can move into a region.)
//!
//! Waiters take **tickets**, numbered in order; a notify moves `head` past the oldest pending
//! tickets; a ticket below `head` has been notified. Every word except `head`'s reads is
//! changed only while the caller holds the condition's lock (as Python requires for `wait`
//! and `notify`), so the bookkeeping needs no atomic read-modify-write at all; a waiter waits
//! on `head` without the lock.
//!
//! | word        | meaning                                                                     |
//! |-------------|-----------------------------------------------------------------------------|
//! | `head`      | tickets below it are done: notified, or cancelled and skipped. Waiters wait on it; a notify that moves it wakes them all (each checks its own ticket) |
//! | `next`      | the next new ticket; `head..next` are pending (at most [`SLOTS`])          |
//! | `cancelled` | one bit per pending ticket (`ticket % SLOTS`): its waiter gave up (timeout)  |
//!
//! | step                 | under the lock | what it does                                       |
//! |----------------------|----------------|----------------------------------------------------|
//! | `register`           | yes            | takes a cancelled ticket in `head..next` if there is one (its place is free), else `next` |
//! | `wait`               | no             | sleeps on `head` until `head` passes the ticket, or the deadline |
//! | `finish`             | yes (again)    | notified iff `head` passed the ticket; if not, cancels it: at either end of `head..next` it is dropped at once, in the middle it is marked |
//! | `notify(n)`          | yes            | moves `head` over up to `n` live tickets, skipping (and clearing) cancelled ones; wakes all if it moved |
//!
//! What follows, as CPython's `threading.Condition` promises:
//! - a wait returns true only when a notify chose it (no spurious wake-up reaches the caller:
//!   a waiter woken by a notify for others sees `head` short of its ticket and sleeps again);
//! - `notify(n)` chooses at most `n` waiters, all of them waiting before the notify (a ticket
//!   is handed out under the lock, before the notify that could pass it);
//! - a notify with nobody waiting is not remembered, and a waiter whose timeout races a notify
//!   learns in `finish`, under the lock, which of the two came first.
//!
//! Order: oldest first, except that a new waiter may take the place of one that gave up
//! (which keeps `head..next` as short as the number of waiters, however many waits time out).
//!
//! A waiter whose process dies keeps its ticket: the next notify counts it as one of its `n`
//! (that notification is lost, once), then the ticket is gone. At most [`SLOTS`] waits may be
//! pending at once; one more is refused.
//!
//! Generic over the [`Word`] of `head` and `next`; the marks are plain atomics (never waited
//! on), given as a slice of [`FLAG_WORDS`].

use super::word::Word;
use crate::primitive::{AtomicU32, Ordering::*};
use crate::time::Deadline;

/// How many waits may be pending at once (a multiple of 32).
pub(crate) const SLOTS: u32 = 32 * FLAG_WORDS as u32;
/// The words of `cancelled` marks.
pub(crate) const FLAG_WORDS: usize = 8;

pub(crate) struct TicketCondvar<
    W: Word = AtomicU32,
    F: AsRef<[AtomicU32]> = [AtomicU32; FLAG_WORDS],
> {
    head: W,
    next: W,
    cancelled: F,
}

/// A waiter's place.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Ticket(u32);

/// [`SLOTS`] waits are pending already.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct TooManyWaiters;

/// Whether ticket `t` lies below `head` (mod 2^32: the pending window is far shorter).
#[inline]
fn passed(t: u32, head: u32) -> bool {
    (head.wrapping_sub(t) as i32) > 0
}

impl<W: Word, F: AsRef<[AtomicU32]>> TicketCondvar<W, F> {
    /// The condition variable kept in `head`, `next` (both 0 when new) and `cancelled`
    /// ([`FLAG_WORDS`] words, all 0 when new).
    pub(crate) fn over(head: W, next: W, cancelled: F) -> TicketCondvar<W, F> {
        TicketCondvar {
            head,
            next,
            cancelled,
        }
    }

    /// The mark word and bit of ticket `t`. A slice shorter than [`FLAG_WORDS`] (only a bug
    /// could give one) has no marks: every ticket then reads as live.
    fn flag(&self, t: u32) -> Option<(&AtomicU32, u32)> {
        let slot = t % SLOTS;
        let word = self.cancelled.as_ref().get((slot / 32) as usize)?;
        Some((word, 1 << (slot % 32)))
    }

    fn is_cancelled(&self, t: u32) -> bool {
        self.flag(t)
            .is_some_and(|(w, bit)| w.load(Relaxed) & bit != 0)
    }

    fn mark(&self, t: u32, cancelled: bool) {
        if let Some((w, bit)) = self.flag(t) {
            let v = w.load(Relaxed);
            w.store(if cancelled { v | bit } else { v & !bit }, Relaxed);
        }
    }

    /// How many waiters are pending (a snapshot; exact under the lock).
    pub(crate) fn len(&self) -> u32 {
        let (head, next) = (self.head.load(Relaxed), self.next.load(Relaxed));
        let window = next.wrapping_sub(head).min(SLOTS);
        (0..window)
            .filter(|i| !self.is_cancelled(head.wrapping_add(*i)))
            .count() as u32
    }

    /// Takes a ticket. Call holding the lock, before releasing it to wait, so that a notify
    /// right after the release finds this waiter.
    pub(crate) fn register(&self) -> Result<Ticket, TooManyWaiters> {
        let head = self.head.load(Relaxed);
        let next = self.next.load(Relaxed);
        let window = next.wrapping_sub(head);
        // The place of a waiter that gave up is free, and no notify has passed it.
        if let Some(t) = (0..window.min(SLOTS))
            .map(|i| head.wrapping_add(i))
            .find(|&t| self.is_cancelled(t))
        {
            self.mark(t, false);
            return Ok(Ticket(t));
        }
        if window >= SLOTS {
            return Err(TooManyWaiters);
        }
        self.mark(next, false);
        self.next.store(next.wrapping_add(1), Relaxed);
        Ok(Ticket(next))
    }

    /// Waits, without the lock, until a notify passes `ticket` or `deadline` comes (`None`:
    /// never). Returns whether it was passed; the caller takes the lock again and calls
    /// [`finish`](Self::finish), which has the last word. With `spin`, re-reads `head` for a
    /// while before sleeping (`algo/spin.rs`).
    pub(crate) fn wait(&self, ticket: Ticket, deadline: Option<Deadline>, spin: bool) -> bool {
        // Acquire: pairs with notify's Release (the caller re-takes the lock anyway).
        if spin && super::spin::spin_until(|| passed(ticket.0, self.head.load(Acquire))) {
            return true;
        }
        loop {
            let head = self.head.load(Acquire);
            if passed(ticket.0, head) {
                return true;
            }
            let timeout = match deadline {
                None => None,
                Some(d) => match d.remaining() {
                    Some(t) => Some(t),
                    None => return false,
                },
            };
            self.head.wait(head, timeout);
        }
    }

    /// Ends a wait; call holding the lock again. True if a notify passed `ticket`; otherwise
    /// the ticket is cancelled (no notify will count it) and the wait timed out.
    pub(crate) fn finish(&self, ticket: Ticket) -> bool {
        let t = ticket.0;
        let head = self.head.load(Relaxed);
        if passed(t, head) {
            return true;
        }
        let next = self.next.load(Relaxed);
        if t == head {
            // The oldest: move `head` past it and past the cancelled ones behind it. Nobody
            // waits for these tickets, so nobody needs waking.
            let mut h = head.wrapping_add(1);
            while h != next && self.is_cancelled(h) {
                self.mark(h, false);
                h = h.wrapping_add(1);
            }
            self.head.store(h, Release);
        } else if t.wrapping_add(1) == next {
            // The newest: hand the ticket back, and the cancelled ones before it.
            let mut n = t;
            while n != head && self.is_cancelled(n.wrapping_sub(1)) {
                n = n.wrapping_sub(1);
                self.mark(n, false);
            }
            self.next.store(n, Relaxed);
        } else {
            self.mark(t, true);
        }
        false
    }

    /// Passes up to `n` pending waiters, oldest first, and wakes them; returns how many. Call
    /// holding the lock. Never blocks.
    pub(crate) fn notify(&self, n: usize) -> usize {
        let head = self.head.load(Relaxed);
        let next = self.next.load(Relaxed);
        // Never more than SLOTS steps, whatever another process wrote into the words.
        let end = head.wrapping_add(next.wrapping_sub(head).min(SLOTS));
        let mut h = head;
        let mut woken = 0;
        while h != end && (woken < n || self.is_cancelled(h)) {
            if self.is_cancelled(h) {
                self.mark(h, false);
            } else {
                woken += 1;
            }
            h = h.wrapping_add(1);
        }
        if h != head {
            // Release: a woken waiter that sees its ticket passed sees what came before.
            self.head.store(h, Release);
            if woken > 0 {
                self.head.wake_all();
            }
        }
        woken
    }
}

impl TicketCondvar {
    /// A new condition variable in this process's own memory (the loom models use it).
    #[cfg(loom)]
    #[allow(dead_code)] // the library is compiled with `--cfg loom` too, without the models
    pub(crate) fn new() -> TicketCondvar {
        TicketCondvar::over(
            AtomicU32::new(0),
            AtomicU32::new(0),
            core::array::from_fn(|_| AtomicU32::new(0)),
        )
    }
}
