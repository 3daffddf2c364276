//! Portable backend of the seam: a fixed table of buckets, each a std `Mutex` + `Condvar`,
//! chosen by the word's address. Used on every OS without a futex backend here, and on Linux
//! with the `portable-seam` feature (so CI keeps it working).
//!
//! Why no wake-up is lost: a waiter compares the word while holding its bucket's mutex, and a
//! waker takes the same mutex before notifying. A waker changes the word *before* calling
//! `wake_*`, so either the waiter sees the new value, or it is already inside `Condvar::wait`
//! (which released the mutex atomically) when the waker notifies.
//!
//! Several words share a bucket, so both wakes use `notify_all`: waiters of other words see a
//! spurious wake-up, which the seam allows.
//!
//! For stress tests this backend can also *inject* spurious wake-ups
//! ([`inject_spurious_wakeups`]): a primitive that mistakes a wake-up for its condition shows up
//! as an over-acquire or a wrong result there.

use super::WaitOutcome;
use crate::primitive::{AtomicU32, Condvar, Mutex, Ordering};
use core::time::Duration;

const BUCKETS: usize = 64;

struct Bucket {
    lock: Mutex<()>,
    cond: Condvar,
}

fn table() -> &'static [Bucket; BUCKETS] {
    static TABLE: std::sync::OnceLock<[Bucket; BUCKETS]> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        core::array::from_fn(|_| Bucket {
            lock: Mutex::new(()),
            cond: Condvar::new(),
        })
    })
}

fn bucket(word: &AtomicU32) -> &'static Bucket {
    let addr = word as *const AtomicU32 as usize;
    // Fibonacci hashing of the address; the low 2 bits are always zero.
    let index = (addr >> 2).wrapping_mul(0x9E37_79B9_7F4A_7C15_u64 as usize) >> (usize::BITS - 6);
    &table()[index % BUCKETS]
}

static SPURIOUS_PER_MILLE: AtomicU32 = AtomicU32::new(0);

/// Makes about `per_mille`/1000 of all waits return at once as spurious wake-ups (0: none).
/// For stress tests of the primitives above the seam.
pub fn inject_spurious_wakeups(per_mille: u32) {
    SPURIOUS_PER_MILLE.store(per_mille.min(1000), Ordering::Relaxed);
}

/// A cheap per-thread pseudo-random number in 0..1000 (xorshift).
fn roll() -> u32 {
    use std::cell::Cell;
    thread_local!(static STATE: Cell<u32> = const { Cell::new(0x9E37_79B9) });
    STATE.with(|s| {
        let mut x = s.get();
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        s.set(x);
        x % 1000
    })
}

pub fn wait(word: &AtomicU32, expected: u32, timeout: Option<Duration>) -> WaitOutcome {
    let spurious = SPURIOUS_PER_MILLE.load(Ordering::Relaxed);
    if spurious > 0 && roll() < spurious {
        return WaitOutcome::Woken;
    }
    let b = bucket(word);
    // A poisoned bucket only means another waiter panicked; the unit data cannot be torn.
    let guard = b.lock.lock().unwrap_or_else(|p| p.into_inner());
    if word.load(Ordering::Relaxed) != expected {
        return WaitOutcome::Woken;
    }
    match timeout {
        None => {
            drop(b.cond.wait(guard).unwrap_or_else(|p| p.into_inner()));
            WaitOutcome::Woken
        }
        Some(d) => {
            let (_g, r) = b
                .cond
                .wait_timeout(guard, d)
                .unwrap_or_else(|p| p.into_inner());
            if r.timed_out() {
                WaitOutcome::TimedOut
            } else {
                WaitOutcome::Woken
            }
        }
    }
}

pub fn wake_one(word: &AtomicU32) {
    wake_all(word)
}

pub fn wake_all(word: &AtomicU32) {
    let b = bucket(word);
    drop(b.lock.lock().unwrap_or_else(|p| p.into_inner()));
    b.cond.notify_all();
}
