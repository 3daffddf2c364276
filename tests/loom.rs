//! Model checking of the seam-level algorithms in `src/algo/` with loom: every interleaving of
//! a few threads (bounded preemptions) is explored, so a lost wake-up, a broken mutual
//! exclusion or an ordering bug shows up as a failing model (a lost wake-up as a parked waiter
//! spinning until loom's branch limit).
//!
//! The algorithm files are compiled here, unchanged, against this file's `primitive` (loom's
//! atomics) and the loom seam `src/sys/futex/loom.rs`, which promises exactly what the real
//! seam does (no ordering, spurious wake-ups); time does not pass under loom, so models use no
//! timeouts.
//!
//! Run (the xtask's test command does): `RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=2
//! cargo test --release --test loom` (with its own target dir).
#![cfg(loom)]
#![allow(dead_code)]

/// The library's `const_unless_loom!`, as a plain `fn`: loom's atomics are not const.
macro_rules! const_unless_loom {
    ($(#[$m:meta])* $vis:vis fn $($rest:tt)*) => { $(#[$m])* $vis fn $($rest)* };
}

mod primitive {
    /// loom's, plus the value of its last write, which the loom seam's compare reads.
    pub use crate::loom_seam::AtomicU32;
    pub use loom::cell::UnsafeCell;
    pub use loom::sync::atomic::{AtomicPtr, AtomicU64, AtomicUsize, Ordering};
    pub use loom::thread::yield_now;
    /// One re-read before parking keeps the models small (each read is a point loom branches on).
    pub const SPINS: u32 = 1;
    pub const LOCK_SPINS: u32 = 1;
    pub const PUT_BACKOFF_ROUNDS: u32 = 1;
}

// ---- The seam (src/sys/futex/loom.rs): as weak as the contract in src/sys/futex/mod.rs ----
#[path = "../src/sys/futex/loom.rs"]
mod loom_seam;

mod sys {
    pub fn can_block() -> bool {
        true
    }

    pub(crate) use crate::loom_seam as futex;
}
// ---- end of the seam ----

mod time {
    use std::time::Duration;

    /// Time does not pass under loom: models wait without deadlines.
    #[derive(Clone, Copy)]
    pub struct Deadline;

    impl Deadline {
        pub fn remaining(self) -> Option<Duration> {
            None
        }
    }
}

// The files under test, at the crate root so their paths are relative to tests/.
#[path = "../src/algo/event_word.rs"]
mod event_word;
#[path = "../src/algo/fifo_bound.rs"]
mod fifo_bound;
#[path = "../src/algo/fifo_core.rs"]
mod fifo_core;
#[path = "../src/algo/fifo_list.rs"]
mod fifo_list;
#[path = "../src/algo/fifo_ring.rs"]
mod fifo_ring;
#[path = "../src/internal/mutex.rs"]
mod internal_mutex;
#[path = "../src/algo/queue_core.rs"]
mod queue_core;
#[path = "../src/algo/raw_lock.rs"]
mod raw_lock;
#[path = "../src/algo/reentrant_lock.rs"]
mod reentrant_lock;
#[path = "../src/algo/semaphore_word.rs"]
mod semaphore_word;
#[path = "../src/algo/spin.rs"]
mod spin;
#[path = "../src/algo/ticket_condvar.rs"]
mod ticket_condvar;
#[path = "../src/algo/wait_queue.rs"]
mod wait_queue;
#[path = "../src/algo/word.rs"]
mod word;

// ... and under the names they use for each other (`crate::algo::raw_lock`, ...).
mod internal {
    pub(crate) use crate::internal_mutex::Mutex;
}

mod algo {
    pub(crate) use crate::{
        event_word, fifo_bound, fifo_core, fifo_list, fifo_ring, queue_core, raw_lock,
        reentrant_lock, semaphore_word, ticket_condvar, wait_queue,
    };
}

use algo::event_word::EventWord;
use algo::fifo_bound::Bound;
use algo::fifo_core::FifoCore;
use algo::fifo_list::{FifoList, PopFail};
use algo::fifo_ring::FifoRing;
use algo::queue_core::{GetFail, PutFail, QueueCore, Store};
use algo::raw_lock::RawLock;
use algo::reentrant_lock::{Entered, ReentrantLock};
use algo::semaphore_word::SemaphoreWord;
use algo::ticket_condvar::TicketCondvar;
use algo::wait_queue::WaitQueue;
use loom::sync::atomic::{AtomicU32, Ordering::Relaxed};
use loom::sync::Arc;
use loom::thread;

fn take(l: &RawLock) {
    if !l.try_lock() {
        assert!(l.lock_contended(None));
    }
}

/// Lock: mutual exclusion and no lost wake-up. Each thread does a read-then-write increment
/// (lost updates if two were inside at once) and every thread finishes.
#[test]
fn lock_excludes_and_wakes() {
    loom::model(|| {
        let lock = Arc::new(RawLock::new());
        let counter = Arc::new(AtomicU32::new(0));
        let threads: Vec<_> = (0..2)
            .map(|_| {
                let (l, c) = (lock.clone(), counter.clone());
                thread::spawn(move || {
                    take(&l);
                    let v = c.load(Relaxed);
                    c.store(v + 1, Relaxed);
                    assert!(l.unlock());
                })
            })
            .collect();
        take(&lock);
        let v = counter.load(Relaxed);
        counter.store(v + 1, Relaxed);
        assert!(lock.unlock());
        threads.into_iter().for_each(|t| t.join().unwrap());
        assert_eq!(counter.load(Relaxed), 3);
        assert!(!lock.unlock(), "releasing an unlocked lock is refused");
    });
}

/// RLock: the owner re-enters; another thread waits until every level is released.
#[test]
fn rlock_counts_levels_and_excludes() {
    loom::model(|| {
        let lock = Arc::new(ReentrantLock::new());
        let inside = Arc::new(AtomicU32::new(0));
        let threads: Vec<_> = (1..=2u64)
            .map(|me| {
                let (l, inside) = (lock.clone(), inside.clone());
                thread::spawn(move || {
                    if l.try_enter(me).is_none() {
                        assert_eq!(l.enter_waiting(me, 1, None), Some(Entered::Took(1)));
                    }
                    assert_eq!(inside.fetch_add(1, Relaxed), 0, "two owners at once");
                    assert_eq!(l.try_enter(me), Some(Entered::Deeper(2)));
                    assert_eq!(l.exit(me), Ok(1));
                    inside.fetch_sub(1, Relaxed);
                    assert_eq!(l.exit(me), Ok(0));
                    assert!(l.exit(me).is_err(), "one release too many");
                })
            })
            .collect();
        threads.into_iter().for_each(|t| t.join().unwrap());
        assert!(!lock.is_locked());
    });
}

/// Semaphore: never more holders than permits, and a release(2) wakes two waiters.
#[test]
fn semaphore_permits_and_multirelease() {
    loom::model(|| {
        let sem = Arc::new(SemaphoreWord::new(0));
        let waiters: Vec<_> = (0..2)
            .map(|_| {
                let s = sem.clone();
                thread::spawn(move || {
                    if s.try_take().is_none() {
                        assert!(s.take_waiting(None).is_some());
                    }
                })
            })
            .collect();
        assert_eq!(sem.release(2, u32::MAX), Ok(2));
        waiters.into_iter().for_each(|t| t.join().unwrap());
        assert_eq!(sem.value(), 0);
    });
    loom::model(|| {
        let sem = Arc::new(SemaphoreWord::new(1));
        let inside = Arc::new(AtomicU32::new(0));
        let threads: Vec<_> = (0..2)
            .map(|_| {
                let (s, inside) = (sem.clone(), inside.clone());
                thread::spawn(move || {
                    if s.try_take().is_none() {
                        assert!(s.take_waiting(None).is_some());
                    }
                    assert_eq!(inside.fetch_add(1, Relaxed), 0, "over-acquired");
                    inside.fetch_sub(1, Relaxed);
                    s.release(1, 1).unwrap();
                })
            })
            .collect();
        threads.into_iter().for_each(|t| t.join().unwrap());
        assert_eq!(sem.value(), 1);
        assert!(sem.release(1, 1).is_err(), "bounded: over-release refused");
    });
}

/// Event: a waiter that started before a `set()` returns true, even if the event is cleared
/// again at once (EV-04). (A waiter that starts after set+clear rightly waits for the next set,
/// so the model hands the setter a "ticket taken" flag first.)
#[test]
fn event_set_then_clear_releases_waiter() {
    loom::model(|| {
        let event = Arc::new(EventWord::new());
        let ticket_taken = Arc::new(AtomicU32::new(0));
        let (e, taken) = (event.clone(), ticket_taken.clone());
        let waiter = thread::spawn(move || {
            let ticket = e.ticket();
            taken.store(1, loom::sync::atomic::Ordering::Release);
            match ticket {
                None => true,
                Some(ticket) => e.wait(ticket, None),
            }
        });
        while ticket_taken.load(loom::sync::atomic::Ordering::Acquire) == 0 {
            thread::yield_now();
        }
        event.set();
        event.clear();
        assert!(waiter.join().unwrap());
    });
}

/// Condition's queue: the classic handshake (flag under a lock, wait in a loop, notify under
/// the lock) never loses the notification.
#[test]
fn wait_queue_handshake() {
    loom::model(|| {
        let lock = Arc::new(RawLock::new());
        let queue = Arc::new(WaitQueue::new());
        let ready = Arc::new(AtomicU32::new(0));
        let (l, q, r) = (lock.clone(), queue.clone(), ready.clone());
        let waiter = thread::spawn(move || {
            take(&l);
            while r.load(Relaxed) == 0 {
                let me = q.enqueue();
                l.unlock();
                assert!(q.wait(&me, None, true));
                take(&l);
            }
            l.unlock();
        });
        take(&lock);
        ready.store(1, Relaxed);
        queue.notify(1);
        lock.unlock();
        waiter.join().unwrap();
        assert_eq!(queue.len(), 0);
    });
}

/// The process-shared Condition's tickets: a waiter whose tickets were taken under the lock,
/// then let go of it, is woken by each notify, whether it comes before or after the waiter
/// starts to wait, and learns under the lock again that it was notified. (Two waits in a row:
/// the loom seam returns spuriously once per thread, so the second needs the notify's wake.)
#[test]
fn ticket_condvar_notify_reaches_a_registered_waiter() {
    loom::model(|| {
        let lock = Arc::new(RawLock::new());
        let cv = Arc::new(TicketCondvar::new());
        take(&lock);
        let (a, b) = (cv.register().unwrap(), cv.register().unwrap());
        lock.unlock();
        let (l, c) = (lock.clone(), cv.clone());
        let waiter = thread::spawn(move || {
            assert!(c.wait(a, None, true));
            assert!(c.wait(b, None, false));
            take(&l);
            assert!(c.finish(a) && c.finish(b));
            l.unlock();
        });
        for _ in 0..2 {
            take(&lock);
            assert_eq!(cv.notify(1), 1);
            lock.unlock();
        }
        waiter.join().unwrap();
        assert_eq!(cv.len(), 0);
    });
}

/// Three tickets: one whose waiter died (nobody waits on it), one whose waiter gives up (its
/// deadline has passed: time does not pass under loom, so it times out at once) while
/// notifies race it, and a third that the main thread checks at the end. Each `notify(1)`
/// counts exactly one live ticket, oldest first (the dead one first); the one that gave up is
/// never counted after it gave up, whether it was in the middle of the queue or at its head.
#[test]
fn ticket_condvar_timeout_racing_notify_is_counted_once() {
    loom::model(|| {
        let lock = Arc::new(RawLock::new());
        let cv = Arc::new(TicketCondvar::new());
        take(&lock);
        let _dead = cv.register().unwrap();
        let (t1, t2) = (cv.register().unwrap(), cv.register().unwrap());
        lock.unlock();
        let (l, c) = (lock.clone(), cv.clone());
        let timed = thread::spawn(move || {
            c.wait(t1, Some(time::Deadline), false);
            take(&l);
            let notified = c.finish(t1);
            l.unlock();
            notified
        });
        for _ in 0..2 {
            take(&lock);
            assert_eq!(cv.notify(1), 1); // the dead ticket, then t1 or (gave up) t2
            lock.unlock();
        }
        let timed_got_it = timed.join().unwrap();
        take(&lock);
        // If the timed waiter took the second notification, t2 is still pending.
        assert_eq!(cv.notify(1), usize::from(timed_got_it));
        assert!(cv.finish(t2), "the third ticket was notified");
        lock.unlock();
        assert_eq!(cv.len(), 0);
    });
}

/// A FIFO store for the queue model.
struct Fifo(std::collections::VecDeque<u32>);

impl Store for Fifo {
    type Item = u32;
    fn len(&self) -> usize {
        self.0.len()
    }
    fn push(&mut self, item: u32) {
        self.0.push_back(item)
    }
    fn pop(&mut self) -> Option<u32> {
        self.0.pop_front()
    }
}

/// Queue: put / get on a queue of size 1. The producer must wait for room and the consumer
/// for items; nobody is left behind, the items arrive in order.
#[test]
fn queue_put_waits_for_room_get_waits_for_item() {
    loom::model(|| {
        let q = Arc::new(QueueCore::new(Fifo(Default::default()), 1));
        let p = q.clone();
        let producer = thread::spawn(move || {
            for item in [1, 2] {
                assert!(p.put_waiting(item, None).is_ok());
            }
        });
        for expected in [1, 2] {
            assert_eq!(q.get_waiting(None).map(|(item, _)| item), Ok(expected));
        }
        producer.join().unwrap();
    });
}

/// Queue: `join` waits until the consumer's `task_done`, and then never again.
#[test]
fn queue_join_waits_for_task_done() {
    loom::model(|| {
        let q = Arc::new(QueueCore::new(Fifo(Default::default()), 0));
        assert!(q.try_put(1).is_ok());
        let c = q.clone();
        let consumer = thread::spawn(move || {
            assert_eq!(c.get_waiting(None).map(|(item, _)| item), Ok(1));
            assert!(c.task_done().is_some());
        });
        q.join_waiting();
        assert_eq!(q.unfinished(), 0);
        consumer.join().unwrap();
        assert!(
            q.task_done().is_none(),
            "task_done too many times is refused"
        );
    });
}

/// Queue: a shutdown wakes a blocked getter, which then fails with ShutDown; later puts fail.
#[test]
fn queue_shutdown_wakes_getter() {
    loom::model(|| {
        let q = Arc::new(QueueCore::new(Fifo(Default::default()), 0));
        let c = q.clone();
        let getter = thread::spawn(move || c.get_waiting(None).map(|(item, _)| item));
        q.shutdown(false);
        assert_eq!(getter.join().unwrap(), Err(GetFail::ShutDown));
        assert_eq!(
            q.try_put(7).map_err(|(why, item)| (why, item)),
            Err((PutFail::ShutDown, 7))
        );
    });
}

/// FIFO (a ring of one slot): a producer puts three items into a queue of size 1, so it waits
/// for room twice and the ring laps; the consumer waits for each item. Everything arrives
/// once, in order, and nobody is left parked.
#[test]
fn fifo_put_waits_for_room_get_waits_for_item() {
    loom::model(|| {
        let q = Arc::new(FifoCore::new(1));
        let p = q.clone();
        let producer = thread::spawn(move || {
            for item in [1, 2, 3] {
                assert!(p.put_waiting(item, None).is_ok());
            }
        });
        for expected in [1, 2, 3] {
            assert_eq!(q.get_waiting(None), Ok(expected));
        }
        producer.join().unwrap();
        assert_eq!(q.len(), 0);
    });
}

/// FIFO list: two consumers race for three items across a block switch, and the block's
/// freeing is handed between them (`DESTROY`); each item is taken exactly once.
#[test]
fn fifo_list_consumers_share_items_and_free_blocks() {
    loom::model(|| {
        let list = Arc::new(FifoList::new());
        for item in [1, 2, 3] {
            assert!(list.push(item, |_| true).is_ok());
        }
        let other = list.clone();
        let taker = thread::spawn(move || {
            let mut got = Vec::new();
            while let Ok(item) = other.pop() {
                got.push(item);
            }
            got
        });
        let mut mine = Vec::new();
        while let Ok(item) = list.pop() {
            mine.push(item);
        }
        let mut all = taker.join().unwrap();
        all.extend(mine);
        all.sort_unstable();
        assert_eq!(all, [1, 2, 3]);
        assert_eq!(list.pop(), Err(PopFail::Empty));
    });
}

/// FIFO list: two producers race (one of them across the block switch) while a consumer
/// takes; nothing is lost or duplicated, and each producer's items stay in its order.
#[test]
fn fifo_list_producers_race_a_consumer() {
    loom::model(|| {
        let list = Arc::new(FifoList::new());
        let a = list.clone();
        let pa = thread::spawn(move || {
            assert!(a.push(10, |_| true).is_ok());
            assert!(a.push(11, |_| true).is_ok());
        });
        let b = list.clone();
        let pb = thread::spawn(move || assert!(b.push(20, |_| true).is_ok()));
        let mut got = Vec::new();
        if let Ok(item) = list.pop() {
            got.push(item);
        }
        pa.join().unwrap();
        pb.join().unwrap();
        while let Ok(item) = list.pop() {
            got.push(item);
        }
        let tens: Vec<_> = got.iter().filter(|&&i| i < 20).copied().collect();
        assert_eq!(tens, [10, 11]);
        got.sort_unstable();
        assert_eq!(got, [10, 11, 20]);
    });
}

/// FIFO: `join` waits for the consumer's `task_done`; a shutdown wakes a blocked getter,
/// which fails with ShutDown, and later puts fail.
#[test]
fn fifo_join_and_shutdown_wake_waiters() {
    loom::model(|| {
        let q = Arc::new(FifoCore::new(0));
        assert!(q.try_put(1).is_ok());
        let c = q.clone();
        let consumer = thread::spawn(move || {
            assert_eq!(c.get_waiting(None), Ok(1));
            assert!(c.task_done().is_some());
            c.get_waiting(None)
        });
        q.join_waiting();
        assert_eq!(q.unfinished(), 0);
        q.shutdown(false);
        assert_eq!(consumer.join().unwrap(), Err(GetFail::ShutDown));
        assert_eq!(q.try_put(7), Err((PutFail::ShutDown, 7)));
        assert!(
            q.task_done().is_none(),
            "task_done too many times is refused"
        );
    });
}

/// FIFO (ring): a putter blocked on a full queue wakes when `maxsize` grows back (CPython lets
/// it be assigned), and `shutdown(immediate)` drops what is left and counts it done.
#[test]
fn fifo_growing_maxsize_wakes_putter() {
    loom::model(|| {
        let q = Arc::new(FifoCore::new(2));
        q.set_maxsize(1);
        assert!(q.try_put(1).is_ok());
        let p = q.clone();
        let putter = thread::spawn(move || p.put_waiting(2, None).is_ok());
        thread::yield_now(); // lets the putter start (and park) before the change
        q.set_maxsize(2);
        assert!(putter.join().unwrap());
        assert_eq!(q.len(), 2);
        assert_eq!(q.shutdown(true), [1, 2]);
        assert_eq!(q.unfinished(), 0);
    });
}

/// FIFO (list with a bound set later): the same handover as the ring's model, through the
/// list's bound and block switch.
#[test]
fn fifo_list_bounded_put_waits_for_room() {
    loom::model(|| {
        let q = Arc::new(FifoCore::new(0));
        q.set_maxsize(1);
        let p = q.clone();
        let producer = thread::spawn(move || {
            for item in [1, 2, 3] {
                assert!(p.put_waiting(item, None).is_ok());
            }
        });
        for expected in [1, 2, 3] {
            assert_eq!(q.get_waiting(None), Ok(expected));
        }
        producer.join().unwrap();
    });
}

/// FIFO ring of two slots: two producers and two consumers race through more than a lap;
/// every item is taken exactly once.
#[test]
fn fifo_ring_producers_and_consumers_race() {
    loom::model(|| {
        let ring = Arc::new(FifoRing::new(2));
        let unbounded = Bound::new(0);
        assert!(ring.push(0, &unbounded).is_ok());
        let producers: Vec<_> = [1, 2]
            .into_iter()
            .map(|item| {
                let r = ring.clone();
                thread::spawn(move || {
                    let mut item = item;
                    loop {
                        match r.push(item, &Bound::new(0)) {
                            Ok(()) => break,
                            Err((_, back)) => item = back,
                        }
                        thread::yield_now();
                    }
                })
            })
            .collect();
        let r = ring.clone();
        let consumer = thread::spawn(move || {
            let mut got = Vec::new();
            while got.len() < 2 {
                if let Ok(item) = r.pop() {
                    got.push(item);
                }
                thread::yield_now();
            }
            got
        });
        for p in producers {
            p.join().unwrap();
        }
        let mut all = consumer.join().unwrap();
        while let Ok(item) = ring.pop() {
            all.push(item);
        }
        all.sort_unstable();
        assert_eq!(all, [0, 1, 2]);
    });
}

/// FIFO, the ring's move: a getter drains the ring (one slot) and waits while `maxsize` is
/// raised past it, which moves later puts to the list; the put there wakes the getter, and
/// the items come in order, whenever the getter re-checked.
#[test]
fn fifo_move_to_list_wakes_getter_in_order() {
    loom::model(|| {
        let q = Arc::new(FifoCore::new(1));
        assert!(q.try_put(1).is_ok());
        let c = q.clone();
        let getter = thread::spawn(move || [c.get_waiting(None), c.get_waiting(None)]);
        thread::yield_now(); // lets the getter start (see above)
        q.set_maxsize(3);
        assert!(q.try_put(2).is_ok());
        assert_eq!(getter.join().unwrap(), [Ok(1), Ok(2)]);
        assert_eq!((q.len(), q.unfinished()), (0, 2));
    });
}

/// FIFO, the ring's move: a putter blocked on the full ring wakes when `maxsize` is raised
/// past it and puts into the list; a bound lowered after the move still counts the item left
/// in the ring.
#[test]
fn fifo_move_wakes_putter_and_counts_the_ring() {
    loom::model(|| {
        let q = Arc::new(FifoCore::new(1));
        assert!(q.try_put(1).is_ok());
        let p = q.clone();
        let putter = thread::spawn(move || p.put_waiting(2, None).is_ok());
        // Lets the putter start (and park): loom explores the interleavings from here.
        thread::yield_now();
        q.set_maxsize(2);
        assert!(putter.join().unwrap());
        q.set_maxsize(1);
        assert_eq!(q.try_put(3), Err((PutFail::Full, 3)));
        assert_eq!(q.try_get(), Ok(1));
        assert_eq!(q.try_put(3), Err((PutFail::Full, 3)), "1 of 1, in the list");
        assert_eq!(q.try_get(), Ok(2));
        assert!(q.try_put(3).is_ok());
    });
}

/// FIFO, the ring's move: `len` while a getter drains the ring and a putter fills the list is
/// a true snapshot (read one store after the other, they once summed to more than `maxsize`).
#[test]
fn fifo_len_across_the_move_never_exceeds_maxsize() {
    loom::model(|| {
        let q = Arc::new(FifoCore::new(1));
        assert!(q.try_put(1).is_ok());
        q.set_maxsize(2);
        let c = q.clone();
        let getter = thread::spawn(move || assert_eq!(c.try_get(), Ok(1)));
        let p = q.clone();
        let putter = thread::spawn(move || {
            assert!(p.try_put(2).is_ok());
            let _ = p.try_put(3); // Full unless the get came first
        });
        // Lets the others start: loom explores the interleavings of `len` with them from here.
        thread::yield_now();
        let len = q.len();
        assert!(len <= 2, "len {len} > maxsize 2");
        getter.join().unwrap();
        putter.join().unwrap();
    });
}

/// FIFO: `join` while a producer puts and a consumer gets and marks done (the unfinished count
/// is the tail's count minus the tasks done): the joiner always wakes, and a task_done never
/// fails for an item that was got.
#[test]
fn fifo_join_races_puts_and_task_done() {
    loom::model(|| {
        let q = Arc::new(FifoCore::new(0));
        assert!(q.try_put(1).is_ok());
        let p = q.clone();
        let producer = thread::spawn(move || assert!(p.try_put(2).is_ok()));
        let c = q.clone();
        let consumer = thread::spawn(move || {
            for expected in [1, 2] {
                assert_eq!(c.get_waiting(None), Ok(expected));
                assert!(c.task_done().is_some(), "the item got is counted");
            }
        });
        q.join_waiting();
        producer.join().unwrap();
        consumer.join().unwrap();
        assert_eq!(q.unfinished(), 0);
        assert!(q.task_done().is_none());
    });
}

// ===============================================================================================
// The pipe's byte ring (src/ipc/ring.rs), compiled here unchanged. A region of its own: the ring
// takes its words, bytes, wait/wake and liveness check from its `RingMemory` trait, so these
// models implement that trait over loom (below) and use nothing of the seam above. The data
// bytes are loom `UnsafeCell`s, so a byte the reader copies while the writer may still be
// writing it (a missing happens-before in the handshake) fails the model.
// ===============================================================================================

#[path = "../src/ipc/ring.rs"]
mod pipe_ring;

mod pipe_ring_model {
    use crate::pipe_ring::{self as ring, Reader, RingError, RingMemory, Word, Writer};
    use loom::cell::UnsafeCell;
    use loom::sync::atomic::{AtomicBool, AtomicU32, Ordering};
    use loom::sync::{Arc, Condvar, Mutex};
    use loom::thread;
    use std::time::Duration;

    /// One ring: its two words, its bytes, one futex-like park for both words, and whether
    /// each side (0 writer, 1 reader) has hung up.
    pub struct Shared {
        tail: AtomicU32,
        head: AtomicU32,
        data: Vec<UnsafeCell<u8>>,
        park: (Mutex<()>, Condvar),
        gone: [AtomicBool; 2],
    }

    /// One side's view: `me` decides whose liveness `peer_alive` reports.
    pub struct Side {
        shared: Arc<Shared>,
        me: usize,
    }

    impl Shared {
        fn new(capacity: usize) -> Arc<Shared> {
            Arc::new(Shared {
                tail: AtomicU32::new(0),
                head: AtomicU32::new(0),
                data: (0..capacity).map(|_| UnsafeCell::new(0)).collect(),
                park: (Mutex::new(()), Condvar::new()),
                gone: [AtomicBool::new(false), AtomicBool::new(false)],
            })
        }
    }

    impl Side {
        fn word(&self, w: Word) -> &AtomicU32 {
            match w {
                Word::Tail => &self.shared.tail,
                Word::Head => &self.shared.head,
            }
        }

        /// This side closes: its token goes first (so a woken peer finds it gone), then the
        /// hang-up on the word it owns.
        fn close(&self) {
            self.shared.gone[self.me].store(true, Ordering::Release);
            ring::hang_up(self, if self.me == 0 { Word::Tail } else { Word::Head });
        }
    }

    impl RingMemory for Side {
        fn capacity(&self) -> u32 {
            self.shared.data.len() as u32
        }
        fn load(&self, w: Word, o: Ordering) -> u32 {
            self.word(w).load(o)
        }
        fn compare_exchange(
            &self,
            w: Word,
            current: u32,
            new: u32,
            success: Ordering,
            failure: Ordering,
        ) -> Result<u32, u32> {
            self.word(w)
                .compare_exchange(current, new, success, failure)
        }
        fn fetch_or(&self, w: Word, bits: u32, o: Ordering) -> u32 {
            self.word(w).fetch_or(bits, o)
        }
        /// A futex: compares under the park's mutex, sleeps until a wake. Time does not pass
        /// under loom, so the slice never ends a sleep: every model must end by wake-ups
        /// alone (a sleeper nobody wakes is a deadlock loom reports).
        fn wait(&self, w: Word, expected: u32, _timeout: Duration) -> bool {
            let guard = self.shared.park.0.lock().unwrap();
            if self.word(w).load(Ordering::SeqCst) == expected {
                drop(self.shared.park.1.wait(guard).unwrap());
            }
            false
        }
        fn wake_all(&self, _w: Word) {
            drop(self.shared.park.0.lock().unwrap());
            self.shared.park.1.notify_all();
        }
        fn read(&self, at: u32, dst: &mut [u8]) -> bool {
            for (i, b) in dst.iter_mut().enumerate() {
                // SAFETY: loom's cell checks this read against every write for a race.
                *b = self.shared.data[at as usize + i].with(|p| unsafe { *p });
            }
            true
        }
        fn write(&self, at: u32, src: &[u8]) -> bool {
            for (i, &b) in src.iter().enumerate() {
                // SAFETY: loom's cell checks this write against every access for a race.
                self.shared.data[at as usize + i].with_mut(|p| unsafe { *p = b });
            }
            true
        }
        fn read_u32(&self, at: u32) -> u32 {
            let mut b = [0u8; 4];
            self.read(at, &mut b);
            u32::from_le_bytes(b)
        }
        fn write_u32(&self, at: u32, v: u32) {
            self.write(at, &v.to_le_bytes());
        }
        fn peer_alive(&self) -> bool {
            !self.shared.gone[1 - self.me].load(Ordering::Acquire)
        }
    }

    fn sides(capacity: usize) -> (Side, Side) {
        let shared = Shared::new(capacity);
        (
            Side {
                shared: shared.clone(),
                me: 0,
            },
            Side { shared, me: 1 },
        )
    }

    fn msg(n: usize, seed: u8) -> Vec<u8> {
        (0..n).map(|i| seed.wrapping_add(i as u8)).collect()
    }

    /// Three frames through a 16-byte ring: the second (16 bytes with its header) waits for
    /// the first to be taken and wraps its payload around the end; the third waits for the
    /// second. Each arrives whole, in order, with no data race on the bytes.
    #[test]
    fn pipe_ring_frames_arrive_whole_and_in_order_through_a_full_ring() {
        loom::model(|| {
            let (w_side, r_side) = sides(16);
            let sizes = [2usize, 8, 1];
            let writer = thread::spawn(move || {
                let mut w = Writer::attach(&w_side).unwrap();
                for (k, &n) in sizes.iter().enumerate() {
                    ring::send(&w_side, &mut w, &msg(n, k as u8 * 16), None).unwrap();
                }
            });
            let mut r = Reader::attach(&r_side).unwrap();
            for (k, &n) in sizes.iter().enumerate() {
                assert_eq!(
                    ring::recv(&r_side, &mut r, None).unwrap(),
                    msg(n, k as u8 * 16)
                );
            }
            writer.join().unwrap();
        });
    }

    /// The writer sends one frame and closes while the reader may already sleep: the reader
    /// gets the frame, then PeerGone; it is never left asleep.
    #[test]
    fn pipe_ring_writer_close_wakes_the_reader_after_delivering() {
        loom::model(|| {
            let (w_side, r_side) = sides(16);
            let writer = thread::spawn(move || {
                let mut w = Writer::attach(&w_side).unwrap();
                ring::send(&w_side, &mut w, &[7, 7], None).unwrap();
                w_side.close();
            });
            let mut r = Reader::attach(&r_side).unwrap();
            assert_eq!(ring::recv(&r_side, &mut r, None).unwrap(), vec![7, 7]);
            assert_eq!(ring::recv(&r_side, &mut r, None), Err(RingError::PeerGone));
            writer.join().unwrap();
        });
    }

    /// The ring is full and the writer waits for room while the reader closes: the writer
    /// gets PeerGone and is never left asleep.
    #[test]
    fn pipe_ring_reader_close_wakes_the_waiting_writer() {
        loom::model(|| {
            let (w_side, r_side) = sides(16);
            let mut w = Writer::attach(&w_side).unwrap();
            ring::send(&w_side, &mut w, &[1; 8], None).unwrap(); // fills the ring
            let reader = thread::spawn(move || r_side.close());
            assert_eq!(
                ring::send(&w_side, &mut w, &[2], None),
                Err(RingError::PeerGone)
            );
            reader.join().unwrap();
        });
    }
}

// ===============================================================================================
// The process queue's lock (src/ipc/shared_lock.rs), compiled here unchanged. A region of its own:
// the lock takes its word, wait/wake and the holder's liveness from its `LockWord` trait, which
// these models implement over the loom seam above (as weak as the futex contract) and a table of
// dead "processes" (model threads). Time does not pass under loom, so a waiter's slice never
// ends by itself: a wait on a value naming a live holder parks until a wake, and a wait on a
// value naming a dead holder "times out" at once (its slice is over). A holder that dies while
// a waiter already sleeps is the native tests' case (src/ipc/queue/tests.rs and
// tests/process_ipc.rs): there only the slice wakes the waiter, which no model can show.
// ===============================================================================================

#[path = "../src/ipc/shared_lock.rs"]
mod process_lock;

mod process_lock_model {
    use crate::process_lock::{self as lock, Acquired, LockWord, PID_MASK};
    use crate::sys::futex;
    use loom::cell::UnsafeCell;
    use loom::sync::atomic::{AtomicBool, Ordering};
    use loom::sync::Arc;
    use loom::thread;
    use std::time::Duration;

    /// The lock word, a counter only the holder may touch, and which "processes" (ids 1..=3)
    /// are dead.
    pub struct Shared {
        word: crate::primitive::AtomicU32,
        counter: UnsafeCell<u32>,
        dead: [AtomicBool; 4],
    }

    impl Shared {
        fn new() -> Arc<Shared> {
            Arc::new(Shared {
                word: crate::primitive::AtomicU32::new(0),
                counter: UnsafeCell::new(0),
                dead: std::array::from_fn(|_| AtomicBool::new(false)),
            })
        }

        /// The holder's critical section: a read-then-write increment (lost if two were in).
        fn bump(&self) {
            // SAFETY: loom checks this access against every other for a race.
            self.counter.with_mut(|p| unsafe { *p += 1 });
        }

        fn count(&self) -> u32 {
            // SAFETY: as in `bump`.
            self.counter.with(|p| unsafe { *p })
        }
    }

    impl LockWord for Shared {
        fn load(&self, o: Ordering) -> u32 {
            self.word.load(o)
        }
        fn compare_exchange(
            &self,
            current: u32,
            new: u32,
            success: Ordering,
            failure: Ordering,
        ) -> Result<u32, u32> {
            self.word.compare_exchange(current, new, success, failure)
        }
        fn wait(&self, expected: u32, _timeout: Duration) -> bool {
            if !self.alive(expected & PID_MASK) {
                return true; // the slice is over; the holder is gone
            }
            futex::wait(&self.word, expected, None);
            false
        }
        fn wake_all(&self) {
            futex::wake_all(&self.word)
        }
        fn alive(&self, pid: u32) -> bool {
            !self.dead[pid as usize].load(Ordering::Acquire)
        }
    }

    fn locked_bump(s: &Shared, me: u32) -> Acquired {
        let how = lock::lock(s, me, None).unwrap();
        s.bump();
        lock::unlock(s, me).unwrap();
        how
    }

    /// Three processes take the lock once each: mutual exclusion (no increment lost) and no
    /// lost wake-up (every waiter ends), and nobody is taken for dead.
    #[test]
    fn process_lock_excludes_and_wakes_every_waiter() {
        loom::model(|| {
            let s = Shared::new();
            let others: Vec<_> = [2u32, 3]
                .into_iter()
                .map(|me| {
                    let s = s.clone();
                    thread::spawn(move || locked_bump(&s, me))
                })
                .collect();
            assert_eq!(locked_bump(&s, 1), Acquired::Clean);
            for t in others {
                assert_eq!(t.join().unwrap(), Acquired::Clean);
            }
            assert_eq!(s.count(), 3);
            assert_eq!(s.word.load(Ordering::Relaxed), 0, "the lock ends free");
        });
    }

    /// Process 1 took the lock and died holding it (its increment was made). Two waiters
    /// race: exactly one takes it over with `OwnerDied(1)`, the other waits for that one's
    /// unlock; both get the lock alone, and neither is left asleep.
    #[test]
    fn process_lock_is_taken_over_from_a_dead_holder_exactly_once() {
        loom::model(|| {
            let s = Shared::new();
            assert!(lock::try_lock(&*s, 1));
            s.bump();
            s.dead[1].store(true, Ordering::Release);
            let t = {
                let s = s.clone();
                thread::spawn(move || locked_bump(&s, 3))
            };
            let mine = locked_bump(&s, 2);
            let theirs = t.join().unwrap();
            let mut outcomes = [mine, theirs];
            outcomes.sort_by_key(|a| *a == Acquired::Clean);
            assert_eq!(outcomes, [Acquired::OwnerDied(1), Acquired::Clean]);
            assert_eq!(s.count(), 3);
            assert_eq!(s.word.load(Ordering::Relaxed), 0, "the lock ends free");
        });
    }
}

// ---- Models of the seam itself (src/sys/futex/loom.rs) ----

/// A hand-over through a futex word: the producer writes `data`, stores 1 to `flag` (Release),
/// wakes; the consumer waits on `flag` while it holds 0, then reads it with `observe` (and
/// waits again while it reads 0), then reads `data`. Under the seam's contract only the
/// flag's own Release/Acquire orders `data`.
fn futex_handoff(observe: loom::sync::atomic::Ordering) {
    use loom::sync::atomic::Ordering::Release;
    use sys::futex;
    loom::model(move || {
        let data = Arc::new(loom::cell::UnsafeCell::new(0u32));
        let flag = Arc::new(primitive::AtomicU32::new(0));
        let (d, f) = (data.clone(), flag.clone());
        let producer = thread::spawn(move || {
            // SAFETY: loom checks this access against the consumer's read.
            d.with_mut(|p| unsafe { *p = 42 });
            f.store(1, Release);
            futex::wake_one(&f);
        });
        loop {
            futex::wait(&flag, 0, None);
            if flag.load(observe) != 0 {
                break;
            }
        }
        // SAFETY: loom reports it if the producer's write does not happen-before this read.
        assert_eq!(data.with(|p| unsafe { *p }), 42);
        producer.join().unwrap();
    });
}

/// The seam orders nothing: a consumer that reads its flag with Relaxed, counting on the
/// futex (its compare, its wake) to order the data, is caught. (The earlier loom seam, a
/// SeqCst compare under a mutex the waker also took, let this pass: every way to the read
/// went through an Acquire compare or the mutex.)
#[test]
#[should_panic(expected = "Causality violation")]
fn seam_catches_reliance_on_the_futex_for_ordering() {
    futex_handoff(loom::sync::atomic::Ordering::Relaxed);
}

/// The same hand-over with the flag read with Acquire passes: the model above fails for the
/// missing Acquire, not for the seam.
#[test]
fn seam_handoff_ordered_by_its_own_word_passes() {
    futex_handoff(loom::sync::atomic::Ordering::Acquire);
}

/// The seam returns spuriously: a wait nobody wakes, on a word nobody changes, still returns
/// (`Woken`, the word unchanged), so a caller that takes a return for its condition is caught.
/// (Without spurious returns this model would spin until loom's branch limit.)
#[test]
fn seam_returns_spuriously_without_a_wake() {
    use sys::futex::{self, WaitOutcome};
    loom::model(|| {
        let word = Arc::new(primitive::AtomicU32::new(0));
        let w = word.clone();
        let waiter = thread::spawn(move || futex::wait(&w, 0, None));
        assert_eq!(waiter.join().unwrap(), WaitOutcome::Woken);
        assert_eq!(word.load(Relaxed), 0, "nobody changed the word");
    });
}
