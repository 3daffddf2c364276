//! The classic deadlock, for the detection cases: two threads take two locks in opposite
//! orders, hold the first for `hold`, and wait at most `patience` for the second. (The book's
//! own version, with its narration, is `book/programs/src/deadlock.rs`.)

use concurrency::{sleep, Barrier, Error, IntoTimeout, RLock, Thread};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How one thread's attempt ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Got both locks.
    Done,
    /// Waited `patience` for the second lock and gave up.
    GaveUp,
    /// Deadlock detection refused the wait that closed the cycle (the cycle, by names).
    Refused(Vec<String>),
}

/// Threads "transfer-0" and "transfer-1" over RLocks "lock A" and "lock B" (owned locks: a
/// cycle over them without timeouts is certain); `ordered`: both take A first. Returns each
/// thread's outcome.
pub fn two_locks(
    ordered: bool,
    hold: Duration,
    patience: impl IntoTimeout,
) -> Result<Vec<Outcome>, Error> {
    let patience = patience.into_timeout()?;
    let locks = [Arc::new(RLock::new()), Arc::new(RLock::new())];
    concurrency::trace::set_label(locks[0].trace_id(), "lock A");
    concurrency::trace::set_label(locks[1].trace_id(), "lock B");
    let outcomes = Arc::new(Mutex::new(vec![Outcome::Done, Outcome::Done]));
    // In opposite order, both hold their first lock before either reaches for its second, so
    // the cycle always forms (not only when the second thread starts within `hold`).
    let gate = Arc::new(Barrier::new(2)?);
    let threads: Vec<Thread> = (0..2)
        .map(|i| {
            let (first, second) = if ordered || i == 0 {
                (locks[0].clone(), locks[1].clone())
            } else {
                (locks[1].clone(), locks[0].clone())
            };
            let (outcomes, gate) = (outcomes.clone(), gate.clone());
            Thread::builder()
                .name(format!("transfer-{i}"))
                .target(move || {
                    let _one = first.guard().expect("the first lock is free");
                    if !ordered {
                        gate.wait(None).expect("both reach the gate");
                    }
                    sleep(hold).expect("a worker may sleep");
                    let outcome = match second.acquire(true, patience) {
                        Ok(true) => {
                            second.release().expect("held");
                            Outcome::Done
                        }
                        Ok(false) => Outcome::GaveUp,
                        Err(Error::Deadlock(cycle)) => Outcome::Refused(cycle),
                        Err(e) => panic!("{e}"),
                    };
                    outcomes.lock().unwrap()[i] = outcome;
                })
                .build()
        })
        .collect();
    for t in &threads {
        t.start()?;
    }
    for t in &threads {
        t.join(None)?;
    }
    let all = outcomes.lock().unwrap().clone();
    Ok(all)
}
