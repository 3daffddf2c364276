//! "RLock": a function that holds the lock calls another that takes it again. With a plain
//! Lock the second acquire would wait for itself forever; an RLock counts the levels.

use crate::common::{join_all, start_threads};
use concurrency::{sleep, Error, RLock};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::time::Duration;

// ANCHOR: account
/// A bank account whose methods all take the same RLock.
pub struct Account {
    lock: RLock,
    balance: AtomicU64,
}

impl Account {
    /// `with self.lock: self.balance += amount`
    pub fn deposit(&self, amount: u64) -> Result<(), Error> {
        let _held = self.lock.guard()?; // level 1, or level 2 when called from `transfer_in`
        self.balance
            .store(self.balance.load(Relaxed) + amount, Relaxed);
        Ok(())
    }

    /// Holds the lock across two deposits: they re-enter it.
    pub fn transfer_in(&self, amounts: [u64; 2], work: Duration) -> Result<(), Error> {
        let _held = self.lock.guard()?; // level 1
        self.deposit(amounts[0])?;
        sleep(work)?; // nobody else may see the account half-updated
        self.deposit(amounts[1])?;
        Ok(())
    }
}
// ANCHOR_END: account

/// `threads` clerks each make `rounds` two-part transfers of 1 + 1. Returns the balance
/// (always `threads * rounds * 2`).
pub fn clerks(threads: usize, rounds: u64, work: Duration) -> Result<u64, Error> {
    let account = Arc::new(Account {
        lock: RLock::new(),
        balance: AtomicU64::new(0),
    });
    concurrency::trace::set_label(account.lock.trace_id(), "account lock");
    let a = account.clone();
    let clerks = start_threads("clerk", threads, move |_| {
        for _ in 0..rounds {
            a.transfer_in([1, 1], work)?;
        }
        Ok(())
    })?;
    join_all(&clerks)?;
    Ok(account.balance.load(Relaxed))
}
