//! Bounded stress tests: many threads, random timeouts, and (with `--features portable-seam`)
//! spurious wake-ups injected by the fallback seam. They assert what must never happen: more
//! holders than permits (over-acquire), a wake-up lost (a thread that never finishes: every
//! join is bounded), an item consumed twice or never.
#![cfg(not(target_arch = "wasm32"))]

mod stress_common;

use concurrency::{Barrier, Condition, Event, Lock, RLock, Semaphore, Thread, ThreadState};
use std::sync::atomic::{
    AtomicU32, AtomicU64,
    Ordering::{Relaxed, SeqCst},
};
use std::sync::Arc;
use std::time::Duration;
use stress_common::{chaos, join_all, start, Rng, BOUND};

const THREADS: usize = 8;

/// Runs `work(i, rng)` on THREADS library threads; every one must finish within BOUND.
fn run(name: &str, work: impl Fn(usize, &mut Rng) + Send + Sync + Clone + 'static) {
    chaos();
    let threads: Vec<Thread> = (0..THREADS)
        .map(|i| {
            let work = work.clone();
            start(format!("{name}-{i}"), i as u32, move |rng| work(i, rng))
        })
        .collect();
    join_all(&threads);
}

/// What a stress test counts across its threads: acquisitions that succeeded, and the
/// attempts made without a timeout (each of which must succeed).
#[derive(Default)]
struct Tally {
    taken: AtomicU64,
    untimed: AtomicU64,
}

impl Tally {
    /// Records one attempt: `taken` is what the acquire returned for `timeout`.
    fn record(&self, timeout: Option<Duration>, taken: bool) {
        assert!(
            taken || timeout.is_some(),
            "an acquire without a timeout returned false"
        );
        self.untimed.fetch_add(timeout.is_none() as u64, SeqCst);
        self.taken.fetch_add(taken as u64, SeqCst);
    }

    /// Every untimed attempt took it, and no more were taken than attempted.
    fn check(&self, attempts: u64) -> u64 {
        let (taken, untimed) = (self.taken.load(SeqCst), self.untimed.load(SeqCst));
        assert!(
            untimed > 0 && taken >= untimed && taken <= attempts,
            "taken {taken}, untimed attempts {untimed}, attempts {attempts}"
        );
        taken
    }
}

#[test]
fn lock_never_has_two_holders() {
    const ROUNDS: u64 = 20_000;
    let (lock, inside, tally) = (
        Arc::new(Lock::new()),
        Arc::new(AtomicU32::new(0)),
        Arc::new(Tally::default()),
    );
    // Incremented by a separate load and store under the lock: two holders at once lose
    // updates, which the final count shows even if `inside` missed the overlap.
    let count = Arc::new(AtomicU64::new(0));
    let (l, t, c) = (lock.clone(), tally.clone(), count.clone());
    run("lock", move |_, rng| {
        for _ in 0..ROUNDS {
            let timeout = rng.timeout();
            let taken = l.acquire(true, timeout).unwrap();
            t.record(timeout, taken);
            if taken {
                assert_eq!(inside.fetch_add(1, SeqCst), 0, "two holders");
                c.store(c.load(Relaxed) + 1, Relaxed);
                inside.fetch_sub(1, SeqCst);
                l.release().unwrap();
            }
        }
    });
    let taken = tally.check(ROUNDS * THREADS as u64);
    assert_eq!(
        count.load(Relaxed),
        taken,
        "an update under the lock was lost"
    );
    assert!(!lock.locked(), "every holder released it");
}

#[test]
fn rlock_levels_stay_with_their_owner() {
    const ROUNDS: u64 = 5000;
    let (lock, inside, tally) = (
        Arc::new(RLock::new()),
        Arc::new(AtomicU32::new(0)),
        Arc::new(Tally::default()),
    );
    let (l, t) = (lock.clone(), tally.clone());
    run("rlock", move |_, rng| {
        for _ in 0..ROUNDS {
            let timeout = rng.timeout();
            let taken = l.acquire(true, timeout).unwrap();
            t.record(timeout, taken);
            if taken {
                assert_eq!(inside.fetch_add(1, SeqCst), 0, "two owners");
                let depth = rng.below(3) + 1;
                for _ in 0..depth {
                    assert!(
                        l.acquire(true, rng.timeout()).unwrap(),
                        "the owner re-enters at once"
                    );
                }
                assert_eq!(l.recursion_count(), depth + 1);
                for _ in 0..depth {
                    l.release().unwrap();
                }
                inside.fetch_sub(1, SeqCst);
                l.release().unwrap();
            }
        }
    });
    tally.check(ROUNDS * THREADS as u64);
    assert!(!lock.locked(), "every owner released every level");
}

#[test]
fn semaphore_never_over_acquires() {
    const ROUNDS: u64 = 20_000;
    let (sem, inside, tally) = (
        Arc::new(Semaphore::new(3).unwrap()),
        Arc::new(AtomicU32::new(0)),
        Arc::new(Tally::default()),
    );
    let (s, t) = (sem.clone(), tally.clone());
    run("semaphore", move |_, rng| {
        for _ in 0..ROUNDS {
            let timeout = rng.timeout();
            let taken = s.acquire(true, timeout).unwrap();
            t.record(timeout, taken);
            if taken {
                assert!(inside.fetch_add(1, SeqCst) < 3, "more holders than permits");
                inside.fetch_sub(1, SeqCst);
                s.release(1).unwrap();
            }
        }
    });
    tally.check(ROUNDS * THREADS as u64);
    assert_eq!(sem.value(), 3, "every permit came back");
}

#[test]
fn event_wakes_every_waiter_every_round() {
    chaos();
    for round in 0..50 {
        let event = Arc::new(Event::new());
        let woke = Arc::new(AtomicU32::new(0));
        let waiters: Vec<Thread> = (0..THREADS)
            .map(|_| {
                let (e, w) = (event.clone(), woke.clone());
                let t = Thread::new(move || {
                    assert_eq!(e.wait(None), Ok(true));
                    w.fetch_add(1, SeqCst);
                });
                t.start().unwrap();
                t
            })
            .collect();
        // A waiter that starts after set+clear rightly waits for the next set: let all of
        // them begin waiting first (Blocked comes after the wait took its ticket).
        let start = concurrency::monotonic();
        while !waiters
            .iter()
            .all(|t| matches!(t.state(), ThreadState::Blocked { .. }))
        {
            assert!(
                concurrency::monotonic() - start < BOUND,
                "waiters never started waiting"
            );
            std::thread::yield_now();
        }
        event.set();
        if round % 2 == 0 {
            event.clear(); // EV-04: a set immediately cleared still wakes every waiter
        }
        for t in &waiters {
            assert_eq!(
                t.join(BOUND),
                Ok(true),
                "round {round}: a waiter was never woken"
            );
        }
        assert_eq!(woke.load(SeqCst), THREADS as u32);
    }
}

#[test]
fn condition_hands_over_every_item_once() {
    const ITEMS: u32 = 2000;
    let cond = Arc::new(Condition::new());
    let (stock, taken, made) = (
        Arc::new(AtomicU32::new(0)),
        Arc::new(AtomicU32::new(0)),
        Arc::new(AtomicU32::new(0)),
    );
    let (c, s, t, m) = (cond.clone(), stock.clone(), taken.clone(), made.clone());
    run("shop", move |i, rng| {
        if i % 2 == 0 {
            // producer: ITEMS / (THREADS/2) items each
            for _ in 0..ITEMS / (THREADS as u32 / 2) {
                let g = c.guard().unwrap();
                s.fetch_add(1, SeqCst);
                m.fetch_add(1, SeqCst);
                g.notify(1).unwrap();
            }
        } else {
            loop {
                let g = c.guard().unwrap();
                // Random timeouts: a wait that times out just checks again.
                while s.load(SeqCst) == 0 && t.load(SeqCst) < ITEMS {
                    g.wait(rng.timeout()).unwrap();
                }
                if t.load(SeqCst) >= ITEMS && s.load(SeqCst) == 0 {
                    g.notify_all().unwrap();
                    return;
                }
                s.fetch_sub(1, SeqCst);
                if t.fetch_add(1, SeqCst) + 1 == ITEMS {
                    g.notify_all().unwrap(); // the last item: let the other consumers finish
                }
            }
        }
    });
    assert_eq!(made.load(SeqCst), ITEMS);
    assert_eq!(
        taken.load(SeqCst),
        ITEMS,
        "every item consumed exactly once"
    );
    assert_eq!(stock.load(SeqCst), 0);
}

#[test]
fn barrier_keeps_everyone_in_step() {
    const ROUNDS: u32 = 200;
    let barrier = Arc::new(Barrier::new(THREADS as u32).unwrap());
    let round = Arc::new(AtomicU32::new(0));
    let r = round.clone();
    run("barrier", move |_, rng| {
        for n in 0..ROUNDS {
            if rng.below(8) == 0 {
                std::thread::yield_now();
            }
            assert_eq!(r.load(SeqCst), n, "a thread is out of step with the rounds");
            if barrier.wait(None).unwrap() == 0 {
                r.fetch_add(1, SeqCst);
            }
            barrier.wait(None).unwrap();
        }
    });
    assert_eq!(round.load(SeqCst), ROUNDS, "every round ended once");
}
