//! A reentrant lock: the lock word of [`RawLock`] plus an owner and a recursion count.
//!
//! | `owner` | `count` | lock word             | meaning                         |
//! |---------|---------|-----------------------|---------------------------------|
//! | 0       | 0       | UNLOCKED              | free                            |
//! | T       | n ≥ 1   | LOCKED / CONTENDED    | held by thread T, n levels deep |
//!
//! Only the owner writes `owner` and `count`, and only while it holds the word, so a thread
//! that reads its own id in `owner` really is the owner: thread ids are 64-bit and never
//! reused or wrapped (`trace::next_id`), and 0 is nobody. A caller whose id is 0 (a thread
//! the crate could not identify) never owns it. An owner that ends without releasing leaves
//! it locked forever, as in CPython.
//!
//! Generic over where the words live ([`Word`], [`Word64`]), as [`RawLock`] is: this process's
//! own atomics by default; for the process-shared RLock, words in a shared region, where the
//! owner id also names the process (and [`ReentrantLock::take_over`] lets a waiter replace an
//! owner whose process died).

use super::raw_lock::RawLock;
use super::word::{Word, Word64};
use crate::primitive::{
    AtomicU32, AtomicU64,
    Ordering::{Acquire, Relaxed},
};
use crate::time::Deadline;

pub(crate) struct ReentrantLock<W: Word = AtomicU32, O: Word64 = AtomicU64> {
    raw: RawLock<W>,
    owner: O,
    count: W,
}

/// The caller does not own the lock.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct NotOwner;

/// What an enter did.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Entered {
    /// Took the lock (count 1 or the restored count).
    Took(u32),
    /// Already owned: one level deeper (the new count).
    Deeper(u32),
    /// The recursion count would overflow; nothing changed.
    TooDeep,
}

impl ReentrantLock {
    const_unless_loom! {
        pub(crate) fn new() -> ReentrantLock {
            ReentrantLock {
                raw: RawLock::new(),
                owner: AtomicU64::new(0),
                count: AtomicU32::new(0),
            }
        }
    }
}

impl<W: Word, O: Word64> ReentrantLock<W, O> {
    /// The lock kept in `word` (a [`RawLock`] word), `owner` and `count`, which hold a state
    /// this algorithm wrote, or `FREE`, 0 and 0.
    #[cfg_attr(not(all(target_os = "linux", feature = "native")), allow(dead_code))] // used by process::shared
    #[inline]
    pub(crate) const fn over(word: W, owner: O, count: W) -> ReentrantLock<W, O> {
        ReentrantLock {
            raw: RawLock::over(word),
            owner,
            count,
        }
    }

    pub(crate) fn is_locked(&self) -> bool {
        self.raw.is_locked()
    }

    pub(crate) fn owner(&self) -> u64 {
        self.owner.load(Relaxed)
    }

    pub(crate) fn count(&self) -> u32 {
        self.count.load(Relaxed)
    }

    pub(crate) fn is_owned_by(&self, me: u64) -> bool {
        me != 0 && self.owner.load(Relaxed) == me
    }

    /// Re-enters if `me` owns it, else takes it if free. `None`: held by another thread.
    #[inline]
    pub(crate) fn try_enter(&self, me: u64) -> Option<Entered> {
        if self.is_owned_by(me) {
            let count = self.count.load(Relaxed);
            return Some(match count.checked_add(1) {
                Some(c) => {
                    self.count.store(c, Relaxed);
                    Entered::Deeper(c)
                }
                None => Entered::TooDeep,
            });
        }
        self.raw.try_lock().then(|| self.take(me, 1))
    }

    /// Waits to take it (not owned by `me`) until `deadline`, with `count` levels. `None` on
    /// timeout. The caller has checked that it may block.
    #[cold]
    pub(crate) fn enter_waiting(
        &self,
        me: u64,
        count: u32,
        deadline: Option<Deadline>,
    ) -> Option<Entered> {
        (self.raw.try_lock() || self.raw.lock_contended(deadline)).then(|| self.take(me, count))
    }

    fn take(&self, me: u64, count: u32) -> Entered {
        self.owner.store(me, Relaxed);
        self.count.store(count, Relaxed);
        Entered::Took(count)
    }

    /// Leaves one level; returns the levels left (0: released). Never blocks.
    pub(crate) fn exit(&self, me: u64) -> Result<u32, NotOwner> {
        if !self.is_owned_by(me) {
            return Err(NotOwner);
        }
        // Saturating: in a shared region another process could have zeroed the count.
        let left = self.count.load(Relaxed).saturating_sub(1);
        self.count.store(left, Relaxed);
        if left == 0 {
            self.owner.store(0, Relaxed);
            self.raw.unlock();
        }
        Ok(left)
    }

    /// Replaces the owner `dead`, which will never release (its process died), with `me` at
    /// `count` levels, if `dead` still owns the lock. The lock word stays held throughout, so no
    /// other thread can get in between; of several callers with the same `dead`, one wins (a
    /// compare-exchange). Acquire: what the dead owner wrote is visible to the new one as far
    /// as it ever will be.
    #[cfg_attr(not(all(target_os = "linux", feature = "native")), allow(dead_code))] // used by process::shared
    pub(crate) fn take_over(&self, dead: u64, me: u64, count: u32) -> bool {
        if dead == 0
            || me == 0
            || self
                .owner
                .compare_exchange(dead, me, Acquire, Relaxed)
                .is_err()
        {
            return false;
        }
        self.count.store(count, Relaxed);
        true
    }

    /// Leaves every level at once; returns how many there were (for Condition's wait).
    pub(crate) fn exit_all(&self, me: u64) -> Result<u32, NotOwner> {
        if !self.is_owned_by(me) {
            return Err(NotOwner);
        }
        let count = self.count.load(Relaxed);
        self.count.store(0, Relaxed);
        self.owner.store(0, Relaxed);
        self.raw.unlock();
        Ok(count)
    }
}
