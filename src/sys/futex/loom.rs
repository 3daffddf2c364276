//! The seam under loom: `tests/loom.rs` compiles this file as `crate::sys::futex` for its models
//! of `src/algo/` (the library never compiles it), and takes [`AtomicU32`] from here for the
//! algorithms. It keeps the contract in `mod.rs` and adds nothing to it, so that a model fails
//! when an algorithm counts on the futex for something the real backends do not promise.
//!
//! | the contract (`mod.rs`)                     | this model                                          |
//! |---------------------------------------------|-----------------------------------------------------|
//! | `wait` compares and parks in one step with  | the compare reads the value of the word's last      |
//! | respect to `wake_*`: no wake-up is lost     | write, and the waiter is registered in the same     |
//! |                                             | step (loom switches threads only at its own ops)    |
//! | the seam orders nothing                     | the compare, registering, waking and parking are    |
//! |                                             | bookkeeping loom does not see: no happens-before    |
//! |                                             | edge, not even an atomic read of the word           |
//! | spurious wake-ups                           | a parked waiter returns `Woken` unwoken the first   |
//! |                                             | time loom runs it again, once per thread and run    |
//! | `wake_one` wakes *some* waiter              | the most recently parked one (not the oldest)       |
//! | a timed wait may end at any time            | time does not pass: a timed wait times out at once  |
//!
//! # Why not a loom `Mutex` + `Condvar` (the model before this one)
//! Comparing under a lock the waker also takes, and being woken through a condition variable,
//! both create happens-before edges from the waker to the woken thread (and back). With them a
//! model passes although the algorithm reads what the waker wrote without its own
//! Acquire/Release: no futex promises such an edge, and neither does `mod.rs`. Here a parked
//! waiter *spins* on loom's `yield_now` until its bookkeeping entry says it was woken, so loom
//! sees no synchronisation at all. A waiter nobody wakes spins until loom stops the model with
//! "Model exceeded maximum number of branches": that is how a lost wake-up shows.
//!
//! # The compare
//! A futex compares in the kernel, atomically with respect to wakes of the word: a write made
//! before a `wake_*` is never missed by a compare that comes after that wake. No loom load can
//! say that: a `Relaxed` load may return an older store, and loom may even serve a
//! read-modify-write an older store when two writes are unsynchronised (its modification order
//! is built lazily). Either would report wake-ups lost that no futex loses. So [`AtomicU32`]
//! keeps, beside loom's atomic, the value its last write wrote, in the order loom ran the
//! threads, and the compare reads that, the way the kernel reads memory. It is not a loom
//! access, so it orders nothing. (For words written only with read-modify-writes, as all the
//! words the algorithms wait on are, loom's modification order is that same order.)
//!
//! Loom's partial-order reduction only sees loom operations, so `wait` first loads the word
//! (`Relaxed`; a load writes nothing that loom could reorder) and `wake_*` first applies a
//! `Relaxed` read-modify-write that leaves it as it is: a compare and a wake of the same word
//! then conflict, and both orders are explored.
//!
//! # Parked waiters spin, so loom must not take turns among them
//! Loom sees a parked waiter as runnable (it spins on `yield_now`), and switching to a thread
//! after another one yields costs no preemption. So loom would explore ever longer runs of
//! turns in which parked waiters (and threads backing off in `spin::Backoff`) only look and
//! yield while the thread they wait for never runs: the model never ends. A turn in which a
//! parked waiter finds nothing to do changes nothing, so it can be left out of any run; when
//! two such turns follow each other with nothing written in between (no write to an
//! [`AtomicU32`], no park, wake or return in the seam), [`idle`] tells loom to stop branching
//! for the rest of that run. The run still goes on to its end with loom's default choices
//! (which prefer the threads that yielded least, not parked waiters), so a lost wake-up still
//! shows; the runs skipped are those in which another thread could have run instead, and loom
//! explores those from the branch point where it chose the parked waiter.
//!
//! Loom runs the threads of a model one at a time, as coroutines on the test's own OS thread,
//! so the bookkeeping is a plain thread-local table.

use core::time::Duration;
use loom::sync::atomic::Ordering::{self, Relaxed};
use std::cell::{Cell, RefCell};

/// How a [`wait`] ended (as in `mod.rs`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WaitOutcome {
    /// Woken, or the value already differed, or a spurious wake-up.
    Woken,
    /// The timeout passed.
    TimedOut,
}

/// loom's `AtomicU32` plus the value of its last write (see "The compare" above). Every
/// operation is loom's; only [`wait`] reads `last`.
pub struct AtomicU32 {
    atomic: loom::sync::atomic::AtomicU32,
    /// A std atomic, so loom does not see it: the model's bookkeeping, not the model's memory.
    last: std::sync::atomic::AtomicU32,
}

impl AtomicU32 {
    #[track_caller]
    pub fn new(value: u32) -> AtomicU32 {
        AtomicU32 {
            atomic: loom::sync::atomic::AtomicU32::new(value),
            last: std::sync::atomic::AtomicU32::new(value),
        }
    }

    fn wrote(&self, value: u32) {
        progress();
        self.last.store(value, std::sync::atomic::Ordering::Relaxed);
    }

    #[track_caller]
    pub fn load(&self, order: Ordering) -> u32 {
        self.atomic.load(order)
    }

    #[track_caller]
    pub fn store(&self, value: u32, order: Ordering) {
        self.atomic.store(value, order);
        self.wrote(value);
    }

    #[track_caller]
    pub fn swap(&self, value: u32, order: Ordering) -> u32 {
        let old = self.atomic.swap(value, order);
        self.wrote(value);
        old
    }

    #[track_caller]
    pub fn compare_exchange(
        &self,
        current: u32,
        new: u32,
        success: Ordering,
        failure: Ordering,
    ) -> Result<u32, u32> {
        let r = self.atomic.compare_exchange(current, new, success, failure);
        if r.is_ok() {
            self.wrote(new);
        }
        r
    }

    #[track_caller]
    pub fn compare_exchange_weak(
        &self,
        current: u32,
        new: u32,
        success: Ordering,
        failure: Ordering,
    ) -> Result<u32, u32> {
        let r = self
            .atomic
            .compare_exchange_weak(current, new, success, failure);
        if r.is_ok() {
            self.wrote(new);
        }
        r
    }

    /// As std's: loads, then compare-exchanges until `f` declines or the exchange succeeds.
    #[track_caller]
    pub fn fetch_update(
        &self,
        set: Ordering,
        fetch: Ordering,
        mut f: impl FnMut(u32) -> Option<u32>,
    ) -> Result<u32, u32> {
        let mut prev = self.load(fetch);
        while let Some(next) = f(prev) {
            match self.compare_exchange_weak(prev, next, set, fetch) {
                Ok(old) => return Ok(old),
                Err(now) => prev = now,
            }
        }
        Err(prev)
    }

    #[track_caller]
    pub fn fetch_add(&self, value: u32, order: Ordering) -> u32 {
        let old = self.atomic.fetch_add(value, order);
        self.wrote(old.wrapping_add(value));
        old
    }

    #[track_caller]
    pub fn fetch_sub(&self, value: u32, order: Ordering) -> u32 {
        let old = self.atomic.fetch_sub(value, order);
        self.wrote(old.wrapping_sub(value));
        old
    }

    #[track_caller]
    pub fn fetch_or(&self, value: u32, order: Ordering) -> u32 {
        let old = self.atomic.fetch_or(value, order);
        self.wrote(old | value);
        old
    }

    #[track_caller]
    pub fn fetch_and(&self, value: u32, order: Ordering) -> u32 {
        let old = self.atomic.fetch_and(value, order);
        self.wrote(old & value);
        old
    }
}

/// How many spurious returns each model thread gets per run of the model. Bounded: a wait
/// that could always return spuriously would never need a wake, and lost wake-ups would go
/// unseen.
const SPURIOUS_PER_THREAD: u32 = 1;

/// A parked waiter: the word it waits on (by address), its ticket, whether a wake took it.
struct Parked {
    word: usize,
    ticket: u64,
    woken: bool,
}

std::thread_local! {
    static PROGRESS: Cell<u64> = const { Cell::new(0) };
    static LAST_IDLE: Cell<Option<u64>> = const { Cell::new(None) };
    static PARKED: RefCell<Vec<Parked>> = const { RefCell::new(Vec::new()) };
    static NEXT_TICKET: Cell<u64> = const { Cell::new(0) };
}

loom::thread_local! {
    // Per model thread and run (loom drops a thread's locals when it ends).
    static SPURIOUS_LEFT: Cell<u32> = Cell::new(SPURIOUS_PER_THREAD);
}

/// Counts the changes the seam can see: a write to an [`AtomicU32`], a park, a wake, a
/// return from a park (see [`idle`]).
fn progress() {
    PROGRESS.with(|p| p.set(p.get() + 1));
}

/// A parked waiter that loom ran again found nothing to do (not woken, no spurious return
/// left). If nothing changed since the previous such turn, stop loom branching for the rest
/// of this run (see "Parked waiters spin" above).
fn idle() {
    let now = PROGRESS.with(Cell::get);
    if LAST_IDLE.with(|last| last.replace(Some(now))) == Some(now) {
        loom::skip_branch();
    }
}

fn address(word: &AtomicU32) -> usize {
    word as *const AtomicU32 as usize
}

/// The point where loom may switch threads before a compare: a load. (Not a write of the
/// value already there: loom could order such a store before older unsynchronised ones and
/// serve it to the waiter's later loads in their place, for ever.)
#[track_caller]
fn touch_before_compare(word: &AtomicU32) {
    word.load(Relaxed);
}

/// The point where loom may switch threads before a wake: a read-modify-write that leaves the
/// word as it is, so that it conflicts with a compare's load for loom's reduction.
#[track_caller]
fn touch_before_wake(word: &AtomicU32) {
    word.fetch_add(0, Relaxed);
}

/// Blocks while `word` holds `expected` (see the module's table).
pub fn wait(word: &AtomicU32, expected: u32, timeout: Option<Duration>) -> WaitOutcome {
    touch_before_compare(word);
    // From here to the registration, no loom operation: compare and park are one step.
    if word.last.load(std::sync::atomic::Ordering::Relaxed) != expected {
        // Let the others run: a caller that re-reads the word with a loom load then sees a
        // store newer than those it saw before (loom's rule for loads after a yield).
        loom::thread::yield_now();
        return WaitOutcome::Woken;
    }
    if timeout.is_some() {
        return WaitOutcome::TimedOut;
    }
    let ticket = NEXT_TICKET.with(|next| {
        let ticket = next.get();
        next.set(ticket + 1);
        ticket
    });
    PARKED.with(|parked| {
        parked.borrow_mut().push(Parked {
            word: address(word),
            ticket,
            woken: false,
        })
    });
    progress();
    loop {
        loom::thread::yield_now();
        let woken = PARKED.with(|parked| {
            let parked = parked.borrow();
            parked.iter().any(|p| p.ticket == ticket && p.woken)
        });
        let spurious = !woken
            && SPURIOUS_LEFT.with(|left| {
                let spare = left.get() > 0;
                if spare {
                    left.set(left.get() - 1);
                }
                spare
            });
        if woken || spurious {
            progress();
            PARKED.with(|parked| parked.borrow_mut().retain(|p| p.ticket != ticket));
            return WaitOutcome::Woken;
        }
        idle();
    }
}

/// Wakes one thread parked on `word`, if any: the most recently parked one.
pub fn wake_one(word: &AtomicU32) {
    progress();
    touch_before_wake(word);
    PARKED.with(|parked| {
        let mut parked = parked.borrow_mut();
        let newest = parked
            .iter_mut()
            .filter(|p| p.word == address(word) && !p.woken)
            .max_by_key(|p| p.ticket);
        if let Some(p) = newest {
            p.woken = true;
        }
    });
}

/// Wakes every thread parked on `word`.
pub fn wake_all(word: &AtomicU32) {
    progress();
    touch_before_wake(word);
    PARKED.with(|parked| {
        for p in parked.borrow_mut().iter_mut() {
            if p.word == address(word) {
                p.woken = true;
            }
        }
    });
}

/// Whether the calling thread may block: always, under loom.
pub fn can_block() -> bool {
    true
}
