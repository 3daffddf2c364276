//! Small helpers the book's programs share.

use crate::{Error, Thread};

/// Starts one thread per `i` in `0..n`, named `{prefix}-{i}`, each running `work(i)`.
/// An `Err` from `work` ends that thread early and is kept in `failures`.
pub fn start_threads<F>(prefix: &str, n: usize, work: F) -> Result<Vec<Thread>, Error>
where
    F: Fn(usize) -> Result<(), Error> + Clone + Send + 'static,
{
    (0..n)
        .map(|i| {
            let work = work.clone();
            let t = Thread::builder()
                .name(format!("{prefix}-{i}"))
                .target(move || {
                    if let Err(e) = work(i) {
                        crate::sys::report_error(&format!(
                            "{}: {e}",
                            crate::current_thread().name()
                        ));
                    }
                })
                .build();
            t.start()?;
            Ok(t)
        })
        .collect()
}

/// Joins every thread (waiting as long as it takes).
pub fn join_all(threads: &[Thread]) -> Result<(), Error> {
    for t in threads {
        t.join(None)?;
    }
    Ok(())
}
