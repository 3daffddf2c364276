//! "RLock": a function that holds the lock calls another that takes it again. With a plain
//! Lock the second acquire would wait for itself forever; an RLock counts the levels. And what
//! happens when a thread that does not own an RLock tries to release it.

use crate::common::{join_all, start_threads, Stop};
use concurrency::{sleep, Error, RLock};
use serde::Serialize;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::time::Duration;

// ANCHOR: account
/// A bank account whose methods all take the same RLock.
pub struct Account {
    lock: RLock,
    balance: AtomicU64,
    /// How long writing one entry in the ledger takes.
    work: Duration,
}

impl Account {
    /// `with self.lock: self.balance += amount`
    pub fn deposit(&self, amount: u64) -> Result<(), Error> {
        let _held = self.lock.guard()?; // level 1, or level 2 when called from `transfer_in`
        sleep(self.work)?; // the ledger entry: long enough to see level 2 on the page
        self.balance
            .store(self.balance.load(Relaxed) + amount, Relaxed);
        Ok(())
    }

    /// Holds the lock across two deposits: they re-enter it.
    pub fn transfer_in(&self, amounts: [u64; 2]) -> Result<(), Error> {
        let _held = self.lock.guard()?; // level 1
        self.deposit(amounts[0])?; // level 2 inside
        sleep(self.work)?; // back at level 1: nobody else may see the account half-updated
        self.deposit(amounts[1])?; // level 2 again
        Ok(())
    }
}
// ANCHOR_END: account

/// `threads` clerks each make `rounds` two-part transfers of 1 + 1, each step taking `work`
/// (so one transfer holds the lock about `3 * work`). Returns the balance (always
/// `threads * rounds * 2`, less if stopped).
pub fn clerks(threads: usize, rounds: u64, work: Duration, stop: &Stop) -> Result<u64, Error> {
    let account = Arc::new(Account {
        lock: RLock::new(),
        balance: AtomicU64::new(0),
        work,
    });
    concurrency::trace::set_label(account.lock.trace_id(), "account lock");
    let (a, s) = (account.clone(), stop.clone());
    let clerks = start_threads("clerk", threads, move |_| {
        for _ in 0..rounds {
            if s.requested() {
                break; // the page's Stop button
            }
            a.transfer_in([1, 1])?;
        }
        Ok(())
    })?;
    join_all(&clerks)?;
    Ok(account.balance.load(Relaxed))
}

/// What [`release_by_non_owner`] saw.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NotOwner {
    /// The error the other thread's `release()` returned (`Error::NotOwner`'s text).
    pub refused: String,
    /// The owner's recursion count right after the refused release: still 2.
    pub count: u32,
    /// Whether the lock was still held after the refused release: yes, by its owner.
    pub still_locked: bool,
    /// Whether the lock is free once the owner released its two levels.
    pub free_after: bool,
}

/// How long the `rlock_owner` demo's owner holds its lock before and after the refused
/// release: long enough to see the owner and its count on the page.
pub const OWNER_HOLDS: Duration = Duration::from_millis(500);

/// A thread named "owner" takes an RLock twice and holds it for `hold`; then a thread named
/// "intruder" calls `release()` on it and is refused; the owner still holds both levels for
/// another `hold`, then releases them.
pub fn release_by_non_owner(hold: Duration) -> Result<NotOwner, Error> {
    let seen = Arc::new(Mutex::new(None));
    let s = seen.clone();
    let owner = start_threads("owner", 1, move |_| {
        // ANCHOR: not_owner
        let lock = Arc::new(RLock::new());
        concurrency::trace::set_label(lock.trace_id(), "owner's lock");
        let outer = lock.guard()?; // this thread owns the lock...
        let inner = lock.guard()?; // ...at level 2
        sleep(hold)?;
        let l = lock.clone();
        let intruder = start_threads("intruder", 1, move |_| l.release())?; // not the owner
        let refused = join_all(&intruder); // Err(Error::NotOwner): nothing changed
        let count = lock.recursion_count(); // still 2, still ours
        let still_locked = lock.locked();
        sleep(hold)?;
        drop(inner); // level 1
        drop(outer); // free: only its owner can do this
        let free_after = !lock.locked();
        // ANCHOR_END: not_owner
        let refused = match refused {
            Err(e) => e.to_string(),
            Ok(()) => return Err(Error::InvalidArgument("a non-owner released an RLock")),
        };
        if let Ok(mut seen) = s.lock() {
            *seen = Some(NotOwner {
                refused,
                count,
                still_locked,
                free_after,
            });
        }
        Ok(())
    })?;
    join_all(&owner)?;
    let seen = seen.lock().ok().and_then(|mut s| s.take());
    seen.ok_or(Error::InvalidArgument("the owner thread reported nothing"))
}
