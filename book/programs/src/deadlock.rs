//! "Deadlock": two threads take two locks in opposite orders. Each holds one and waits for the
//! other: neither can ever go on. The fix is one global order for taking locks.
//!
//! The locks are RLocks: an RLock has an owner, so while both threads wait without a timeout
//! the crate knows the cycle is certain (only its owner could release each lock), and
//! deadlock detection refuses the wait that closes it. With plain Locks, or with a timeout,
//! the cycle is only suspected and shown, not refused (`inspect`).

use crate::common::{join_all, start_threads};
use concurrency::{sleep, Error, IntoTimeout, RLock};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How each thread's attempt ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Got both locks.
    Done,
    /// Waited `patience` for the second lock and gave up.
    GaveUp,
    /// Deadlock detection refused the wait that closed the cycle (the cycle, by names).
    Refused(Vec<String>),
}

fn record(outcomes: &Mutex<Vec<Outcome>>, i: usize, outcome: Outcome) {
    if let Ok(mut all) = outcomes.lock() {
        all[i] = outcome;
    }
}

/// Two threads, two locks. `ordered`: both take "lock A" first (the fix). Otherwise thread 0
/// takes A then B and thread 1 takes B then A. Each holds its first lock for `hold`, and
/// waits at most `patience` for the second (`None`: as long as it takes).
pub fn two_locks(
    ordered: bool,
    hold: Duration,
    patience: impl IntoTimeout,
) -> Result<Vec<Outcome>, Error> {
    let patience = patience.into_timeout()?;
    let (a, b) = (Arc::new(RLock::new()), Arc::new(RLock::new()));
    concurrency::trace::set_label(a.trace_id(), "lock A");
    concurrency::trace::set_label(b.trace_id(), "lock B");
    let outcomes = Arc::new(Mutex::new(vec![Outcome::Done, Outcome::Done]));
    let o = outcomes.clone();
    // ANCHOR: opposite_order
    let threads = start_threads("transfer", 2, move |i| {
        let (first, second) = if ordered || i == 0 {
            (&a, &b)
        } else {
            (&b, &a)
        };
        let _one = first.guard()?;
        sleep(hold)?; // long enough for the other thread to take its first lock
        let outcome = match second.acquire(true, patience) {
            Ok(true) => {
                second.release()?;
                Outcome::Done
            }
            Ok(false) => Outcome::GaveUp, // waited `patience`: it never came
            Err(Error::Deadlock(cycle)) => Outcome::Refused(cycle),
            Err(e) => return Err(e),
        };
        record(&o, i, outcome);
        Ok(())
    })?;
    // ANCHOR_END: opposite_order
    join_all(&threads)?;
    let all = outcomes.lock().map(|v| v.clone()).unwrap_or_default();
    Ok(all)
}
