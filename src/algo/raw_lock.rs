//! The lock word under both [`Lock`](super::Lock) and the crate's internal `Mutex<T>`:
//! a 32-bit atomic with three named states, an inline fast path and a cold contended path
//! over the seam (the shape of std's `sys/sync/mutex/futex.rs`).
//!
//! | state       | meaning                                   | who moves it there            |
//! |-------------|-------------------------------------------|-------------------------------|
//! | `UNLOCKED`  | free                                      | `unlock`                      |
//! | `LOCKED`    | held, and no thread waits (fast path)     | `try_lock` (CAS from UNLOCKED)|
//! | `CONTENDED` | held, and a thread may wait on the word   | a locker about to wait        |
//!
//! `unlock` swaps in `UNLOCKED` and calls `wake_one` only if the old state was `CONTENDED`, so
//! an uncontended acquire+release is two atomic instructions and no system call. A woken
//! thread re-takes the lock as `CONTENDED` (it cannot know whether others still wait), which
//! at worst costs one unneeded wake later.
//!
//! The word is a type parameter ([`Word`]): this process's own `AtomicU32` by default (every
//! `threading` primitive), or a word in a region several processes map (the process-shared
//! Lock and RLock build a `RawLock<SharedWord>` over it for each call). One algorithm for both.

use super::word::Word;
use crate::primitive::{AtomicU32, Ordering::*};
use crate::time::Deadline;

const UNLOCKED: u32 = 0;
const LOCKED: u32 = 1;
const CONTENDED: u32 = 2;

pub(crate) struct RawLock<W: Word = AtomicU32> {
    state: W,
}

impl RawLock {
    const_unless_loom! {
        pub(crate) fn new() -> RawLock {
            RawLock {
                state: AtomicU32::new(UNLOCKED),
            }
        }
    }
}

/// The value a new lock's word must hold (free), for words that live elsewhere.
#[cfg_attr(not(all(target_os = "linux", feature = "native")), allow(dead_code))] // used by process::shared
pub(crate) const FREE: u32 = UNLOCKED;

impl<W: Word> RawLock<W> {
    /// The lock whose word is `state` (which holds [`FREE`] or a state written by this
    /// algorithm). Free to build: for a word in a shared region, one per call.
    #[cfg_attr(not(all(target_os = "linux", feature = "native")), allow(dead_code))] // used by process::shared
    #[inline]
    pub(crate) const fn over(state: W) -> RawLock<W> {
        RawLock { state }
    }

    /// One CAS. Acquire: the holder sees everything the previous holder wrote before unlocking.
    #[inline]
    pub(crate) fn try_lock(&self) -> bool {
        self.state
            .compare_exchange(UNLOCKED, LOCKED, Acquire, Relaxed)
            .is_ok()
    }

    #[inline]
    pub(crate) fn is_locked(&self) -> bool {
        self.state.load(Relaxed) != UNLOCKED
    }

    /// Releases. Returns `false` (and changes nothing) if the lock was not held.
    /// Release ordering publishes the critical section to the next holder. Never blocks.
    #[inline]
    pub(crate) fn unlock(&self) -> bool {
        match self.state.swap(UNLOCKED, Release) {
            UNLOCKED => false,
            CONTENDED => {
                self.state.wake_one();
                true
            }
            _ => true,
        }
    }

    /// Waits for the lock until `deadline` (`None`: forever). Returns whether it was taken.
    /// The caller has checked that this thread may block.
    #[cold]
    pub(crate) fn lock_contended(&self, deadline: Option<Deadline>) -> bool {
        let mut state = self.spin();
        if state == UNLOCKED {
            match self
                .state
                .compare_exchange(UNLOCKED, LOCKED, Acquire, Relaxed)
            {
                Ok(_) => return true,
                Err(s) => state = s,
            }
        }
        loop {
            // Mark the word CONTENDED before sleeping so that the holder's unlock wakes us.
            // If the swap finds it UNLOCKED we took it (as CONTENDED: others may still sleep).
            if state != CONTENDED && self.state.swap(CONTENDED, Acquire) == UNLOCKED {
                return true;
            }
            let timeout = match deadline {
                None => None,
                Some(d) => match d.remaining() {
                    Some(left) => Some(left),
                    None => return false,
                },
            };
            self.state.wait(CONTENDED, timeout);
            state = self.spin();
        }
    }

    /// Busy-waits without writing: no park if the holder gets out quickly. Used where a
    /// thread cannot park (the browser's main thread) for the crate's own short critical
    /// sections only; never for user-visible locks.
    pub(crate) fn lock_spinning(&self) {
        while !self.try_lock() {
            core::hint::spin_loop();
        }
    }

    /// Re-reads the word while it is LOCKED, with exponential backoff between reads (fewer
    /// reads of a line the holder is writing: this doubled the queue's SPSC throughput here),
    /// for about LOCK_SPINS pauses in all.
    fn spin(&self) -> u32 {
        let mut spins = crate::primitive::LOCK_SPINS;
        let mut backoff = 1;
        loop {
            let state = self.state.load(Relaxed);
            if state != LOCKED || spins == 0 {
                return state;
            }
            for _ in 0..backoff {
                core::hint::spin_loop();
            }
            backoff = (backoff * 2).min(64);
            spins = spins.saturating_sub(backoff);
        }
    }
}
