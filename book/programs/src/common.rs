//! Small helpers the book's programs share.

use concurrency::{Error, Thread};
use std::sync::{Arc, Mutex};

/// Threads started together by [`start_threads`], with the first error any of them returned.
pub struct Crew {
    threads: Vec<Thread>,
    failure: Arc<Mutex<Option<Error>>>,
}

/// Starts one thread per `i` in `0..n`, named `{prefix}-{i}`, each running `work(i)`.
/// An `Err` from `work` ends that thread early; [`join_all`] returns the first one.
pub fn start_threads<F>(prefix: &str, n: usize, work: F) -> Result<Crew, Error>
where
    F: Fn(usize) -> Result<(), Error> + Clone + Send + 'static,
{
    let failure = Arc::new(Mutex::new(None));
    let threads = (0..n)
        .map(|i| {
            let (work, failure) = (work.clone(), failure.clone());
            let t = Thread::builder()
                .name(format!("{prefix}-{i}"))
                .target(move || {
                    if let Err(e) = work(i) {
                        if let Ok(mut first) = failure.lock() {
                            first.get_or_insert(e);
                        }
                    }
                })
                .build();
            t.start()?;
            Ok(t)
        })
        .collect::<Result<_, Error>>()?;
    Ok(Crew { threads, failure })
}

/// Joins every thread (waiting as long as it takes); then the first error one of them
/// returned, if any.
pub fn join_all(crew: &Crew) -> Result<(), Error> {
    for t in &crew.threads {
        t.join(None)?;
    }
    match crew.failure.lock().map(|mut f| f.take()) {
        Ok(Some(e)) => Err(e),
        _ => Ok(()),
    }
}
